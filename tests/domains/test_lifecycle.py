"""From shift to pay: the contract's state machine, settlement, the seven-day guarantee and the fund."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from gateway.domains.fund import service as fund
from gateway.domains.settlement.service import record_invoice_payment
from tests.conftest import TEST_NOW, Clock, PlatformHandle, as_it_happens, count_rows, event, fund_opening_balance

Send = Callable[..., Any]


@pytest.fixture
def send(send: Send, clock: Clock) -> Send:
    # Each shift event is posted when it happens (an event's time may not be ahead of the gateway's clock).
    return as_it_happens(send, clock)


Run = Callable[..., int]
BXL = ZoneInfo("Europe/Brussels")


def at(text_: str) -> datetime:
    return datetime.fromisoformat(text_).astimezone(UTC)


def book(
    p: PlatformHandle,
    send: Send,
    code: str = "S-1",
    start: str = "2026-12-01T10:00:00+01:00",
    end: str = "2026-12-01T12:00:00+01:00",
    **extra: Any,
) -> dict[str, Any]:
    r = send(p, event("shift.booked", shift_code=code, rider_id="r-1", starts_at=start, ends_at=end, **extra))
    assert r.status_code == 200, r.text
    return dict(r.json()["contract"])


def read(client: TestClient, p: PlatformHandle, code: str = "S-1") -> dict[str, Any]:
    r = client.get(f"/v1/platforms/{p.slug}/shifts/{code}/contract", headers=p.auth)
    assert r.status_code == 200, r.text
    return dict(r.json())


def work(
    p: PlatformHandle,
    send: Send,
    code: str = "S-1",
    start: str = "2026-12-01T10:00:00+01:00",
    end: str = "2026-12-01T12:10:00+01:00",
    **ended: Any,
) -> None:
    assert send(p, event("shift.started", shift_code=code, at=start)).status_code == 200
    r = send(p, event("shift.ended", shift_code=code, at=end, **ended))
    assert r.status_code == 200, r.text


def test_started_and_ended_move_the_contract_and_the_answer_shows_it(enrolled: PlatformHandle, send: Send) -> None:
    book(enrolled, send)
    started = send(enrolled, event("shift.started", shift_code="S-1", at="2026-12-01T10:02:00+01:00"))
    assert started.json()["contract"]["status"] == "active"
    ended = send(enrolled, event("shift.ended", shift_code="S-1", at="2026-12-01T12:10:00+01:00", deliveries=4))
    c = ended.json()["contract"]
    assert c["status"] == "completed"
    assert c["actual"]["started_at"] == "2026-12-01T09:02:00Z" and c["actual"]["deliveries"] == 4
    assert [h["kind"] for h in c["history"]] == ["opened", "started", "ended"]


def test_settlement_pays_the_minimum_with_every_line_explained_and_balances(
    enrolled: PlatformHandle, send: Send, client: TestClient, run_job: Run
) -> None:
    book(enrolled, send)
    work(enrolled, send, deliveries=0)
    assert run_job("contracts.settle", at("2026-12-01T13:00:00+01:00")) == 1
    c = read(client, enrolled)
    st = c["statement"]
    assert c["status"] == "settled"
    assert st["worked_hours"] == "2.17" and st["paid_hours"] == "3.00" and st["minimum_applied"] is True
    assert all(line["term"] and line["clause"] and line["why"] for line in st["lines"])
    d = {k: Decimal(st[k]) for k in ("gross", "employee_social_security", "withholding", "net", "expenses", "payout")}
    assert d["gross"] == d["net"] + d["employee_social_security"] + d["withholding"]
    assert d["payout"] == d["net"] + d["expenses"]
    assert d["gross"] == sum(Decimal(x["amount"]) for x in st["lines"] if x["kind"] == "salary")
    inv = {
        k: Decimal(c["invoice"][k]) for k in ("wages", "employer_contributions", "expenses", "guarantee_levy", "total")
    }
    assert inv["total"] == inv["wages"] + inv["employer_contributions"] + inv["expenses"] + inv["guarantee_levy"]
    assert inv["wages"] == d["gross"]
    # 3 paid hours at 12.83 = 38.49 gross; zero deliveries change nothing.
    assert d["gross"] == Decimal("38.49")
    # Ended Tuesday 1 December; 7 business days later is Thursday 10 December.
    assert c["payout"] == {
        "amount": st["payout"],
        "currency": "EUR",
        "due_on": "2026-12-10",
        "status": "scheduled",
        "funded_by": None,
        "paid_at": None,
    }


def test_settlement_waits_for_out_of_order_events_and_uses_them(
    enrolled: PlatformHandle, send: Send, client: TestClient, run_job: Run
) -> None:
    book(enrolled, send, end="2026-12-01T14:00:00+01:00")
    send(enrolled, event("shift.ended", shift_code="S-1", at="2026-12-01T14:00:00+01:00"))
    # The start arrives after the end (a retry that was delayed): still recorded before settlement.
    late = send(enrolled, event("shift.started", shift_code="S-1", at="2026-12-01T09:30:00+01:00"))
    assert late.status_code == 200 and late.json()["contract"]["status"] == "completed"
    assert run_job("contracts.settle", TEST_NOW) == 0  # the out-of-order window is still open
    run_job("contracts.settle", at("2026-12-01T15:00:00+01:00"))
    assert read(client, enrolled)["statement"]["worked_hours"] == "4.50"


def test_the_same_fact_twice_changes_nothing_and_a_contradicting_one_is_409(
    enrolled: PlatformHandle, send: Send, engine: Engine
) -> None:
    book(enrolled, send)
    started = event("shift.started", shift_code="S-1", at="2026-12-01T10:00:00+01:00")
    send(enrolled, started)
    events = count_rows(engine, "contract_event")
    again = send(enrolled, started)  # same fact, new webhook id
    assert again.status_code == 200 and count_rows(engine, "contract_event") == events
    other = send(enrolled, event("shift.started", shift_code="S-1", at="2026-12-01T10:05:00+01:00"))
    assert other.status_code == 409 and other.headers["content-type"] == "application/problem+json"
    assert count_rows(engine, "contract_event") == events


def test_events_after_settlement_are_409_and_change_nothing(
    enrolled: PlatformHandle, send: Send, client: TestClient, run_job: Run
) -> None:
    book(enrolled, send)
    send(enrolled, event("shift.ended", shift_code="S-1", at="2026-12-01T12:00:00+01:00"))
    run_job("contracts.settle", at("2026-12-01T13:00:00+01:00"))
    before = read(client, enrolled)
    for body in (
        event("shift.started", shift_code="S-1", at="2026-12-01T09:00:00+01:00"),
        event("shift.cancelled", shift_code="S-1", at="2026-12-01T12:30:00+01:00"),
        event("shift.ended", shift_code="S-1", at="2026-12-01T12:30:00+01:00"),
    ):
        r = send(enrolled, body)
        assert r.status_code == 409, r.text
        assert r.json()["contract_status"] == "settled"
    assert read(client, enrolled) == before


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (event("shift.started", shift_code="NOPE", at="2026-12-01T10:00:00+01:00"), 422, "book the shift"),
        (event("shift.ended", shift_code="S-1", at="2026-12-01T09:00:00+01:00"), 422, "before it started"),
        (event("shift.ended", shift_code="S-1", at="2026-12-01T12:00:00+01:00", deliveries=-1), 422, "deliveries"),
        (
            event(
                "shift.ended",
                shift_code="S-1",
                at="2026-12-01T12:00:00+01:00",
                pay={"hourly_gross": "15", "currency": "USD"},
            ),
            422,
            "USD",
        ),
    ],
)
def test_bad_lifecycle_events_are_refused_and_change_nothing(
    enrolled: PlatformHandle, send: Send, engine: Engine, body: bytes, status: int, says: str
) -> None:
    book(enrolled, send)
    events = count_rows(engine, "contract_event")
    r = send(enrolled, body)
    assert r.status_code == status and says in r.text
    assert count_rows(engine, "contract_event") == events


def test_cancelled_with_enough_notice_closes_without_pay(
    enrolled: PlatformHandle, send: Send, client: TestClient, run_job: Run, engine: Engine
) -> None:
    book(enrolled, send)
    send(enrolled, event("shift.cancelled", shift_code="S-1", at="2026-11-29T10:00:00+01:00", reason="rain"))
    run_job("contracts.settle", at("2026-12-01T09:00:00+01:00"))
    c = read(client, enrolled)
    assert c["status"] == "cancelled" and c["payout"] is None and c["actual"]["cancel_reason"] == "rain"
    assert count_rows(engine, "payout") == 0


def test_cancelled_at_short_notice_still_pays_the_minimum(
    enrolled: PlatformHandle, send: Send, client: TestClient, run_job: Run
) -> None:
    book(enrolled, send)
    send(enrolled, event("shift.cancelled", shift_code="S-1", at="2026-12-01T09:00:00+01:00"))
    run_job("contracts.settle", at("2026-12-01T12:00:00+01:00"))
    c = read(client, enrolled)
    assert c["status"] == "settled"
    assert c["statement"]["outcome"] == "cancelled_paid" and c["statement"]["paid_hours"] == "3.00"


def test_cancelling_a_shift_under_way_sends_the_rider_home_early_and_pays_at_least_the_minimum(
    enrolled: PlatformHandle, send: Send, client: TestClient, run_job: Run
) -> None:
    book(enrolled, send, end="2026-12-01T16:00:00+01:00")
    send(enrolled, event("shift.started", shift_code="S-1", at="2026-12-01T10:00:00+01:00"))
    r = send(enrolled, event("shift.cancelled", shift_code="S-1", at="2026-12-01T11:00:00+01:00"))
    assert r.json()["contract"]["actual"]["sent_home_early"] is True
    run_job("contracts.settle", at("2026-12-01T17:00:00+01:00"))
    assert read(client, enrolled)["statement"]["paid_hours"] == "3.00"


def test_a_shift_that_never_reports_its_end_is_closed_and_paid_as_booked(
    enrolled: PlatformHandle, send: Send, client: TestClient, run_job: Run
) -> None:
    book(enrolled, send, end="2026-12-01T14:00:00+01:00")
    send(enrolled, event("shift.started", shift_code="S-1", at="2026-12-01T10:00:00+01:00"))
    assert run_job("contracts.close_stale", at("2026-12-01T15:00:00+01:00")) == 0  # within the grace period
    assert run_job("contracts.close_stale", at("2026-12-01T16:30:00+01:00")) == 1
    c = read(client, enrolled)
    assert c["status"] == "settled" and c["statement"]["paid_hours"] == "4.00"
    assert c["history"][-2]["detail"] == "no end was reported: paid as booked"


def _settled(p: PlatformHandle, send: Send, run_job: Run, code: str = "S-1") -> None:
    book(p, send, code=code)
    work(p, send, code=code)
    run_job("contracts.settle", at("2026-12-01T13:00:00+01:00"))


def test_rider_is_paid_on_the_due_date_by_the_fund_when_the_platform_has_not_paid(
    enrolled: PlatformHandle, send: Send, client: TestClient, run_job: Run, engine: Engine
) -> None:
    fund_opening_balance(engine)
    _settled(enrolled, send, run_job)
    assert run_job("payouts.execute", at("2026-12-09T23:59:00+01:00")) == 0  # the day before
    assert run_job("payouts.execute", at("2026-12-10T00:01:00+01:00")) == 1
    assert run_job("payouts.execute", at("2026-12-10T09:00:00+01:00")) == 0  # never twice
    c = read(client, enrolled)
    assert c["status"] == "paid"
    assert c["payout"]["status"] == "paid" and c["payout"]["funded_by"] == "guarantee_fund"
    with Session(engine) as session:
        b = fund.balances(session)
    assert b.platform_debts == {"demo": Decimal(c["payout"]["amount"])}
    assert b.cash == Decimal("100000.00") - Decimal(c["payout"]["amount"]) and b.unbalanced_transactions == 0
    kinds = [k for (k,) in Session(engine).execute(text("SELECT kind FROM outbox_message ORDER BY id")).all()]
    assert kinds[-1] == "callback.payout.paid"


def test_an_empty_fund_never_advances_and_staff_decide_how_the_rider_is_paid(
    enrolled: PlatformHandle,
    send: Send,
    client: TestClient,
    run_job: Run,
    engine: Engine,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from gateway.cli import app as cli
    from gateway.domains.jobs import service as jobs
    from gateway.domains.staff.service import audit_log
    from gateway.settings import get_settings

    book(enrolled, send, code="S-1")
    work(enrolled, send, code="S-1")
    book(enrolled, send, code="S-2", start="2026-12-01T14:00:00+01:00", end="2026-12-01T16:00:00+01:00")
    work(enrolled, send, code="S-2", start="2026-12-01T14:00:00+01:00", end="2026-12-01T16:10:00+01:00")
    assert run_job("contracts.settle", at("2026-12-01T18:00:00+01:00")) == 2
    due = at("2026-12-10T09:00:00+01:00")
    # No cash: the payouts are set aside with the reason, nothing is booked, the contracts are not paid.
    assert run_job("payouts.execute", due) == 0
    with Session(engine) as session:
        aside = jobs.failures(session, job="payouts.execute")
        assert fund.balances(session).cash == 0 and fund.history(session) == []
    assert len(aside) == 2 and all(f.error_type == "FundShort" for f in aside)
    assert "cannot advance" in aside[0].message and "gateway fund deposit" in aside[0].message
    assert read(client, enrolled, "S-1")["status"] == "settled"

    # One way out: staff pay one of them over the fund's cash, a decision with its reason, audited.
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    first = aside[0].row_key
    refused = runner.invoke(cli, ["payouts", "pay", first])
    assert refused.exit_code == 1 and "cannot advance" in refused.output
    assert runner.invoke(cli, ["payouts", "pay", first, "--allow-negative"]).exit_code == 1  # no reason
    done = runner.invoke(cli, ["payouts", "pay", first, "--allow-negative", "--reason", "board decision 2026-12"])
    assert done.exit_code == 0, done.output
    get_settings.cache_clear()
    with Session(engine) as session:
        b = fund.balances(session)
        assert b.cash < 0 and b.unbalanced_transactions == 0
        [left] = jobs.failures(session, job="payouts.execute")  # the paid one is no longer set aside
        entry = next(e for e in audit_log(session) if e.action == "payouts.paid_by_staff")
    assert left.row_key != first and entry.detail["reason"] == "board decision 2026-12"

    # The other way: a deposit, then a retry, and the job pays it from the fund.
    with Session(engine) as session:
        fund.deposit(session, Decimal("500.00"), "EUR", due, "top-up")
        jobs.retry(session, "staff:test", due, job="payouts.execute")
        session.commit()
    assert run_job("payouts.execute", due) == 1
    assert {read(client, enrolled, code)["status"] for code in ("S-1", "S-2")} == {"paid"}


def test_invoice_paid_before_the_due_date_pays_the_rider_from_the_platform_and_feeds_the_fund(
    enrolled: PlatformHandle, send: Send, client: TestClient, run_job: Run, engine: Engine
) -> None:
    _settled(enrolled, send, run_job)
    invoice = read(client, enrolled)["invoice"]
    with Session(engine) as session:
        record_invoice_payment(session, uuid.UUID(invoice["id"]), at("2026-12-05T10:00:00+01:00"))
        session.commit()
    run_job("payouts.execute", at("2026-12-10T10:00:00+01:00"))
    c = read(client, enrolled)
    assert c["payout"]["funded_by"] == "platform" and c["invoice"]["status"] == "paid"
    with Session(engine) as session:
        b = fund.balances(session)
    assert b.cash == b.levies == Decimal(invoice["guarantee_levy"]) and b.platform_debts == {}


def test_a_late_payment_by_the_platform_repays_the_fund(
    enrolled: PlatformHandle, send: Send, client: TestClient, run_job: Run, engine: Engine
) -> None:
    _settled(enrolled, send, run_job)
    run_job("payouts.execute", at("2026-12-10T10:00:00+01:00"))
    invoice = read(client, enrolled)["invoice"]
    with Session(engine) as session:
        record_invoice_payment(session, uuid.UUID(invoice["id"]), at("2027-02-01T10:00:00+01:00"))  # 60 days late
        session.commit()
        b = fund.balances(session)
    assert b.platform_debts == {} and b.cash == Decimal(invoice["guarantee_levy"])


def test_draft_invoices_are_issued_to_the_platform_by_the_job(
    enrolled: PlatformHandle, send: Send, client: TestClient, run_job: Run
) -> None:
    _settled(enrolled, send, run_job)
    assert read(client, enrolled)["invoice"]["status"] == "draft"
    assert run_job("invoices.issue", at("2026-12-01T14:00:00+01:00")) == 1
    assert read(client, enrolled)["invoice"]["status"] == "issued"
    assert run_job("invoices.issue", at("2026-12-01T15:00:00+01:00")) == 0


def _outbox(engine: Engine) -> list[tuple[str, Any]]:
    import json

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, payload FROM outbox_message ORDER BY id")).all()
    return [(k, p if isinstance(p, dict) else json.loads(p)) for k, p in rows]


def test_settling_a_shift_that_ended_off_its_booked_end_queues_an_update_of_the_declaration(
    enrolled: PlatformHandle, send: Send, run_job: Run, engine: Engine
) -> None:
    book(enrolled, send)
    work(enrolled, send, end="2026-12-01T12:40:00+01:00")  # booked to end at 12:00
    run_job("contracts.settle", at("2026-12-01T14:00:00+01:00"))
    updates = [p for k, p in _outbox(engine) if k == "declaration.update"]
    assert updates == [{"ended_at": "2026-12-01T11:40:00+00:00"}]
    assert not [k for k, _ in _outbox(engine) if k == "declaration.out"]  # the IN has its end date: no OUT


def test_an_unpaid_cancellation_before_the_start_queues_a_cancel_of_the_declaration(
    enrolled: PlatformHandle, send: Send, run_job: Run, engine: Engine
) -> None:
    book(enrolled, send)
    send(enrolled, event("shift.cancelled", shift_code="S-1", at="2026-11-29T10:00:00+01:00", reason="rain"))
    run_job("contracts.settle", at("2026-12-01T09:00:00+01:00"))
    declared = [(k, p) for k, p in _outbox(engine) if k.startswith("declaration.")]
    assert declared[1:] == [("declaration.cancel", {"cancelled_at": "2026-11-29T09:00:00+00:00"})]


def test_a_shift_that_ended_as_booked_needs_no_out_declaration(
    enrolled: PlatformHandle, send: Send, run_job: Run, engine: Engine
) -> None:
    book(enrolled, send)
    work(enrolled, send, end="2026-12-01T12:00:00+01:00")
    run_job("contracts.settle", at("2026-12-01T14:00:00+01:00"))
    assert [k for k, _ in _outbox(engine) if k.startswith("declaration.")] == ["declaration.in"]
