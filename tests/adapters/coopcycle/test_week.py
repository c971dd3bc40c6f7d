"""Issue 19's "done when": a realistic week of three couriers over two stores, with an hour of gateway downtime,
a reassignment, a long pause, a delivery past the limit and a restored delivery, yields exactly the paid time an
hourly rider is owed under the 2016 agreement (at least 3 hours from the first delivery, then as worked, never
per trip). Every contract's window and paid hours are computed by hand below.

The week is played as it happens: CoopCycle's tasks change at their times, its webhooks are posted at once
(none while the gateway is down: CoopCycle gives up after 7 seconds), and the scheduler runs every job every
10 minutes (none while the gateway is down), the close first: the worst order after a restart.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from adapters.coopcycle.testing import notification, signed_headers
from gateway.domains.contracts.models import Contract
from gateway.domains.riders.models import Rider
from gateway.domains.settlement.models import Settlement
from tests.adapters.coopcycle.conftest import CoopCyclePlatform, FakeCoopCycle
from tests.conftest import count_rows

BRUSSELS = ZoneInfo("Europe/Brussels")
DAYS = {"mon": 23, "tue": 24, "wed": 25, "thu": 26, "fri": 27, "sat": 28, "sun": 29}  # November 2026 (UTC+1)
TICK = timedelta(minutes=10)
JOBS = ("coopcycle.close_sessions", "coopcycle.sweep", "coopcycle.fetch", "contracts.close_stale", "contracts.settle")
DOWN = (datetime(2026, 11, 25, 21, 0, tzinfo=BRUSSELS), datetime(2026, 11, 25, 22, 0, tzinfo=BRUSSELS))


def t(day: str, hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return datetime(2026, 11, DAYS[day], int(h), int(m), tzinfo=BRUSSELS)


def down(at: datetime) -> bool:
    return DOWN[0] <= at < DOWN[1]


@dataclass
class Week:
    cc: FakeCoopCycle
    app: CoopCyclePlatform
    actions: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)
    next_delivery: int = 1

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        self.actions.append((when, len(self.actions), action))

    def notify(self, n: int, event: str, when: datetime) -> None:
        if not down(when):
            assert self.app.notify(n, event, at=when).status_code == 202

    def delivery(self, courier: str, store: int, day: str, start: str, end: str, *, outcome: str = "done") -> int:
        """Assigned 5 minutes before it starts; picked up 5 minutes after; dropped (or failed) at `end`."""
        n, self.next_delivery = self.next_delivery, self.next_delivery + 1
        cc, s, e = self.cc, t(day, start), t(day, end)

        def assigned() -> None:
            cc.create(n, s - timedelta(minutes=5), store=store)
            cc.assign(n, courier, s - timedelta(minutes=5))
            self.notify(n, "delivery.assigned", s - timedelta(minutes=5))

        def started() -> None:
            cc.task_event(cc.pickup(n), "task:started", s)
            self.notify(n, "delivery.started", s)

        def picked() -> None:
            cc.task_event(cc.pickup(n), "task:done", s + timedelta(minutes=5))
            self.notify(n, "delivery.picked", s + timedelta(minutes=5))

        def dropped() -> None:
            cc.task_event(cc.dropoff(n), f"task:{outcome}", e)
            self.notify(n, "delivery.failed" if outcome == "failed" else "delivery.completed", e)

        self.at(s - timedelta(minutes=5), assigned)
        self.at(s, started)
        self.at(s + timedelta(minutes=5), picked)
        self.at(e, dropped)
        return n

    def play(self, jobs: Callable[[str, datetime], int]) -> None:
        """Each day from 10:30 to 01:00 the next morning: the day's changes at their times, the jobs every tick."""
        for day in DAYS:
            tick, last = t(day, "10:30"), t(day, "10:30") + timedelta(hours=14, minutes=30)
            while tick <= last:
                due = sorted(a for a in self.actions if tick - TICK < a[0] <= tick)
                for _, _, action in due:
                    action()
                if not down(tick):
                    for name in JOBS:
                        jobs(name, tick)
                tick += TICK


