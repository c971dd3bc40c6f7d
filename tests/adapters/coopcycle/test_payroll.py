"""CoopCycle safe for payroll (issue 19): each way worked time was lost or paid to the wrong person, reproduced
with the fake CoopCycle, then the behaviour that fixes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from adapters.coopcycle.models import CoopCycleAccount, CoopCycleDelivery, CoopCycleSession
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


# --- 1. Missed notifications: the reconciliation sweep ---------------------------------------------------------

# The scheduler's jobs, the close first: the worst order for a gateway that has just come back.
TICK_JOBS = ("coopcycle.close_sessions", "coopcycle.sweep", "coopcycle.fetch", "contracts.close_stale")


def test_an_hour_of_gateway_downtime_is_recovered_by_the_sweep_and_pays_the_day_as_if_it_never_happened(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app, cc = coop_platform(stores=(1,)), coopcycle
    down = range(150, 210)  # 12:30 to 13:30: no webhook received, no job run; CoopCycle gives up after 7 s
    ends: dict[int, int] = {}
    for minute in range(0, 300, 5):
        if minute % 30 == 0 and minute <= 240:  # a 20-minute delivery every half hour, 10:00 to 14:20
            n = minute // 30 + 1
            cc.create(n, m(minute))
            cc.assign(n, "amina", m(minute))
            cc.task_event(cc.pickup(n), "task:started", m(minute))
            cc.task_event(cc.pickup(n), "task:done", m(minute + 5))
            cc.task_event(cc.dropoff(n), "task:done", m(minute + 20))
            ends[n] = minute + 20
        if minute in down:
            continue
        for n in [n for n, end in ends.items() if end == minute]:
            assert app.notify(n, "delivery.completed", at=m(minute)).status_code == 202
        for name in TICK_JOBS:
            jobs(name, m(minute))
    for minute in range(300, 480, 5):
        for name in TICK_JOBS:
            jobs(name, m(minute))
    settle(jobs, m(480))
    # Deliveries 6 (12:30) and 7 (13:00) were never notified; the sweep read them when the gateway came back,
    # before the session could close on its stale last activity (12:20). One working period, 10:00 to 14:20:
    # one contract, 4 h 20 worked and paid (4.3333 h). Without the sweep: 10:00-12:20 paid 3 h, then 13:30-14:20
    # paid 3 h again, and the two lost deliveries not counted.
    assert paid(engine) == [(m(0), m(260), Decimal("4.3333"))]
    [ws] = all_sessions(engine)
    assert ws.deliveries == 9
    assert cc.listings > 0


def test_the_sweep_queues_only_what_changed_since_it_last_listed_it(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app, cc = coop_platform(stores=(1,)), coopcycle
    deliver(cc, app, 1, start=0, end=20)
    assert jobs("coopcycle.sweep", m(21)) == 1  # listed for the first time (the webhook told it, not the listing)
    assert jobs("coopcycle.sweep", m(26)) == 0  # unchanged: no read
    calls = cc.api_calls
    assert jobs("coopcycle.sweep", m(31)) == 0 and cc.api_calls == calls + 1  # one listing, no delivery read
    cc.task_event(cc.dropoff(1), "task:restored", m(32))
    assert jobs("coopcycle.sweep", m(36)) == 1


# --- 7. One courier, several stores: one rider ----------------------------------------------------------------


def test_a_courier_delivering_for_two_stores_is_one_rider_with_one_contract(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app, cc = coop_platform(stores=(1, 2)), coopcycle
    cc.create(1, m(0), store=1)
    cc.create(2, m(25), store=2)
    for n, start in ((1, 0), (2, 30)):
        cc.assign(n, "amina", m(start))
        cc.task_event(cc.pickup(n), "task:started", m(start))
        cc.task_event(cc.dropoff(n), "task:done", m(start + 20))
        assert app.notify(n, "delivery.completed", at=m(start + 20)).status_code == 202
        jobs("coopcycle.fetch", m(start + 21))
    # Store 2's delivery was refused to store 1's API app (403) and read with store 2's.
    with Session(engine) as s:
        by_store = {a.store: a.id for a in s.exec(select(CoopCycleAccount)).all()}
    assert delivery(engine, 1).account_id == by_store["/api/stores/1"]
    assert delivery(engine, 2).account_id == by_store["/api/stores/2"]
    assert delivery(engine, 2).last_error is None
    for minute in range(55, 200, 5):
        jobs("coopcycle.sweep", m(minute))
        jobs("coopcycle.close_sessions", m(minute))
    settle(jobs, m(200))
    assert count_rows(engine, "rider") == 1
    assert paid(engine) == [(m(0), m(50), Decimal(3))]
    [ws] = all_sessions(engine)
    assert ws.deliveries == 2


# --- 3. Reassignment: the work is paid to whoever did it -------------------------------------------------------


def test_a_delivery_reassigned_while_under_way_pays_each_courier_for_their_part(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app, cc = coop_platform(couriers=("amina", "bilal")), coopcycle
    deliver(cc, app, 1, start=0, end=20)
    jobs("coopcycle.fetch", m(21))
    cc.create(2, m(25))
    cc.assign(2, "amina", m(25))
    cc.task_event(cc.pickup(2), "task:started", m(30))
    assert app.notify(2, "delivery.started", at=m(30)).status_code == 202
    jobs("coopcycle.fetch", m(31))  # placed in amina's session while she rides to the restaurant
    # Her bike breaks down at 10:40: the dispatcher gives the delivery to bilal, who finishes it at 11:00.
    cc.assign(2, "bilal", m(40))
    assert app.notify(2, "delivery.assigned", at=m(40)).status_code == 202
    jobs("coopcycle.fetch", m(41))
    cc.task_event(cc.pickup(2), "task:done", m(48))
    cc.task_event(cc.dropoff(2), "task:done", m(60))
    assert app.notify(2, "delivery.completed", at=m(60)).status_code == 202
    jobs("coopcycle.fetch", m(61))
    for minute in range(65, 250, 5):
        jobs("coopcycle.close_sessions", m(minute))
    settle(jobs, m(250))
    with Session(engine) as s:
        by_rider = {
            ws.courier: (ws.started_at, ws.ended_at, ws.deliveries) for ws in s.exec(select(CoopCycleSession)).all()
        }
    # amina: delivery 1 and her part of delivery 2 (10:30-10:40); bilal: 10:40 to the drop at 11:00, the delivery.
    assert by_rider == {"amina": (m(0), m(40), 1), "bilal": (m(40), m(60), 1)}
    # Each a contract paid the 3-hour minimum from their first work: 10:00-13:00 and 10:40-13:40.
    assert paid(engine) == [(m(0), m(40), Decimal(3)), (m(40), m(60), Decimal(3))]


def test_work_reported_after_its_session_closed_continues_in_the_next_contract(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app, cc = coop_platform(), coopcycle  # no swept store: webhooks only
    deliver(cc, app, 1, start=0, end=20)
    cc.create(2, m(150))
    cc.assign(2, "amina", m(150))
    cc.task_event(cc.pickup(2), "task:started", m(150))
    cc.task_event(cc.dropoff(2), "task:failed", m(170))
    assert app.notify(2, "delivery.failed", at=m(170)).status_code == 202
    jobs("coopcycle.fetch", m(171))
    assert jobs("coopcycle.close_sessions", m(215)) == 1  # 10:00-12:50 closed, paid until 13:00
    # Restored with no webhook, failed again at 13:40: the 40 minutes past 13:00 go on in the next contract.
    cc.task_event(cc.dropoff(2), "task:restored", m(200))
    cc.task_event(cc.dropoff(2), "task:failed", m(220))
    assert app.notify(2, "delivery.failed", at=m(220)).status_code == 202
    jobs("coopcycle.fetch", m(221))
    first, second = all_sessions(engine)
    assert (first.ended_at, second.started_at, second.last_activity_at) == (m(170), m(180), m(220))
    assert delivery(engine, 2).session_id == second.id


def test_a_store_that_cannot_be_swept_holds_its_sessions_open_only_until_the_hard_limit(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app = coop_platform(stores=(1,))
    with Session(engine) as s:
        account = s.exec(select(CoopCycleAccount)).one()
        account.store = "/api/stores/2"  # a typo: store 1's API app may not list store 2 (403)
        s.add(account)
        s.commit()
    deliver(coopcycle, app, 1, start=0, end=20)
    jobs("coopcycle.fetch", m(21))
    for minute in range(25, 290, 5):
        jobs("coopcycle.sweep", m(minute))
        assert jobs("coopcycle.close_sessions", m(minute)) == 0  # nothing proves no work was missed
    assert jobs("coopcycle.close_sessions", m(290)) == 1  # the hard limit: closed on what is known
    [ws] = all_sessions(engine)
    assert ws.ended_at == m(20)
