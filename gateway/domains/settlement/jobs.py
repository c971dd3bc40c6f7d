"""Scheduled settlement work: settle ended shifts (and schedule their payouts), close shifts that never ended, issue
invoices. This module and insolvency.py sit above gateway.domains.payouts in the layers; service.py and models.py
below it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col

from gateway.agreements.loader import AgreementBook
from gateway.domains.contracts import lifecycle
from gateway.domains.contracts.models import Contract, ContractStatus
from gateway.domains.outbox import service as outbox
from gateway.domains.payouts import service as payouts
from gateway.domains.settlement.models import Invoice, Settlement
from gateway.domains.settlement.service import settle
from gateway.jobs import JobContext, drain, job


def settle_and_schedule(
    session: Session, contract: Contract, book: AgreementBook, now: datetime, source: str
) -> Settlement | None:
    """Settle a contract and schedule what it owes the rider, in the caller's transaction (both or neither)."""
    settled = settle(session, contract, book, now, source)
    if settled is None:
        return None
    payouts.schedule(session, settled.owed, now)
    return settled.settlement


@job("contracts.settle", every_seconds=60)
def settle_completed(ctx: JobContext) -> int:
    """Settle completed contracts once their out-of-order window has passed."""

    def settle_one(session: Session, contract: Contract, now: datetime) -> None:
        settle_and_schedule(session, contract, ctx.book, now, "job contracts.settle")

    return drain(
        ctx,
        "contracts.settle",
        Contract,
        lambda now: [col(Contract.status) == ContractStatus.completed.value, col(Contract.settle_after) <= now],
        col(Contract.settle_after),
        settle_one,
    )


@job("contracts.close_stale", every_seconds=300)
def close_stale(ctx: JobContext) -> int:
    """Close and settle shifts that never reported their end: paid as booked, at least the minimum."""

    def close(session: Session, contract: Contract, now: datetime) -> None:
        close_as_booked(session, contract, now, "job contracts.close_stale", "no end was reported")
        settle_and_schedule(session, contract, ctx.book, now, "job contracts.close_stale")

    return drain(
        ctx,
        "contracts.close_stale",
        Contract,
        lambda now: [
            col(Contract.status).in_([ContractStatus.open.value, ContractStatus.active.value]),
            col(Contract.ends_at) <= now - timedelta(seconds=ctx.settings.close_grace_seconds),
        ],
        col(Contract.ends_at),
        close,
    )


def close_as_booked(session: Session, contract: Contract, now: datetime, source: str, why: str) -> None:
    """The shift is taken as worked as booked (the rider was available for it)."""
    contract.actual_end = contract.actual_end or contract.ends_at
    lifecycle.transition(
        session, contract, ContractStatus.completed, "closed", contract.ends_at, source, now, f"{why}: paid as booked"
    )


@job("invoices.issue", every_seconds=3600)
def issue_invoices(ctx: JobContext) -> int:
    """Issue draft invoices to their platforms (one callback each)."""

    def issue(session: Session, invoice: Invoice, now: datetime) -> None:
        invoice.status = "issued"
        invoice.issued_at = now
        session.add(invoice)
        outbox.enqueue(session, ("callback.invoice.issued",), invoice_payload(invoice), now, invoice.contract_id)

    return drain(
        ctx, "invoices.issue", Invoice, lambda _now: [col(Invoice.status) == "draft"], col(Invoice.issued_at), issue
    )


def invoice_payload(invoice: Invoice) -> dict[str, str]:
    return {
        "invoice_id": str(invoice.id),
        "contract_id": str(invoice.contract_id),
        "wages": str(invoice.wages),
        "employer_contributions": str(invoice.employer_contributions),
        "expenses": str(invoice.expenses),
        "guarantee_levy": str(invoice.guarantee_levy),
        "total": str(invoice.total),
        "currency": invoice.currency,
        "status": invoice.status,
    }
