"""Work sessions at their edges: the idle gap, the hard limit, couriers not enrolled yet, late news, outages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from adapters.coopcycle.models import CoopCycleAccount, CoopCycleDelivery, CoopCycleSession
from adapters.coopcycle.queue import requeue_held
from gateway.canonical import RiderEnrolled
from gateway.domains.contracts.models import Contract
from gateway.domains.decisions.models import Decision
from gateway.domains.riders import service as riders
from tests.adapters.coopcycle.conftest import CoopCyclePlatform, FakeCoopCycle
from tests.conftest import Clock

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
Jobs = Callable[[str, datetime], int]


def m(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def deliver(
    cc: FakeCoopCycle, app: CoopCyclePlatform, n: int, start: float, end: float, courier: str = "amina"
) -> None:
    """A whole delivery, notified once at its end (at `end` on the gateway's clock)."""
    cc.create(n, m(start - 5))
    cc.assign(n, courier, m(start - 5))
    cc.task_event(cc.pickup(n), "task:started", m(start))
    cc.task_event(cc.pickup(n), "task:done", m(start + 5))
    cc.task_event(cc.dropoff(n), "task:done", m(end))
    assert app.notify(n, "delivery.completed", at=m(end)).status_code == 202


def all_sessions(engine: Engine) -> list[CoopCycleSession]:
    with Session(engine) as s:
        return list(s.exec(select(CoopCycleSession).order_by(col(CoopCycleSession.started_at))).all())


def delivery(engine: Engine, n: int) -> CoopCycleDelivery:
    with Session(engine) as s:
        return s.exec(select(CoopCycleDelivery).where(CoopCycleDelivery.iri == f"/api/deliveries/{n}")).one()


def test_a_delivery_after_the_paid_window_and_the_idle_gap_opens_a_second_contract(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app = coop_platform()
    deliver(coopcycle, app, 1, start=0, end=20)
    jobs("coopcycle.fetch", m(21))
    deliver(coopcycle, app, 2, start=30, end=50)  # 10 minutes after the last: the same session
    jobs("coopcycle.fetch", m(51))
    assert jobs("coopcycle.close_sessions", m(50 + 45)) == 0  # idle 45 minutes, but its 3 paid hours run on
    assert jobs("coopcycle.close_sessions", m(179)) == 0
    assert jobs("coopcycle.close_sessions", m(180)) == 1
    deliver(coopcycle, app, 3, start=181, end=195)  # after the paid window: a new session
    jobs("coopcycle.fetch", m(196))
    first, second = all_sessions(engine)
    assert (first.status, first.deliveries, first.ended_at) == ("closed", 2, m(50))
    assert (second.status, second.started_at) == ("open", m(181))
    with Session(engine) as s:
        assert len(s.exec(select(Contract)).all()) == 2
        # Grouping the deliveries into one worked period is a decision the rider sees (issue 20).
        [decided] = s.exec(select(Decision).where(Decision.kind == "work_session")).all()
    assert (decided.outcome, decided.facts["deliveries"], decided.facts["ended_at"]) == (
        "session_closed",
        "2",
        m(50).isoformat(),
    )
    assert decided.parameters["idle_gap_minutes"] and decided.decided_by == "gateway:coopcycle-sessions"


def test_a_delivery_under_way_keeps_its_session_open_past_the_idle_gap(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app, cc = coop_platform(), coopcycle
    cc.create(1, m(0))
    cc.assign(1, "amina", m(0))
    cc.task_event(cc.pickup(1), "task:started", m(0))
    assert app.notify(1, "delivery.started", at=m(0)).status_code == 202
    jobs("coopcycle.fetch", m(1))
    assert jobs("coopcycle.close_sessions", m(60)) == 0  # a long ride, not idleness
    cc.task_event(cc.dropoff(1), "task:done", m(70))
    jobs("coopcycle.fetch", m(71))  # the poll of a delivery under way sees it end, notified or not
    assert delivery(engine, 1).status == "done"
    assert jobs("coopcycle.close_sessions", m(70 + 45)) == 0  # the paid window runs until 3 h
    assert jobs("coopcycle.close_sessions", m(180)) == 1
    [ws] = all_sessions(engine)
    assert (ws.ended_at, ws.deliveries) == (m(70), 1)


def test_a_session_closes_at_its_hard_limit_before_the_stale_shift_job_could_pay_it_as_booked(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app = coop_platform()
    # Deliveries every half hour for six hours: the booked window is 3 h, the stale-shift grace 2 h.
    for i in range(12):
        deliver(coopcycle, app, i + 1, start=30 * i, end=30 * i + 20)
        jobs("coopcycle.fetch", m(30 * i + 21))
        jobs("coopcycle.close_sessions", m(30 * i + 22))
        assert jobs("contracts.close_stale", m(30 * i + 23)) == 0
    first, second = all_sessions(engine)
    assert first.status == "closed" and first.closes_at == m(300 - 10)  # 3 h booked + 2 h grace - 10 min
    assert first.ended_at == m(290) and first.deliveries == 10
    assert second.started_at == m(300)  # the work goes on under a new contract
    with Session(engine) as s:
        statuses = sorted(c.status for c in s.exec(select(Contract)).all())
    assert statuses == ["active", "completed"]


def test_a_courier_not_enrolled_is_held_then_placed_once_enrolled(
    coopcycle: FakeCoopCycle,
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Jobs,
    engine: Engine,
    clock: Clock,
) -> None:
    app = coop_platform(couriers=())
    deliver(coopcycle, app, 1, start=0, end=20, courier="bilal")
    jobs("coopcycle.fetch", m(21))
    held = delivery(engine, 1)
    assert held.session_id is None and held.last_error is not None and "not enrolled" in held.last_error
    assert held.fetch_due_at is not None and held.fetch_due_at > m(21)  # retried later, never dropped
    with Session(engine) as s:
        data = RiderEnrolled(rider_id="bilal", name="Bilal", email="bilal@example.org")
        riders.enrol(s, held.platform_id, data, m(25))
        assert requeue_held(s, held.platform_id, "bilal", m(25)) == 1
        s.commit()
    jobs("coopcycle.fetch", m(25))
    [ws] = all_sessions(engine)
    assert (ws.courier, ws.started_at, delivery(engine, 1).session_id) == ("bilal", m(0), ws.id)


def test_an_earlier_delivery_reported_late_is_counted_but_cannot_move_the_start(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app = coop_platform()
    deliver(coopcycle, app, 2, start=30, end=50)
    jobs("coopcycle.fetch", m(51))
    deliver(coopcycle, app, 1, start=10, end=28)  # its notifications were lost until now
    jobs("coopcycle.fetch", m(52))
    [ws] = all_sessions(engine)
    assert (ws.started_at, ws.deliveries) == (m(30), 2)
    assert ws.note is not None and "/api/deliveries/1" in ws.note


def test_an_api_outage_or_a_missing_account_delays_the_fetch_and_loses_nothing(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app = coop_platform()
    with Session(engine) as s:
        account = s.exec(select(CoopCycleAccount)).one()
        saved = account.model_dump(exclude={"id"})
        s.delete(account)
        s.commit()
    deliver(coopcycle, app, 1, start=0, end=20)
    jobs("coopcycle.fetch", m(21))
    d = delivery(engine, 1)
    assert d.last_error is not None and "coopcycle connect" in d.last_error
    assert d.fetch_due_at == m(21) + timedelta(seconds=30)
    with Session(engine) as s:
        s.add(CoopCycleAccount.model_validate(saved))
        s.commit()
    coopcycle.outage = 1
    jobs("coopcycle.fetch", m(22))
    d = delivery(engine, 1)
    assert d.last_error == "GET /api/deliveries/1 answered HTTP 503"
    assert d.fetch_due_at == m(22) + timedelta(seconds=120)  # the second wait of the schedule
    assert jobs("coopcycle.fetch", m(23)) == 0  # not due yet
    assert jobs("coopcycle.fetch", m(24)) == 1
    assert (delivery(engine, 1).status, len(all_sessions(engine))) == ("done", 1)


def test_a_refused_client_credential_is_an_error_on_the_delivery_not_a_crash(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app = coop_platform()
    with Session(engine) as s:
        account = s.exec(select(CoopCycleAccount)).one()
        account.client_secret = "wrong"
        s.add(account)
        s.commit()
    deliver(coopcycle, app, 1, start=0, end=20)
    assert jobs("coopcycle.fetch", m(21)) == 1
    d = delivery(engine, 1)
    assert d.last_error is not None and "HTTP 401" in d.last_error and "wrong" not in d.last_error
