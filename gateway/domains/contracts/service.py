"""Opening a contract for a booked shift: the booking decision, written in a few statements.

The unique key (platform, shift_code) decides whether this delivery opens the contract or finds the one
already opened; two concurrent deliveries of one booking cannot both insert.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from gateway.agreements.engine import (
    Booking,
    BookingDecision,
    Correction,
    HourlyOffer,
    Offer,
    OfferError,
    PerTripOffer,
    WorkedBefore,
    counts_hours_before,
    evaluate_booking,
    hours_between,
)
from gateway.agreements.model import Agreement, AgreementError
from gateway.canonical import PayOffer, ShiftBooked
from gateway.db.driver import with_defaults
from gateway.db.upsert import insert_for
from gateway.domains.contracts import bounds
from gateway.domains.contracts.bounds import TimeBounds
from gateway.domains.contracts.models import (
    SETTLEMENT_STAGE,
    Contract,
    ContractStatus,
    PayBasis,
    Violation,
    ViolationStage,
)
from gateway.domains.notifications.service import CONTRACT_OPENED as CONTRACT_MAIL
from gateway.domains.riders.models import Rider
from gateway.problems import Conflict, InvalidPayload, TermViolationRejected


def offer_of(pay: PayOffer | None) -> Offer | None:
    if pay is None:
        return None
    if pay.hourly is not None:
        return HourlyOffer(pay.hourly, pay.currency)
    assert pay.trip is not None
    return PerTripOffer(pay.trip, pay.currency)


def decide(
    agreement: Agreement,
    data: ShiftBooked,
    time_bounds: TimeBounds,
    now: datetime,
    worked_before: WorkedBefore | None = None,
) -> BookingDecision:
    """Run the engine on a booking; times out of bounds, bad input and reject-mode terms become 422 problems.
    `worked_before`: the member's hours before the shift on every platform (`booking_worked_before`)."""
    bounds.check_booking(data, now, time_bounds)
    try:
        decision = evaluate_booking(
            agreement, Booking(data.starts_at, data.ends_at, offer_of(data.pay)), worked_before=worked_before
        )
    except OfferError as exc:
        raise InvalidPayload(str(exc), errors=[{"location": "data.pay.currency", "message": str(exc)}]) from exc
    except AgreementError as exc:
        raise InvalidPayload(str(exc), errors=[{"location": "data.starts_at", "message": str(exc)}]) from exc
    rejected = decision.rejection
    if rejected is not None:
        raise TermViolationRejected(
            f"{rejected.detail} (term {rejected.term}, {rejected.clause}); the agreement rejects such offers",
            term=rejected.term,
            clause=rejected.clause,
            code=rejected.code,
        )
    return decision


def _offer_json(pay: PayOffer | None) -> dict[str, Any] | None:
    return None if pay is None else pay.model_dump(exclude_none=True)


_CONTRACT = Contract.__table__  # type: ignore[attr-defined]
OPENED_KINDS = ("declaration.in", "callback.contract.opened", CONTRACT_MAIL)
"""What leaves through the outbox when a contract opens: the declaration of employment, the platform's callback,
the rider's e-mail (all three carry the contract as the platform was answered)."""
BLOCKED_KINDS = ("callback.contract.opened", CONTRACT_MAIL)
"""What leaves when a contract opens blocked (`contracts.identity`): the platform's callback and the rider's e-mail
(which says the contract is on hold), since there is nothing that can be declared yet."""


@dataclass(frozen=True, slots=True)
class NewContract:
    """A contract about to be opened: its row, its corrections, the history rows written with it (none unless it
    opens blocked) and what it queues in the outbox, built once (the read model shows it:
    `readmodel.service.opened_out`)."""

    id: uuid.UUID
    row: dict[str, Any]
    corrections: list[dict[str, Any]]
    events: tuple[dict[str, Any], ...] = ()
    kinds: tuple[str, ...] = OPENED_KINDS
    # Opened blocked: what the member's identity lacks, by field name (the decision shows it to the rider).
    missing: tuple[str, ...] = ()


