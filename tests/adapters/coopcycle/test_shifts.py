"""The planned-shifts mode: CoopCycle's shift planning books the contracts, the coop's adjusted times are the
worked times, deliveries are evidence. Every job runs every five minutes, as the scheduler would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import respx
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from adapters.coopcycle.shift_models import CoopCyclePlanning, CoopCycleShiftAssignment
from adapters.coopcycle.testing import FakePlanning
from gateway.cli import app as cli
from gateway.domains.contracts.models import Contract
from gateway.domains.decisions.models import Decision
from gateway.domains.platforms import service as platforms
from gateway.domains.settlement.models import Settlement
from gateway.settings import Settings, get_settings
from tests.adapters.coopcycle.conftest import BASE, CoopCyclePlatform, FakeCoopCycle
from tests.conftest import Clock, count_rows

BRUSSELS = ZoneInfo("Europe/Brussels")
TICK = timedelta(minutes=5)
SCHEDULER = (
    "coopcycle.fetch",
    "coopcycle.poll_shifts",
    "coopcycle.end_shifts",
    "coopcycle.close_sessions",
    "contracts.close_stale",
    "contracts.settle",
)


def t(hhmm: str, day: int = 26) -> datetime:
    h, m = hhmm.split(":")
    return datetime(2026, 11, day, int(h), int(m), tzinfo=BRUSSELS)


@pytest.fixture
def coop() -> Iterator[tuple[FakeCoopCycle, FakePlanning]]:
    """One CoopCycle instance: its deliveries API and its shift planning."""
    deliveries, planning = FakeCoopCycle(), FakePlanning()
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{BASE}/oauth2/token").mock(side_effect=deliveries.token)
        router.get(url__regex=rf"^{BASE}/api/deliveries/(?P<id>\d+)$").mock(side_effect=deliveries.delivery)
        router.get(url__regex=rf"^{BASE}/api/tasks/(?P<id>\d+)/events$").mock(side_effect=deliveries.task_events)
        planning.mount(router, BASE)
        yield deliveries, planning


class Week:
    """The clock: moving it runs the gateway's jobs every five minutes, like the scheduler."""

    def __init__(self, jobs: Callable[[str, datetime], int], clock: Clock, start: datetime) -> None:
        self.jobs, self.clock, self.next_tick = jobs, clock, start
        clock.fixed = start

    def until(self, when: datetime) -> None:
        while self.next_tick <= when:
            self.clock.fixed = self.next_tick
            for name in SCHEDULER:
                self.jobs(name, self.next_tick)
            self.next_tick += TICK
        self.clock.fixed = when


def shifts_mode(engine: Engine, slug: str, planning: FakePlanning) -> None:
    with Session(engine) as s:
        platform = platforms.get_platform(s, slug)
        assert platform is not None and platform.id is not None
        s.add(
            CoopCyclePlanning(
                platform_id=platform.id, mode="shifts", username=planning.dispatcher, password=planning.password
            )
        )
        s.commit()


def contracts(engine: Engine) -> list[tuple[Contract, Settlement | None]]:
    with Session(engine) as s:
        rows = s.exec(select(Contract).order_by(col(Contract.starts_at), col(Contract.shift_code))).all()
        return [(c, s.get(Settlement, c.id)) for c in rows]


def assignments(engine: Engine) -> list[CoopCycleShiftAssignment]:
    with Session(engine) as s:
        return list(s.exec(select(CoopCycleShiftAssignment).order_by(col(CoopCycleShiftAssignment.id))).all())


def delivery(cc: FakeCoopCycle, app: CoopCyclePlatform, n: int, courier: str, start: str, end: str) -> None:
    """A delivery done between `start` and `end`, notified at its end."""
    cc.create(n, t(start) - timedelta(minutes=5))
    cc.assign(n, courier, t(start) - timedelta(minutes=5))
    cc.task_event(cc.pickup(n), "task:started", t(start))
    cc.task_event(cc.pickup(n), "task:done", t(start) + timedelta(minutes=5))
    cc.task_event(cc.dropoff(n), "task:done", t(end))
    assert app.notify(n, "delivery.completed", at=t(end)).status_code == 202


def hours(settlement: Settlement | None) -> tuple[Decimal, Decimal]:
    assert settlement is not None
    return settlement.worked_hours.quantize(Decimal("0.01")), settlement.paid_hours.quantize(Decimal("0.01"))


