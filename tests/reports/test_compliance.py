"""The compliance report from a seeded database (SQLite and PostgreSQL): shifts booked through signed webhooks,
settled by the job, invoices paid on time, late and never, payouts paid on time and late."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from gateway.agreements.loader import AgreementBook
from gateway.cli import app
from gateway.domains.settlement.service import record_invoice_payment
from gateway.reports import compliance_render
from gateway.reports.compliance import ReportError, compliance, month_days
from gateway.settings import get_settings
from tests.conftest import Clock, PlatformHandle, as_it_happens, event, fund_opening_balance
from tests.reports.conftest import PROPOSAL

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
    fund_opening_balance(engine)
    """S-1: 2 h, per trip (due 10 Dec); S-2: 3 h at 9.00 (due 11 Dec); S-3: 3 h at 14.00 (due 14 Dec)."""
    shift(enrolled, send, "S-1", 1, 2, per_trip="4.50")
    shift(enrolled, send, "S-2", 2, 3, hourly_gross="9.00")
    shift(enrolled, send, "S-3", 3, 3, hourly_gross="14.00")
    assert run_job("contracts.settle", at("2026-12-03T18:00:00+01:00")) == 3

    def invoice(code: str) -> uuid.UUID:
        r = client.get(f"/v1/platforms/{enrolled.slug}/shifts/{code}/contract", headers=enrolled.auth)
        return uuid.UUID(r.json()["invoice"]["id"])

    with Session(engine) as session:
        record_invoice_payment(session, invoice("S-1"), at("2026-12-05T10:00:00+01:00"))  # before the rider's due date
        session.commit()
    assert run_job("payouts.execute", at("2026-12-10T10:00:00+01:00")) == 1  # S-1, on its due date
    assert run_job("payouts.execute", at("2026-12-16T10:00:00+01:00")) == 2  # S-2 5 days, S-3 2 days late
    with Session(engine) as session:
        record_invoice_payment(session, invoice("S-2"), at("2027-01-20T10:00:00+01:00"))  # 40 days late
        session.commit()
    return enrolled


def test_compliance_counts_violations_late_payment_advances_and_pay_per_hour(
    december: PlatformHandle, engine: Engine, book: AgreementBook
) -> None:
    with Session(engine) as session:
        c = compliance(session, book, "demo", "2026-12", at("2027-02-01T12:00:00+01:00"))
    assert c.contracts == 3 and c.contracts_by_status == {"paid": 3}
    attempts = {(v.term, v.code): v.attempts for v in c.violations}
    assert attempts == {
        ("minimum_engagement", "shift_shorter_than_minimum"): 1,
        ("no_piece_rate", "per_trip_pay_forbidden"): 1,
        ("net_hourly_floor", "hourly_pay_below_floor"): 1,
        ("statutory_minimum_wage", "hourly_pay_below_floor"): 1,
    }
    inv = c.invoices
    assert (inv.issued, inv.paid_on_time, inv.paid_late, inv.unpaid_past_due) == (3, 1, 1, 1)
    assert inv.max_days_late == 49  # S-3, due 14 December, still unpaid on 1 February
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
    assert "invoices,paid_late,1" in text and "violations:no_piece_rate,per_trip_pay_forbidden,1" in text
    html = compliance_render.to_html(c)
    assert html.count("<svg") == 2 and "Guarantee fund advances" in html


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
        with (tmp_path / "whatif-be-delivery-2016-riders.csv").open(encoding="utf-8") as f:
            rows = {row["rider"]: row for row in csv.DictReader(f)}
        # S-1 and S-2 go from 12.83 to 13.81 gross an hour (3 h each); S-3's 14.00 is above both floors.
        assert rows["r-1"]["shifts"] == "3" and D(rows["r-1"]["gross_change"]) == 6 * (D("13.81") - D("12.83"))
        r = runner.invoke(
            app, ["reports", "compliance", "--platform", "demo", "--month", "2026-12", "--out", str(tmp_path)]
        )
        assert r.exit_code == 0, r.output
        assert "per_trip_pay_forbidden" in r.output
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
    assert client.get("/v1/reports/platforms/ghost/compliance?month=2026-12", headers=token).status_code == 404
    assert client.get("/v1/reports/platforms/demo/compliance?month=2026-13", headers=token).status_code == 422
