"""Read models of a contract's later life (settlement, invoice, payout, history), for ContractOut."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from gateway.domains.contracts.models import Contract, ContractEvent
from gateway.domains.contracts.schemas import ActualOut, EventOut, InvoiceOut, PayLineOut, PayoutOut, StatementOut
from gateway.domains.declarations.models import Declaration
from gateway.domains.payouts.models import Payout
from gateway.domains.settlement.models import Invoice, Settlement


@dataclass(frozen=True, slots=True)
class Later:
    """What a contract's later life added (each at most one row): read with the contract, in the same query."""

    settlement: Settlement | None
    invoice: Invoice | None
    payout: Payout | None
    declaration: Declaration | None


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


def actual(c: Contract) -> ActualOut:
    return ActualOut(
        started_at=c.actual_start,
        ended_at=c.actual_end,
        deliveries=c.deliveries,
        first_delivery_at=c.first_delivery_at,
        sent_home_early=c.sent_home_early,
        cancelled_at=c.cancelled_at,
        cancel_reason=c.cancel_reason,
    )


def statement(s: Settlement | None) -> StatementOut | None:
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
    )


def invoice(i: Invoice | None) -> InvoiceOut | None:
    if i is None:
        return None
    return InvoiceOut.model_validate(i)


def payout(p: Payout | None) -> PayoutOut | None:
    if p is None:
        return None
    return PayoutOut.model_validate(p)


# Built once: building a statement costs about as much as running it (contract reads are a hot path).
_HISTORY = (
    select(ContractEvent).where(ContractEvent.contract_id == bindparam("contract_id")).order_by(col(ContractEvent.id))
)


def history(session: Session, contract_id: uuid.UUID) -> list[EventOut]:
    rows = session.exec(_HISTORY, params={"contract_id": contract_id}).all()
    return [EventOut.model_validate(e) for e in rows]
