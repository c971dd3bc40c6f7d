"""Opening a contract for a booked shift: the booking decision, written in a few statements.

The unique key (platform, shift_code) decides whether this delivery opens the contract or finds the one
already opened; two concurrent deliveries of one booking cannot both insert.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from adapters.canonical import PayOffer, ShiftBooked
from gateway.agreements.engine import (
    Booking,
    BookingDecision,
    HourlyOffer,
    Offer,
    OfferError,
    PerTripOffer,
    evaluate_booking,
    hours_between,
)
from gateway.agreements.model import Agreement, AgreementError
from gateway.db.upsert import insert_for
from gateway.domains.contracts import bounds, views
from gateway.domains.contracts.bounds import TimeBounds
from gateway.domains.contracts.models import Contract, ContractStatus, PayBasis, Violation
from gateway.domains.contracts.schemas import (
    AgreementRefOut,
    ContractOut,
    CorrectionOut,
    EventOut,
    OfferOut,
    PayOut,
    ShiftWindowOut,
)
from gateway.domains.outbox import service as outbox
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


OPENED_KINDS = ("declaration.in", "callback.contract.opened")
"""What leaves through the outbox when a contract opens: the declaration of employment, the platform's callback."""


@dataclass(frozen=True, slots=True)
class NewContract:
    """A contract about to be opened: its row, its corrections and the view everyone will read, built once."""

    id: uuid.UUID
    row: dict[str, Any]
    corrections: list[dict[str, Any]]
    out: ContractOut


def new_contract(
    *,
    platform_id: int,
    platform_slug: str,
    data: ShiftBooked,
    decision: BookingDecision,
    message_id: str,
    now: datetime,
) -> NewContract:
    """Everything the booking writes, decided before anything is written (the id is chosen here)."""
    contract_id = uuid.uuid4()
    row = {
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
        "rider_external_id": data.rider_id,
    }
    corrections = [_correction_fields(c) for c in decision.corrections]
    out = ContractOut(
        id=contract_id,
        platform=platform_slug,
        shift_code=data.shift_code,
        rider_id=data.rider_id,
        status=ContractStatus.open,
        shift=window_out(data.starts_at, data.ends_at, decision.timezone, data.zone),
        agreement=AgreementRefOut(id=decision.agreement, version=decision.agreement_version),
        minimum_paid_hours=shown_hours(decision.minimum_paid_hours),
        guaranteed_paid_hours=shown_hours(decision.guaranteed_paid_hours),
        pay=_pay_out(decision.hourly_gross, decision.hourly_net, decision.currency, data.pay),
        corrections=[CorrectionOut(**c) for c in corrections],
        opened_at=now,
        history=[_opened_event(now)],
    )
    return NewContract(contract_id, row, corrections, out)


def insert_contract(session: Session, new: NewContract, payload: dict[str, Any], now: datetime) -> bool:
    """Insert the contract, its corrections and its outbox rows (`payload` is the contract as sent out).

    False, with nothing written, when the shift already has a contract or the platform has no such rider: the
    rider is found inside the INSERT ... SELECT, so the common case costs one statement, and the two are told
    apart only on the way out (`existing_contract`).
    """
    if session.connection().execute(_open_statement(session), new.row).first() is None:
        return False
    if new.corrections:
        session.execute(
            Violation.__table__.insert(),  # type: ignore[attr-defined]
            [{"contract_id": new.id, "created_at": now, **c} for c in new.corrections],
        )
    outbox.enqueue(session, OPENED_KINDS, payload, now, new.id)
    return True


def existing_contract(session: Session, platform_id: int, platform_slug: str, data: ShiftBooked) -> ContractOut | None:
    """The contract this booking's shift already has (a conflict if it is another booking); None when the
    platform has no rider `data.rider_id`."""
    rider_pk = session.exec(
        select(Rider.id).where(Rider.platform_id == platform_id, Rider.external_id == data.rider_id)
    ).first()
    return None if rider_pk is None else _already_open(session, platform_id, platform_slug, rider_pk, data)


_OPEN_COLUMNS = (
    "id", "platform_id", "shift_code", "status", "starts_at", "ends_at", "zone", "agreement", "agreement_version",
    "timezone", "currency", "minimum_paid_hours", "guaranteed_paid_hours", "pay_basis", "hourly_gross", "hourly_net",
    "offered_pay", "explanation", "opened_by_message", "opened_at", "status_changed_at",
)  # fmt: skip
_open_statements: dict[str, Any] = {}


def _open_statement(session: Session) -> Any:
    """INSERT INTO contract (...) SELECT <values>, rider.id FROM rider WHERE <the platform's rider>
    ON CONFLICT (platform_id, shift_code) DO NOTHING RETURNING id; built once per dialect, values bound."""
    dialect = session.get_bind().dialect.name
    stmt = _open_statements.get(dialect)
    if stmt is None:
        contract = Contract.__table__  # type: ignore[attr-defined]
        rider = Rider.__table__  # type: ignore[attr-defined]
        values = [bindparam(c, type_=contract.c[c].type) for c in _OPEN_COLUMNS]
        source = sa_select(*values, rider.c.id).where(
            rider.c.platform_id == bindparam("platform_id"), rider.c.external_id == bindparam("rider_external_id")
        )
        stmt = (
            insert_for(session, contract)
            .from_select([*_OPEN_COLUMNS, "rider_id"], source)
            .on_conflict_do_nothing(index_elements=["platform_id", "shift_code"])
            .returning(contract.c.id)
        )
        _open_statements[dialect] = stmt
    return stmt


