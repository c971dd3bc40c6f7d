"""The compliance report from a seeded database (SQLite and PostgreSQL): shifts booked through signed webhooks,
settled by the job, invoices paid on time, late and never, payouts paid on time and late."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from gateway.agreements.loader import AgreementBook
from gateway.cli import app
from gateway.domains.contracts.models import Violation
from gateway.domains.settlement.service import record_invoice_payment
from gateway.reports import compliance_render
from gateway.reports.compliance import ReportError, compliance, month_days
from gateway.settings import get_settings
from tests.conftest import Clock, PlatformHandle, as_it_happens, event, fund_opening_balance
from tests.reports.conftest import PROPOSAL, svgs, ticks

runner = CliRunner()

Send = Callable[..., Any]
Run = Callable[..., int]
D = Decimal


@pytest.fixture
def send(send: Callable[..., Any], clock: Clock) -> Callable[..., Any]:
    # Each shift event is posted when it happens (an event's time may not be ahead of the gateway's clock).
    return as_it_happens(send, clock)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def shift(p: PlatformHandle, send: Send, code: str, day: int, hours: int, **pay: str) -> None:
    start, end = f"2026-12-{day:02d}T10:00:00+01:00", f"2026-12-{day:02d}T{10 + hours}:00:00+01:00"
    extra = {"pay": {**pay, "currency": "EUR"}} if pay else {}
    r = send(p, event("shift.booked", shift_code=code, rider_id="r-1", starts_at=start, ends_at=end, **extra))
    assert r.status_code == 200, r.text
    assert send(p, event("shift.started", shift_code=code, at=start)).status_code == 200
    assert send(p, event("shift.ended", shift_code=code, at=end)).status_code == 200


@pytest.fixture
def december(enrolled: PlatformHandle, send: Send, client: TestClient, run_job: Run, engine: Engine) -> PlatformHandle:
    """S-1: 2 h, per trip (rider due 10 Dec); S-2: 3 h at 9.00 (due 11 Dec); S-3: 3 h at 14.00 (due 14 Dec). The
    invoices are issued on 4 December, due 3 January: S-1's paid on 5 December, S-2's on 20 January, S-3's never."""
    fund_opening_balance(engine)
    shift(enrolled, send, "S-1", 1, 2, per_trip="4.50")
    shift(enrolled, send, "S-2", 2, 3, hourly_gross="9.00")
    shift(enrolled, send, "S-3", 3, 3, hourly_gross="14.00")
    assert run_job("contracts.settle", at("2026-12-03T18:00:00+01:00")) == 3
    # Issued on 4 December: each invoice is due 30 days later, on 3 January (the invoicing settings' default).
    assert run_job("invoices.issue", at("2026-12-04T09:00:00+01:00")) == 3

    def invoice(code: str) -> uuid.UUID:
        r = client.get(f"/v1/platforms/{enrolled.slug}/shifts/{code}/contract", headers=enrolled.auth)
        return uuid.UUID(r.json()["invoice"]["id"])

    with Session(engine) as session:
        record_invoice_payment(session, invoice("S-1"), at("2026-12-05T10:00:00+01:00"))  # before the rider's due date
        session.commit()
    assert run_job("payouts.execute", at("2026-12-10T10:00:00+01:00")) == 1  # S-1, on its due date
    assert run_job("payouts.execute", at("2026-12-16T10:00:00+01:00")) == 2  # S-2 5 days, S-3 2 days late
    with Session(engine) as session:
        record_invoice_payment(session, invoice("S-2"), at("2027-01-20T10:00:00+01:00"))  # 17 days late
        session.commit()
    return enrolled


