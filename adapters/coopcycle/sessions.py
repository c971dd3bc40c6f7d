"""Deliveries become worked time: a courier's work session is one contract under the platform's agreement.

- The first delivery of a session opens it: `shift.booked` (from the delivery's start, for the booked
  window, by default the agreement's 3 hours) and `shift.started` at that start. The agreement counts its
  minimum from the first delivery; the contract never sees a price per delivery, so no per-trip pay exists.
- A later delivery of the same courier that starts within the session's paid window (its first 3 hours: the
  minimum pays them anyway) or within the idle gap of its last activity belongs to it and extends it: a
  rider's continuous working period is one contract, never two whose paid windows overlap. A failed delivery
  is worked time like a completed one.
- The session closes (`shift.ended` at its last activity, with the deliveries count and first_delivery_at)
  once its paid window is over and the idle gap has passed with no work, or at its hard limit: the booked end
  plus the close grace of `contracts.close_stale`, less a margin, so the gateway's own scheduler never closes it
  "as booked" first. Worked time is never dropped: a delivery still under way at the hard limit, or one that
  ran past a closed session's end, continues in a new session that starts where the closed one's paid window
  ends (no overlap, no gap). A delivery after that opens a new session.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, func, select

from adapters.coopcycle.models import CoopCycleDelivery, CoopCycleSession
from adapters.coopcycle.settings import CoopCycleSettings
from gateway import host
from gateway.agreements.loader import AgreementBook
from gateway.canonical import CanonicalEvent, EventData, EventType, ShiftBooked, ShiftEnded, ShiftStarted
from gateway.settings import Settings

FINISHED = ("done", "failed")
HARD_LIMIT_MARGIN = timedelta(minutes=10)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class SessionError(Exception):
    """A delivery cannot be placed yet (e.g. its courier is not enrolled); the fetch is retried later."""


@dataclass(frozen=True, slots=True)
class SessionTerms:
    idle_gap: timedelta
    booked: timedelta
    hard_limit: timedelta

    @classmethod
    def of(cls, coopcycle: CoopCycleSettings, settings: Settings) -> SessionTerms:
        booked = timedelta(seconds=coopcycle.booked_seconds)
        grace = timedelta(seconds=settings.close_grace_seconds)
        return cls(
            idle_gap=timedelta(seconds=coopcycle.idle_gap_seconds),
            booked=booked,
            hard_limit=max(HARD_LIMIT_MARGIN, booked + grace - HARD_LIMIT_MARGIN),
        )


@dataclass(frozen=True, slots=True)
class Intake:
    """What feeding canonical events to the inbox needs, gathered once per job run."""

    target: host.WebhookTarget
    book: AgreementBook
    settings: Settings
    terms: SessionTerms

    def apply(self, session: Session, message_id: str, data: EventData, now: datetime) -> None:
        kinds: dict[type, EventType] = {
            ShiftBooked: "shift.booked",
            ShiftStarted: "shift.started",
            ShiftEnded: "shift.ended",
        }
        event = CanonicalEvent.model_construct(type=kinds[type(data)], timestamp=now, data=data)
        # A DuplicateDelivery means it was applied before (same message id): the same fact changes nothing.
        with contextlib.suppress(host.DuplicateDelivery):
            host.handle(session, self.target, self.book, self.settings, message_id, event, now)


def shift_code(courier: str, start: datetime) -> str:
    """Readable and unique: `cc-<courier>-<UTC start>-<random>` (printable ASCII, as canonical codes are)."""
    safe = _UNSAFE.sub("-", courier)[:60] or "courier"
    return f"cc-{safe}-{start.astimezone(UTC):%Y%m%dT%H%MZ}-{secrets.token_hex(3)}"


def place(session: Session, intake: Intake, delivery: CoopCycleDelivery, now: datetime) -> None:
    """Attach a fetched delivery to its courier's session, opening one at a first delivery. Flushes."""
    if delivery.courier is None or delivery.started_at is None:
        return  # nobody has worked on it yet
    terms = intake.terms
    if delivery.session_id is not None:
        ws = session.exec(
            select(CoopCycleSession).where(CoopCycleSession.id == delivery.session_id).with_for_update()
        ).one()
        if ws.status != "open" and _last(delivery) > paid_until(ws, terms):
            # E.g. a task restored and failed again after its session closed: the rest continues next.
            host.lock_rider(session, ws.rider_id)
            ws = _continuation(session, intake, ws, ws.rider_id, terms, now)
            delivery.session_id = ws.id
            session.add(delivery)
            session.flush()
        _extend(session, ws, delivery, terms)
        return
    rider_pk = host.rider_pk(session, intake.target.id, delivery.courier)
    if rider_pk is None:
        raise SessionError(
            f"courier {delivery.courier!r} is not enrolled: run `gateway coopcycle enrol "
            f"{intake.target.slug} {delivery.courier} --name ... --email ...`"
        )
    # One courier's deliveries are placed one at a time: two fetchers must not open two sessions.
    host.lock_rider(session, rider_pk)
    found = _session_for(session, intake.target.id, delivery.courier, delivery.started_at, terms)
    ws = found or _open(session, intake, rider_pk, delivery.courier, delivery.started_at, terms, now)
    if ws.status != "open" and _last(delivery) > paid_until(ws, terms):
        # Late news of work that ran past a closed contract: what is past its paid window continues next.
        ws = _continuation(session, intake, ws, rider_pk, terms, now)
    delivery.session_id = ws.id
    session.add(delivery)
    session.flush()
    _extend(session, ws, delivery, terms)