def new_contract(
    *,
    platform_id: int,
    data: ShiftBooked,
    decision: BookingDecision,
    message_id: str,
    now: datetime,
) -> NewContract:
    """Everything the booking writes, decided before anything is written (the id is chosen here)."""
    contract_id = uuid.uuid4()
    # The contract's values as a booking sets them (columns left out take the model's defaults); `booking` builds
    # every statement that writes them from this row and the table.
    row = with_defaults(_CONTRACT, {
        "id": contract_id,
        "platform_id": platform_id,
        "shift_code": data.shift_code,
        "status": ContractStatus.open.value,
        # A working-time limit in amend mode may open the contract for part of the booked window only.
        "starts_at": decision.amended_start or data.starts_at,
        "ends_at": decision.amended_end or data.ends_at,
        "zone": data.zone,
        "agreement": decision.agreement,
        "agreement_version": decision.agreement_version,
        "timezone": decision.timezone,
        "currency": decision.currency,
        "minimum_paid_hours": decision.minimum_paid_hours,
        "guaranteed_paid_hours": decision.guaranteed_paid_hours,
        "pay_basis": PayBasis.hourly.value,
        "hourly_gross": decision.hourly_gross,
        "hourly_net": decision.hourly_net,
        "offered_pay": _offer_json(data.pay),
        "explanation": decision.explanation(),
        "opened_by_message": message_id,
        "opened_at": now,
        "status_changed_at": now,
        "bad_weather": data.bad_weather,
        "rider_external_id": data.rider_id,  # not a column: the rider is found by it (booking.RIDER_KEY)
    })  # fmt: skip
    corrections = [correction_fields(c) for c in decision.corrections]
    return NewContract(contract_id, row, corrections)


def existing_contract(session: Session, platform_id: int, data: ShiftBooked) -> Contract | None:
    """The contract this booking's shift already has (a conflict if it is another booking); None when the
    platform has no rider `data.rider_id`. The caller shows it (`readmodel.service.contract_out`)."""
    rider_pk = session.exec(
        select(Rider.id).where(Rider.platform_id == platform_id, Rider.external_id == data.rider_id)
    ).first()
    return None if rider_pk is None else _already_open(session, platform_id, rider_pk, data)


_CORRECTION_FIELDS = (
    "term",
    "clause",
    "code",
    "action",
    "detail",
    "offered",
    "applied",
    "unit",
    "offered_value",
    "applied_value",
)


# A correction's numbers keep one exponent per unit, so a booking's answer and every later read show them alike:
# hours to the ten-thousandth (as the engine counts them), money to the cent (as platforms send it).
_CORRECTION_EXPONENT = {"hours": Decimal("0.0001"), "hourly_gross": Decimal("0.01"), "per_trip": Decimal("0.01")}


def correction_fields(c: Any) -> dict[str, Any]:
    """What a correction records and shows, from the engine's correction or its stored row (the read model's too)."""
    fields = {k: getattr(c, k) for k in _CORRECTION_FIELDS}
    exponent = _CORRECTION_EXPONENT.get(fields["unit"])
    if exponent is not None:
        for k in ("offered_value", "applied_value"):
            if fields[k] is not None:
                fields[k] = fields[k].quantize(exponent)
    return fields


_VIOLATION = Violation.__table__  # type: ignore[attr-defined]


def record_at_settlement(
    session: Session, contract_id: uuid.UUID, corrections: Sequence[Correction], now: datetime
) -> None:
    """Record corrections found when the contract was settled (stage `settlement`), in the caller's transaction.

    Once per contract, term and code, by the partial unique index `ux_violation_settlement` (migration 0024): a
    second settlement, a retried job or a worker racing this one writes nothing more and fails on nothing. The
    first facts recorded stay; settlement reads only what came before the shift, so a second run finds the same."""
    if not corrections:
        return
    rows = [
        {
            "contract_id": contract_id,
            "created_at": now,
            "stage": ViolationStage.settlement.value,
            **correction_fields(c),
        }
        for c in corrections
    ]
    stmt = insert_for(session, _VIOLATION).on_conflict_do_nothing(
        index_elements=["contract_id", "term", "code"], index_where=SETTLEMENT_STAGE
    )
    session.execute(stmt, rows)


def _already_open(session: Session, platform_id: int, rider_pk: int, data: ShiftBooked) -> Contract:
    """Another delivery opened this shift's contract. The same booking gets that contract; a different one is a conflict."""
    contract = session.exec(
        select(Contract).where(Contract.platform_id == platform_id, Contract.shift_code == data.shift_code)
    ).one()
    same = contract.rider_id == rider_pk and contract.starts_at == data.starts_at and contract.ends_at == data.ends_at
    if not same and "amended_window" in (contract.explanation or {}):
        # A working-time limit opened this booking for part of its window: the same booking, narrowed.
        within = data.starts_at <= contract.starts_at and contract.ends_at <= data.ends_at
        same = contract.rider_id == rider_pk and within
    if not same:
        raise Conflict(
            f"shift {data.shift_code} already has contract {contract.id} for another rider or window; "
            "a booked shift is changed or cancelled by its own events, never booked twice",
            contract_id=str(contract.id),
        )
    return contract


DECLARATION_REFUSED: Final = "declaration_refused"
IDENTITY_INCOMPLETE: Final = "identity_incomplete"
BLOCKED = "blocked"
"""A correction's action when it blocks the contract (its code says why: one of the two above)."""