def test_compliance_counts_violations_late_payment_advances_and_pay_per_hour(
    december: PlatformHandle, engine: Engine, book: AgreementBook
) -> None:
    with Session(engine) as session:
        c = compliance(session, book, "demo", "2026-12", at("2027-02-01T12:00:00+01:00"))
    assert c.contracts == 3 and c.contracts_by_status == {"paid": 3}
    broken = {v.term: (v.codes, v.contracts) for v in c.violations}
    assert broken == {
        "minimum_engagement": (["shift_shorter_than_minimum"], 1),
        "no_piece_rate": (["per_trip_pay_forbidden"], 1),
        "net_hourly_floor": (["hourly_pay_below_floor"], 1),
        "statutory_minimum_wage": (["hourly_pay_below_floor"], 1),
    }
    assert {v.term: v.term_type for v in c.violations}["no_piece_rate"] == "piece_rate"
    inv = c.invoices
    assert (inv.issued, inv.paid_on_time, inv.paid_late, inv.unpaid_past_due) == (3, 1, 1, 1)
    assert inv.max_days_late == 29  # S-3's invoice, due 3 January, still unpaid on 1 February
    pd = c.payment_delays
    assert (pd.payouts, pd.paid_on_time, pd.paid_late, pd.max_days_late) == (3, 1, 2, 5)
    assert (pd.funded_by_platform, pd.funded_by_guarantee_fund) == (1, 2)
    # S-1 and S-2 are paid 3 h x 12.83 = 38.49 gross (33.46 net); S-3 3 h x 14.00 = 42.00 (36.51 net); each
    # payout adds 0.36 for the phone (3 paid h x 0.12). The fund advanced S-2's and S-3's, recovered S-2's.
    assert c.fund.advances == 2 and c.fund.advanced == D("33.82") + D("36.87")
    assert c.fund.recovered == D("33.82") and c.fund.outstanding == D("36.87")
    pay = c.pay
    assert pay.worked_hours == D("8") and pay.paid_hours == D("9") and pay.net == D("103.43")
    assert pay.net_per_worked_hour == D("12.93")  # 103.43 / 8
    assert pay.floor_net_hourly == D("10.00") and pay.statutory_minimum_hourly == D("12.83")
    assert pay.statutory_minimum_net_hourly == D("11.15")
    assert pay.meets_floor and pay.meets_statutory_minimum
    text = compliance_render.to_csv(c)
    assert "invoices,paid_late,1" in text and "violations,no_piece_rate,1" in text
    html = compliance_render.to_html(c)
    assert html.count("<svg") == 2 and "Still owed by the platform" in html
    # Plain words, not keys: the negotiators read the terms' and the offers' names.
    assert "No pay per delivery" in html and "pay per delivery offered" in html and "Net hourly pay floor" in html
    assert not {"no_piece_rate", "per_trip_pay_forbidden", "meets_floor", "paid_late"} & set(re.findall(r"\w+", html))


def test_another_month_is_empty_and_a_bad_month_is_refused(
    december: PlatformHandle, engine: Engine, book: AgreementBook
) -> None:
    with Session(engine) as session:
        c = compliance(session, book, "demo", "2026-11", at("2027-02-01T12:00:00+01:00"))
        assert c.contracts == 0 and c.violations == [] and c.pay.net_per_worked_hour is None
        with pytest.raises(ReportError, match="YYYY-MM"):
            compliance(session, book, "demo", "2026-13", at("2027-02-01T12:00:00+01:00"))
    assert month_days("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert month_days("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))