def test_a_planned_shift_with_no_delivery_pays_its_hours(
    coop: tuple[FakeCoopCycle, FakePlanning],
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    clock: Clock,
    engine: Engine,
) -> None:
    _, planning = coop
    coop_platform()
    shifts_mode(engine, "coop-bxl", planning)
    planning.plan(1, t("10:00"), t("14:00"), "amina")
    week = Week(jobs, clock, t("08:00"))
    week.until(t("08:05"))
    # Booked at the first read, hours before the shift: the declaration goes out before work starts.
    [(booked, _)] = contracts(engine)
    assert (booked.shift_code, booked.status, booked.starts_at, booked.ends_at) == (
        "cc-shift-1-amina",
        "open",
        t("10:00"),
        t("14:00"),
    )
    week.until(t("16:00"))
    [(contract, settlement)] = contracts(engine)
    assert (contract.actual_start, contract.actual_end, contract.deliveries) == (t("10:00"), t("14:00"), 0)
    assert hours(settlement) == (Decimal("4.00"), Decimal("4.00"))  # on shift, paid, whether orders came or not
    [row] = assignments(engine)
    assert (row.status, row.deliveries, row.note) == ("ended", 0, None)
    assert planning.reads[0] == ("2026-11-24", "2026-12-03")  # two days back, seven ahead


def test_an_adjusted_shift_pays_the_adjusted_times_with_its_deliveries_as_evidence(
    coop: tuple[FakeCoopCycle, FakePlanning],
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    clock: Clock,
    engine: Engine,
) -> None:
    cc, planning = coop
    app = coop_platform()
    shifts_mode(engine, "coop-bxl", planning)
    planning.plan(2, t("18:00"), t("21:00"), "amina")
    week = Week(jobs, clock, t("17:00"))
    week.until(t("18:30"))
    delivery(cc, app, 201, "amina", "18:30", "18:50")
    week.until(t("20:00"))
    delivery(cc, app, 202, "amina", "20:00", "20:20")
    week.until(t("21:45"))
    # The coop reports what was worked: she came at 17:45 and stayed until 21:40 for a late order.
    planning.report_time(2, "amina", t("17:45"), t("21:40"))
    week.until(t("23:30"))
    [(contract, settlement)] = contracts(engine)
    assert (contract.starts_at, contract.ends_at) == (t("18:00"), t("21:00"))  # as booked
    assert (contract.actual_start, contract.actual_end) == (t("17:45"), t("21:40"))  # as worked
    # Evidence, not a boundary: counted, and the first one kept on the assignment, but pay runs from the start.
    assert (contract.deliveries, contract.first_delivery_at) == (2, None)
    [row] = assignments(engine)
    assert (row.deliveries, row.first_delivery_at) == (2, t("18:30"))
    assert hours(settlement) == (Decimal("3.92"), Decimal("3.92"))
    assert count_rows(engine, "coopcycle_session") == 0  # deliveries are evidence here, not work sessions
    assert count_rows(engine, "coopcycle_delivery") == 2


def test_a_cancelled_assignment_or_deleted_shift_cancels_its_contract_and_only_that_one(
    coop: tuple[FakeCoopCycle, FakePlanning],
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    clock: Clock,
    engine: Engine,
) -> None:
    _, planning = coop
    coop_platform(couriers=("amina", "bruno"))
    shifts_mode(engine, "coop-bxl", planning)
    planning.plan(3, t("11:00"), t("14:00"), "amina", "bruno")
    planning.plan(4, t("18:00"), t("21:00"), "amina")
    week = Week(jobs, clock, t("07:00"))
    week.until(t("07:05"))
    assert [c.status for c, _ in contracts(engine)] == ["open", "open", "open"]
    planning.unassign(3, "amina")
    planning.delete(4)
    week.until(t("09:00"))
    by_code = {c.shift_code: (c, s) for c, s in contracts(engine)}
    # Cancelled hours ahead: settled as the agreement says a cancellation with that notice is paid.
    for code in ("cc-shift-3-amina", "cc-shift-4-amina"):
        contract, settlement = by_code[code]
        assert contract.actual_start is None and settlement is not None
        assert settlement.outcome.startswith("cancelled"), (code, contract.status, settlement.outcome)
    assert by_code["cc-shift-3-bruno"][0].status == "open"
    week.until(t("15:30"))
    assert {c.shift_code: (c.status, c.actual_end) for c, _ in contracts(engine)}["cc-shift-3-bruno"][1] == t("14:00")
    assert {r.shift_code: r.status for r in assignments(engine)} == {
        "cc-shift-3-amina": "cancelled",
        "cc-shift-3-bruno": "ended",
        "cc-shift-4-amina": "cancelled",
    }


