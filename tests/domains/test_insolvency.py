"""2016 again: a platform goes bankrupt with 400 riders unpaid; the guarantee fund pays every one in full,
on the due date, and its double-entry ledger balances to the cent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlmodel import Session

from gateway.domains.fund import service as fund
from gateway.settings import Settings
from tests.conftest import Clock, PlatformHandle, as_it_happens, event

RIDERS = 400
STAFF = {"Authorization": "Bearer staff-token-for-tests"}


@pytest.fixture
def send(send: Callable[..., Any], clock: Clock) -> Callable[..., Any]:
    # Each shift event is posted when it happens (an event's time may not be ahead of the gateway's clock).
    return as_it_happens(send, clock)


def at(text_: str) -> datetime:
    return datetime.fromisoformat(text_).astimezone(UTC)


def _seed(p: PlatformHandle, send: Callable[..., Any]) -> None:
    """Riders 0-199 worked and reported their end; 200-299 worked but the end never came; 300-399 were
    booked for the next day (short notice when the platform stops)."""
    for i in range(RIDERS):
        rider = f"r-{i}"
        assert (
            send(p, event("rider.enrolled", rider_id=rider, name=f"Rider {i}", email=f"r{i}@example.org")).status_code
            == 200
        )
        day = "02" if i >= 300 else "01"
        hours = 2 + i % 4  # 2 to 5 hours: some below the minimum
        body = event(
            "shift.booked",
            shift_code=f"S-{i}",
            rider_id=rider,
            starts_at=f"2026-12-{day}T10:00:00+01:00",
            ends_at=f"2026-12-{day}T{10 + hours}:00:00+01:00",
            pay={"hourly_gross": "13.50", "currency": "EUR"},
        )
        assert send(p, body).status_code == 200
        if i < 200:
            end = event("shift.ended", shift_code=f"S-{i}", at=f"2026-12-01T{10 + hours}:00:00+01:00", deliveries=i % 3)
            assert send(p, end).status_code == 200


def test_bankrupt_platform_riders_are_all_paid_in_full_on_the_due_date_by_the_fund(
    app: Any,
    client: TestClient,
    platform: PlatformHandle,
    send: Callable[..., Any],
    run_job: Callable[..., int],
    engine: Engine,
    clock: Clock,
    settings: Settings,
) -> None:
    app.state.settings = settings.model_copy(update={"admin_token": SecretStr("staff-token-for-tests")})
    assert (
        client.post(
            "/v1/admin/fund/deposits", json={"amount": "400000.00", "memo": "opening balance"}, headers=STAFF
        ).status_code
        == 200
    )
    _seed(platform, send)

    clock.fixed = at("2026-12-01T20:00:00+01:00")  # the platform stops that evening
    r = client.post("/v1/admin/platforms/demo/insolvency", headers=STAFF)
    clock.fixed = None
    assert r.status_code == 200, r.text
    assert r.json()["contracts_settled"] == RIDERS and r.json()["contracts_cancelled"] == 0
    # The platform can no longer post webhooks.
    assert send(platform, event("shift.started", shift_code="S-1", at="2026-12-01T10:00:00+01:00")).status_code == 403

    with engine.connect() as conn:
        # SQLite returns dates as text, PostgreSQL as dates: normalise to ISO text.
        due = {
            str(d)[:10]: n for d, n in conn.execute(text("SELECT due_on, count(*) FROM payout GROUP BY due_on")).all()
        }
    assert sum(due.values()) == RIDERS
    first_due = min(due)
    assert run_job("payouts.execute", at(f"{first_due}T00:00:00+01:00") - timedelta(minutes=1)) == 0
    paid = 0
    for day in sorted(due):
        paid += run_job("payouts.execute", at(f"{day}T08:00:00+01:00"))
    assert paid == RIDERS

    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.amount, s.payout, p.status, p.funded_by, p.paid_at, p.due_on, c.status "
                "FROM payout p JOIN settlement s ON s.contract_id = p.contract_id JOIN contract c ON c.id = p.contract_id"
            )
        ).all()
        unpaid_invoices = conn.execute(text("SELECT count(*) FROM invoice WHERE status = 'defaulted'")).scalar_one()
    assert len(rows) == RIDERS and unpaid_invoices == RIDERS
    for amount, owed, status, funded_by, _paid_at, _due_on, contract_status in rows:
        assert (status, funded_by, contract_status) == ("paid", "guarantee_fund", "paid")
        assert amount == owed and amount > 0
    total = sum((Decimal(r[0]).scaleb(-2) for r in rows), Decimal(0))  # raw SQL: integer cents
    with Session(engine) as session:
        b = fund.balances(session)
        advances = [e for e in fund.history(session, 10_000) if e.kind == "advance"]
    assert b.unbalanced_transactions == 0
    assert b.platform_debts == {"demo": total}
    assert b.cash == Decimal("400000.00") - total
    assert len(advances) == 2 * RIDERS  # two legs per rider
