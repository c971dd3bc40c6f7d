"""The contract's read model: a contract as its platform and its rider read it, with what its later life added
(settlement, invoice, payout, declaration).

It sits above those domains (see the layers in pyproject.toml); the contract's write side (`service`,
`lifecycle`) never imports it, and a caller above both (the inbox, the endpoints) builds the view it answers with.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import bindparam, cast, literal_column, null, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from gateway.agreements.engine import BookingDecision, hours_between
from gateway.canonical import PayOffer, ShiftBooked
from gateway.domains.contracts.models import Contract, ContractEvent, ContractStatus, PayBasis, Violation
from gateway.domains.contracts.schemas import (
    ActualOut,
    AgreementRefOut,
    CorrectionOut,
    EventOut,
    InvoiceOut,
    NoteOut,
    OfferOut,
    PayLineOut,
    PayOut,
    PayoutOut,
    ShiftWindowOut,
    StatementOut,
)
from gateway.domains.contracts.service import IDENTITY_INCOMPLETE, NewContract, correction_fields
from gateway.domains.declarations.models import Declaration
from gateway.domains.declarations.schemas import DeclarationOut
from gateway.domains.payouts.models import Payout
from gateway.domains.platforms.models import Platform
from gateway.domains.riders.access import RiderPrincipal
from gateway.domains.riders.models import Rider
from gateway.domains.settlement.models import Invoice, Settlement


class Shown(SimpleNamespace):
    """The columns of a row that a schema shows, read by name (what `find_contract` reads instead of the rows)."""


class ContractOut(BaseModel):
    id: uuid.UUID
    platform: str
    shift_code: str
    rider_id: str = Field(description="The platform's id of the rider.")
    status: ContractStatus
    shift: ShiftWindowOut
    agreement: AgreementRefOut
    minimum_paid_hours: Decimal = Field(description="The agreement's minimum paid hours a shift.")
    guaranteed_paid_hours: Decimal = Field(description="Hours paid at least for this shift: max(booked, minimum).")
    pay: PayOut
    corrections: list[CorrectionOut]
    opened_at: datetime
    actual: ActualOut = Field(default_factory=ActualOut)
    statement: StatementOut | None = None
    invoice: InvoiceOut | None = None
    payout: PayoutOut | None = None
    history: list[EventOut] = Field(default_factory=list)
    declaration: DeclarationOut = Field(
        default_factory=DeclarationOut.queued,
        description="The declaration of employment to social security (queued in the booking answer).",
    )


# --- a contract just opened: the booking's answer, built from what the booking decided -------------------------


def opened_out(
    new: NewContract, platform_slug: str, data: ShiftBooked, decision: BookingDecision, now: datetime
) -> ContractOut:
    """The contract a booking opens, as the booking's answer (and the contract.opened callback) carry it: built
    from the decision before anything is written, so it reads exactly as a later read of the new row."""
    return ContractOut(
        id=new.id,
        platform=platform_slug,
        shift_code=data.shift_code,
        rider_id=data.rider_id,
        status=ContractStatus(new.row["status"]),
        # The window the contract opens for: a working-time limit in amend mode may have narrowed the booking's.
        shift=window_out(
            decision.amended_start or data.starts_at, decision.amended_end or data.ends_at, decision.timezone, data.zone
        ),
        agreement=AgreementRefOut(id=decision.agreement, version=decision.agreement_version),
        minimum_paid_hours=shown_hours(decision.minimum_paid_hours),
        guaranteed_paid_hours=shown_hours(decision.guaranteed_paid_hours),
        pay=pay_out(decision.hourly_gross, decision.hourly_net, decision.currency, data.pay),
        corrections=[CorrectionOut(**c) for c in new.corrections],
        actual=ActualOut(bad_weather=data.bad_weather),
        opened_at=now,
        history=[_opened_event(now), *(EventOut(**e) for e in new.events)],
        declaration=declaration(None, [CorrectionOut(**c) for c in new.corrections]),
    )


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


def pay_out(gross: Decimal, net: Decimal, currency: str, offered: PayOffer | dict[str, Any] | None) -> PayOut:
    if isinstance(offered, PayOffer):
        offered = offered.model_dump(exclude_none=True)  # as the contract row stores it (offered_pay)
    return PayOut(
        basis=PayBasis.hourly,
        hourly_gross=gross,
        hourly_net=net,
        currency=currency,
        offered=None if offered is None else OfferOut(**offered),
    )


def _opened_event(at: datetime) -> EventOut:
    return EventOut(kind="opened", from_status=None, to_status="open", at=at, recorded_at=at, detail="")


# --- a stored contract, with its later life ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Later:
    """What a contract's later life added (each at most one row): read with the contract, in the same query.
    Each is the table's row, or (from `find_contract`) just the columns its schema shows, read by name."""

    settlement: Settlement | Shown | None
    invoice: Invoice | Shown | None
    payout: Payout | Shown | None
    declaration: Declaration | Shown | None