def block_reason(session: Session, contract_id: uuid.UUID) -> Violation | None:
    """Why a blocked contract is blocked: its latest blocking entry (a contract released after an incomplete
    identity and later refused its declaration has both; the later one holds)."""
    return session.exec(
        select(Violation)
        .where(Violation.contract_id == contract_id, Violation.action == BLOCKED)
        .order_by(col(Violation.id).desc())
    ).first()


def block(session: Session, contract_id: uuid.UUID, reason: str, now: datetime) -> bool:
    """Block a contract whose declaration was refused. Returns False if it was already blocked or closed.

    The reason is recorded as a violation-like entry so the platform, the rider and the cooperative see why.
    """
    contract = session.get(Contract, contract_id, with_for_update=True)
    if contract is None or contract.status in (ContractStatus.blocked, ContractStatus.cancelled):
        return False
    contract.status = ContractStatus.blocked.value
    session.add(contract)
    session.add(
        Violation(
            contract_id=contract_id,
            term="declaration",
            clause="social security declaration of employment",
            code=DECLARATION_REFUSED,
            action=BLOCKED,
            detail=reason[:1000],
            created_at=now,
        )
    )
    session.flush()
    return True


# --- the rider's time before a shift, on every platform (overtime and the working-time limits) ----------------


def _riders_of_member(session: Session, rider_pk: int) -> list[int]:
    """The rider and every rider of the same member on any platform (a rider with no member: itself)."""
    member = session.exec(select(Rider.member_id).where(Rider.id == rider_pk)).first()
    if member is None:
        return [rider_pk]
    return [r for r in session.exec(select(Rider.id).where(Rider.member_id == member)).all() if r is not None]


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def worked_before(
    session: Session,
    rider_pk: int,
    starts_at: datetime,
    zone: ZoneInfo,
    contract_id: uuid.UUID | None = None,
) -> WorkedBefore:
    """The member's hours before a shift starting at `starts_at`, on every platform and under any agreement (hours,
    never pay): those of the contracts that start earlier on the same local day and in the same ISO week (Monday to
    Sunday in `zone`), each counted whole towards the day and week it starts in, worked (the reported times) or
    else booked; and the end of the latest of them, for the rest rule. Contracts cancelled before any work count
    nothing. Deterministic: a contract counts the ones that started before it (by start, then id), whatever was
    recorded since, so re-settling it gives the same result.

    The rest rule is the rest between working days: `previous_end` is the end of the last shift that started on an
    earlier local day (a lunch and a dinner shift on one day are one working day, not a rest cut short)."""
    local = starts_at.astimezone(zone)
    day = local.date()
    week = datetime.combine(_week_start(day), time(0), tzinfo=zone)
    # The rest rule looks back past a Monday too: the previous shift may have ended on Sunday night.
    since = min(week, local - timedelta(days=2))
    c = _CONTRACT.c
    rows = session.execute(
        sa_select(c.id, c.starts_at, c.ends_at, c.actual_start, c.actual_end, c.cancelled_at)
        .where(
            c.rider_id.in_(_riders_of_member(session, rider_pk)),
            c.starts_at >= since,
            c.starts_at <= starts_at,
            c.status != ContractStatus.cancelled.value,
        )
        .order_by(c.starts_at, c.id)
    ).all()
    day_hours = week_hours = Decimal(0)
    previous_end: datetime | None = None
    for cid, start, end, actual_start, actual_end, cancelled_at in rows:
        if cid == contract_id or (cancelled_at is not None and actual_start is None):
            continue  # itself, or a shift cancelled before it started (paid or not, nobody worked it)
        if start == starts_at and contract_id is not None and cid > contract_id:
            continue  # same start: the lower id came first
        if start == starts_at and contract_id is None:
            continue  # a new booking at the same instant overlaps: not "before"
        began, ended = actual_start or start, actual_end or end
        hours = max(hours_between(began, ended), Decimal(0))
        start_day = start.astimezone(zone).date()
        if _week_start(start_day) == _week_start(day) and start_day <= day:
            week_hours += hours
            if start_day == day:
                day_hours += hours
        if start_day < day:
            previous_end = ended if previous_end is None else max(previous_end, ended)
    return WorkedBefore(day_hours, week_hours, previous_end)


def booking_worked_before(
    session: Session, platform_id: int, agreement: Agreement, data: ShiftBooked
) -> WorkedBefore | None:
    """At booking: the member's hours before the shift, when the agreement's limits read them (else None: no
    query). A rider the platform has not enrolled has none (the booking is refused later for that)."""
    if not counts_hours_before(agreement, data.starts_at, at_booking=True):
        return None
    rider_pk = session.exec(
        select(Rider.id).where(Rider.platform_id == platform_id, Rider.external_id == data.rider_id)
    ).first()
    if rider_pk is None:
        return None
    return worked_before(session, rider_pk, data.starts_at, agreement.timezone)
