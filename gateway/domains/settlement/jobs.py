"""Scheduled settlement work: issue invoices. Settling ended shifts schedules their payouts, so those jobs live in
gateway.domains.payouts.jobs, above this package."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col

from gateway.domains.outbox import service as outbox
from gateway.domains.settlement.models import Invoice
from gateway.jobs import JobContext, drain, job


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
