"""The webhook intake: one verified, parsed event in, one answer out, all in the request's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from adapters.canonical import CanonicalEvent, RiderEnrolled, ShiftBooked, ShiftCancelled, ShiftEnded, ShiftStarted
from gateway.agreements.loader import AgreementBook
from gateway.db.upsert import insert_for
from gateway.domains.contracts import lifecycle
from gateway.domains.contracts import service as contracts
from gateway.domains.contracts.schemas import ContractOut, RiderOut
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
    status_code: int
    body: dict[str, Any]


def stored_answer(session: Session, platform_id: int, message_id: str) -> Answer | None:
    row = session.exec(
        select(InboxMessage.status_code, InboxMessage.response).where(
            InboxMessage.platform_id == platform_id, InboxMessage.message_id == message_id
        )
    ).first()
    return None if row is None else Answer(row[0], dict(row[1]))


@dataclass(frozen=True, slots=True)
class Lookup:
    insolvent: bool
    stored: Answer | None


_INBOX = InboxMessage.__table__  # type: ignore[attr-defined]
_PLATFORM = Platform.__table__  # type: ignore[attr-defined]
_LOOKUP = (
    sa_select(_PLATFORM.c.insolvent_at, _INBOX.c.status_code, _INBOX.c.response)
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
    row = session.connection().execute(_LOOKUP, {"platform_id": platform_id, "message_id": message_id}).first()
    if row is None:
        return None
    stored = None if row[1] is None else Answer(row[1], dict(row[2]))
    return Lookup(row[0] is not None, stored)


def _record(
    session: Session,
    platform_id: int,
    message_id: str,
    event_type: str,
    now: datetime,
    status: int,
    body: dict[str, Any],
) -> None:
    """The answer under (platform, message id); DuplicateDelivery when another delivery committed it first."""
    stmt = insert_for(session, _INBOX).on_conflict_do_nothing(index_elements=["platform_id", "message_id"])
    params = {
        "platform_id": platform_id,
        "message_id": message_id,
        "event_type": event_type,
        "received_at": now,
        "status_code": status,
        "response": body,
    }
    if session.connection().execute(stmt.returning(_INBOX.c.id), params).first() is None:
        raise DuplicateDelivery(message_id)


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
    if isinstance(data, RiderEnrolled):
        rider = riders.enrol(session, target.id, data, now)
        result.rider = RiderOut(rider_id=rider.external_id, member_id=rider.member_id, enrolled_at=rider.enrolled_at)
    elif isinstance(data, ShiftBooked):
        result.contract = _book(session, target, book, data, message_id, now, settings.max_shift_hours)
    else:
        result.contract = _lifecycle(session, target, data, message_id, now, settings)
    body = result.model_dump(mode="json")
    _record(session, target.id, message_id, event.type, now, 200, body)
    return Answer(200, body)


def _book(
    session: Session,
    target: WebhookTarget,
    book: AgreementBook,
    data: ShiftBooked,
    message_id: str,
    now: datetime,
    max_shift_hours: int,
) -> Any:
    agreement = book.get(target.agreement)
    if agreement is None:
        # The platform points at an agreement this gateway did not load: an operator's problem, not the sender's.
        raise ServiceUnavailable(
            f"agreement {target.agreement} of platform {target.slug} is not loaded", headers={"Retry-After": "60"}
        )
    # The rider is looked up inside the contract's INSERT ... SELECT; a separate query only on the way out.
    try:
        decision = contracts.decide(agreement, data, max_shift_hours)
    except Problem:
        if riders.rider_id_for(session, target.id, data.rider_id) is None:
            raise _unknown_rider(data) from None  # an unknown rider is named first, as it always was
        raise
    opened = contracts.open_contract(
        session,
        platform_id=target.id,
        platform_slug=target.slug,
        data=data,
        decision=decision,
        message_id=message_id,
        now=now,
    )
    if opened is None:
        raise _unknown_rider(data)
    return opened


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
    if isinstance(data, ShiftStarted):
        lifecycle.apply_started(session, contract, data, message_id, now)
    elif isinstance(data, ShiftEnded):
        if data.pay is not None and data.pay.currency != contract.currency:
            raise InvalidPayload(
                f"the proposed pay is in {data.pay.currency}; this contract pays in {contract.currency}",
                errors=[{"location": "data.pay.currency", "message": f"expected {contract.currency}"}],
            )
        lifecycle.apply_ended(session, contract, data, message_id, now, delay)
    else:
        lifecycle.apply_cancelled(session, contract, data, message_id, now, delay)
    session.flush()
    return contracts.contract_view(session, contract, target.slug)


def record_deferred(session: Session, platform_id: int, message_id: str, event_type: str, now: datetime) -> Answer:
    """Record the 202 answer to a deferred adapter's notification (the adapter stored what to fetch).

    Raises DuplicateDelivery when another delivery of this message id committed first. Flushes only.
    """
    body = WebhookAccepted(webhook_id=message_id, type=event_type).model_dump(mode="json")
    _record(session, platform_id, message_id, event_type, now, 202, body)
    return Answer(202, body)