LATER_ENTITIES = (Settlement, Invoice, Payout, Declaration)


def with_later(stmt: Any) -> Any:
    """`stmt` (selecting from Contract) with the later rows outer-joined: select it with LATER_ENTITIES."""
    return (
        stmt.outerjoin(Settlement, col(Settlement.contract_id) == col(Contract.id))
        .outerjoin(Invoice, col(Invoice.contract_id) == col(Contract.id))
        .outerjoin(Payout, col(Payout.contract_id) == col(Contract.id))
        .outerjoin(Declaration, col(Declaration.contract_id) == col(Contract.id))
    )


def later(session: Session, contract_id: uuid.UUID) -> Later:
    row = session.exec(
        with_later(select(*LATER_ENTITIES).select_from(Contract)).where(Contract.id == contract_id)
    ).one()
    return Later(*row)


def actual(c: Contract | Shown) -> ActualOut:
    return ActualOut(
        started_at=c.actual_start,
        ended_at=c.actual_end,
        deliveries=c.deliveries,
        first_delivery_at=c.first_delivery_at,
        sent_home_early=c.sent_home_early,
        bad_weather=c.bad_weather,
        cancelled_at=c.cancelled_at,
        cancel_reason=c.cancel_reason,
        distance_km=c.distance_km,
        bonus=c.bonus,
    )


def statement(s: Settlement | Shown | None) -> StatementOut | None:
    if s is None:
        return None
    return StatementOut(
        outcome=s.outcome,
        worked_hours=s.worked_hours.quantize(Decimal("0.01")),
        paid_hours=s.paid_hours.quantize(Decimal("0.01")),
        minimum_applied=s.paid_hours > s.worked_hours,
        hourly_gross=s.hourly_gross,
        lines=[PayLineOut(**line) for line in s.lines],
        gross=s.gross,
        employee_social_security=s.employee_social_security,
        withholding=s.withholding,
        net=s.net,
        expenses=s.expenses,
        payout=s.payout,
        currency=s.currency,
        payment_due=s.payment_due,
        settled_at=s.settled_at,
        notes=[NoteOut(**n) for n in s.notes or ()],
    )


def invoice(i: Invoice | Shown | None) -> InvoiceOut | None:
    return None if i is None else InvoiceOut.model_validate(i)


def payout(p: Payout | Shown | None) -> PayoutOut | None:
    return None if p is None else PayoutOut.model_validate(p)


def declaration(d: Declaration | Shown | None, corrections: Sequence[CorrectionOut] = ()) -> DeclarationOut:
    """The declaration's row as shown; without one, queued — or held, when the contract was blocked for an
    incomplete identity and not released since (a released contract has its IN queued: queued again)."""
    if d is not None:
        return DeclarationOut.model_validate(d)
    return DeclarationOut.held() if _held(corrections) else DeclarationOut.queued()


def _held(corrections: Sequence[CorrectionOut]) -> bool:
    return any(c.code == IDENTITY_INCOMPLETE and c.action == "blocked" for c in corrections)


def _shown(table: Any, names: Any) -> list[Any]:
    """The columns of `table` that a schema shows (by the schema's field names), for a select of rows read by
    name: no ORM objects, and no column nobody reads (a read's cost grows with its columns)."""
    return [table.c[n] for n in names if n in table.c]


_EVENT_SHOWN = _shown(ContractEvent.__table__, EventOut.model_fields)  # type: ignore[attr-defined]
_CORRECTION_SHOWN = _shown(Violation.__table__, CorrectionOut.model_fields)  # type: ignore[attr-defined]


def _log_part(table: Any, part: int) -> Any:
    """One side of the contract's log: `table`'s rows of a contract, padded with typed NULLs for the other's."""
    columns: list[Any] = [literal_column(str(part)).label("part"), table.c.id.label("seq")]
    for prefix, shown in (("event", _EVENT_SHOWN), ("correction", _CORRECTION_SHOWN)):
        columns += [(c if c.table is table else cast(null(), c.type)).label(f"{prefix}__{c.name}") for c in shown]
    return sa_select(*columns).where(table.c.contract_id == bindparam("contract_id"))


