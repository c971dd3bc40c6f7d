"""The webhook intake: one verified, parsed event in, one answer out, all in the request's transaction."""

from __future__ import annotations

import hashlib
import json
import typing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, assert_never

from sqlalchemy import JSON, Engine, Text, bindparam, cast, type_coerce
from sqlalchemy import select as sa_select
from sqlmodel import Session

from gateway.agreements.engine import BookingDecision, counts_hours_before
from gateway.agreements.loader import AgreementBook
from gateway.canonical import CanonicalEvent, ShiftBooked
from gateway.db import driver as pg
from gateway.db.upsert import insert_for
from gateway.domains.contracts import booking, identity, lifecycle
from gateway.domains.contracts import service as contracts
from gateway.domains.contracts.bounds import TimeBounds
from gateway.domains.contracts.schemas import RiderOut
from gateway.domains.decisions import platform as platform_decisions
from gateway.domains.decisions import service as decisions
from gateway.domains.decisions.service import DecisionKind, Made
from gateway.domains.inbox.models import InboxMessage
from gateway.domains.inbox.schemas import WebhookAccepted
from gateway.domains.platforms.models import Platform
from gateway.domains.platforms.service import WebhookTarget
from gateway.domains.readmodel import service as read
from gateway.domains.readmodel.service import ContractOut
from gateway.domains.riders import service as riders
from gateway.event_types import EVENT_TYPES, BookingRow, ContractRow, DecisionRow, F, RiderRow
from gateway.problems import InvalidPayload, Problem, ServiceUnavailable, TermViolationRejected
from gateway.settings import Settings


