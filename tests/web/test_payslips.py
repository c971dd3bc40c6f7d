"""Payslips as PDFs, read back with pypdf: every figure the contract's JSON view states, in en, fr and nl; the
employer and the member identified, the SSIN only masked; another rider's payslip not found; none before
settlement; a month's summary whose totals are the sums of its rows; staff's copies behind the `members` role."""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session, select
from weasyprint.urls import FatalURLFetchingError

from gateway.domains.members import service as members
from gateway.domains.members.models import Member
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.vault import vault_of
from gateway.domains.readmodel.service import ContractOut, riders_contracts_between
from gateway.domains.riders import access
from gateway.domains.riders.models import Rider
from gateway.settings import Settings
from gateway.web import payslip
from gateway.web.demo import BOOKED_AT, at, event
from gateway.web.i18n import Translator
from tests.conftest import Clock, PlatformHandle, signed_headers
from tests.web.conftest import Scenario

SSIN = "93.05.18-223.61"  # valid: born 18 May 1993
CLEAR = ("93.05.18-223.61", "93051822361", "9305182236")
PDF_MAGIC = b"%PDF-"


def squash(text: str) -> str:
    """One plain space between words (Babel's amounts hold no-break spaces; the PDF's lines break anywhere)."""
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(body: bytes) -> str:
    assert body.startswith(PDF_MAGIC)
    return squash(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages))


