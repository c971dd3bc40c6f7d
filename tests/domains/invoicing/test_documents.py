"""Platforms' invoices and credit notes as Peppol BIS Billing 3.0 (UBL 2.1) and PDF: every document of a settled
contract passes the rules of peppol_rules.py, the PDF states the XML's figures, and only the platform reads its own."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import etree
from pydantic import SecretStr
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from gateway.cli import app as cli
from gateway.domains.invoicing import ubl
from gateway.domains.invoicing.document import unit_price
from gateway.domains.invoicing.service import invoice_document
from gateway.domains.invoicing.settings import InvoicingSettings, Party, get_invoicing_settings
from gateway.settings import Settings, get_settings
from tests.conftest import Clock, PlatformHandle, as_it_happens, event
from tests.domains.invoicing.peppol_rules import COVERED, NS, check

STAFF = {"Authorization": "Bearer staff-secret-token"}
BUYER = {"name": "Demo Delivery BV", "enterprise_number": "0203.201.340", "vat_number": "BE 0203.201.340",
         "street": "Wetstraat 1", "city": "Brussel", "postcode": "1000"}  # fmt: skip
OTHER = {**BUYER, "name": "Other Delivery SRL"}


@pytest.fixture
def send(send: Callable[..., Any], clock: Clock) -> Callable[..., Any]:
    return as_it_happens(send, clock)


@pytest.fixture
def config() -> InvoicingSettings:
    return InvoicingSettings(buyers={"demo": Party(**BUYER), "other": Party(**OTHER)})


@pytest.fixture
def staff_app(app: FastAPI, settings: Settings, config: InvoicingSettings) -> FastAPI:
    app.state.settings = settings.model_copy(update={"admin_token": SecretStr("staff-secret-token")})
    app.state.invoicing_settings = config
    return app


def _settle(send: Callable[..., Any], p: PlatformHandle, run_job: Callable[..., int], code: str, **ended: Any) -> None:
    booked = send(p, event("shift.booked", shift_code=code, rider_id="r-1",
                           starts_at="2026-12-01T10:00:00+01:00", ends_at="2026-12-01T13:00:00+01:00"))  # fmt: skip
    assert booked.status_code == 200, booked.text
    send(p, event("shift.ended", shift_code=code, **ended))
    run_job("contracts.settle", datetime(2026, 12, 2, tzinfo=UTC))
    run_job("invoices.issue", datetime(2026, 12, 2, 1, tzinfo=UTC))


@pytest.fixture
def invoices(
    staff_app: FastAPI, client: TestClient, enrolled: PlatformHandle, send: Callable[..., Any],
    run_job: Callable[..., int],
) -> list[dict[str, Any]]:  # fmt: skip
    """Settled contracts of several shapes: the minimum three hours, a longer shift with expenses and pay offered."""
    _settle(send, enrolled, run_job, "S-1", at="2026-12-01T13:00:00+01:00")
    _settle(send, enrolled, run_job, "S-2", at="2026-12-01T11:10:00+01:00", deliveries=0)
    _settle(send, enrolled, run_job, "S-3", at="2026-12-01T15:47:00+01:00", deliveries=9,
            pay={"hourly_gross": "13.37", "currency": "EUR"})  # fmt: skip
    listed = client.get("/v1/platforms/demo/invoices", headers=enrolled.auth)
    assert listed.status_code == 200, listed.text
    assert len(listed.json()) == 3
    return list(listed.json())


def _figures(xml: bytes) -> dict[str, Decimal]:
    root = etree.fromstring(xml)
    lines = root.findall("cac:InvoiceLine", NS) + root.findall("cac:CreditNoteLine", NS)
    found = {f"line {ln.findtext('cbc:ID', namespaces=NS)}": Decimal(ln.findtext("cbc:LineExtensionAmount",
             namespaces=NS) or "") for ln in lines}  # fmt: skip
    totals = root.find("cac:LegalMonetaryTotal", NS)
    assert totals is not None
    found["total"] = Decimal(totals.findtext("cbc:TaxExclusiveAmount", namespaces=NS) or "")
    found["vat"] = Decimal(root.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS) or "")
    found["payable"] = Decimal(totals.findtext("cbc:PayableAmount", namespaces=NS) or "")
    return found


def _pdf_figures(pdf: bytes) -> dict[str, Decimal]:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    found = {f"line {n}": Decimal(v) for n, v in re.findall(r"Line (\d+): (-?\d+\.\d\d)", text)}
    for key, pattern in (("total", r"Total excl\. VAT (-?\d+\.\d\d)"), ("vat", r"VAT [\d.]+ % \(.*?\) (-?\d+\.\d\d)"),
                         ("payable", r"Amount (?:payable|credited) (-?\d+\.\d\d)")):  # fmt: skip
        match = re.search(pattern, text)
        assert match is not None, (key, text)
        found[key] = Decimal(match.group(1))
    return found


def test_every_invoice_of_a_settled_contract_passes_the_peppol_rules(
    client: TestClient, enrolled: PlatformHandle, invoices: list[dict[str, Any]]
) -> None:
    for listed in invoices:
        r = client.get(listed["ubl"], headers=enrolled.auth)
        assert r.status_code == 200 and r.headers["content-type"] == "application/xml"
        assert check(r.content) == []
        figures = _figures(r.content)
        assert figures["total"] == Decimal(listed["total"])
        assert figures["vat"] == (figures["total"] * Decimal("0.21")).quantize(Decimal("0.01"))
        assert figures["payable"] == figures["total"] + figures["vat"]


def test_the_invoice_shows_hours_and_the_levy_with_its_clause(
    client: TestClient, enrolled: PlatformHandle, invoices: list[dict[str, Any]]
) -> None:
    contract = client.get("/v1/platforms/demo/shifts/S-3/contract", headers=enrolled.auth).json()
    invoice = contract["invoice"]
    root = etree.fromstring(
        client.get(f"/v1/platforms/demo/invoices/{invoice['id']}.xml", headers=enrolled.auth).content
    )
    service, *others = root.findall("cac:InvoiceLine", NS)
    quantity = service.find("cbc:InvoicedQuantity", NS)
    assert quantity is not None and quantity.attrib["unitCode"] == "HUR"
    # The invoice states the hours paid as settled (to 1/10000 h); the statement shows them to the cent of an hour.
    assert Decimal(quantity.text or "").quantize(Decimal("0.01")) == Decimal(contract["statement"]["paid_hours"])
    assert Decimal(service.findtext("cbc:LineExtensionAmount", namespaces=NS) or "") == Decimal(
        invoice["wages"]
    ) + Decimal(invoice["employer_contributions"])
    levy = others[-1]
    assert levy.findtext("cac:Item/cbc:Name", namespaces=NS) == "Guarantee fund levy"
    assert "§8 Guarantee fund" in (levy.findtext("cac:Item/cbc:Description", namespaces=NS) or "")
    assert Decimal(levy.findtext("cbc:LineExtensionAmount", namespaces=NS) or "") == Decimal(invoice["guarantee_levy"])
    seller = root.find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", NS)
    buyer = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS)
    assert seller is not None and seller.attrib["schemeID"] == "0208" and seller.text == "0403170701"
    assert buyer is not None and buyer.text == "0203201340"
    assert root.findtext("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", namespaces=NS) == "BE68539007547034"


def test_the_pdf_states_the_figures_of_the_xml(
    client: TestClient, enrolled: PlatformHandle, invoices: list[dict[str, Any]]
) -> None:
    for listed in invoices:
        xml = client.get(listed["ubl"], headers=enrolled.auth)
        pdf = client.get(listed["pdf"], headers=enrolled.auth)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")
        assert _pdf_figures(pdf.content) == _figures(xml.content)


def test_a_credit_note_credits_the_invoice_in_full_once(
    client: TestClient, enrolled: PlatformHandle, invoices: list[dict[str, Any]]
) -> None:
    invoice_id = invoices[0]["id"]
    body = {"invoice_id": invoice_id, "reason": "re-settled"}
    r = client.post("/v1/admin/credit-notes", json=body, headers=STAFF)
    assert r.status_code == 200, r.text
    credit_id = r.json()["id"]
    again = client.post("/v1/admin/credit-notes", json={**body, "reason": "twice"}, headers=STAFF)
    assert again.status_code == 409
    xml = client.get(f"/v1/platforms/demo/credit-notes/{credit_id}.xml", headers=enrolled.auth)
    assert xml.status_code == 200
    assert check(xml.content) == []
    root = etree.fromstring(xml.content)
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    assert root.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS) == invoice_id
    invoice_xml = client.get(f"/v1/admin/invoices/{invoice_id}/ubl", headers=STAFF).content
    assert _figures(xml.content) == _figures(invoice_xml)
    pdf = client.get(f"/v1/admin/credit-notes/{credit_id}/pdf", headers=STAFF)
    assert _pdf_figures(pdf.content) == _figures(xml.content)
    listed = client.get("/v1/platforms/demo/invoices", headers=enrolled.auth).json()
    assert [i["credit_note_id"] for i in listed if i["id"] == invoice_id] == [credit_id]


def test_another_platforms_invoice_is_404_and_its_path_403(
    client: TestClient, make_platform: Callable[..., PlatformHandle], invoices: list[dict[str, Any]]
) -> None:
    other = make_platform("other")
    invoice_id = invoices[0]["id"]
    for ext in ("xml", "pdf"):
        assert client.get(f"/v1/platforms/other/invoices/{invoice_id}.{ext}", headers=other.auth).status_code == 404
        assert client.get(f"/v1/platforms/demo/invoices/{invoice_id}.{ext}", headers=other.auth).status_code == 403
    assert client.get("/v1/platforms/other/invoices", headers=other.auth).json() == []


def test_a_token_without_invoices_read_is_403(
    client: TestClient, enrolled: PlatformHandle, invoices: list[dict[str, Any]], engine: Engine, settings: Settings
) -> None:
    from gateway.domains.auth.oauth import create_client
    from gateway.domains.platforms.service import get_platform

    with Session(engine) as session:
        platform = get_platform(session, "demo")
        assert platform is not None
        client_id, secret = create_client(session, platform, settings.credential_pepper.get_secret_value(),
                                          ["contracts:read"])  # fmt: skip
        session.commit()
    token = client.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert token.status_code == 200, token.text
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    r = client.get(invoices[0]["ubl"], headers=bearer)
    assert r.status_code == 403 and "invoices:read" in r.json()["detail"]
    assert client.get("/v1/platforms/demo/invoices", headers=bearer).status_code == 403


def test_staff_download_needs_the_staff_token(client: TestClient, invoices: list[dict[str, Any]]) -> None:
    invoice_id = invoices[0]["id"]
    assert client.get(f"/v1/admin/invoices/{invoice_id}/ubl").status_code == 401
    r = client.get(f"/v1/admin/invoices/{invoice_id}/ubl", headers=STAFF)
    assert r.status_code == 200 and check(r.content) == []
    assert client.get(f"/v1/admin/invoices/{invoice_id}/pdf", headers=STAFF).content.startswith(b"%PDF-")


def test_a_platform_without_a_billing_identity_is_a_409_problem(
    staff_app: FastAPI, client: TestClient, enrolled: PlatformHandle, invoices: list[dict[str, Any]]
) -> None:
    staff_app.state.invoicing_settings = InvoicingSettings()
    r = client.get(invoices[0]["ubl"], headers=enrolled.auth)
    assert r.status_code == 409 and "GATEWAY_INVOICING_BUYERS" in r.json()["detail"]


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    monkeypatch.setenv("GATEWAY_INVOICING_BUYERS", '{"demo": ' + json.dumps(BUYER) + "}")
    get_settings.cache_clear()
    get_invoicing_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()
    get_invoicing_settings.cache_clear()


def test_the_cli_writes_the_documents_and_issues_a_credit_note(
    invoices: list[dict[str, Any]], cli_db: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    invoice_id = invoices[0]["id"]
    out = runner.invoke(cli, ["invoices", "ubl", invoice_id, "--out", str(tmp_path / "i.xml")])
    assert out.exit_code == 0, out.output
    assert check((tmp_path / "i.xml").read_bytes()) == []
    out = runner.invoke(cli, ["invoices", "pdf", invoice_id, "--out", str(tmp_path / "i.pdf")])
    assert out.exit_code == 0 and (tmp_path / "i.pdf").read_bytes().startswith(b"%PDF-")
    out = runner.invoke(cli, ["invoices", "credit", invoice_id, "--reason", "wrong buyer"])
    assert out.exit_code == 0, out.output
    credit_id = out.output.split()[2]
    out = runner.invoke(cli, ["invoices", "credit-ubl", credit_id, "--out", str(tmp_path / "c.xml")])
    assert out.exit_code == 0, out.output
    assert check((tmp_path / "c.xml").read_bytes()) == []
    assert runner.invoke(cli, ["invoices", "credit", invoice_id, "--reason", "again"]).exit_code == 1


def test_the_rules_catch_a_broken_document(
    engine: Engine, config: InvoicingSettings, invoices: list[dict[str, Any]]
) -> None:
    """The checks are not vacuous: a document with a wrong total, a wrong VAT amount, no endpoint and a bad
    IBAN is refused under the rules that say so."""
    import uuid

    with Session(engine) as session:
        root = ubl.build(invoice_document(session, config, uuid.UUID(invoices[0]["id"])))
    root.find("cac:LegalMonetaryTotal/cbc:LineExtensionAmount", NS).text = "1.00"  # type: ignore[union-attr]
    root.find("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", NS).text = "0.01"  # type: ignore[union-attr]
    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS)
    assert endpoint is not None
    endpoint.getparent().remove(endpoint)  # type: ignore[union-attr]
    root.find("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", NS).text = "BE00000000000000"  # type: ignore[union-attr]
    found = {v.split(":")[0] for v in check(etree.tostring(root))}
    assert {"BR-CO-10", "BR-CO-13", "BR-CO-14", "BR-CO-17", "PEPPOL-EN16931-R010", "BR-50/BR-61"} <= found
    assert found <= set(COVERED) | {"BR-S-09"}


@pytest.mark.parametrize(
    ("amount", "hours"), [("40.11", "3"), ("100.00", "3.3333"), ("0.01", "7.1234"), ("999.99", "0.25")]
)
def test_the_unit_price_gives_back_the_line_amount(amount: str, hours: str) -> None:
    price = unit_price(Decimal(amount), Decimal(hours))
    assert (price * Decimal(hours)).quantize(Decimal("0.01")) == Decimal(amount)


@pytest.mark.parametrize("field", ["enterprise_number", "vat_number"])
def test_a_wrong_belgian_number_is_refused_at_start(field: str) -> None:
    with pytest.raises(ValueError, match="python-stdnum"):
        Party(**{**BUYER, field: "0203.201.341"})


def test_production_refuses_the_example_seller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_ENV", "production")
    with pytest.raises(ValueError, match="GATEWAY_INVOICING_SELLER"):
        InvoicingSettings()
    monkeypatch.setenv("GATEWAY_INVOICING_SELLER", json.dumps(BUYER))
    monkeypatch.setenv("GATEWAY_INVOICING_IBAN", "BE71 0961 2345 6769")
    assert InvoicingSettings().seller.name == BUYER["name"]


def test_the_invoice_list_pages_by_an_instant_in_the_gateway_window(
    client: TestClient, enrolled: PlatformHandle, invoices: list[dict[str, Any]]
) -> None:
    url = "/v1/platforms/demo/invoices"
    assert len(client.get(url, params={"before": "2099-01-01T00:00:00+00:00"}, headers=enrolled.auth).json()) == len(
        invoices
    )
    assert client.get(url, params={"before": "2000-01-01T00:00:00+00:00"}, headers=enrolled.auth).json() == []
    # No UTC value (year 10000), or no offset: refused as the request's fault, never a 500.
    for bad in ("9999-12-31T23:30:00-05:00", "2027-01-01T00:00:00"):
        r = client.get(url, params={"before": bad}, headers=enrolled.auth)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), bad
