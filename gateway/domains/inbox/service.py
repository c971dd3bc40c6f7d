"""The webhook intake: one verified, parsed event in, one answer out, all in the request's transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Engine, Text, bindparam, cast, type_coerce
from sqlalchemy import select as sa_select
from sqlmodel import Session

from adapters.canonical import CanonicalEvent, RiderEnrolled, ShiftBooked, ShiftCancelled, ShiftEnded, ShiftStarted
from gateway.agreements.engine import BookingDecision
from gateway.agreements.loader import AgreementBook
from gateway.db.upsert import insert_for
from gateway.domains.contracts import lifecycle, read
from gateway.domains.contracts import service as contracts
from gateway.domains.contracts.bounds import TimeBounds
from gateway.domains.contracts.read import ContractOut
from gateway.domains.contracts.schemas import RiderOut
from gateway.domains.inbox import postgres
from gateway.domains.inbox.models import InboxMessage
from gateway.domains.inbox.schemas import WebhookAccepted
from gateway.domains.platforms.models import Platform
from gateway.domains.platforms.service import WebhookTarget
from gateway.domains.riders import service as riders
from gateway.problems import InvalidPayload, Problem, ServiceUnavailable
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


def lookup(session: Session, platform_id: int, message_id: str) -> Lookup | None:
    """Whether the platform is insolvent now and the answer already given to this message id, in one query
    (the platform itself may come from a cache). None when the platform no longer exists."""
    if postgres.applies(session):
        with postgres.in_session(session) as driver:
            row = postgres.lookup(driver, platform_id, message_id)
    else:
        row = session.connection().execute(_LOOKUP, {"platform_id": platform_id, "message_id": message_id}).first()
    if row is None:
        return None
    return Lookup(row[0] is not None, None if row[1] is None else _answer(row[1:]))


def _stored_text(session: Session) -> Any:
    """The answer's text, stored as it was sent so a replay is the same bytes (the JSON type would serialise it
    again). PostgreSQL wants the text cast to json; SQLite keeps it as it is (a CAST there would be numeric)."""
    content = bindparam("content", type_=Text)
    return cast(content, JSON) if session.get_bind().dialect.name == "postgresql" else type_coerce(content, Text)


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
    params = {
        "platform_id": platform_id,
        "message_id": message_id,
        "event_type": event_type,
        "received_at": now,
        "status_code": status,
        "content": content,
    }
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
    result = WebhookAccepted(webhook_id=message_id, type=event.type)
    data = event.data
    if isinstance(data, ShiftBooked):
        return _book_shift(session, target, book, data, message_id, event.type, now, TimeBounds.of(settings))
    if isinstance(data, RiderEnrolled):
        rider = riders.enrol(session, target.id, data, now)
        result.rider = RiderOut(rider_id=rider.external_id, member_id=rider.member_id, enrolled_at=rider.enrolled_at)
    else:
        result.contract = _lifecycle(session, target, data, message_id, now, settings)
    return _record(session, target.id, message_id, event.type, now, 200, result.model_dump(mode="json"))


def book_at_once(
    engine: Engine,
    target: WebhookTarget,
    book: AgreementBook,
    settings: Settings,
    message_id: str,
    event: CanonicalEvent,
    now: datetime,
) -> tuple[Answer, bool] | None:
    """PostgreSQL: a booking in two statements and no transaction around them (see `postgres`): the lookup, then
    the one statement that writes it all or nothing. Returns the answer and whether it replays a stored one; None
    when the general path must decide (not a booking; the platform changed; the booking is refused, conflicts or
    names an unknown rider; a concurrent delivery of the same webhook-id): nothing was written then."""
    data = event.data
    agreement = book.get(target.agreement)
    if not isinstance(data, ShiftBooked) or agreement is None:
        return None
    with postgres.autocommit(engine) as driver:
        row = postgres.lookup(driver, target.id, message_id)
        if row is None or row[0] is not None:
            return None
        if row[1] is not None:
            return _answer(row[1:]), True
        try:
            decision = contracts.decide(agreement, data, TimeBounds.of(settings), now)
        except Problem:
            return None
        new, body = _proposed(target, data, decision, message_id, event.type, now)
        content = json_text(body)
        if postgres.open_and_answer(driver, new, message_id, event.type, content) is not postgres.Opened.OPENED:
            return None
    return Answer(200, event.type, content.encode()), False


def _book_shift(
    session: Session,
    target: WebhookTarget,
    book: AgreementBook,
    data: ShiftBooked,
    message_id: str,
    event_type: str,
    now: datetime,
    time_bounds: TimeBounds,
) -> Answer:
    agreement = book.get(target.agreement)
    if agreement is None:
        # The platform points at an agreement this gateway did not load: an operator's problem, not the sender's.
        raise ServiceUnavailable(
            f"agreement {target.agreement} of platform {target.slug} is not loaded", headers={"Retry-After": "60"}
        )
    try:
        decision = contracts.decide(agreement, data, time_bounds, now)
    except Problem:
        if riders.rider_id_for(session, target.id, data.rider_id) is None:
            raise _unknown_rider(data) from None  # an unknown rider is named first, as it always was
        raise
    new, body = _proposed(target, data, decision, message_id, event_type, now)
    if postgres.applies(session):
        content = json_text(body)
        with postgres.in_session(session) as driver:
            opened = postgres.open_and_answer(driver, new, message_id, event_type, content)
        if opened is postgres.Opened.OPENED:
            return Answer(200, event_type, content.encode())
        if opened is postgres.Opened.DUPLICATE:
            raise DuplicateDelivery(message_id)
    elif contracts.insert_contract(session, new, body["contract"], now):
        return _record(session, target.id, message_id, event_type, now, 200, body)
    # Nothing was written: the shift has its contract already (this booking's, or a conflict), or no such rider.
    existing = contracts.existing_contract(session, target.id, data)
    if existing is None:
        raise _unknown_rider(data)
    shown = read.contract_out(session, existing, target.slug, data.rider_id)
    body = WebhookAccepted(webhook_id=message_id, type=event_type, contract=shown).model_dump(mode="json")
    return _record(session, target.id, message_id, event_type, now, 200, body)


def _proposed(
    target: WebhookTarget, data: ShiftBooked, decision: BookingDecision, message_id: str, event_type: str, now: datetime
) -> tuple[contracts.NewContract, dict[str, Any]]:
    """The contract the booking opens and the answer that carries it, both decided before anything is written."""
    new = contracts.new_contract(platform_id=target.id, data=data, decision=decision, message_id=message_id, now=now)
    shown = read.opened_out(new, target.slug, data, decision, now)
    return new, WebhookAccepted(webhook_id=message_id, type=event_type, contract=shown).model_dump(mode="json")


def _unknown_rider(data: ShiftBooked) -> InvalidPayload:
    return InvalidPayload(
        f"unknown rider {data.rider_id!r}: enrol the rider (rider.enrolled) before booking a shift",
        errors=[{"location": "data.rider_id", "message": "no enrolled rider with this id"}],
    )


def _lifecycle(
    session: Session,
    target: WebhookTarget,
    data: ShiftStarted | ShiftEnded | ShiftCancelled,
    message_id: str,
    now: datetime,
    settings: Settings,
) -> ContractOut:
    contract = lifecycle.locked_contract(session, target.id, data.shift_code)
    delay = timedelta(seconds=settings.settle_delay_seconds)
    time_bounds = TimeBounds.of(settings)
    if isinstance(data, ShiftStarted):
        lifecycle.apply_started(session, contract, data, message_id, now, time_bounds)
    elif isinstance(data, ShiftEnded):
        if data.pay is not None and data.pay.currency != contract.currency:
            raise InvalidPayload(
                f"the proposed pay is in {data.pay.currency}; this contract pays in {contract.currency}",
                errors=[{"location": "data.pay.currency", "message": f"expected {contract.currency}"}],
            )
        lifecycle.apply_ended(session, contract, data, message_id, now, delay, time_bounds)
    else:
        lifecycle.apply_cancelled(session, contract, data, message_id, now, delay, time_bounds)
    session.flush()
    return read.contract_view(session, contract, target.slug)


def record_deferred(session: Session, platform_id: int, message_id: str, event_type: str, now: datetime) -> Answer:
    """Record the 202 answer to a deferred adapter's notification (the adapter stored what to fetch).

    Raises DuplicateDelivery when another delivery of this message id committed first. Flushes only.
    """
    body = WebhookAccepted(webhook_id=message_id, type=event_type).model_dump(mode="json")
    return _record(session, platform_id, message_id, event_type, now, 202, body)
