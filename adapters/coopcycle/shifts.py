"""The planned-shifts mode: CoopCycle's shift planning books the contracts; deliveries are evidence of work.

For a platform in this mode (`gateway coopcycle mode SLUG shifts`), `coopcycle.poll_shifts` reads the
planning (planning.py) and this module turns it into canonical events, one contract per ShiftAssignment:

- a new assignment of an enrolled courier books `shift.booked` for the planned window (code
  `cc-shift-<shift id>-<username>`); an assignment of a courier not enrolled yet is held and booked once
  they are;
- a shift moved before it began cancels its contract (`shift.cancelled`, reason "moved") and books the new
  window under `<code>-v2`, `-v3`...: a booked window never changes in the gateway; moved after it began,
  its new times are taken as the worked times;
- an assignment that disappears from the planning (removed, or its shift deleted) cancels its contract;
- once its end has passed by the settle delay, the contract gets `shift.started` and `shift.ended` at the
  times the coop adjusted (ShiftTimeAdjustment) or else the planned ones, with the courier's finished
  deliveries in that interval as `deliveries` (and, only if `GATEWAY_COOPCYCLE_SHIFT_REPORTS_FIRST_DELIVERY`,
  the first one's start as `first_delivery_at`): the rider is paid the shift, with or without deliveries,
  and never per delivery. The first delivery is kept on the assignment row as evidence either way.

Every event has a message id made from its shift code, so a poll run twice, or two processes polling at
once, apply each fact once; the unique key (platform, shift id, courier) makes one row per assignment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, func, select

from adapters.coopcycle.models import CoopCycleDelivery
from adapters.coopcycle.planning import PlannedAssignment
from adapters.coopcycle.settings import CoopCycleSettings
from adapters.coopcycle.shift_models import CoopCyclePlanning, CoopCycleShiftAssignment
from gateway import host
from gateway.agreements.loader import AgreementBook
from gateway.canonical import (
    CanonicalEvent,
    EventData,
    EventType,
    ShiftBooked,
    ShiftCancelled,
    ShiftEnded,
    ShiftStarted,
)
from gateway.problems import Problem
from gateway.settings import Settings

MODES = ("deliveries", "shifts")
FINISHED = ("done", "failed")  # a failed delivery is worked time too
# The gateway closes a shift that never reported its end "as booked" after its close grace: end it before.
GRACE_MARGIN = timedelta(minutes=10)
# The days asked for are read by CoopCycle in its own time zone: trust the answer only well inside them.
ZONE_MARGIN = timedelta(hours=14)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_KINDS: dict[type, EventType] = {
    ShiftBooked: "shift.booked",
    ShiftStarted: "shift.started",
    ShiftEnded: "shift.ended",
    ShiftCancelled: "shift.cancelled",
}


@dataclass(frozen=True, slots=True)
class ShiftTerms:
    past: timedelta
    ahead: timedelta
    settle: timedelta
    activities: frozenset[str]
    reports_first_delivery: bool = False

    @classmethod
    def of(cls, coopcycle: CoopCycleSettings, settings: Settings) -> ShiftTerms:
        grace = timedelta(seconds=settings.close_grace_seconds)
        return cls(
            past=timedelta(days=coopcycle.shift_window_past_days),
            ahead=timedelta(days=coopcycle.shift_window_ahead_days),
            settle=max(timedelta(0), min(timedelta(seconds=coopcycle.shift_settle_seconds), grace - GRACE_MARGIN)),
            activities=frozenset(coopcycle.shift_activities),
            reports_first_delivery=coopcycle.shift_reports_first_delivery,
        )

    def days(self, now: datetime) -> tuple[date, date]:
        """The days to read: from `past` ago to `ahead` from now (UTC dates)."""
        return (now - self.past).date(), (now + self.ahead).date()


@dataclass(frozen=True, slots=True)
class Feed:
    """Feeding canonical events to the intake, as a webhook would (every agreement term applies)."""

    target: host.WebhookTarget
    book: AgreementBook
    settings: Settings

    def apply(self, session: Session, message_id: str, data: EventData, now: datetime) -> Problem | None:
        """Apply once (the same message id again changes nothing); a refusal is returned, with nothing written."""
        event = CanonicalEvent.model_construct(type=_KINDS[type(data)], timestamp=now, data=data)
        try:
            with session.begin_nested():
                host.handle(session, self.target, self.book, self.settings, message_id, event, now)
        except host.DuplicateDelivery:
            return None
        except Problem as exc:
            if isinstance(data, ShiftBooked):  # a term refused it: the rider is told, as for a webhook's booking
                host.record_refused_booking(session, self.target, data, exc, message_id, now)
            return exc
        return None


def mode_of(session: Session, platform_id: int) -> str:
    """`shifts` when the platform's planned shifts book its contracts, else `deliveries` (the default)."""
    mode = session.exec(select(CoopCyclePlanning.mode).where(CoopCyclePlanning.platform_id == platform_id)).first()
    return mode or "deliveries"