# A contract's history and corrections, in one statement (one round trip a read, not two): the history's rows
# (part 0) then the corrections (part 1), each in the order written. Built once: building a statement costs
# about as much as running it (contract reads are a hot path).
_LOG = union_all(
    _log_part(ContractEvent.__table__, 0),  # type: ignore[attr-defined]
    _log_part(Violation.__table__, 1),  # type: ignore[attr-defined]
).order_by(literal_column("part"), literal_column("seq"))
_EVENT_LABELS = [(f"event__{c.name}", c.name) for c in _EVENT_SHOWN]
_CORRECTION_LABELS = [(f"correction__{c.name}", c.name) for c in _CORRECTION_SHOWN]


def _log(session: Session, contract_id: uuid.UUID) -> tuple[list[EventOut], list[CorrectionOut]]:
    """The contract's history (after its opening) and its corrections."""
    events: list[EventOut] = []
    corrections: list[CorrectionOut] = []
    for row in session.connection().execute(_LOG, {"contract_id": contract_id}).mappings():
        if row["part"] == 0:
            events.append(EventOut(**{name: row[label] for label, name in _EVENT_LABELS}))
        else:
            fields = Shown(**{name: row[label] for label, name in _CORRECTION_LABELS})
            corrections.append(CorrectionOut(**correction_fields(fields), stage=fields.stage))
    return events, corrections


def contract_out(
    session: Session,
    contract: Contract | Shown,
    platform_slug: str,
    rider_external_id: str,
    later_rows: Later | None = None,
) -> ContractOut:
    """The whole contract as platforms (and riders) read it; never a dump of the row. `later_rows` when the
    caller read them with the contract (find_contract does)."""
    if later_rows is None:
        later_rows = later(session, contract.id)
    events, corrections = _log(session, contract.id)
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
        pay=pay_out(contract.hourly_gross, contract.hourly_net, contract.currency, contract.offered_pay),
        corrections=corrections,
        opened_at=contract.opened_at,
        actual=actual(contract),
        statement=statement(later_rows.settlement),
        invoice=invoice(later_rows.invoice),
        payout=payout(later_rows.payout),
        history=[_opened_event(contract.opened_at), *events],
        declaration=declaration(later_rows.declaration, corrections if contract.status != "open" else ()),
    )


def contract_view(session: Session, contract: Contract, platform_slug: str) -> ContractOut:
    rider = session.get(Rider, contract.rider_id)
    assert rider is not None
    return contract_out(session, contract, platform_slug, rider.external_id)


@dataclass(frozen=True, slots=True)
class Found:
    contract: Shown
    rider_external_id: str
    later: Later


# What a platform's read shows of each table (the find query reads these columns, and no others).
_CONTRACT_SHOWN = (
    "id", "shift_code", "status", "starts_at", "ends_at", "timezone", "zone", "agreement", "agreement_version",
    "minimum_paid_hours", "guaranteed_paid_hours", "hourly_gross", "hourly_net", "currency", "offered_pay",
    "opened_at", "actual_start", "actual_end", "deliveries", "first_delivery_at", "sent_home_early", "cancelled_at",
    "cancel_reason", "distance_km", "bonus", "bad_weather",
)  # fmt: skip
_LATER_SHOWN: dict[str, tuple[Any, tuple[str, ...]]] = {
    "settlement": (Settlement, (*StatementOut.model_fields, "contract_id")),
    "invoice": (Invoice, (*InvoiceOut.model_fields, "contract_id")),
    "payout": (Payout, (*PayoutOut.model_fields, "contract_id")),
    "declaration": (Declaration, (*DeclarationOut.model_fields, "contract_id")),
}


def _find_statement(key: str) -> Any:
    contract = Contract.__table__  # type: ignore[attr-defined]
    columns: list[Any] = [contract.c[n] for n in _CONTRACT_SHOWN]
    columns.append(col(Rider.external_id).label("rider__external_id"))
    for part, (model, names) in _LATER_SHOWN.items():
        columns += [c.label(f"{part}__{c.name}") for c in _shown(model.__table__, names)]
    stmt = with_later(sa_select(*columns).join(Rider, col(Rider.id) == col(Contract.rider_id)))
    return stmt.where(Contract.platform_id == bindparam("platform_id"), getattr(Contract, key) == bindparam("key"))