def test_the_cli_replays_the_platforms_shifts_and_writes_the_compliance_files(
    december: PlatformHandle, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        r = runner.invoke(
            app,
            [
                "reports",
                "whatif",
                "--agreement",
                "be-delivery-2016",
                "--draft",
                str(PROPOSAL),
                "--platform",
                "demo",
                "--from",
                "2026-12-01",
                "--to",
                "2026-12-31",
                "--out",
                str(tmp_path),
                "--no-html",
            ],
        )
        assert r.exit_code == 0, r.output
        [riders] = tmp_path.glob("whatif-2027-net-floor-12-*-riders.csv")  # named after the draft
        with riders.open(encoding="utf-8") as f:
            rows = {row["rider"]: row for row in csv.DictReader(f)}
        # S-1 and S-2 go from 12.83 to 13.81 gross an hour (3 h each); S-3's 14.00 is above both floors.
        assert rows["r-1"]["shifts"] == "3" and D(rows["r-1"]["gross_change"]) == 6 * (D("13.81") - D("12.83"))
        r = runner.invoke(
            app,
            ["reports", "compliance", "--platform", "demo", "--month", "2026-12", "--out", str(tmp_path)],
            env={"COLUMNS": "200"},
        )
        assert r.exit_code == 0, r.output
        assert "No pay per delivery" in r.output and "pay per delivery offered" in r.output
        assert (tmp_path / "compliance-demo-2026-12.csv").is_file()
        assert "<svg" in (tmp_path / "compliance-demo-2026-12.html").read_text(encoding="utf-8")
        unknown = runner.invoke(app, ["reports", "compliance", "--platform", "ghost", "--month", "2026-12"])
        assert unknown.exit_code == 1 and "no platform 'ghost'" in unknown.output
    finally:
        get_settings.cache_clear()


def test_negotiators_read_the_report_over_the_api(
    december: PlatformHandle, client: TestClient, staff_token: Callable[..., str], clock: Clock
) -> None:
    clock.fixed = at("2027-02-01T12:00:00+01:00")
    url = "/v1/reports/platforms/demo/compliance?month=2026-12"
    assert client.get(url).status_code == 401
    other = staff_token("treasurer", "fund")
    denied = client.get(url, headers={"Authorization": f"Bearer {other}"})
    assert denied.status_code == 403 and denied.headers["content-type"] == "application/problem+json"
    token = {"Authorization": f"Bearer {staff_token('negotiator', 'agreements')}"}
    r = client.get(url, headers=token)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["invoices"]["paid_late"] == 1 and body["fund"]["outstanding"] == "36.87"
    assert body["pay"]["net_per_worked_hour"] == "12.93"
    assert body["as_of"] == "2027-02-01T12:00:00+01:00"  # in the agreement's zone, as the page shows it
    assert body["violations"][0]["codes"] and body["pay"]["meets_floor"] is True
    assert client.get("/v1/reports/platforms/ghost/compliance?month=2026-12", headers=token).status_code == 404
    assert client.get("/v1/reports/platforms/demo/compliance?month=2026-13", headers=token).status_code == 422


def test_a_month_without_settled_shifts_says_so_and_never_that_pay_meets_the_floor(
    enrolled: PlatformHandle, engine: Engine, book: AgreementBook
) -> None:
    with Session(engine) as session:
        c = compliance(session, book, "demo", "2026-12", at("2027-02-01T12:00:00+01:00"))
    assert c.pay.settled_shifts == 0 and c.pay.meets_floor is None and c.pay.meets_statutory_minimum is None
    html = compliance_render.to_html(c)
    console = Console(width=200, record=True, file=io.StringIO())
    compliance_render.print_terminal(c, console)
    for said in (html, console.export_text()):
        text = " ".join(said.split()).lower()
        assert "no settled shifts in this period" in text
        assert "meets the floor" not in text and "meet the floor" not in text and "meets the agreement" not in text
    assert "<svg" not in html  # no chart of nothing


def test_a_booking_corrected_twice_under_one_term_counts_once_for_it_in_the_table_and_the_chart(
    december: PlatformHandle, engine: Engine, book: AgreementBook, client: TestClient
) -> None:
    contract = client.get("/v1/platforms/demo/shifts/S-2/contract", headers=december.auth).json()["id"]
    with Session(engine) as session:
        # S-2's floor corrected a second time (another code of the same term), and a contract blocked for its
        # declaration: the platform attempted the first, not the second.
        session.add(
            Violation(
                contract_id=uuid.UUID(contract), term="net_hourly_floor", clause="§3 Hourly pay",
                code="night_rate_below_floor", action="amended", detail="a second correction",
            )
        )  # fmt: skip
        session.add(
            Violation(
                contract_id=uuid.UUID(contract), term="declaration", clause="social security",
                code="declaration_refused", action="blocked", detail="refused",
            )
        )  # fmt: skip
        session.commit()
        c = compliance(session, book, "demo", "2026-12", at("2027-02-01T12:00:00+01:00"))
    floor = next(v for v in c.violations if v.term == "net_hourly_floor")
    assert (floor.contracts, floor.attempts) == (1, 2)
    assert floor.codes == ["hourly_pay_below_floor", "night_rate_below_floor"]
    assert "declaration" not in {v.term for v in c.violations}
    assert compliance_render.violation_chart(c) == [
        ("Minimum paid hours per shift", 1),
        ("Net hourly pay floor", 1),
        ("No pay per delivery", 1),
        ("Statutory minimum wage", 1),
    ]
    html = compliance_render.to_html(c)
    row = re.search(r"<tr><td>Net hourly pay floor</td>.*?</tr>", html)
    assert row is not None
    assert re.findall(r"<td>(\d+)</td>", row.group(0)) == ["1", "2"]  # 1 booking, 2 corrections
    # A code nobody has named yet (a term type added later) reads as words beside the named one.
    assert "hourly pay offered below the agreed minimum; night rate below floor" in row.group(0)


def test_the_charts_count_bookings_in_whole_numbers(
    december: PlatformHandle, engine: Engine, book: AgreementBook
) -> None:
    with Session(engine) as session:
        c = compliance(session, book, "demo", "2026-12", at("2027-02-01T12:00:00+01:00"))
    counts = svgs(compliance_render.to_html(c))[0]  # each term broken by one booking: 0..1 would tick 0.2, 0.4...
    assert ticks(counts, "x") and all(re.fullmatch(r"\d+", t) for t in ticks(counts, "x")), ticks(counts, "x")
    assert ticks(counts, "y") == ["Minimum paid hours per shift", "Net hourly pay floor", "No pay per delivery",
                                  "Statutory minimum wage"]  # fmt: skip


def test_the_report_reads_its_times_in_the_agreements_zone(
    december: PlatformHandle, engine: Engine, book: AgreementBook
) -> None:
    with Session(engine) as session:
        c = compliance(session, book, "demo", "2026-12", datetime(2027, 2, 1, 23, 30, tzinfo=UTC))
    assert c.as_of.utcoffset() == timedelta(hours=1)  # 2 February 00:30 in Brussels
    html = compliance_render.to_html(c)
    assert "2 February 2027 at 00:30 (Europe/Brussels)" in html and "23:30" not in html
    assert "from 1 December 2026 to 31 December 2026" in html


def test_an_invoice_is_late_only_from_its_own_due_date(
    december: PlatformHandle, engine: Engine, book: AgreementBook, client: TestClient
) -> None:
    r = client.get(f"/v1/platforms/{december.slug}/shifts/S-3/contract", headers=december.auth)
    with Session(engine) as session:
        # After the rider's due date (14 December) but before the invoice's (3 January): on time.
        record_invoice_payment(session, uuid.UUID(r.json()["invoice"]["id"]), at("2026-12-20T10:00:00+01:00"))
        session.commit()
        c = compliance(session, book, "demo", "2026-12", at("2027-02-01T12:00:00+01:00"))
        inv = c.invoices
        assert (inv.paid_on_time, inv.paid_late, inv.unpaid_past_due, inv.max_days_late) == (2, 1, 0, 17)
        assert inv.amount_paid_late == D("51.84")  # S-2's invoice only: (38.49 + 9.62 + 0.36) / 0.935
        # With 10 days to pay, the same invoices fall due on 14 December: S-3's paid 6 days late, S-2's 37.
        short = compliance(session, book, "demo", "2026-12", at("2027-02-01T12:00:00+01:00"), invoice_payment_days=10)
    assert (short.invoices.paid_on_time, short.invoices.paid_late, short.invoices.max_days_late) == (1, 2, 37)
    assert short.invoices.payment_days == 10 and "due 10 days after issue" in compliance_render.to_html(short)