def shift_code(shift_id: int, courier: str, version: int) -> str:
    safe = _UNSAFE.sub("-", courier)[:60] or "courier"
    return f"cc-shift-{shift_id}-{safe}" + (f"-v{version}" if version > 1 else "")


def poll(
    session: Session,
    feed: Feed,
    platform_id: int,
    planned: list[PlannedAssignment],
    terms: ShiftTerms,
    now: datetime,
) -> None:
    """Bring the platform's assignments in line with the planning read for `terms.days(now)`. Flushes."""
    listed = {(a.shift_id, a.courier): a for a in planned if a.activity in terms.activities}
    first, last = terms.days(now)
    sure_from = datetime.combine(first, time(), UTC) + ZONE_MARGIN
    sure_to = datetime.combine(last + timedelta(days=1), time(), UTC) - ZONE_MARGIN
    known = {
        (row.shift_id, row.courier): row
        for row in session.exec(
            select(CoopCycleShiftAssignment)
            .where(
                CoopCycleShiftAssignment.platform_id == platform_id,
                col(CoopCycleShiftAssignment.ends_at) > datetime.combine(first, time(), UTC) - timedelta(days=1),
            )
            .with_for_update()
        ).all()
    }
    extra = set(listed) - set(known)
    if extra:  # assignments of long shifts that began before the rows read above
        for row in session.exec(
            select(CoopCycleShiftAssignment)
            .where(
                CoopCycleShiftAssignment.platform_id == platform_id,
                col(CoopCycleShiftAssignment.shift_id).in_({shift for shift, _ in extra}),
            )
            .with_for_update()
        ).all():
            known[(row.shift_id, row.courier)] = row
    for key, assignment in sorted(listed.items()):
        found = known.get(key)
        if found is None:
            _book(session, feed, _new(session, platform_id, assignment, terms, now), now)
        else:
            _update(session, feed, found, assignment, terms, now)
    for key, row in known.items():
        if (
            key not in listed
            and row.status in ("held", "booked")
            and row.ends_at > sure_from
            and row.starts_at < sure_to
        ):
            _removed(session, feed, row, now)
    session.flush()


def settle(
    session: Session, feed: Feed, row: CoopCycleShiftAssignment, now: datetime, *, reports_first_delivery: bool = False
) -> bool:
    """End a booked assignment's contract at its worked times, with its deliveries as evidence. Flushes.
    False when it is not due after all (its end moved later since it was claimed)."""
    start, end = worked(row)
    if now < max(row.ends_due_at, end):
        return False
    deliveries, first_delivery = evidence(session, row.platform_id, row.courier, start, end)
    started = ShiftStarted.model_validate({"shift_code": row.shift_code, "at": start.isoformat()})
    refused = feed.apply(session, f"coopcycle:{row.shift_code}:started", started, now)
    if refused is None:
        ended = ShiftEnded.model_validate(
            {
                "shift_code": row.shift_code,
                "at": end.isoformat(),
                "deliveries": deliveries,
                # Off by default: the agreement's minimum "from the first delivery" would make a planned
                # shift's pay depend on when orders came (ShiftTerms.reports_first_delivery).
                "first_delivery_at": first_delivery.isoformat()
                if reports_first_delivery and deliveries and first_delivery
                else None,
            }
        )
        refused = feed.apply(session, f"coopcycle:{row.shift_code}:ended", ended, now)
    if refused is not None and refused.status != 409:
        # e.g. the agreement is not loaded in this process: try again shortly, the times are kept.
        row.note = f"ending refused ({refused.status}): {refused.detail}"[:500]
        row.ends_due_at = now + timedelta(minutes=5)
        session.add(row)
        return True
    if refused is not None:  # the contract is past changing (e.g. closed as booked): say so, do not retry
        row.note = f"ended by the gateway before the planning's times could be applied: {refused.detail}"[:500]
    row.status, row.ended_at, row.deliveries = "ended", now, deliveries
    row.first_delivery_at = first_delivery
    session.add(row)
    session.flush()
    return True