def test_a_shift_moved_before_it_begins_is_booked_again_at_its_new_times(
    coop: tuple[FakeCoopCycle, FakePlanning],
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    clock: Clock,
    engine: Engine,
) -> None:
    _, planning = coop
    coop_platform()
    shifts_mode(engine, "coop-bxl", planning)
    planning.plan(5, t("12:00", day=28), t("15:00", day=28), "amina")
    week = Week(jobs, clock, t("09:00"))
    week.until(t("09:05"))
    planning.move(5, t("17:00", day=28), t("20:00", day=28))
    week.until(t("09:15"))
    (old, _), (new, _) = contracts(engine)
    assert (old.shift_code, old.status) == ("cc-shift-5-amina", "cancelled")
    assert (new.shift_code, new.status, new.starts_at, new.ends_at) == (
        "cc-shift-5-amina-v2",
        "open",
        t("17:00", day=28),
        t("20:00", day=28),
    )
    [row] = assignments(engine)
    assert (row.version, row.shift_code, row.status) == (2, "cc-shift-5-amina-v2", "booked")


def test_polling_twice_or_from_two_processes_books_once(
    coop: tuple[FakeCoopCycle, FakePlanning],
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    run_job: Callable[..., int],
    engine: Engine,
) -> None:
    _, planning = coop
    coop_platform()
    shifts_mode(engine, "coop-bxl", planning)
    planning.plan(6, t("18:00"), t("21:00"), "amina")
    assert jobs("coopcycle.poll_shifts", t("09:00")) == 1
    inbox = count_rows(engine, "inbox_message")
    assert jobs("coopcycle.poll_shifts", t("09:05")) == 1  # this process again
    assert run_job("coopcycle.poll_shifts", t("09:05")) == 1  # another process: its own services, a new login
    assert (count_rows(engine, "contract"), count_rows(engine, "coopcycle_shift_assignment")) == (1, 1)
    assert count_rows(engine, "inbox_message") == inbox
    assert planning.logins == 2


