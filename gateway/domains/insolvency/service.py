"""A platform goes bankrupt: every outstanding contract of its riders is settled, and the guarantee fund pays
them on their due dates (the platform's invoices are defaulted, so each payout is an advance). It closes contracts
and settles them, so it sits above settlement and payouts in the layers, not inside platforms (whose rows it marks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from gateway.agreements.loader import AgreementBook
from gateway.domains.contracts import lifecycle
from gateway.domains.contracts.models import Contract, ContractStatus
from gateway.domains.payouts.service import settle_and_schedule
from gateway.domains.platforms.models import Platform
from gateway.domains.settlement.models import Invoice
from gateway.domains.settlement.service import close_as_booked
from gateway.problems import Conflict

OUTSTANDING = [ContractStatus.open.value, ContractStatus.active.value, ContractStatus.completed.value]


@dataclass(frozen=True)
class InsolvencyReport:
    platform: str
    declared_at: datetime
    contracts_settled: int
    contracts_cancelled: int
    invoices_defaulted: int


def declare_insolvent(
    session: Session, platform: Platform, book: AgreementBook, now: datetime, source: str
) -> InsolvencyReport:
    if platform.insolvent_at is not None:
        raise Conflict(f"platform {platform.slug} was declared insolvent on {platform.insolvent_at.isoformat()}")
    platform.insolvent_at = now
    session.add(platform)
    invoices = session.exec(
        select(Invoice)
        .where(Invoice.platform_id == platform.id, col(Invoice.status).in_(["draft", "issued"]))
        .with_for_update()
    ).all()
    for invoice in invoices:
        invoice.status = "defaulted"
        session.add(invoice)
    contracts = session.exec(
        select(Contract)
        .where(Contract.platform_id == platform.id, col(Contract.status).in_(OUTSTANDING))
        .order_by(col(Contract.starts_at))
        .with_for_update()
    ).all()
    settled = cancelled = 0
    for contract in contracts:
        _close(session, contract, now, source)
        if settle_and_schedule(session, contract, book, now, source) is None:
            cancelled += 1
        else:
            settled += 1
    session.flush()
    return InsolvencyReport(platform.slug, now, settled, cancelled, len(invoices))


def _close(session: Session, contract: Contract, now: datetime, source: str) -> None:
    if contract.status == ContractStatus.completed.value:
        return
    if contract.actual_start is None and contract.starts_at > now:
        # A future shift will not happen: the platform cancelled it now; the agreement says what that pays.
        contract.cancelled_at = now
        lifecycle.transition(
            session, contract, ContractStatus.completed, "cancelled", now, source, now, "the platform is insolvent"
        )
        return
    close_as_booked(session, contract, now, source, "the platform is insolvent")