def fetch_pdf(c: TestClient, path: str, **params: str) -> str:
    r = c.get(path, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["cache-control"] == "no-store"
    return pdf_text(r.content)


def json_view(c: TestClient, contract_id: str, lang: str) -> dict[str, Any]:
    r = c.get(f"/v1/rider/contracts/{contract_id}/view", params={"lang": lang})
    assert r.status_code == 200, r.text
    return dict(r.json())


def figures(v: dict[str, Any]) -> list[str]:
    """Every figure the view states about the pay: the totals, each line's amount, the hours paid and why."""
    pay = v["pay"]
    totals = [pay[k]["text"] for k in ("gross", "contributions", "withholding", "net", "expenses", "payout")]
    lines = [line["amount"]["text"] for line in pay["lines"]] + [line["text"] for line in pay["lines"]]
    return [squash(f) for f in [*totals, *lines, v["hours"]["paid"], v["hours"]["text"], v["payment"]["text"]]]


@pytest.fixture
def member(engine: Engine, settings: Settings, scenario: Scenario, clock: Clock) -> Member:
    """Rider r-1 is member Amina El Idrissi, with an SSIN, who reads in French."""
    with Session(engine, expire_on_commit=False) as session:
        data = IdentityIn(first_name="Amina", last_name="El Idrissi", ssin=SSIN, language="fr")
        m = members.create(session, vault_of(settings), data, clock())
        rider = session.exec(select(Rider).where(Rider.external_id == "r-1")).one()
        members.link(session, rider, m)
        session.commit()
        return m


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_the_payslip_states_every_figure_of_the_contracts_view(
    scenario: Scenario, rider: TestClient, lang: str
) -> None:
    v = json_view(rider, scenario.contracts.paid, lang)
    shown = fetch_pdf(rider, f"/rider/contracts/{scenario.contracts.paid}/payslip.pdf", lang=lang)
    t = Translator(lang)
    for figure in figures(v):
        assert figure in shown, (figure, shown)
    # the fund paid this one: its advance is stated, with the amount the rider received
    assert v["payment"]["funded_by"] == "guarantee_fund"
    assert squash(t("payslip.fund_advance_line", amount=v["pay"]["payout"]["text"])) in shown
    for label in ("page.dt.gross", "page.dt.contributions", "page.dt.withholding", "page.dt.net", "page.dt.expenses"):
        assert squash(t(label)) in shown
    assert t("payslip.title") in shown and t("payslip.employer") in shown and t("payslip.employee") in shown


def test_a_payslip_the_platform_paid_itself_states_no_fund_advance(scenario: Scenario, rider: TestClient) -> None:
    v = json_view(rider, scenario.contracts.settled, "en")
    shown = fetch_pdf(rider, f"/rider/contracts/{scenario.contracts.settled}/payslip.pdf", lang="en")
    for figure in figures(v):
        assert figure in shown
    assert "guarantee fund advanced" not in shown and "Advanced by the guarantee fund" not in shown


def test_the_payslip_names_employer_and_member_with_the_ssin_masked_only(
    scenario: Scenario, rider: TestClient, member: Member, settings: Settings
) -> None:
    settings.employer_name = "SMart Coop"
    settings.employer_enterprise_number = "0896.755.397"
    settings.employer_address = "Rue Coenraets 72, 1060 Saint-Gilles"
    settings.declaration_registration_number = "51357716202"
    r = rider.get(f"/rider/contracts/{scenario.contracts.paid}/payslip.pdf")  # no ?lang=: the member's French
    assert r.status_code == 200 and r.headers["content-language"] == "fr"
    shown = pdf_text(r.content)
    for expected in (
        "Fiche de paie",
        "SMart Coop",
        "0896.755.397",
        "51357716202",  # the NSSO number: the declarations' one, unless GATEWAY_EMPLOYER_NSSO_NUMBER says otherwise
        "Rue Coenraets 72, 1060 Saint-Gilles",
        "Amina El Idrissi",
        member.number,
        "•••• 2361",
    ):
        assert expected in shown, expected
    for clear in CLEAR:
        assert clear not in shown and clear.encode() not in r.content


def test_the_language_chosen_on_the_pages_wins_over_the_members(
    scenario: Scenario, rider: TestClient, member: Member
) -> None:
    rider.cookies.set("rider_lang", "nl")
    assert "Loonfiche" in fetch_pdf(rider, f"/rider/contracts/{scenario.contracts.paid}/payslip.pdf")


def test_another_riders_payslip_is_not_found(scenario: Scenario, rider: TestClient) -> None:
    for ref in (scenario.contracts.other, "7b0c1d2e-0000-4000-8000-000000000000", "not-a-uuid"):
        r = rider.get(f"/rider/contracts/{ref}/payslip.pdf")
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        assert not r.content.startswith(PDF_MAGIC)


def test_a_contract_not_settled_has_no_payslip_yet(scenario: Scenario, rider: TestClient) -> None:
    r = rider.get(f"/rider/contracts/{scenario.contracts.open}/payslip.pdf")
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert "settled" in r.json()["detail"]


def test_without_a_session_there_is_no_payslip(scenario: Scenario, client: TestClient) -> None:
    assert client.get(f"/rider/contracts/{scenario.contracts.paid}/payslip.pdf").status_code == 401
    assert client.get("/rider/payslips/2026-11.pdf").status_code == 401


def test_the_pages_link_to_the_payslips(scenario: Scenario, rider: TestClient) -> None:
    paid = json_view(rider, scenario.contracts.paid, "en")
    assert paid["payslip_url"] == f"/rider/contracts/{scenario.contracts.paid}/payslip.pdf"
    assert json_view(rider, scenario.contracts.open, "en")["payslip_url"] is None
    home = rider.get("/v1/rider/view", params={"lang": "en"}).json()
    assert [(p["month"], p["url"]) for p in home["payslips"]] == [
        ("2026-12", "/rider/payslips/2026-12.pdf"),
        ("2026-11", "/rider/payslips/2026-11.pdf"),
    ]
    page = rider.get(f"/rider/contracts/{scenario.contracts.paid}?lang=en", headers={"accept": "text/html"}).text
    assert f'href="/rider/contracts/{scenario.contracts.paid}/payslip.pdf"' in page
    home_page = rider.get("/rider?lang=en", headers={"accept": "text/html"}).text
    assert 'href="/rider/payslips/2026-11.pdf"' in home_page and "Pay summary for November 2026 (PDF)" in home_page


def _settle_shift(
    platform: PlatformHandle,
    client: TestClient,
    clock: Clock,
    run_job: Callable[..., int],
    *,
    code: str,
    rider: str,
    day: str,
) -> str:
    """A shift of `rider` on `day` (YYYY-MM-DD) booked at 08:00 for 10:00-13:00, worked until 13:30, settled."""

    def send(body: bytes, when: datetime) -> dict[str, Any]:
        clock.fixed = when
        headers = signed_headers(platform.secret, body, ts=int(when.timestamp()))
        r = client.post(f"/v1/platforms/{platform.slug}/webhooks", content=body, headers=headers)
        assert r.status_code == 200, r.text
        return dict(r.json())

    booked, start, end = (at(f"{day}T{h}:00+01:00") for h in ("08:00", "10:00", "13:30"))
    opened = send(event("shift.booked", booked, shift_code=code, rider_id=rider, starts_at=start.isoformat(),
                        ends_at=at(f"{day}T13:00:00+01:00").isoformat()), booked)  # fmt: skip
    send(event("shift.started", start, shift_code=code, at=start.isoformat()), start)
    send(event("shift.ended", end, shift_code=code, at=end.isoformat(), deliveries=9), end)
    with httpx.Client(timeout=5) as http:
        run_job("contracts.settle", at(f"{day}T15:00:00+01:00"), http=http, random=random.Random(0))
    clock.fixed = BOOKED_AT  # the riders' sessions were opened then: read as the other tests do
    return str(opened["contract"]["id"])


def _settle_one_more_december_shift(
    scenario: Scenario, client: TestClient, clock: Clock, run_job: Callable[..., int]
) -> str:
    """A second December shift for rider r-1 (worked 3 h 30, settled), so the month has two rows."""
    return _settle_shift(scenario.platform, client, clock, run_job, code="WED-1000", rider="r-1", day="2026-12-02")


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_months_totals_are_the_sums_of_its_contracts(
    scenario: Scenario,
    rider: TestClient,
    client: TestClient,
    clock: Clock,
    run_job: Callable[..., int],
    settings: Settings,
    lang: str,
) -> None:
    wednesday = _settle_one_more_december_shift(scenario, client, clock, run_job)
    t = Translator(lang)
    shown = fetch_pdf(rider, "/rider/payslips/2026-12.pdf", lang=lang)
    assert t("payslip.month_title", month=t.month(datetime(2026, 12, 1).date())) in shown
    # Tuesday's and Wednesday's; Sunday 29 November belongs to November, Monday 7 December is not settled
    views = [json_view(rider, c, lang) for c in (scenario.contracts.settled, wednesday)]
    for v in views:
        assert v["shift_code"] in shown
        for key in ("gross", "contributions", "withholding", "net", "expenses", "payout"):
            assert squash(v["pay"][key]["text"]) in shown
    for key in ("gross", "contributions", "withholding", "net", "expenses", "payout"):
        total = sum((Decimal(v["pay"][key]["amount"]) for v in views), Decimal(0))
        assert squash(t.money(total, "EUR")) in shown, (key, total)
    hours = sum((Decimal(v["hours"]["paid_hours"]) for v in views), Decimal(0))
    assert squash(t.hours(hours)) in shown
    assert "SUN-0300" not in shown and "MON-1800" not in shown  # November's, and December's not settled


def test_the_months_totals_add_up_in_the_model(
    scenario: Scenario, rider: TestClient, client: TestClient, clock: Clock, run_job: Callable[..., int],
    engine: Engine, settings: Settings,
) -> None:  # fmt: skip
    _settle_one_more_december_shift(scenario, client, clock, run_job)
    month = payslip.Month.parse("2026-12")
    with Session(engine) as session:
        rider_id = session.exec(select(Rider.id).where(Rider.external_id == "r-1")).one()
        assert rider_id is not None
        contracts = riders_contracts_between(session, [rider_id], *month.utc_window())
    t = Translator("fr")
    summary = payslip.monthly(contracts, month, t, member=None, settings=settings, issued_on=month.first_day)
    assert [r.shift_code for r in summary.rows] == ["TUE-1200", "WED-1000"]
    (totals,) = summary.totals
    for key in ("gross", "contributions", "withholding", "net", "expenses", "payout"):
        assert getattr(totals, key).amount == sum(getattr(r, key).amount for r in summary.rows)
    assert totals.paid_hours == sum(r.paid_hours for r in summary.rows) and totals.contracts == 2
    assert totals.net.amount + totals.expenses.amount == totals.payout.amount


def test_the_fund_advance_is_summed_in_the_month(scenario: Scenario, rider: TestClient) -> None:
    v = json_view(rider, scenario.contracts.paid, "en")
    shown = fetch_pdf(rider, "/rider/payslips/2026-11.pdf", lang="en")
    assert "SUN-0300" in shown and "TUE-1200" not in shown
    assert f"Advanced by the guarantee fund {squash(v['pay']['payout']['text'])}" in shown


def test_a_month_without_settled_contracts_says_so(scenario: Scenario, rider: TestClient) -> None:
    assert "No contract was settled for a shift of this month." in fetch_pdf(rider, "/rider/payslips/2026-10.pdf")


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-11", "2026-00"])
def test_a_malformed_month_is_refused(rider: TestClient, month: str) -> None:
    assert rider.get(f"/rider/payslips/{month}.pdf").status_code == 422


def test_staff_with_the_members_role_print_any_members_payslips(
    scenario: Scenario, client: TestClient, member: Member, staff_token: Callable[..., str]
) -> None:
    members_staff = {"Authorization": f"Bearer {staff_token('ines', 'members')}"}
    fund_staff = {"Authorization": f"Bearer {staff_token('jo', 'fund')}"}
    contract = f"/v1/admin/contracts/{scenario.contracts.paid}/payslip.pdf"
    month = f"/v1/admin/members/{member.number}/payslips/2026-11.pdf"
    assert client.get(contract).status_code == 401
    assert client.get(contract, headers=fund_staff).status_code == 403
    assert client.get(month, headers=fund_staff).status_code == 403
    r = client.get(contract, headers=members_staff)
    assert r.status_code == 200 and r.headers["content-language"] == "fr"  # the member's language
    shown = pdf_text(r.content)
    assert "Fiche de paie" in shown and "•••• 2361" in shown and SSIN not in shown
    shown = pdf_text(client.get(month, headers=members_staff, params={"lang": "nl"}).content)
    assert "Loonoverzicht van november 2026" in shown and "SUN-0300" in shown
    assert (
        client.get(f"/v1/admin/contracts/{scenario.contracts.open}/payslip.pdf", headers=members_staff).status_code
        == 409
    )
    assert client.get("/v1/admin/members/nobody/payslips/2026-11.pdf", headers=members_staff).status_code == 404


def test_rendering_fetches_nothing() -> None:
    """A template that named an outside resource would fail to render rather than reach the network."""
    t = Translator("en")
    with pytest.raises(FatalURLFetchingError):
        payslip.pdf('<html><body><img src="http://example.org/x.png"></body></html>')
    with pytest.raises(FatalURLFetchingError):
        payslip.pdf('<html><head><link rel="stylesheet" href="file:///etc/passwd"></head><body>x</body></html>')
    assert payslip.pdf(f"<html><body>{t('payslip.title')}</body></html>").startswith(PDF_MAGIC)


def test_a_shift_belongs_to_the_month_of_its_local_start_day(scenario: Scenario, rider: TestClient) -> None:
    """00:30 on 1 December in Brussels is still 30 November in UTC: the summary goes by the local day."""
    c = ContractOut.model_validate(rider.get(f"/v1/rider/contracts/{scenario.contracts.settled}").json())
    local = datetime(2026, 12, 1, 0, 30, tzinfo=ZoneInfo("Europe/Brussels"))
    shift = c.shift.model_copy(update={"starts_at": local.astimezone(UTC), "starts_local": local})
    moved = c.model_copy(update={"shift": shift})
    december, november = payslip.Month.parse("2026-12"), payslip.Month.parse("2026-11")
    assert december.holds(moved) and not november.holds(moved)
    start, end = december.utc_window()
    assert start <= moved.shift.starts_at < end  # the query's window holds it too


def test_a_members_month_covers_every_platform_they_ride_for(
    scenario: Scenario,
    rider: TestClient,
    client: TestClient,
    clock: Clock,
    run_job: Callable[..., int],
    make_platform: Callable[..., PlatformHandle],
    member: Member,
    engine: Engine,
    settings: Settings,
    staff_token: Callable[..., str],
) -> None:
    """The same member rides for a second platform: staff's summary and a log-in session (which covers both rider
    accounts) hold both platforms' contracts; an access link from one platform shows that platform's only."""
    velo = make_platform("velo")
    clock.fixed = BOOKED_AT
    enrolled = event("rider.enrolled", BOOKED_AT, rider_id="v-7", name="Amina", email="amina@example.org")
    headers = signed_headers(velo.secret, enrolled, ts=int(BOOKED_AT.timestamp()))
    assert client.post("/v1/platforms/velo/webhooks", content=enrolled, headers=headers).status_code == 200
    with Session(engine) as session:
        riders = {r.external_id: r for r in session.exec(select(Rider)).all()}
        members.link(session, riders["v-7"], member)
        session.commit()
        both = [r.id for r in (riders["r-1"], riders["v-7"]) if r.id is not None]
    _settle_shift(velo, client, clock, run_job, code="VELO-3", rider="v-7", day="2026-12-03")

    staff = {"Authorization": f"Bearer {staff_token('ines', 'members')}"}
    r = client.get(f"/v1/admin/members/{member.number}/payslips/2026-12.pdf", headers=staff, params={"lang": "en"})
    assert r.status_code == 200, r.text
    by_staff = pdf_text(r.content)
    assert "TUE-1200" in by_staff and "VELO-3" in by_staff and "demo: r-1" in by_staff and "velo: v-7" in by_staff
    assert "Contracts 2" in by_staff

    logged_in = TestClient(
        client.app, cookies={access.RIDER_COOKIE: access.session_token(settings, both, "oidc", BOOKED_AT)}
    )
    assert fetch_pdf(logged_in, "/rider/payslips/2026-12.pdf", lang="en") == by_staff
    through_link = fetch_pdf(rider, "/rider/payslips/2026-12.pdf", lang="en")
    assert "TUE-1200" in through_link and "VELO-3" not in through_link
