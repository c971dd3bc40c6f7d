"""Opening a contract for a booked shift: the booking decision, written in a few statements.

The unique key (platform, shift_code) decides whether this delivery opens the contract or finds the one
already opened; two concurrent deliveries of one booking cannot both insert.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from sqlmodel import Session, col, select

from gateway.agreements.engine import (
    Booking,
    BookingDecision,
    HourlyOffer,
    Offer,
    OfferError,
    PerTripOffer,
    evaluate_booking,
)
from gateway.agreements.model import Agreement, AgreementError
from gateway.canonical import PayOffer, ShiftBooked
from gateway.db.driver import with_defaults
from gateway.domains.contracts import bounds
from gateway.domains.contracts.bounds import TimeBounds
from gateway.domains.contracts.models import Contract, ContractStatus, PayBasis, Violation
from gateway.domains.riders.models import Rider
from gateway.problems import Conflict, InvalidPayload, TermViolationRejected


def offer_of(pay: PayOffer | None) -> Offer | None:
    if pay is None:
        return None
    if pay.hourly is not None:
        return HourlyOffer(pay.hourly, pay.currency)
    assert pay.trip is not None
    return PerTripOffer(pay.trip, pay.currency)


def decide(agreement: Agreement, data: ShiftBooked, time_bounds: TimeBounds, now: datetime) -> BookingDecision:
    """Run the engine on a booking; times out of bounds, bad input and reject-mode terms become 422 problems."""
    bounds.check_booking(data, now, time_bounds)
    try:
        decision = evaluate_booking(agreement, Booking(data.starts_at, data.ends_at, offer_of(data.pay)))
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
OPENED_KINDS = ("declaration.in", "callback.contract.opened")
"""What leaves through the outbox when a contract opens: the declaration of employment, the platform's callback."""
BLOCKED_KINDS = ("callback.contract.opened",)
"""What leaves when a contract opens blocked (`contracts.identity`): the platform's callback only, since there is
nothing that can be declared yet."""


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
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
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


def _already_open(session: Session, platform_id: int, rider_pk: int, data: ShiftBooked) -> Contract:
    """Another delivery opened this shift's contract. The same booking gets that contract; a different one is a conflict."""
    contract = session.exec(
        select(Contract).where(Contract.platform_id == platform_id, Contract.shift_code == data.shift_code)
    ).one()
    same = contract.rider_id == rider_pk and contract.starts_at == data.starts_at and contract.ends_at == data.ends_at
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