def test_a_shift_of_a_courier_not_enrolled_is_held_then_booked_once_enrolled(
    coop: tuple[FakeCoopCycle, FakePlanning],
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    engine: Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, planning = coop
    coop_platform()
    shifts_mode(engine, "coop-bxl", planning)
    planning.plan(7, t("18:00"), t("21:00"), "chloe")
    jobs("coopcycle.poll_shifts", t("09:00"))
    [row] = assignments(engine)
    assert row.status == "held" and row.note is not None and "gateway coopcycle enrol coop-bxl chloe" in row.note
    assert count_rows(engine, "contract") == 0
    monkeypatch.setenv("GATEWAY_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        enrolled = CliRunner().invoke(
            cli, ["coopcycle", "enrol", "coop-bxl", "chloe", "--name", "Chloe", "--email", "chloe@example.org"]
        )
    finally:
        get_settings.cache_clear()
    assert enrolled.exit_code == 0, enrolled.output
    jobs("coopcycle.poll_shifts", t("09:05"))
    [row] = assignments(engine)
    assert (row.status, row.note) == ("booked", None)
    assert count_rows(engine, "contract") == 1


def test_the_planning_being_unreachable_loses_nothing_and_says_why(
    coop: tuple[FakeCoopCycle, FakePlanning],
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    clock: Clock,
    engine: Engine,
) -> None:
    _, planning = coop
    coop_platform()
    shifts_mode(engine, "coop-bxl", planning)
    planning.plan(8, t("10:00"), t("13:00"), "amina")
    week = Week(jobs, clock, t("08:00"))
    week.until(t("08:05"))
    planning.outage = 10_000  # CoopCycle is down from now on
    week.until(t("15:00"))
    with Session(engine) as s:
        [row] = s.exec(select(CoopCyclePlanning)).all()
    assert row.last_error == "GET /api/shifts answered HTTP 503"
    [(contract, settlement)] = contracts(engine)  # ended at the planned times all the same
    assert (contract.actual_start, contract.actual_end) == (t("10:00"), t("13:00"))
    assert hours(settlement) == (Decimal("3.00"), Decimal("3.00"))


def test_the_mode_is_chosen_per_platform_and_the_deliveries_mode_is_unchanged(
    coop: tuple[FakeCoopCycle, FakePlanning],
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    clock: Clock,
    engine: Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cc, planning = coop
    planned, unplanned = coop_platform("coop-planned"), coop_platform("coop-riders", couriers=("bruno",))
    monkeypatch.setenv("GATEWAY_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        chosen = runner.invoke(
            cli,
            ["coopcycle", "mode", "coop-planned", "shifts", "--dispatcher", planning.dispatcher],
            input=planning.password + "\n",
        )
        assert chosen.exit_code == 0, chosen.output
        refused = runner.invoke(cli, ["coopcycle", "mode", "coop-riders", "hourly"])
        assert refused.exit_code == 1 and "deliveries or shifts" in refused.output
    finally:
        get_settings.cache_clear()
    planning.plan(9, t("11:00"), t("14:00"), "amina")
    week = Week(jobs, clock, t("10:00"))
    week.until(t("12:00"))
    delivery(cc, planned, 301, "amina", "12:00", "12:20")
    delivery(cc, unplanned, 302, "bruno", "12:00", "12:20")
    week.until(t("15:00"))
    delivery(cc, planned, 303, "amina", "15:00", "15:20")  # after her shift: planned time only is booked
    week.until(t("16:30"))
    by_code = {c.shift_code: (c, s) for c, s in contracts(engine)}
    planned_contract, planned_pay = by_code["cc-shift-9-amina"]
    assert (planned_contract.actual_start, planned_contract.actual_end, planned_contract.deliveries) == (
        t("11:00"),
        t("14:00"),
        1,
    )
    # The other platform's delivery made a work session, as before: booked from the first delivery, 3 h paid.
    [(session_code, (session_contract, session_pay))] = [(k, v) for k, v in by_code.items() if k != "cc-shift-9-amina"]
    assert session_code.startswith("cc-bruno-")
    assert (session_contract.actual_start, session_contract.actual_end) == (t("12:00"), t("12:20"))
    assert hours(session_pay) == (Decimal("0.33"), Decimal("3.00"))
    assert hours(planned_pay) == (Decimal("3.00"), Decimal("3.00"))
    assert count_rows(engine, "coopcycle_session") == 1
    # ...but it is not lost from sight: the operator's listing names it.
    monkeypatch.setenv("GATEWAY_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        listed = runner.invoke(cli, ["coopcycle", "shifts", "coop-planned", "--days", "3650"])
    finally:
        get_settings.cache_clear()
    assert listed.exit_code == 0, listed.output
    assert "cc-shift-9-amina\tended" in listed.output
    assert "1 delivery in no planned shift" in listed.output and "/api/deliveries/303\tamina" in listed.output
    assert "/api/deliveries/301" not in listed.output


def test_a_shift_moved_after_it_began_keeps_its_booking_and_pays_the_new_times(
    coop: tuple[FakeCoopCycle, FakePlanning],
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    clock: Clock,
    engine: Engine,
) -> None:
    _, planning = coop
    coop_platform()
    shifts_mode(engine, "coop-bxl", planning)
    planning.plan(10, t("10:00"), t("13:00"), "amina")
    week = Week(jobs, clock, t("09:00"))
    week.until(t("11:00"))
    planning.move(10, t("10:00"), t("14:00"))  # the dispatcher stretched the shift under way
    week.until(t("16:00"))
    [(contract, settlement)] = contracts(engine)
    assert (contract.shift_code, contract.starts_at, contract.ends_at) == ("cc-shift-10-amina", t("10:00"), t("13:00"))
    assert (contract.actual_start, contract.actual_end) == (t("10:00"), t("14:00"))
    assert hours(settlement) == (Decimal("4.00"), Decimal("4.00"))
    # Changed again once its contract ended: not applied, and said.
    planning.report_time(10, "amina", t("10:00"), t("15:00"))
    week.until(t("16:10"))
    [row] = assignments(engine)
    assert row.status == "ended" and row.note is not None and "after its contract ended" in row.note


def test_an_agreement_may_count_a_planned_shifts_minimum_from_the_first_delivery(
    coop: tuple[FakeCoopCycle, FakePlanning],
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    clock: Clock,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_COOPCYCLE_SHIFT_REPORTS_FIRST_DELIVERY", "true")
    cc, planning = coop
    app = coop_platform()
    shifts_mode(engine, "coop-bxl", planning)
    planning.plan(11, t("11:00"), t("14:00"), "amina")
    week = Week(jobs, clock, t("10:00"))
    week.until(t("12:00"))
    delivery(cc, app, 401, "amina", "12:00", "12:20")
    week.until(t("16:00"))
    [(contract, settlement)] = contracts(engine)
    assert (contract.deliveries, contract.first_delivery_at) == (1, t("12:00"))
    # The 2016 agreement's "3 hours counted from the first delivery": 12:00 + 3 h, the hour before included.
    assert hours(settlement) == (Decimal("3.00"), Decimal("4.00"))


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"roles": ("ROLE_USER", "ROLE_COURIER")}, "'gateway-dispatcher' is not a dispatcher"),
        ({"password": "changed-by-the-coop"}, "refused the dispatcher 'gateway-dispatcher' (wrong password?)"),
    ],
)
def test_a_login_that_cannot_read_the_planning_is_said_on_the_platform(
    coop: tuple[FakeCoopCycle, FakePlanning],
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    engine: Engine,
    change: dict[str, object],
    says: str,
) -> None:
    _, planning = coop
    coop_platform()
    shifts_mode(engine, "coop-bxl", planning)
    for key, value in change.items():
        setattr(planning, key, value)
    planning.plan(12, t("18:00"), t("21:00"), "amina")
    assert jobs("coopcycle.poll_shifts", t("09:00")) == 0
    with Session(engine) as s:
        [row] = s.exec(select(CoopCyclePlanning)).all()
    assert row.last_error is not None and says in row.last_error and row.polled_at is None
    assert count_rows(engine, "contract") == 0