class DuplicateDelivery(Exception):
    """A concurrent delivery of the same webhook-id committed first; its answer is the answer."""


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer as sent: its status, the event type it answered and its JSON body, serialised once."""

    status_code: int
    event_type: str
    content: bytes


def json_text(body: dict[str, Any]) -> str:
    """JSON as the answer is sent and stored (Starlette's JSONResponse rendering: compact, UTF-8)."""
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


_INBOX = InboxMessage.__table__  # type: ignore[attr-defined]
_PLATFORM = Platform.__table__  # type: ignore[attr-defined]
# The stored answer as text: returned as it was first sent, never parsed and serialised again.
_STORED = (_INBOX.c.status_code, _INBOX.c.event_type, cast(_INBOX.c.response, Text))


def _answer(row: Any) -> Answer:
    return Answer(row[0], row[1], row[2].encode())


def stored_answer(session: Session, platform_id: int, message_id: str) -> Answer | None:
    row = (
        session.connection()
        .execute(sa_select(*_STORED).where(_INBOX.c.platform_id == platform_id, _INBOX.c.message_id == message_id))
        .first()
    )
    return None if row is None else _answer(row)


@dataclass(frozen=True, slots=True)
class Lookup:
    insolvent: bool
    stored: Answer | None


_LOOKUP = (
    sa_select(_PLATFORM.c.insolvent_at, *_STORED)
    .select_from(
        _PLATFORM.outerjoin(
            _INBOX, (_INBOX.c.platform_id == _PLATFORM.c.id) & (_INBOX.c.message_id == bindparam("message_id"))
        )
    )
    .where(_PLATFORM.c.id == bindparam("platform_id"))
)


# The lookup as the at-once booking runs it, on the driver (`gateway.db.driver`).
_LOOKUP_ON_DRIVER = pg.DriverStatement(_LOOKUP)


def _found(row: Any) -> Lookup | None:
    return None if row is None else Lookup(row[0] is not None, None if row[1] is None else _answer(row[1:]))


def lookup(session: Session, platform_id: int, message_id: str) -> Lookup | None:
    """Whether the platform is insolvent now and the answer already given to this message id, in one query
    (the platform itself may come from a cache). None when the platform no longer exists."""
    params = {"platform_id": platform_id, "message_id": message_id}
    if pg.applies(session):
        with pg.in_session(session) as driver:
            return _found(_LOOKUP_ON_DRIVER.execute(driver, params).fetchone())
    return _found(session.connection().execute(_LOOKUP, params).first())


def _stored_text(session: Session) -> Any:
    """The answer's text, stored as it was sent so a replay is the same bytes (the JSON type would serialise it
    again). PostgreSQL wants the text cast to json; SQLite keeps it as it is (a CAST there would be numeric)."""
    content = bindparam("content", type_=Text)
    return cast(content, JSON) if session.get_bind().dialect.name == "postgresql" else type_coerce(content, Text)


def _answer_row(platform_id: int, message_id: str, event_type: str, now: datetime, status: int) -> dict[str, Any]:
    """The inbox row of an answer, less the answer itself: the one place its columns are set (`_record`, and the
    booking statement that writes it with the contract)."""
    return {
        "platform_id": platform_id,
        "message_id": message_id,
        "event_type": event_type,
        "received_at": now,
        "status_code": status,
    }


def _record(
    session: Session,
    platform_id: int,
    message_id: str,
    event_type: str,
    now: datetime,
    status: int,
    body: dict[str, Any],
) -> Answer:
    """The answer under (platform, message id); DuplicateDelivery when another delivery committed it first."""
    content = json_text(body)
    stmt = (
        insert_for(session, _INBOX)
        .values(response=_stored_text(session))
        .on_conflict_do_nothing(index_elements=["platform_id", "message_id"])
    )
    params = {**_answer_row(platform_id, message_id, event_type, now, status), "content": content}
    if session.connection().execute(stmt.returning(_INBOX.c.id), params).first() is None:
        raise DuplicateDelivery(message_id)
    return Answer(status, event_type, content.encode())


def handle(
    session: Session,
    target: WebhookTarget,
    book: AgreementBook,
    settings: Settings,
    message_id: str,
    event: CanonicalEvent,
    now: datetime,
) -> Answer:
    """Apply the event and record its answer under (platform, message id). Flushes; the caller commits.

    Raises a Problem when the event is refused (the caller rolls back: nothing is written), or
    DuplicateDelivery when another delivery of this message id won the race.
    """
    row = EVENT_TYPES[event.type]
    result = WebhookAccepted(webhook_id=message_id, type=event.type)
    data = event.data
    match row:
        case BookingRow():
            # The adapter parsed `data` with this row's model: the row, not an isinstance, says what it is.
            booked = typing.cast(ShiftBooked, data)
            bounds = TimeBounds.of(settings)
            return _book_shift(
                session, target, book, booked, message_id, event.type, now, bounds, settings.requires_identity
            )
        case RiderRow():
            rider = row.handler(session, target.id, data, now)
            result.rider = RiderOut(
                rider_id=rider.external_id, member_id=rider.member_id, enrolled_at=rider.enrolled_at
            )
        case ContractRow():
            result.contract = _lifecycle(session, target, row, data, message_id, now, settings)
        case DecisionRow():
            for check in row.checks:
                check(data, now, TimeBounds.of(settings))
            result.decision = row.handler(session, target, data, message_id, now)
        case _:
            assert_never(row)
    return _record(session, target.id, message_id, event.type, now, 200, result.model_dump(mode="json"))


@dataclass(frozen=True, slots=True)
class Handover:
    """What the at-once booking learnt before it declined, handed to the general path so nothing runs twice: the
    lookup (None: the platform no longer exists), and once the booking was decided, the engine's refusal or what
    the statement found instead of writing the contract (no such rider, a shift taken, a rider whose identity
    cannot be declared: then the engine's decision too, to open the contract blocked; or a rider held by a
    confirmed suspension or deactivation: the engine's decision, to open it if none covers the shift)."""

    found: Lookup | None
    refused: Problem | None = None
    opened: booking.Opened | None = None
    decision: BookingDecision | None = None
    identity_required: bool = False  # as the statement ran (a held rider's contract may then open blocked)

    @property
    def decided(self) -> bool:
        return self.refused is not None or self.opened is not None


def book_at_once(
    engine: Engine,
    target: WebhookTarget,
    book: AgreementBook,
    settings: Settings,
    message_id: str,
    event: CanonicalEvent,
    now: datetime,
) -> tuple[Answer, bool] | Handover | None:
    """PostgreSQL: a booking in two statements and no transaction around them: the lookup, then the one statement
    that writes it all or nothing (`contracts.booking.open_at_once`). Returns the answer and whether it replays a
    stored one; a Handover when the general path must answer (the platform changed; the booking is refused,
    conflicts or names an unknown rider), nothing written; None when it is not a booking this path takes."""
    data = event.data
    agreement = book.get(target.agreement)
    if not isinstance(data, ShiftBooked) or agreement is None:
        return None
    if counts_hours_before(agreement, data.starts_at, at_booking=True):
        # Working-time limits read the member's hours on every platform: a query this path does not make.
        return None
    params = {"platform_id": target.id, "message_id": message_id}
    with pg.autocommit(engine) as driver:
        found = _found(_LOOKUP_ON_DRIVER.execute(driver, params).fetchone())
        if found is None or found.insolvent:
            return Handover(found)
        if found.stored is not None:
            return found.stored, True
        try:
            decision = contracts.decide(agreement, data, TimeBounds.of(settings), now)
        except Problem as exc:
            return Handover(found, refused=exc)
        new, content = _opened(target, data, decision, message_id, event.type, now)
        answer = booking.Answer(
            _INBOX, _answer_row(target.id, message_id, event.type, now, 200), "response", content, "contract"
        )
        opened = booking.open_at_once(driver, new, now, answer, settings.requires_identity)
        if opened is booking.Opened.DUPLICATE:
            # Another delivery of this webhook-id committed its answer (its unique key failed the statement).
            again = _found(_LOOKUP_ON_DRIVER.execute(driver, params).fetchone())
            return (again.stored, True) if again is not None and again.stored is not None else Handover(again)
    if opened is booking.Opened.OPENED:
        return Answer(200, event.type, content.encode()), False
    return Handover(found, opened=opened, decision=decision, identity_required=settings.requires_identity)


def _book_shift(
    session: Session,
    target: WebhookTarget,
    book: AgreementBook,
    data: ShiftBooked,
    message_id: str,
    event_type: str,
    now: datetime,
    time_bounds: TimeBounds,
    identity_required: bool,
) -> Answer:
    agreement = book.get(target.agreement)
    if agreement is None:
        # The platform points at an agreement this gateway did not load: an operator's problem, not the sender's.
        raise ServiceUnavailable(
            f"agreement {target.agreement} of platform {target.slug} is not loaded", headers={"Retry-After": "60"}
        )
    try:
        before = contracts.booking_worked_before(session, target.id, agreement, data)
        decision = contracts.decide(agreement, data, time_bounds, now, before)
    except Problem as exc:
        return _refused(session, target, data, exc)
    return _open(session, target, data, decision, message_id, event_type, now, identity_required)


def _open(
    session: Session,
    target: WebhookTarget,
    data: ShiftBooked,
    decision: BookingDecision,
    message_id: str,
    event_type: str,
    now: datetime,
    identity_required: bool,
    despite_hold: bool = False,
) -> Answer:
    """Open the decided contract in the session's transaction: blocked when the identity is required and the
    rider's cannot be declared (one more read, only then), else open. The statement declines for a rider held by
    a confirmed suspension or deactivation; only then are its dates read: one that covers the shift refuses it
    (409), else the contract opens `despite_hold`."""
    gap = identity.gap(session, target.id, data.rider_id) if identity_required else None
    new, body = _proposed(target, data, decision, message_id, event_type, now, gap)
    if booking.insert_contract(session, new, body["contract"], now, despite_hold):
        return _record(session, target.id, message_id, event_type, now, 200, body)
    if not despite_hold and platform_decisions.check_not_held(session, target.id, data.rider_id, data.starts_at):
        return _open(session, target, data, decision, message_id, event_type, now, identity_required, True)
    return _not_opened(session, target, data, message_id, event_type, now, None)


def book_handed_on(
    session: Session,
    target: WebhookTarget,
    handover: Handover,
    data: ShiftBooked,
    message_id: str,
    event_type: str,
    now: datetime,
) -> Answer:
    """The general path's answer to a booking the at-once path decided and declined (`handover.decided`), from
    what it learnt: the engine is not asked again, and nothing it found is looked up again."""
    if handover.refused is not None:
        return _refused(session, target, data, handover.refused)
    if handover.opened is booking.Opened.IDENTITY_INCOMPLETE:
        assert handover.decision is not None
        return _open(session, target, data, handover.decision, message_id, event_type, now, identity_required=True)
    if handover.opened is booking.Opened.HELD:
        assert handover.decision is not None
        platform_decisions.check_not_held(session, target.id, data.rider_id, data.starts_at)  # 409 if it covers
        required = handover.identity_required
        return _open(session, target, data, handover.decision, message_id, event_type, now, required, True)
    return _not_opened(session, target, data, message_id, event_type, now, handover.opened)


def _refused(session: Session, target: WebhookTarget, data: ShiftBooked, problem: Problem) -> NoReturn:
    if riders.rider_id_for(session, target.id, data.rider_id) is None:
        raise _unknown_rider(data) from None  # an unknown rider is named first, as it always was
    raise problem


def refusal_key(platform_id: int, message_id: str) -> str:
    """One decision per refused delivery: a platform retrying the same webhook-id is refused once."""
    return f"booking-refused:{platform_id}:{hashlib.sha256(message_id.encode()).hexdigest()[:40]}"


def record_refusal(
    session: Session, target: WebhookTarget, data: ShiftBooked, problem: Problem, message_id: str, now: datetime
) -> bool:
    """A booking a term refused (`enforcement: reject`) is a decision about the rider (issue 20): recorded in a
    transaction of its own after the refused one rolled back (the caller commits; nothing else of the booking is
    written). False when there is nothing to record: another refusal, or a rider the platform never enrolled."""
    if not isinstance(problem, TermViolationRejected):
        return False
    rider = riders.rider_id_for(session, target.id, data.rider_id)
    if rider is None:
        return False
    given = problem.extensions
    made = Made(
        key=refusal_key(target.id, message_id),
        rider_id=rider,
        platform_id=target.id,
        kind=DecisionKind.BOOKING_REFUSED,
        decided_by="gateway:agreement-engine",
        clause=str(given.get("clause", ""))[:100] or None,
        outcome=str(given.get("code", "refused"))[:64],
        parameters={"term": given.get("term"), "enforcement": "reject", "agreement": target.agreement},
        facts={
            "shift_code": data.shift_code,
            "starts_at": data.starts_at.astimezone(UTC).isoformat(),
            "ends_at": data.ends_at.astimezone(UTC).isoformat(),
            "pay": None if data.pay is None else data.pay.model_dump(mode="json", exclude_none=True),
            "detail": problem.detail[:500],
        },
        decided_at=now,
    )
    decisions.record(session, made)
    return True


def _not_opened(
    session: Session,
    target: WebhookTarget,
    data: ShiftBooked,
    message_id: str,
    event_type: str,
    now: datetime,
    opened: booking.Opened | None,
) -> Answer:
    """Nothing was written: the shift has its contract already (this booking's, or a conflict), or no such rider
    (`opened` says which when the one statement found it; the general path tells them apart here)."""
    existing = None if opened is booking.Opened.NO_RIDER else contracts.existing_contract(session, target.id, data)
    if existing is None:
        raise _unknown_rider(data)
    shown = read.contract_out(session, existing, target.slug, data.rider_id)
    body = WebhookAccepted(webhook_id=message_id, type=event_type, contract=shown).model_dump(mode="json")
    return _record(session, target.id, message_id, event_type, now, 200, body)


def _answered(
    target: WebhookTarget,
    data: ShiftBooked,
    decision: BookingDecision,
    message_id: str,
    event_type: str,
    now: datetime,
    gap: identity.Gap | None = None,
) -> tuple[contracts.NewContract, WebhookAccepted]:
    """The contract the booking opens (blocked when the identity has a gap) and the answer that carries it, both
    decided before anything is written."""
    new = contracts.new_contract(platform_id=target.id, data=data, decision=decision, message_id=message_id, now=now)
    if gap is not None:
        new = identity.blocked(new, gap, now)
    shown = read.opened_out(new, target.slug, data, decision, now)
    return new, WebhookAccepted(webhook_id=message_id, type=event_type, contract=shown)


def _proposed(
    target: WebhookTarget,
    data: ShiftBooked,
    decision: BookingDecision,
    message_id: str,
    event_type: str,
    now: datetime,
    gap: identity.Gap | None,
) -> tuple[contracts.NewContract, dict[str, Any]]:
    new, answer = _answered(target, data, decision, message_id, event_type, now, gap)
    return new, answer.model_dump(mode="json")


def _opened(
    target: WebhookTarget, data: ShiftBooked, decision: BookingDecision, message_id: str, event_type: str, now: datetime
) -> tuple[contracts.NewContract, str]:
    """As `_proposed`, with the answer serialised at once (the same text as `json_text` of its dump)."""
    new, answer = _answered(target, data, decision, message_id, event_type, now)
    return new, answer.model_dump_json()


def _unknown_rider(data: ShiftBooked) -> InvalidPayload:
    return InvalidPayload(
        f"unknown rider {data.rider_id!r}: enrol the rider (rider.enrolled) before booking a shift",
        errors=[{"location": "data.rider_id", "message": "no enrolled rider with this id"}],
    )


def _lifecycle(
    session: Session,
    target: WebhookTarget,
    row: ContractRow[F],
    data: F,
    message_id: str,
    now: datetime,
    settings: Settings,
) -> ContractOut:
    contract = lifecycle.locked_contract(session, target.id, data.shift_code)
    time_bounds = TimeBounds.of(settings)
    for check in row.checks:
        check(contract, data, now, time_bounds)
    row.handler(session, contract, data, message_id, now, timedelta(seconds=settings.settle_delay_seconds))
    session.flush()
    return read.contract_view(session, contract, target.slug)


def record_deferred(session: Session, platform_id: int, message_id: str, event_type: str, now: datetime) -> Answer:
    """Record the 202 answer to a deferred adapter's notification (the adapter stored what to fetch).

    Raises DuplicateDelivery when another delivery of this message id committed first. Flushes only.
    """
    body = WebhookAccepted(webhook_id=message_id, type=event_type).model_dump(mode="json")
    return _record(session, platform_id, message_id, event_type, now, 202, body)