def paid_until(ws: CoopCycleSession, terms: SessionTerms) -> datetime:
    """The end of the session's paid window: its booked minimum, or its last activity when it worked longer."""
    return max(ws.started_at + terms.booked, ws.ended_at or ws.last_activity_at)


def _last(delivery: CoopCycleDelivery) -> datetime:
    assert delivery.started_at is not None
    return max(delivery.started_at, delivery.finished_at or delivery.started_at)


def _continuation(
    session: Session, intake: Intake, ws: CoopCycleSession, rider_pk: int, terms: SessionTerms, now: datetime
) -> CoopCycleSession:
    """The session that takes over where the closed `ws` is paid until: found, or opened there."""
    start = paid_until(ws, terms)
    found = _session_for(session, ws.platform_id, ws.courier, start, terms)
    if found is not None and found.id != ws.id and found.started_at >= start:
        return found
    nxt = _open(session, intake, rider_pk, ws.courier, start, terms, now)
    nxt.note = f"continues {ws.shift_code}: work went on past its end"
    session.add(nxt)
    return nxt


def close(session: Session, intake: Intake, ws: CoopCycleSession, now: datetime) -> None:
    """End the session's shift at its last activity. Flushes; raises a Problem if the contract refuses it.

    At the hard limit with a delivery still under way, the shift ends at the limit (the courier was working
    until then) and the deliveries under way continue in a session that starts there: no minute is dropped.
    """
    assert ws.id is not None
    under_way = _under_way(session, ws.id)
    end = ws.last_activity_at
    if under_way:
        end = max(end, min(now, ws.started_at + intake.terms.hard_limit))
    deliveries = _finished(session, ws.id)
    data = ShiftEnded.model_validate(
        {
            "shift_code": ws.shift_code,
            "at": end.isoformat(),
            "deliveries": deliveries,
            "first_delivery_at": ws.started_at.isoformat(),
        }
    )
    intake.apply(session, f"coopcycle:{ws.shift_code}:ended", data, now)
    ws.status, ws.deliveries, ws.last_activity_at, ws.ended_at, ws.closed_at = "closed", deliveries, end, end, now
    session.add(ws)
    session.flush()
    _record_session(session, intake.terms, ws, now)
    if under_way:
        nxt = _continuation(session, intake, ws, ws.rider_id, intake.terms, now)
        for d in under_way:
            d.session_id = nxt.id
            session.add(d)
        session.flush()
        for d in under_way:
            _extend(session, nxt, d, intake.terms)