def test_a_week_of_three_couriers_over_two_stores_pays_exactly_the_time_worked(
    coopcycle: FakeCoopCycle,
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    engine: Engine,
) -> None:
    cc = coopcycle
    # One CoopCycle instance, two stores, each with its own API app: one platform, two accounts.
    app = coop_platform(couriers=("amina", "bilal", "chloe"), stores=(1, 2))
    week = Week(cc, app)

    # Monday. amina's lunch across both stores: 12:00-13:25, one working period. bilal's evening for store 2.
    week.delivery("amina", 1, "mon", "12:00", "12:20")
    week.delivery("amina", 2, "mon", "12:30", "12:50")
    week.delivery("amina", 1, "mon", "13:00", "13:25")
    week.delivery("bilal", 2, "mon", "19:00", "19:30")
    week.delivery("bilal", 2, "mon", "19:40", "20:10")

    # Tuesday. chloe pauses 51 minutes (12:40 to 13:31): longer than the idle gap, inside her paid window.
    week.delivery("chloe", 1, "tue", "12:00", "12:30")
    week.delivery("chloe", 1, "tue", "12:33", "12:40")
    week.delivery("chloe", 2, "tue", "13:31", "14:00")
    week.delivery("chloe", 1, "tue", "14:05", "14:20")

    # Wednesday. The gateway is down from 21:00 to 22:00 (a deploy gone wrong): amina's last two deliveries and
    # bilal's only one happen entirely while it is down. No webhook arrives; no job runs.
    for hour in (18, 19, 20):
        week.delivery("amina", 1, "wed", f"{hour}:00", f"{hour}:20")
        week.delivery("amina", 1, "wed", f"{hour}:30", f"{hour}:50")
    week.delivery("amina", 1, "wed", "21:00", "21:25")
    week.delivery("amina", 2, "wed", "21:30", "21:55")
    week.delivery("bilal", 2, "wed", "21:10", "21:40")

    # Thursday. bilal rides from 11:00 every half hour; his 15:30 delivery is still under way at the session's
    # hard limit (11:00 + 3 h booked + 2 h grace - 10 min = 15:50) and ends at 16:20.
    for hour in range(11, 16):
        for minute in ("00", "30"):
            if (hour, minute) != (15, "30"):
                week.delivery("bilal", 1 + hour % 2, "thu", f"{hour}:{minute}", f"{hour}:{int(minute) + 20}")
    week.delivery("bilal", 2, "thu", "15:30", "16:20")

    # Friday. amina's bike breaks down on her second delivery: reassigned to chloe at 12:45, who drops it at 13:05.
    week.delivery("amina", 1, "fri", "12:00", "12:20")
    handed = week.delivery("amina", 2, "fri", "12:30", "13:05")

    def reassigned() -> None:
        cc.assign(handed, "chloe", t("fri", "12:45"))
        week.notify(handed, "delivery.assigned", t("fri", "12:45"))

    week.at(t("fri", "12:45"), reassigned)

    # Saturday. chloe's last delivery fails at the door at 20:30; the dispatcher restores it at 20:40 and she
    # fails again at 21:25: CoopCycle posts the same bytes twice. An order.created webhook comes too.
    week.delivery("chloe", 1, "sat", "18:00", "18:20")
    week.delivery("chloe", 1, "sat", "18:30", "19:00")
    week.delivery("chloe", 2, "sat", "19:10", "20:00")
    restored = week.delivery("chloe", 1, "sat", "20:10", "20:30", outcome="failed")

    def fails_again() -> None:
        cc.task_event(cc.dropoff(restored), "task:failed", t("sat", "21:25"))
        week.notify(restored, "delivery.failed", t("sat", "21:25"))

    def order_created() -> None:
        body = notification("/api/orders/77", "order.created")
        headers = signed_headers(app.secrets["delivery.completed"], body)
        assert app.client.post(f"/v1/platforms/{app.slug}/webhooks", content=body, headers=headers).status_code == 202

    # CoopCycle sends no webhook for a restore: the sweep sees the task back to TODO, the delivery under way again.
    week.at(t("sat", "20:40"), lambda: cc.task_event(cc.dropoff(restored), "task:restored", t("sat", "20:40")))
    week.at(t("sat", "21:25"), fails_again)
    week.at(t("sat", "19:00"), order_created)

    # Sunday: the agreement holds on Sundays too.
    week.delivery("amina", 2, "sun", "12:00", "12:30")

    week.play(jobs)

    with Session(engine) as s:
        rows = s.exec(
            select(Contract, Rider.external_id)
            .join(Rider, col(Rider.id) == col(Contract.rider_id))
            .order_by(col(Contract.starts_at))
        ).all()
        got: list[tuple[str, datetime | None, datetime | None, Decimal]] = []
        for contract, rider in rows:
            settlement = s.get(Settlement, contract.id)
            assert settlement is not None, f"{contract.shift_code} not settled"
            began = contract.actual_start.astimezone(BRUSSELS) if contract.actual_start else None
            ended = contract.actual_end.astimezone(BRUSSELS) if contract.actual_end else None
            got.append((rider, began, ended, settlement.paid_hours.quantize(Decimal("0.0001"))))

    three = Decimal(3)
    assert got == [
        # Monday. 12:00-13:25 worked (1 h 25) over both stores: one contract, paid the 3-hour minimum.
        ("amina", t("mon", "12:00"), t("mon", "13:25"), three),
        # 19:00-20:10 (1 h 10): 3 h.
        ("bilal", t("mon", "19:00"), t("mon", "20:10"), three),
        # Tuesday. 12:00-14:20 (2 h 20) with the 51-minute pause: ONE contract, 3 h (12:00-15:00). Before the fix a
        # second contract 13:31-16:31 paid 3 h more, 64 minutes of it paid twice.
        ("chloe", t("tue", "12:00"), t("tue", "14:20"), three),
        # Wednesday. 18:00-21:55 (3 h 55 = 3.9167 h): the sweep read the two deliveries the downtime hid before
        # the session could close at its stale last activity (20:50, which pays 3 h).
        ("amina", t("wed", "18:00"), t("wed", "21:55"), Decimal("3.9167")),
        # 21:10-21:40, known only through the sweep: 3 h.
        ("bilal", t("wed", "21:10"), t("wed", "21:40"), three),
        # Thursday. 11:00-15:50 worked to the hard limit (4 h 50 = 4.8333 h)...
        ("bilal", t("thu", "11:00"), t("thu", "15:50"), Decimal("4.8333")),
        # ...and the delivery under way goes on in the next contract, 15:50-16:20, no overlap: its own 3 h minimum.
        # Before the fix the first ended at 15:20 and 15:20-16:20 was never paid.
        ("bilal", t("thu", "15:50"), t("thu", "16:20"), three),
        # Friday. amina until the handover at 12:45 (45 min): 3 h.
        ("amina", t("fri", "12:00"), t("fri", "12:45"), three),
        # chloe from the handover to the drop (20 min): 3 h. Before the fix she had no contract at all.
        ("chloe", t("fri", "12:45"), t("fri", "13:05"), three),
        # Saturday. 18:00 to the second failure at 21:25 (3 h 25 = 3.4167 h). Before the fix the second failure
        # was answered as a replay and the day ended at 20:30 (2 h 30, paid 3 h).
        ("chloe", t("sat", "18:00"), t("sat", "21:25"), Decimal("3.4167")),
        # Sunday. 30 minutes: 3 h.
        ("amina", t("sun", "12:00"), t("sun", "12:30"), three),
    ]
    # Three couriers on one platform are three riders, whichever store they delivered for.
    assert count_rows(engine, "rider") == 3
    # Paid windows never overlap for a rider: each contract's paid window is [start, start + paid hours).
    by_rider: dict[str, list[tuple[datetime, datetime]]] = {}
    for rider, began, _, hours in got:
        assert began is not None
        by_rider.setdefault(rider, []).append((began, began + timedelta(hours=float(hours))))
    for windows in by_rider.values():
        for (_, end), (nxt, _) in itertools.pairwise(windows):
            assert end <= nxt + timedelta(seconds=1)
    # By the hour, never per delivery.
    with Session(engine) as s:
        for contract in s.exec(select(Contract)).all():
            assert contract.pay_basis == "hourly" and contract.offered_pay is None