def worked(row: CoopCycleShiftAssignment) -> tuple[datetime, datetime]:
    """The coop's adjusted times when reported, else the planned ones."""
    if row.actual_starts_at is not None and row.actual_ends_at is not None:
        return row.actual_starts_at, row.actual_ends_at
    return row.starts_at, row.ends_at


def evidence(
    session: Session, platform_id: int, courier: str, start: datetime, end: datetime
) -> tuple[int, datetime | None]:
    """The courier's finished deliveries that began within [start, end], and the first one's start."""
    count, first = session.exec(
        select(func.count(), func.min(CoopCycleDelivery.started_at)).where(
            CoopCycleDelivery.platform_id == platform_id,
            CoopCycleDelivery.courier == courier,
            col(CoopCycleDelivery.status).in_(FINISHED),
            col(CoopCycleDelivery.started_at) >= start,
            col(CoopCycleDelivery.started_at) <= end,
        )
    ).one()
    if first is not None and first.tzinfo is None:  # SQLite hands aggregates back without the column's type
        first = first.replace(tzinfo=UTC)
    return int(count), first


def unplanned(session: Session, platform_id: int, since: datetime) -> list[CoopCycleDelivery]:
    """Finished deliveries since `since` that fall in no planned shift of their courier: work the planned-shifts
    mode does not pay until the coop plans it (`gateway coopcycle shifts` lists them)."""
    done = session.exec(
        select(CoopCycleDelivery)
        .where(
            CoopCycleDelivery.platform_id == platform_id,
            col(CoopCycleDelivery.status).in_(FINISHED),
            col(CoopCycleDelivery.started_at) >= since,
        )
        .order_by(col(CoopCycleDelivery.started_at))
    ).all()
    windows: dict[str, list[tuple[datetime, datetime]]] = {}
    for row in session.exec(
        select(CoopCycleShiftAssignment).where(
            CoopCycleShiftAssignment.platform_id == platform_id,
            col(CoopCycleShiftAssignment.status).in_(("booked", "ended")),
            col(CoopCycleShiftAssignment.ends_at) >= since - timedelta(days=1),
        )
    ).all():
        windows.setdefault(row.courier, []).append(worked(row))
    return [
        d
        for d in done
        if d.courier is None
        or d.started_at is None
        or not any(start <= d.started_at <= end for start, end in windows.get(d.courier, []))
    ]


def _new(
    session: Session, platform_id: int, a: PlannedAssignment, terms: ShiftTerms, now: datetime
) -> CoopCycleShiftAssignment:
    row = CoopCycleShiftAssignment(
        platform_id=platform_id,
        shift_id=a.shift_id,
        courier=a.courier,
        activity=a.activity,
        shift_code=shift_code(a.shift_id, a.courier, 1),
        starts_at=a.starts_at,
        ends_at=a.ends_at,
        actual_starts_at=a.actual_starts_at,
        actual_ends_at=a.actual_ends_at,
        ends_due_at=a.ends_at,
        seen_at=now,
    )
    _due(row, terms)
    session.add(row)
    session.flush()
    return row


def _update(
    session: Session,
    feed: Feed,
    row: CoopCycleShiftAssignment,
    a: PlannedAssignment,
    terms: ShiftTerms,
    now: datetime,
) -> None:
    row.seen_at = now
    moved = (a.starts_at, a.ends_at) != (row.starts_at, row.ends_at)
    if row.status == "ended":
        if (a.actual_starts_at, a.actual_ends_at) != (row.actual_starts_at, row.actual_ends_at) or moved:
            row.note = "changed in the planning after its contract ended; not applied: correct the contract by hand"
        session.add(row)
        return
    if row.status in ("held", "cancelled") or (moved and now < min(row.starts_at, a.starts_at)):
        if row.status == "booked":
            _cancel(session, feed, row, f"moved in CoopCycle's planning to {a.starts_at.isoformat()}", now)
        if row.status == "cancelled":
            if now >= a.starts_at:
                row.note = "assigned again after its contract was cancelled, once begun: not booked again"
                session.add(row)
                return
            row.version += 1
            row.shift_code = shift_code(row.shift_id, row.courier, row.version)
        row.starts_at, row.ends_at, row.status = a.starts_at, a.ends_at, "held"
        row.actual_starts_at, row.actual_ends_at = a.actual_starts_at, a.actual_ends_at
        _due(row, terms)
        _book(session, feed, row, now)
        return
    if moved:
        # Begun already: the booked window stays; the new planned times are what the coop says was worked.
        row.actual_starts_at, row.actual_ends_at = a.actual_starts_at or a.starts_at, a.actual_ends_at or a.ends_at
        row.note = "moved in the planning after it began: the new times are taken as the worked times"
    else:
        row.actual_starts_at, row.actual_ends_at = a.actual_starts_at, a.actual_ends_at
    _due(row, terms)
    session.add(row)