def _minutes(span: timedelta) -> str:
    return str(int(span.total_seconds() // 60))


def _record_session(session: Session, terms: SessionTerms, ws: CoopCycleSession, now: datetime) -> None:
    """The rider sees how their deliveries became this worked period, and may ask a person to review it."""
    assert ws.ended_at is not None
    host.record_work_session(
        session,
        ws.platform_id,
        ws.shift_code,
        decided_by="gateway:coopcycle-sessions",
        outcome="session_closed",
        parameters={
            "idle_gap_minutes": _minutes(terms.idle_gap),
            "booked_minutes": _minutes(terms.booked),
            "hard_limit_minutes": _minutes(terms.hard_limit),
        },
        facts={
            "started_at": ws.started_at.isoformat(),
            "ended_at": ws.ended_at.isoformat(),
            "deliveries": str(ws.deliveries),
            "note": ws.note,
        },
        now=now,
    )


def _under_way(session: Session, session_id: int) -> list[CoopCycleDelivery]:
    return list(
        session.exec(
            select(CoopCycleDelivery).where(
                CoopCycleDelivery.session_id == session_id, CoopCycleDelivery.status == "in_progress"
            )
        ).all()
    )


def _session_for(
    session: Session, platform_id: int, courier: str, start: datetime, terms: SessionTerms
) -> CoopCycleSession | None:
    """The courier's session whose window holds `start`: an open one until it closes, a closed one until
    its end (late news of work already paid; it opens nothing new)."""
    near = session.exec(
        select(CoopCycleSession)
        .where(
            CoopCycleSession.platform_id == platform_id,
            CoopCycleSession.courier == courier,
            col(CoopCycleSession.started_at) <= start + terms.idle_gap,
            col(CoopCycleSession.last_activity_at) >= start - terms.hard_limit - terms.idle_gap,
        )
        .order_by(col(CoopCycleSession.started_at))
        .with_for_update()
    ).all()
    for ws in near:
        until = ws.closes_at if ws.status == "open" else paid_until(ws, terms)
        if ws.started_at - terms.idle_gap <= start <= until:
            return ws
    return None


def _open(
    session: Session,
    intake: Intake,
    rider_pk: int,
    courier: str,
    start: datetime,
    terms: SessionTerms,
    now: datetime,
) -> CoopCycleSession:
    ws = CoopCycleSession(
        platform_id=intake.target.id,
        rider_id=rider_pk,
        courier=courier,
        shift_code=shift_code(courier, start),
        started_at=start,
        last_activity_at=start,
        closes_at=_closes_at(start, start, terms),
    )
    session.add(ws)
    session.flush()
    booked = ShiftBooked.model_validate(
        {
            "shift_code": ws.shift_code,
            "rider_id": courier,
            "starts_at": start.isoformat(),
            "ends_at": (start + terms.booked).isoformat(),
        }
    )
    intake.apply(session, f"coopcycle:{ws.shift_code}:booked", booked, now)
    started = ShiftStarted.model_validate({"shift_code": ws.shift_code, "at": start.isoformat()})
    intake.apply(session, f"coopcycle:{ws.shift_code}:started", started, now)
    return ws


def _extend(session: Session, ws: CoopCycleSession, delivery: CoopCycleDelivery, terms: SessionTerms) -> None:
    assert ws.id is not None and delivery.started_at is not None
    last = _last(delivery)
    if ws.status != "open":
        # Within the closed session's paid window (place() sends what runs past it to the next session):
        # already paid by its minimum.
        ws.note = f"{delivery.iri} was reported after the session closed, within its paid window"
        session.add(ws)
        return
    if delivery.started_at < ws.started_at and not (ws.note or "").startswith("continues "):
        # The contract's start is a recorded fact by now: an earlier delivery reported late cannot move it.
        # (A continuation starts inside its deliveries by design: its note says which contract it continues.)
        ws.note = f"{delivery.iri} started before the session and was reported late; the session starts later"
    ws.last_activity_at = max(ws.last_activity_at, last)
    ws.deliveries = _finished(session, ws.id)
    busy = session.exec(
        select(func.count())
        .select_from(CoopCycleDelivery)
        .where(CoopCycleDelivery.session_id == ws.id, CoopCycleDelivery.status == "in_progress")
    ).one()
    # A delivery under way keeps the session open (until its hard limit) however long it takes.
    ws.closes_at = ws.started_at + terms.hard_limit if busy else _closes_at(ws.started_at, ws.last_activity_at, terms)
    session.add(ws)
    session.flush()


def _closes_at(start: datetime, last_activity: datetime, terms: SessionTerms) -> datetime:
    """Not before the paid window ends (work within it is the same working period), nor the idle gap after the
    last activity; never past the hard limit."""
    return min(max(start + terms.booked, last_activity + terms.idle_gap), start + terms.hard_limit)


def _finished(session: Session, session_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(CoopCycleDelivery)
        .where(CoopCycleDelivery.session_id == session_id, col(CoopCycleDelivery.status).in_(FINISHED))
    ).one()