def test_two_planned_shifts_of_one_courier_at_the_same_hours_book_one_contract(
    coop: tuple[FakeCoopCycle, FakePlanning],
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    engine: Engine,
) -> None:
    _, planning = coop
    coop_platform()
    shifts_mode(engine, "coop-bxl", planning)
    planning.plan(13, t("18:00"), t("21:00"), "amina")
    planning.plan(14, t("20:00"), t("23:00"), "amina")  # a dispatcher's mistake: she cannot ride both
    jobs("coopcycle.poll_shifts", t("09:00"))
    first, second = assignments(engine)
    assert (first.status, second.status) == ("booked", "held")
    assert second.note == "overlaps cc-shift-13-amina of the same courier: fix the planning in CoopCycle"
    assert count_rows(engine, "contract") == 1
    planning.move(14, t("21:00"), t("23:00"))  # fixed: back to back
    jobs("coopcycle.poll_shifts", t("09:05"))
    assert [r.status for r in assignments(engine)] == ["booked", "booked"]
    assert count_rows(engine, "contract") == 2


def test_a_planned_shift_the_agreement_refuses_is_held_and_the_rider_is_told_once(
    coop: tuple[FakeCoopCycle, FakePlanning],
    coop_platform: Callable[..., CoopCyclePlatform],
    jobs: Callable[[str, datetime], int],
    clock: Clock,
    engine: Engine,
) -> None:
    """be-delivery-coop-2027 refuses a booking past 10 hours a day (enforcement reject): an 11-hour planned shift
    opens no contract, its assignment is held with the reason, and the refusal is a decision on the rider's record,
    as a webhook's refused booking is, recorded once however often the planning is read."""
    _, planning = coop
    coop_platform(agreement="be-delivery-coop-2027")
    shifts_mode(engine, "coop-bxl", planning)
    day = datetime(2027, 1, 12, tzinfo=BRUSSELS)
    planning.plan(1, day.replace(hour=7), day.replace(hour=18), "amina")
    week = Week(jobs, clock, day.replace(hour=5))
    week.until(day.replace(hour=6))  # twelve polls of the planning
    assert contracts(engine) == []
    [row] = assignments(engine)
    assert row.status == "held" and row.note is not None and "10 h a day" in row.note
    with Session(engine) as s:
        [refusal] = s.exec(select(Decision).where(Decision.kind == "booking_refused")).all()
    assert (refusal.outcome, refusal.decided_by) == ("day_hours_over_limit", "gateway:agreement-engine")
    assert refusal.facts["shift_code"] == "cc-shift-1-amina"
