"""Importing the bank's statement (camt.053) and return notices (camt.054), on both databases: paid transfers pay
their payouts, a return fails its payout with the bank's code and asks the rider for a new IBAN on their page, the
corrected IBAN sends the payout again as a new attempt, unknown lines are reported and applied nowhere, and no
file changes anything the second time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from gateway.cli import app as cli
from gateway.domains.members import service as members
from gateway.domains.members.models import Member
from gateway.domains.payouts.models import BankStatementImport, PayoutTransfer
from gateway.domains.staff.models import AuditEntry
from gateway.domains.staff.service import add_member as add_staff
from gateway.settings import Settings
from tests.conftest import PlatformHandle, count_rows
from tests.domains.payouts.bank_statements import Paid, Returned, camt053, camt054
from tests.domains.test_sepa_payouts import (
    DUE_AT,
    SETTLED_AT,
    STAFF,
    _batches,
    _env,
    _member,
    _payouts,
    _release,
    _shift,
    _transfers,
    at,
    fresh_settings,
    send,
    settings,
)
from tests.security.conftest import access_token, oauth_client, rider_session
from tests.web.test_pages import BROWSER, text_of

__all__ = ["access_token", "fresh_settings", "oauth_client", "rider_session", "send", "settings"]

Run = Callable[..., int]
IBANS = {"M-1": "BE68539007547034", "M-2": "NL91ABNA0417164300", "M-3": "DE89370400440532013000"}
NEW_IBAN = "BE71096123456769"
STATEMENTS = "/v1/admin/payouts/statements"
XML = {**STAFF, "content-type": "application/xml"}
RETURNED_BANNER = {
    "en": "Your bank sent back the money the cooperative transferred to you",
    "fr": "Ta banque a renvoyé l’argent que la coopérative t’a viré",
    "nl": "Je bank stuurde het geld terug dat de coöperatie je overschreef",
}


@pytest.fixture
def released(
    platform: PlatformHandle,
    send: Callable[..., Any],
    run_job: Run,
    engine: Engine,
    settings: Settings,
    client: TestClient,
) -> dict[str, PayoutTransfer]:
    """Three riders with an IBAN, settled, their payouts in one batch released to the bank: transfers by shift."""
    for number, iban in IBANS.items():
        _member(engine, settings, number, iban)
    for i, number in enumerate(IBANS, start=1):
        _shift(platform, send, f"r-{i}", f"S-{i}", number)
    assert run_job("contracts.settle", at(SETTLED_AT)) == 3
    assert client.post("/v1/admin/fund/deposits", json={"amount": "1000.00"}, headers=STAFF).status_code == 200
    run_job("payouts.execute", at(DUE_AT))
    [batch] = _batches(engine)
    assert _release(client, batch).status_code == 200
    payouts = {p.id: code for code, p in _payouts(engine).items()}
    return {payouts[t.payout_id]: t for t in _transfers(engine)}


def post(client: TestClient, data: bytes, seen: list[str], **headers: str) -> httpx.Response:
    r: httpx.Response = client.post(STATEMENTS, content=data, headers={**XML, **headers})
    seen.append(r.text)
    return r


def member(engine: Engine, number: str) -> Member:
    with Session(engine) as session:
        found = members.by_number(session, number)
    assert found is not None
    return found


@pytest.fixture
def seen(caplog: pytest.LogCaptureFixture) -> Any:
    """Every answer and log line of the test: where a clear IBAN must never appear."""
    bodies: list[str] = []
    caplog.set_level(logging.DEBUG)
    yield bodies
    everything = "\n".join([*bodies, caplog.text])
    for clear in [*IBANS.values(), NEW_IBAN]:
        assert clear not in everything


def test_a_statement_pays_a_return_fails_and_the_corrected_iban_pays_the_retry(
    released: dict[str, PayoutTransfer],
    platform: PlatformHandle,
    client: TestClient,
    engine: Engine,
    run_job: Run,
    rider_session: Callable[..., TestClient],
    seen: list[str],
) -> None:
    t1, t2, t3 = released["S-1"], released["S-2"], released["S-3"]
    statement = camt053(
        [Paid(t1.end_to_end_id, t1.amount), Paid(t2.end_to_end_id, t2.amount), Paid("NOT-OURS-1", Decimal("12.00"))]
    )
    r = post(client, statement, seen)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["paid"], report["returned"], report["unknown"], report["already_imported"]) == (2, 0, 1, False)
    [unknown] = [line for line in report["lines"] if line["outcome"] == "unknown"]
    assert unknown["why"] == "unknown_id" and unknown["applied"] is False
    payouts = _payouts(engine)
    assert [payouts[s].status for s in ("S-1", "S-2", "S-3")] == ["paid", "paid", "sent"]
    contract = client.get(f"/v1/platforms/{platform.slug}/shifts/S-1/contract", headers=platform.auth).json()
    assert contract["status"] == "paid"

    again = post(client, statement, seen).json()
    assert again["already_imported"] is True and again["import_id"] == report["import_id"]
    assert (again["paid"], again["unchanged"]) == (0, 2)
    assert {line["why"] for line in again["lines"] if line["outcome"] == "paid"} == {"already_paid"}
    assert count_rows(engine, "bank_statement_import") == 1

    notice = camt054([Returned(t3.end_to_end_id, t3.amount, reason="AC04")])
    returned = post(client, notice, seen).json()
    assert (returned["returned"], returned["paid"], returned["unknown"]) == (1, 0, 0)
    [line] = returned["lines"]
    assert line["reason_code"] == "AC04" and line["rider_must_correct_iban"] is True
    assert _payouts(engine)["S-3"].status == "failed"
    with Session(engine) as session:
        failed_transfer = session.get(PayoutTransfer, t3.id)
        assert failed_transfer is not None and failed_transfer.reason_code == "AC04"
    flagged = member(engine, "M-3")
    assert flagged.iban_rejected_at is not None and flagged.iban_rejected_reason == "AC04"
    assert post(client, notice, seen).json()["unchanged"] == 1  # a return of a failed transfer changes nothing

    listed = client.get("/v1/admin/payouts/failed", headers=STAFF)
    seen.append(listed.text)
    [failed] = listed.json()
    assert failed["end_to_end_id"] == t3.end_to_end_id and failed["reason_code"] == "AC04"
    assert failed["reason_label"] and failed["iban_corrected"] is False

    # The rider, on an access link, is asked to correct the IBAN, and may replace it (only because it was returned).
    rider = rider_session(platform, "r-3")
    for lang, words in RETURNED_BANNER.items():
        home = rider.get(f"/rider?lang={lang}", headers=BROWSER)
        seen.append(home.text)
        assert words in text_of(home.text)
    page = rider.get("/rider/identity?lang=en", headers=BROWSER)
    seen.append(page.text)
    assert 'name="iban"' in page.text and RETURNED_BANNER["en"] in text_of(page.text)
    saved = rider.post(
        "/rider/identity",
        data={"iban": NEW_IBAN},
        headers={**BROWSER, "origin": "http://127.0.0.1:8000"},
        follow_redirects=False,
    )
    seen.append(saved.text)
    assert saved.status_code == 303, saved.text
    corrected = member(engine, "M-3")
    assert corrected.iban_last4 == NEW_IBAN[-4:] and corrected.iban_rejected_at is None
    assert RETURNED_BANNER["en"] not in text_of(rider.get("/rider?lang=en", headers=BROWSER).text)
    assert client.get("/v1/admin/payouts/failed", headers=STAFF).json()[0]["iban_corrected"] is True

    # The next run retries it as a new attempt; the next statement pays it.
    assert run_job("payouts.execute", at("2026-12-12T08:00:00+01:00")) == 1
    second = _batches(engine)[-1]
    retry = _transfers(engine)[-1]
    assert second.count == 1 and retry.end_to_end_id == f"{t3.end_to_end_id}-R1" and retry.iban_last4 == "6769"
    assert _release(client, second).status_code == 200
    paid = post(client, camt053([Paid(retry.end_to_end_id, retry.amount)]), seen).json()
    assert paid["paid"] == 1 and _payouts(engine)["S-3"].status == "paid"
    assert client.get("/v1/admin/payouts/failed", headers=STAFF).json() == []
    assert run_job("payouts.execute", at("2026-12-13T08:00:00+01:00")) == 0  # retried once, not again

    # Every file again: nothing changes.
    for data in (statement, notice):
        replay = post(client, data, seen).json()
        assert replay["already_imported"] is True and replay["paid"] == replay["returned"] == 0
    assert {p.status for p in _payouts(engine).values()} == {"paid"}
    with Session(engine) as session:
        actions = session.exec(select(AuditEntry.action).where(AuditEntry.action == "payouts.statement.imported"))
        assert len(actions.all()) == 7  # every import is audited, the replays too


def test_a_return_staff_must_handle_asks_no_new_iban_and_is_not_retried(
    released: dict[str, PayoutTransfer], client: TestClient, engine: Engine, run_job: Run, seen: list[str]
) -> None:
    t1 = released["S-1"]
    r = post(client, camt054([Returned(t1.end_to_end_id, t1.amount, reason="MD07")]), seen).json()
    assert r["returned"] == 1 and r["lines"][0]["rider_must_correct_iban"] is False
    assert _payouts(engine)["S-1"].status == "failed" and member(engine, "M-1").iban_rejected_at is None
    assert run_job("payouts.execute", at("2026-12-12T08:00:00+01:00")) == 0
    assert _payouts(engine)["S-1"].status == "failed"


def test_a_line_that_does_not_match_is_reported_and_applied_nowhere(
    released: dict[str, PayoutTransfer], client: TestClient, engine: Engine, seen: list[str]
) -> None:
    t1, t2 = released["S-1"], released["S-2"]
    lines = [Paid(t1.end_to_end_id, t1.amount + Decimal("0.01")), Paid(t2.end_to_end_id, t2.amount, status="PDNG")]
    report = post(client, camt053(lines), seen).json()
    assert [(x["outcome"], x["why"]) for x in report["lines"]] == [
        ("unknown", "amount_differs"),
        ("unknown", "not_booked"),
    ]
    assert {p.status for p in _payouts(engine).values()} == {"sent"}


def test_a_bad_file_is_refused_and_the_route_is_for_the_fund_role(
    released: dict[str, PayoutTransfer], client: TestClient, engine: Engine, settings: Settings, seen: list[str]
) -> None:
    t1 = released["S-1"]
    good = camt053([Paid(t1.end_to_end_id, t1.amount)])
    malformed = post(client, good[:-40], seen)
    assert malformed.status_code == 422 and malformed.headers["content-type"] == "application/problem+json"
    pain = post(
        client, b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>', seen
    )
    assert pain.status_code == 422
    assert post(client, good, seen, **{"content-type": "application/json"}).status_code == 415
    assert count_rows(engine, "bank_statement_import") == 0 and _payouts(engine)["S-1"].status == "sent"

    with Session(engine) as session:
        treasurer = add_staff(session, "fiona", ["fund"], settings.credential_pepper.get_secret_value())
        clerk = add_staff(session, "nadia", ["members"], settings.credential_pepper.get_secret_value())
        session.commit()
    assert client.post(STATEMENTS, content=good, headers={"content-type": "application/xml"}).status_code == 401
    as_clerk = {"Authorization": f"Bearer {clerk}", "content-type": "application/xml"}
    assert client.post(STATEMENTS, content=good, headers=as_clerk).status_code == 403
    assert client.get("/v1/admin/payouts/failed", headers={"Authorization": f"Bearer {clerk}"}).status_code == 403
    as_treasurer = {"Authorization": f"Bearer {treasurer}", "content-type": "application/xml"}
    ok = client.post(STATEMENTS, content=good, headers=as_treasurer)
    assert ok.status_code == 200 and ok.json()["paid"] == 1
    with Session(engine) as session:
        [row] = session.exec(select(BankStatementImport)).all()
    assert row.imported_by == "staff:fiona" and row.paid == 1


def test_the_cli_imports_a_statement_and_lists_the_failed(
    released: dict[str, PayoutTransfer],
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
    fresh_settings: None,
) -> None:
    t1, t3 = released["S-1"], released["S-3"]
    file = tmp_path / "statement.xml"
    file.write_bytes(
        camt053(
            [
                Paid(t1.end_to_end_id, t1.amount),
                Returned(t3.end_to_end_id, t3.amount, reason="AC01"),
                Paid(None, Decimal("5.00")),
            ]
        )
    )
    runner = CliRunner()
    env = _env(settings)
    done = runner.invoke(cli, ["payouts", "import-statement", str(file)], env=env)
    assert done.exit_code == 0, done.output
    assert "paid 1, returned 1 (AC01), unknown 1, unchanged 0" in done.output
    assert "no_end_to_end_id" in done.output
    again = runner.invoke(cli, ["payouts", "import-statement", str(file)], env=env)
    assert "imported before" in again.output and "paid 0, returned 0, unknown 1, unchanged 2" in again.output
    listed = runner.invoke(cli, ["payouts", "failed"], env=env)
    assert listed.exit_code == 0 and t3.end_to_end_id in listed.output and "AC01" in listed.output
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<not xml")
    refused = runner.invoke(cli, ["payouts", "import-statement", str(broken)], env=env)
    assert refused.exit_code == 1
    for clear in IBANS.values():
        assert clear not in done.output + listed.output