def _due(row: CoopCycleShiftAssignment, terms: ShiftTerms) -> None:
    # The adjustment is reported after the fact: wait the settle delay after the planned end for it, and
    # never end before the worked end.
    row.ends_due_at = max(row.ends_at + terms.settle, worked(row)[1])


def _book(session: Session, feed: Feed, row: CoopCycleShiftAssignment, now: datetime) -> None:
    rider_pk = host.rider_pk(session, row.platform_id, row.courier)
    if rider_pk is None:
        row.status = "held"
        row.note = (
            f"courier {row.courier!r} is not enrolled: run `gateway coopcycle enrol {feed.target.slug} "
            f"{row.courier} --name ... --email ...`; the next poll books the shift"
        )[:500]
        session.add(row)
        return
    host.lock_rider(session, rider_pk)  # two pollers must not book two overlapping shifts of one courier at once
    clash = _overlapping(session, row)
    if clash is not None:
        # One working period, one contract: two planned shifts of one courier at the same hours are a planning
        # mistake, and booking both would pay those hours twice. Held and said, until the planning is fixed.
        row.status = "held"
        row.note = f"overlaps {clash.shift_code} of the same courier: fix the planning in CoopCycle"[:500]
        session.add(row)
        return
    try:
        booked = ShiftBooked.model_validate(
            {
                "shift_code": row.shift_code,
                "rider_id": row.courier,
                "starts_at": row.starts_at.isoformat(),
                "ends_at": row.ends_at.isoformat(),
            }
        )
    except ValueError as exc:  # e.g. a window the canonical event refuses: held and said, the others go on
        row.status, row.note = "held", f"cannot be booked: {exc}"[:500]
        session.add(row)
        return
    refused = feed.apply(session, f"coopcycle:{row.shift_code}:booked", booked, now)
    if refused is not None:
        row.status, row.note = "held", f"booking refused ({refused.status}): {refused.detail}"[:500]
    else:
        row.status, row.note = "booked", None
    session.add(row)
    session.flush()


def _overlapping(session: Session, row: CoopCycleShiftAssignment) -> CoopCycleShiftAssignment | None:
    return session.exec(
        select(CoopCycleShiftAssignment).where(
            CoopCycleShiftAssignment.platform_id == row.platform_id,
            CoopCycleShiftAssignment.courier == row.courier,
            CoopCycleShiftAssignment.id != row.id,
            col(CoopCycleShiftAssignment.status).in_(("booked", "ended")),
            col(CoopCycleShiftAssignment.starts_at) < row.ends_at,
            col(CoopCycleShiftAssignment.ends_at) > row.starts_at,
        )
    ).first()


def _cancel(session: Session, feed: Feed, row: CoopCycleShiftAssignment, reason: str, now: datetime) -> None:
    cancelled = ShiftCancelled.model_validate(
        {"shift_code": row.shift_code, "at": now.isoformat(), "reason": reason[:500]}
    )
    refused = feed.apply(session, f"coopcycle:{row.shift_code}:cancelled", cancelled, now)
    row.status = "cancelled"
    row.note = None if refused is None else f"cancellation refused ({refused.status}): {refused.detail}"[:500]
    session.add(row)


def _removed(session: Session, feed: Feed, row: CoopCycleShiftAssignment, now: datetime) -> None:
    if row.status == "booked":
        _cancel(session, feed, row, "removed from CoopCycle's planning", now)
    else:
        row.status, row.note = "cancelled", "removed from CoopCycle's planning before it was booked"
        session.add(row)
