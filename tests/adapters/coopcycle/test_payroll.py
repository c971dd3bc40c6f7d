"""CoopCycle safe for payroll (issue 19): each way worked time was lost or paid to the wrong person, reproduced
with the fake CoopCycle, then the behaviour that fixes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from adapters.coopcycle.models import CoopCycleDelivery
from adapters.coopcycle.testing import notification, signed_headers
from gateway.domains.contracts.models import Contract
from gateway.domains.settlement.models import Settlement
from tests.adapters.coopcycle.conftest import CoopCyclePlatform, FakeCoopCycle
from tests.adapters.coopcycle.test_sessions import all_sessions, deliver, delivery, m
from tests.conftest import count_rows

Jobs = Callable[[str, datetime], int]
T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def contracts(engine: Engine) -> list[Contract]:
    with Session(engine) as s:
        return list(s.exec(select(Contract).order_by(col(Contract.starts_at))).all())


# --- 6. Events the adapter does not use ----------------------------------------------------------------------


def test_an_order_created_notification_is_accepted_and_recorded_as_ignored(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], engine: Engine
) -> None:
    app = coop_platform()
    body = notification("/api/orders/12", "order.created")
    r = app.client.post(
        f"/v1/platforms/{app.slug}/webhooks",
        content=body,
        headers=signed_headers(app.secrets["delivery.completed"], body),
    )
    # Anything but 2xx makes CoopCycle retry three times and file the webhook as failed.
    assert r.status_code == 202, r.text
    assert r.json()["webhook_id"].startswith("ignored:order.created:/api/orders/12:")
    assert count_rows(engine, "inbox_message") == 1
    assert count_rows(engine, "coopcycle_delivery") == 0  # nothing to fetch, nobody called
    assert coopcycle.api_calls == 0


# --- 2. A second real event is not a replay -----------------------------------------------------------------


def test_a_delivery_failed_again_after_a_restore_is_news_not_a_replay(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app, cc = coop_platform(), coopcycle
    cc.create(1, m(0))
    cc.assign(1, "amina", m(0))
    cc.task_event(cc.pickup(1), "task:started", m(5))
    cc.task_event(cc.pickup(1), "task:done", m(10))
    cc.task_event(cc.dropoff(1), "task:failed", m(30), reason="absent")
    first = app.notify(1, "delivery.failed", at=m(30))
    assert first.status_code == 202
    jobs("coopcycle.fetch", m(31))
    assert delivery(engine, 1).finished_at == m(30)
    # The dispatcher restores the task; the courier goes back and fails again at 12:10: the same bytes.
    cc.task_event(cc.dropoff(1), "task:restored", m(40))
    cc.task_event(cc.dropoff(1), "task:failed", m(70), reason="still absent")
    second = app.notify(1, "delivery.failed", at=m(70))
    assert second.status_code == 202 and second.headers.get("Webhook-Replayed") is None
    assert second.json()["webhook_id"] != first.json()["webhook_id"]
    jobs("coopcycle.fetch", m(71))
    assert delivery(engine, 1).finished_at == m(70)
    jobs("coopcycle.close_sessions", m(70 + 180))
    [ws] = all_sessions(engine)
    assert (ws.status, ws.ended_at) == ("closed", m(70))  # the second attempt's time is worked time


def test_coopcycles_own_retry_within_seconds_is_still_a_replay(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], engine: Engine
) -> None:
    app = coop_platform()
    first = app.notify(1, "delivery.completed", at=m(0))
    again = app.notify(1, "delivery.completed", at=m(0) + timedelta(seconds=7))  # 1 s, 2 s, 4 s
    assert again.headers.get("Webhook-Replayed") == "true" and again.json() == first.json()
    with Session(engine) as s:
        assert s.exec(select(CoopCycleDelivery)).one().notices == 1


def settle(jobs: Jobs, at: datetime) -> None:
    jobs("contracts.close_stale", at)
    jobs("contracts.settle", at)


def paid(engine: Engine) -> list[tuple[datetime, datetime | None, Decimal]]:
    """Each contract's worked window and paid hours, in order."""
    with Session(engine) as s:
        rows = s.exec(select(Contract).order_by(col(Contract.starts_at))).all()
        out = []
        for c in rows:
            st = s.get(Settlement, c.id)
            assert st is not None, f"contract {c.shift_code} is not settled"
            out.append((c.actual_start or c.starts_at, c.actual_end, st.paid_hours.quantize(Decimal("0.0001"))))
        return out


