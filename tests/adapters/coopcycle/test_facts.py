"""From a delivery's tasks and their events to worked time: who, from when, until when."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.coopcycle.api import TaskEvent, facts_of


def at(hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return datetime(2026, 11, 26, int(h), int(m), tzinfo=UTC)


ASSIGNED = TaskEvent("task:assigned", at("10:50"), "amina")


def test_a_completed_delivery_runs_from_the_pickup_start_to_the_dropoff() -> None:
    pickup = [ASSIGNED, TaskEvent("task:started", at("11:00")), TaskEvent("task:done", at("11:08"))]
    dropoff = [ASSIGNED, TaskEvent("task:done", at("11:25"))]
    facts = facts_of("DONE", "DONE", pickup, dropoff)
    assert (facts.courier, facts.status, facts.started_at, facts.finished_at) == (
        "amina",
        "done",
        at("11:00"),
        at("11:25"),
    )


def test_a_failed_delivery_is_worked_time_until_it_failed() -> None:
    pickup = [ASSIGNED, TaskEvent("task:done", at("11:08"))]
    dropoff = [ASSIGNED, TaskEvent("task:started", at("11:10")), TaskEvent("task:failed", at("11:40"))]
    facts = facts_of("DONE", "FAILED", pickup, dropoff)
    assert (facts.status, facts.started_at, facts.finished_at) == ("failed", at("11:08"), at("11:40"))


def test_a_delivery_under_way_has_a_start_and_no_end() -> None:
    facts = facts_of("DOING", "TODO", [ASSIGNED, TaskEvent("task:started", at("11:00"))], [ASSIGNED])
    assert (facts.status, facts.started_at, facts.finished_at) == ("in_progress", at("11:00"), None)


def test_an_assigned_delivery_nobody_started_is_no_work_yet() -> None:
    facts = facts_of("TODO", "TODO", [ASSIGNED], [ASSIGNED])
    assert (facts.courier, facts.status, facts.started_at) == ("amina", "todo", None)


def test_a_delivery_cancelled_before_it_started_is_no_work() -> None:
    facts = facts_of("CANCELLED", "CANCELLED", [TaskEvent("task:cancelled", at("11:00"))], [])
    assert (facts.status, facts.started_at, facts.finished_at) == ("cancelled", None, None)


def test_the_courier_is_the_last_one_assigned_and_unassigning_clears_it() -> None:
    reassigned = [ASSIGNED, TaskEvent("task:unassigned", at("10:55")), TaskEvent("task:assigned", at("10:56"), "bilal")]
    assert facts_of("TODO", "TODO", [], reassigned).courier == "bilal"
    assert facts_of("TODO", "TODO", [], [*reassigned, TaskEvent("task:unassigned", at("10:57"))]).courier is None


def test_a_dropoff_marked_done_without_any_pickup_event_is_a_moment_of_work() -> None:
    facts = facts_of("DONE", "DONE", [], [ASSIGNED, TaskEvent("task:done", at("11:25"))])
    assert (facts.started_at, facts.finished_at) == (at("11:25"), at("11:25"))


def test_a_delivery_reassigned_under_way_is_split_at_the_reassignment() -> None:
    bilal = TaskEvent("task:assigned", at("11:15"), "bilal")
    pickup = [ASSIGNED, TaskEvent("task:started", at("11:00")), bilal, TaskEvent("task:done", at("11:20"))]
    dropoff = [ASSIGNED, bilal, TaskEvent("task:done", at("11:40"))]
    facts = facts_of("DONE", "DONE", pickup, dropoff)
    assert facts.courier == "bilal"
    assert [(p.courier, p.started_at, p.finished_at) for p in facts.pieces] == [
        ("amina", at("11:00"), at("11:15")),
        ("bilal", at("11:15"), at("11:40")),
    ]


def test_a_dropoff_given_to_another_courier_is_theirs_from_the_pickup() -> None:
    pickup = [ASSIGNED, TaskEvent("task:started", at("11:00")), TaskEvent("task:done", at("11:08"))]
    dropoff = [TaskEvent("task:assigned", at("10:50"), "chloe"), TaskEvent("task:done", at("11:30"))]
    facts = facts_of("DONE", "DONE", pickup, dropoff)
    assert [(p.courier, p.started_at, p.finished_at) for p in facts.pieces] == [
        ("amina", at("11:00"), at("11:08")),
        ("chloe", at("11:08"), at("11:30")),
    ]


def test_a_reassignment_before_any_work_gives_the_first_courier_nothing() -> None:
    pickup = [ASSIGNED, TaskEvent("task:assigned", at("10:55"), "bilal"), TaskEvent("task:started", at("11:00"))]
    dropoff = [ASSIGNED, TaskEvent("task:assigned", at("10:55"), "bilal"), TaskEvent("task:done", at("11:30"))]
    facts = facts_of("DONE", "DONE", pickup, dropoff)
    assert [(p.courier, p.started_at, p.finished_at) for p in facts.pieces] == [("bilal", at("11:00"), at("11:30"))]
