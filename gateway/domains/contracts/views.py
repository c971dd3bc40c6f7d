"""Read models of a contract's later life (settlement, invoice, payout, history), for ContractOut."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlmodel import Session, col, select

from gateway.domains.contracts.models import Contract, ContractEvent
from gateway.domains.contracts.schemas import ActualOut, EventOut, InvoiceOut, PayLineOut, PayoutOut, StatementOut
from gateway.domains.payouts.models import Payout
from gateway.domains.settlement.models import Invoice, Settlement


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


def statement(session: Session, contract_id: uuid.UUID) -> StatementOut | None:
    s = session.get(Settlement, contract_id)
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


def invoice(session: Session, contract_id: uuid.UUID) -> InvoiceOut | None:
    i = session.exec(select(Invoice).where(Invoice.contract_id == contract_id)).first()
    if i is None:
        return None
    return InvoiceOut(
        id=i.id,
        wages=i.wages,
        employer_contributions=i.employer_contributions,
        expenses=i.expenses,
        guarantee_levy=i.guarantee_levy,
        total=i.total,
        currency=i.currency,
        status=i.status,
        issued_at=i.issued_at,
        paid_at=i.paid_at,
    )


def payout(session: Session, contract_id: uuid.UUID) -> PayoutOut | None:
    p = session.exec(select(Payout).where(Payout.contract_id == contract_id)).first()
    if p is None:
        return None
    return PayoutOut(
        amount=p.amount, currency=p.currency, due_on=p.due_on, status=p.status, funded_by=p.funded_by, paid_at=p.paid_at
    )


def history(session: Session, contract_id: uuid.UUID) -> list[EventOut]:
    rows = session.exec(
        select(ContractEvent).where(ContractEvent.contract_id == contract_id).order_by(col(ContractEvent.id))
    ).all()
    return [
        EventOut(
            kind=e.kind,
            from_status=e.from_status,
            to_status=e.to_status,
            at=e.at,
            recorded_at=e.recorded_at,
            detail=e.detail,
        )
        for e in rows
    ]