def shown_hours(hours: Decimal) -> Decimal:
    """Hours as shown to people: to the hundredth (stored to the ten-thousandth)."""
    return hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def window_out(starts_at: datetime, ends_at: datetime, timezone: str, zone: str | None) -> ShiftWindowOut:
    tz = ZoneInfo(timezone)
    return ShiftWindowOut(
        starts_at=starts_at.astimezone(UTC),
        ends_at=ends_at.astimezone(UTC),
        timezone=timezone,
        starts_local=starts_at.astimezone(tz),
        ends_local=ends_at.astimezone(tz),
        booked_hours=shown_hours(hours_between(starts_at, ends_at)),
        zone=zone,
    )


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


def _correction_fields(c: Any) -> dict[str, Any]:
    """A correction's fields, from the engine's Correction or a stored Violation alike."""
    fields = {k: getattr(c, k) for k in _CORRECTION_FIELDS}
    exponent = _CORRECTION_EXPONENT.get(fields["unit"])
    if exponent is not None:
        for k in ("offered_value", "applied_value"):
            if fields[k] is not None:
                fields[k] = fields[k].quantize(exponent)
    return fields


def _pay_out(gross: Decimal, net: Decimal, currency: str, offered: PayOffer | dict[str, Any] | None) -> PayOut:
    if isinstance(offered, PayOffer):
        offered = _offer_json(offered)
    return PayOut(
        basis=PayBasis.hourly,
        hourly_gross=gross,
        hourly_net=net,
        currency=currency,
        offered=None if offered is None else OfferOut(**offered),
    )


def _already_open(
    session: Session, platform_id: int, platform_slug: str, rider_pk: int, data: ShiftBooked
) -> ContractOut:
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
    return contract_out(session, contract, platform_slug, data.rider_id)


def _opened_event(at: datetime) -> EventOut:
    return EventOut(kind="opened", from_status=None, to_status="open", at=at, recorded_at=at, detail="")


def contract_view(session: Session, contract: Contract, platform_slug: str) -> ContractOut:
    rider = session.get(Rider, contract.rider_id)
    assert rider is not None
    return contract_out(session, contract, platform_slug, rider.external_id)


def contract_out(
    session: Session,
    contract: Contract,
    platform_slug: str,
    rider_external_id: str,
    later: views.Later | None = None,
) -> ContractOut:
    """The whole contract as platforms (and riders) read it; never a dump of the row. `later` when the caller
    read it with the contract (find_contract does)."""
    from gateway.domains.declarations.service import declaration_out

    if later is None:
        later = views.later(session, contract.id)
    violations = session.exec(_VIOLATIONS, params={"contract_id": contract.id}).all()
    return ContractOut(
        id=contract.id,
        platform=platform_slug,
        shift_code=contract.shift_code,
        rider_id=rider_external_id,
        status=ContractStatus(contract.status),
        shift=window_out(contract.starts_at, contract.ends_at, contract.timezone, contract.zone),
        agreement=AgreementRefOut(id=contract.agreement, version=contract.agreement_version),
        minimum_paid_hours=shown_hours(contract.minimum_paid_hours),
        guaranteed_paid_hours=shown_hours(contract.guaranteed_paid_hours),
        pay=_pay_out(contract.hourly_gross, contract.hourly_net, contract.currency, contract.offered_pay),
        corrections=[CorrectionOut(**_correction_fields(v)) for v in violations],
        opened_at=contract.opened_at,
        actual=views.actual(contract),
        statement=views.statement(later.settlement),
        invoice=views.invoice(later.invoice),
        payout=views.payout(later.payout),
        history=[_opened_event(contract.opened_at), *views.history(session, contract.id)],
        declaration=declaration_out(later.declaration),
    )


@dataclass(frozen=True, slots=True)
class Found:
    contract: Contract
    rider_external_id: str
    later: views.Later


def _find_statement(key: str) -> Any:
    entities: list[Any] = [Contract, Rider.external_id, *views.LATER_ENTITIES]
    stmt = views.with_later(sa_select(*entities).join(Rider, col(Rider.id) == col(Contract.rider_id)))
    return stmt.where(Contract.platform_id == bindparam("platform_id"), getattr(Contract, key) == bindparam("key"))


# Built once: building a statement costs about as much as running it (contract reads are a hot path).
_FIND = {"id": _find_statement("id"), "shift_code": _find_statement("shift_code")}
_VIOLATIONS = select(Violation).where(Violation.contract_id == bindparam("contract_id")).order_by(col(Violation.id))


def find_contract(
    session: Session, platform_id: int, *, contract_id: uuid.UUID | None = None, shift_code: str | None = None
) -> Found | None:
    """A platform's own contract (by id or by shift code) with its rider's external id and later rows, in one
    query; None when it is not that platform's."""
    key, value = ("id", contract_id) if contract_id is not None else ("shift_code", shift_code)
    row = session.execute(_FIND[key], {"platform_id": platform_id, "key": value}).first()
    return None if row is None else Found(row[0], row[1], views.Later(*row[2:]))


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
            code="declaration_refused",
            action="blocked",
            detail=reason[:1000],
            created_at=now,
        )
    )
    session.flush()
    return True