# Built once: building a statement costs about as much as running it (contract reads are a hot path).
_FIND = {"id": _find_statement("id"), "shift_code": _find_statement("shift_code")}


# Each part's (label, field) pairs, to read its columns back out of a row by label.
_PART_LABELS = {
    part: [(f"{part}__{c.name}", c.name) for c in _shown(model.__table__, names)]
    for part, (model, names) in _LATER_SHOWN.items()
}


def _part(row: Any, part: str) -> Shown | None:
    """One outer-joined table's columns from the row, or None when the contract has no such row yet."""
    if row[f"{part}__contract_id"] is None:
        return None
    return Shown(**{name: row[label] for label, name in _PART_LABELS[part]})


# A read's statements run outside a transaction: no BEGIN and no ROLLBACK, two of a read's five round trips.
# Nothing is lost: under READ COMMITTED (the engine's level) each statement of a transaction already sees its
# own snapshot on PostgreSQL, and SQLite's driver opens no transaction for a SELECT. The pool sets the
# connection back to the engine's level when it is returned.
_READ_ONLY = {"isolation_level": "AUTOCOMMIT"}


def find_contract(
    session: Session, platform_id: int, *, contract_id: uuid.UUID | None = None, shift_code: str | None = None
) -> Found | None:
    """A platform's own contract (by id or by shift code) with its rider's external id and later rows, in one
    query of the columns shown; None when it is not that platform's."""
    key, value = ("id", contract_id) if contract_id is not None else ("shift_code", shift_code)
    conn = session.connection(execution_options=_READ_ONLY) if not session.in_transaction() else session.connection()
    row = conn.execute(_FIND[key], {"platform_id": platform_id, "key": value}).mappings().first()
    if row is None:
        return None
    contract = Shown(**{n: row[n] for n in _CONTRACT_SHOWN})
    later_rows = Later(*(_part(row, part) for part in _LATER_SHOWN))
    return Found(contract, row["rider__external_id"], later_rows)


# --- what a rider reads -----------------------------------------------------------------------------------------


def rider_view(session: Session, contract: Contract, platform_slug: str) -> ContractOut:
    """A contract as its rider reads it: the invoice is between the platform and the cooperative, not shown."""
    return contract_view(session, contract, platform_slug).model_copy(update={"invoice": None})


def rider_contracts(session: Session, rider: RiderPrincipal) -> list[ContractOut]:
    """The rider's contracts (on every platform the rider works for), newest first; at most 200."""
    rows = session.exec(
        select(Contract, Platform.slug)
        .join(Platform, col(Platform.id) == col(Contract.platform_id))
        .where(col(Contract.rider_id).in_(rider.rider_ids))
        .order_by(col(Contract.starts_at).desc())
        .limit(200)
    ).all()
    return [rider_view(session, c, slug) for c, slug in rows]


def rider_contract(session: Session, rider: RiderPrincipal, contract_id: uuid.UUID) -> ContractOut | None:
    """One of the rider's contracts; None when it is not the rider's (or does not exist: the same answer)."""
    contract = session.get(Contract, contract_id)
    if contract is None or contract.rider_id not in rider.rider_ids:
        return None
    platform = session.get(Platform, contract.platform_id)
    assert platform is not None
    return rider_view(session, contract, platform.slug)


def contract_as_rider_reads_it(session: Session, contract_id: uuid.UUID) -> tuple[ContractOut, int] | None:
    """Any contract as its rider reads it, with the rider's row id (staff print a rider's payslip); None if none."""
    contract = session.get(Contract, contract_id)
    if contract is None:
        return None
    platform = session.get(Platform, contract.platform_id)
    assert platform is not None
    return rider_view(session, contract, platform.slug), contract.rider_id


def riders_contracts_between(
    session: Session, rider_ids: Iterable[int], starts_from: datetime, starts_before: datetime
) -> list[ContractOut]:
    """The contracts of these riders (on every platform) whose shift starts in [from, before), oldest first, as
    their rider reads them: a month's payslips. Bounded by the window, not by a count: a month is a few hundred."""
    rows = session.exec(
        select(Contract, Platform.slug)
        .join(Platform, col(Platform.id) == col(Contract.platform_id))
        .where(col(Contract.rider_id).in_(list(rider_ids)))
        .where(col(Contract.starts_at) >= starts_from, col(Contract.starts_at) < starts_before)
        .order_by(col(Contract.starts_at), col(Contract.id))
    ).all()
    return [rider_view(session, c, slug) for c, slug in rows]
