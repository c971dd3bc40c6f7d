"""A courier's day on CoopCycle, replayed: two work sessions, eight deliveries (one failed), retried and
out-of-order notifications, an API outage and a lost notification, every job run as the scheduler would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from adapters.coopcycle.models import CoopCycleDelivery, CoopCycleSession
from gateway.domains.contracts.models import Contract, Violation
from gateway.domains.settlement.models import Settlement
from tests.adapters.coopcycle.conftest import CoopCyclePlatform, FakeCoopCycle
from tests.conftest import Clock, count_rows

BRUSSELS = ZoneInfo("Europe/Brussels")
TICK = timedelta(minutes=5)
SCHEDULER = ("coopcycle.fetch", "coopcycle.close_sessions", "contracts.close_stale", "contracts.settle")


def t(hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return datetime(2026, 11, 26, int(h), int(m), tzinfo=BRUSSELS)


class Day:
    """The day's clock: moving it runs the gateway's jobs every five minutes, like the scheduler."""

    def __init__(self, jobs: Callable[[str, datetime], int], clock: Clock, start: datetime) -> None:
        self.jobs, self.clock, self.next_tick = jobs, clock, start + TICK
        clock.fixed = start

    def until(self, when: datetime) -> None:
        while self.next_tick <= when:
            self.clock.fixed = self.next_tick
            for name in SCHEDULER:
                self.jobs(name, self.next_tick)
            self.next_tick += TICK
        self.clock.fixed = when


def sessions(engine: Engine) -> list[CoopCycleSession]:
    with Session(engine) as s:
        return list(s.exec(select(CoopCycleSession).order_by(col(CoopCycleSession.started_at))).all())


def contracts(engine: Engine) -> list[tuple[Contract, Settlement | None]]:
    with Session(engine) as s:
        rows = s.exec(select(Contract).order_by(col(Contract.starts_at))).all()
        return [(c, s.get(Settlement, c.id)) for c in rows]


def delivered(cc: FakeCoopCycle, app: CoopCyclePlatform, day: Day, n: int, times: dict[str, str]) -> None:
    """One delivery as it happens, each step notified at once (unless the test does it itself)."""
    day.until(t(times["assigned"]))
    cc.create(n, t(times["assigned"]))
    cc.assign(n, "amina", t(times["assigned"]))
    assert app.notify(n, "delivery.assigned").status_code == 202
    day.until(t(times["start"]))
    cc.task_event(cc.pickup(n), "task:started", t(times["start"]))
    assert app.notify(n, "delivery.started").status_code == 202
    day.until(t(times["picked"]))
    cc.task_event(cc.pickup(n), "task:done", t(times["picked"]))
    assert app.notify(n, "delivery.picked").status_code == 202
    day.until(t(times["end"]))
    outcome = times.get("outcome", "done")
    cc.task_event(
        cc.dropoff(n), f"task:{outcome}", t(times["end"]), **({"reason": "absent"} if outcome == "failed" else {})
    )
    if not times.get("lost"):
        event = "delivery.failed" if outcome == "failed" else "delivery.completed"
        assert app.notify(n, event).status_code == 202


def test_a_couriers_day_becomes_two_contracts_paid_by_the_hour_from_the_first_delivery(
    coopcycle: FakeCoopCycle,
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    clock: Clock,
    engine: Engine,
) -> None:
    cc, app = coopcycle, coop_platform()
    day = Day(jobs, clock, t("11:30"))

    # --- Lunch: four deliveries from 12:00, the third one failed at the door. ---------------------------
    day.until(t("11:50"))
    cc.create(101, t("11:50"))
    cc.assign(101, "amina", t("11:50"))
    assert app.notify(101, "delivery.assigned").status_code == 202
    day.until(t("12:00"))
    cc.task_event(cc.pickup(101), "task:started", t("12:00"))
    first = app.notify(101, "delivery.started")
    assert first.status_code == 202 and first.json()["type"] == "delivery.started"
    # CoopCycle did not get our answer in time and sends the same notification again (its retries come within
    # seconds): a replay.
    again = app.notify(101, "delivery.started", at=t("12:00") + timedelta(seconds=2))
    assert (again.status_code, again.headers["Webhook-Replayed"], again.json()) == (202, "true", first.json())
    day.until(t("12:05"))
    # The contract opened at the first delivery, while the courier rides: booked and started at 12:00.
    [(opened, _)] = contracts(engine)
    assert (opened.status, opened.actual_start) == ("active", t("12:00"))
    assert opened.starts_at == t("12:00") and opened.ends_at == t("15:00")
    cc.task_event(cc.pickup(101), "task:done", t("12:08"))
    cc.task_event(cc.dropoff(101), "task:started", t("12:09"))
    cc.task_event(cc.dropoff(101), "task:done", t("12:25"))
    day.until(t("12:25"))
    assert app.notify(101, "delivery.completed").status_code == 202
    # ...and the notifications of 12:08 and 12:09 arrive only now, after the completion: out of order.
    assert app.notify(101, "delivery.in_transit", at=t("12:26")).status_code == 202
    assert app.notify(101, "delivery.picked", at=t("12:26")).status_code == 202

    # Delivery 102: the completion is notified before the pickup, and the API is down at the first read.
    day.until(t("12:20"))
    cc.create(102, t("12:20"))
    cc.assign(102, "amina", t("12:20"))
    cc.task_event(cc.pickup(102), "task:started", t("12:30"))
    cc.task_event(cc.pickup(102), "task:done", t("12:38"))
    cc.task_event(cc.dropoff(102), "task:done", t("12:55"))
    day.until(t("12:56"))
    cc.outage = 1
    assert app.notify(102, "delivery.completed").status_code == 202
    assert app.notify(102, "delivery.picked", at=t("12:57")).status_code == 202
    day.until(t("13:05"))
    assert cc.outage == 0
    with Session(engine) as s:
        d102 = s.exec(select(CoopCycleDelivery).where(CoopCycleDelivery.iri == "/api/deliveries/102")).one()
    assert (d102.status, d102.last_error, d102.session_id) == ("done", None, sessions(engine)[0].id)

    delivered(
        cc,
        app,
        day,
        103,
        {"assigned": "13:05", "start": "13:10", "picked": "13:15", "end": "13:40", "outcome": "failed"},
    )
    delivered(cc, app, day, 104, {"assigned": "13:45", "start": "13:50", "picked": "13:58", "end": "14:05"})

    day.until(t("14:45"))
    [lunch] = sessions(engine)
    # 45 minutes after the last delivery (14:50) the paid window still runs: the session waits for its end.
    assert lunch.status == "open" and lunch.closes_at == t("15:00")
    day.until(t("15:05"))
    [lunch] = sessions(engine)
    assert (lunch.status, lunch.ended_at, lunch.deliveries) == ("closed", t("14:05"), 4)

    # --- Evening: four deliveries from 18:00 to 21:20; the last completion is never notified. ------------
    delivered(cc, app, day, 105, {"assigned": "17:55", "start": "18:00", "picked": "18:07", "end": "18:20"})
    delivered(cc, app, day, 106, {"assigned": "18:35", "start": "18:40", "picked": "18:47", "end": "19:05"})
    delivered(cc, app, day, 107, {"assigned": "19:25", "start": "19:30", "picked": "19:38", "end": "20:00"})
    delivered(
        cc, app, day, 108, {"assigned": "20:25", "start": "20:30", "picked": "20:41", "end": "21:20", "lost": "yes"}
    )
    day.until(t("23:00"))

    lunch, evening = sessions(engine)
    assert (evening.status, evening.started_at, evening.ended_at, evening.deliveries) == (
        "closed",
        t("18:00"),
        t("21:20"),  # seen by polling the delivery still under way, though its completion was never notified
        4,
    )
    (c1, s1), (c2, s2) = contracts(engine)
    assert [c1.shift_code, c2.shift_code] == [lunch.shift_code, evening.shift_code]
    assert (c1.actual_start, c1.actual_end, c1.first_delivery_at, c1.deliveries) == (
        t("12:00"),
        t("14:05"),
        t("12:00"),
        4,
    )
    assert (c2.actual_start, c2.actual_end, c2.first_delivery_at, c2.deliveries) == (
        t("18:00"),
        t("21:20"),
        t("18:00"),
        4,
    )
    assert s1 is not None and s2 is not None
    # Lunch: 2 h 05 worked, paid the agreement's 3 hours counted from the first delivery.
    assert (s1.worked_hours.quantize(Decimal("0.01")), s1.paid_hours) == (Decimal("2.08"), Decimal(3))
    # Evening: 3 h 20 worked, paid as worked.
    assert s2.paid_hours.quantize(Decimal("0.0001")) == Decimal("3.3333")
    # By the hour, never per delivery: no offer per trip, no pay line per trip, no piece-rate violation.
    for contract, settlement in ((c1, s1), (c2, s2)):
        assert contract.pay_basis == "hourly" and contract.offered_pay is None and contract.proposed_pay is None
        assert all("trip" not in line["code"] and line["kind"] != "per_trip" for line in settlement.lines)
        assert settlement.hourly_gross >= Decimal("12.83")  # the statutory minimum of 2025 at least
    with Session(engine) as s:
        assert s.exec(select(Violation).where(Violation.term == "no_piece_rate")).all() == []

    # Every notification was stored once (the replay was answered from the inbox), none was refused.
    assert count_rows(engine, "inbox_message") == 2 + 3 + 2 + 4 + 4 + 4 + 4 + 4 + 3 + 6  # webhooks + job events
    # One access token an hour at most, reused across runs; the 401 of an expired token fetched a new one.
    assert 2 <= cc.tokens_issued <= 12 and cc.api_calls > 3 * cc.tokens_issued


@pytest.mark.parametrize("event", ["delivery.started", "delivery.completed"])
def test_a_notification_stores_the_delivery_and_calls_nobody(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], engine: Engine, event: str
) -> None:
    r = coop_platform().notify(7, event)
    assert r.status_code == 202
    assert r.json()["webhook_id"].startswith(f"{event}:/api/deliveries/7:")
    assert (coopcycle.api_calls, coopcycle.tokens_issued) == (0, 0)
    with Session(engine) as s:
        [d] = s.exec(select(CoopCycleDelivery)).all()
    assert (d.iri, d.last_event, d.notices, d.fetch_due_at is not None) == ("/api/deliveries/7", event, 1, True)