# --- 5. A long pause: one working period, one contract ---------------------------------------------------------


def test_a_pause_within_the_paid_window_extends_the_contract_instead_of_opening_an_overlapping_one(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app = coop_platform()
    deliver(coopcycle, app, 1, start=0, end=20)
    jobs("coopcycle.fetch", m(21))
    deliver(coopcycle, app, 2, start=25, end=40)
    jobs("coopcycle.fetch", m(41))
    jobs("coopcycle.close_sessions", m(90))  # 50 minutes idle: more than the idle gap
    deliver(coopcycle, app, 3, start=91, end=110)  # a pause of 51 minutes
    jobs("coopcycle.fetch", m(111))
    deliver(coopcycle, app, 4, start=115, end=140)
    jobs("coopcycle.fetch", m(141))
    for minute in range(145, 200, 5):
        jobs("coopcycle.close_sessions", m(minute))
    settle(jobs, m(200))
    # Before: 10:00-13:00 and 11:31-14:31, 6 h paid for 2 h 20 of clock time. Now one contract from the first
    # delivery (10:00) to the last activity (12:20), paid its 3-hour minimum: 10:00-13:00.
    assert paid(engine) == [(m(0), m(140), Decimal(3))]
    [ws] = all_sessions(engine)
    assert ws.deliveries == 4


# --- 4. Work past the session's hard limit ---------------------------------------------------------------------


def test_a_delivery_running_past_the_hard_limit_continues_in_the_next_contract_without_overlap(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app, cc = coop_platform(), coopcycle
    for i in range(9):  # deliveries every half hour, 10:00 to 14:50
        deliver(cc, app, i + 1, start=30 * i, end=30 * i + 20)
        jobs("coopcycle.fetch", m(30 * i + 21))
        jobs("coopcycle.close_sessions", m(30 * i + 22))
    cc.create(10, m(265))
    cc.assign(10, "amina", m(265))
    cc.task_event(cc.pickup(10), "task:started", m(270))
    assert app.notify(10, "delivery.started", at=m(270)).status_code == 202
    jobs("coopcycle.fetch", m(271))
    # The hard limit (3 h booked + 2 h grace - 10 min = 14:50) comes while delivery 10 is under way.
    assert jobs("coopcycle.close_sessions", m(290)) == 1
    cc.task_event(cc.pickup(10), "task:done", m(280))
    cc.task_event(cc.dropoff(10), "task:done", m(320))
    assert app.notify(10, "delivery.completed", at=m(320)).status_code == 202
    jobs("coopcycle.fetch", m(321))
    for minute in range(325, 480, 5):
        jobs("coopcycle.close_sessions", m(minute))
        assert jobs("contracts.close_stale", m(minute)) == 0  # never closed "as booked" by the gateway
    settle(jobs, m(480))
    # Before: the first contract ended at 14:30 (the last activity it knew) and 14:30-15:20 was never paid.
    # Now: 10:00-14:50 worked and paid 4 h 50 (4.8333 h); the delivery goes on in a contract from 14:50 to 15:20
    # (30 min worked), paid the agreement's 3-hour minimum. The two paid windows touch, never overlap.
    assert paid(engine) == [(m(0), m(290), Decimal("4.8333")), (m(290), m(320), Decimal(3))]
    first, second = all_sessions(engine)
    assert (first.deliveries, second.deliveries) == (9, 1)
    assert delivery(engine, 10).session_id == second.id
