"""Invoices and credit notes as documents, in the caller's transaction: the figures come from the settled invoice
(gateway.domains.settlement), the parties from the invoicing settings."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from gateway.domains.contracts.models import Contract
from gateway.domains.invoicing.document import Document, Line, unit_price
from gateway.domains.invoicing.models import CreditNote
from gateway.domains.invoicing.settings import InvoicingSettings, Party
from gateway.domains.platforms.models import Platform
from gateway.domains.settlement.models import Invoice, Settlement
from gateway.problems import Conflict, NotFound

HOUR = "HUR"
ONE = "C62"


def _find_levy_clause(explanation: Any) -> str | None:
    """The clause of the guarantee levy term in a settlement's explanation, wherever the engine put it."""
    if isinstance(explanation, Mapping):
        if explanation.get("term") == "guarantee_levy" and isinstance(explanation.get("clause"), str):
            return str(explanation["clause"])
        return next((c for v in explanation.values() if (c := _find_levy_clause(v))), None)
    if isinstance(explanation, list):
        return next((c for v in explanation if (c := _find_levy_clause(v))), None)
    return None


def _lines(invoice: Invoice, settlement: Settlement, contract: Contract, local_day: date) -> tuple[Line, ...]:
    """The service (wages and the employer's contributions, in hours paid), the expenses, and the guarantee levy
    as a line of its own naming the agreement's clause: the agreement levies it on the invoice, so the platform
    sees it, not folded into an hourly price."""
    service = invoice.wages + invoice.employer_contributions
    hours = settlement.paid_hours
    lines = [
        Line(
            id="1",
            name="Riders' work (employment by the cooperative)",
            description=f"Shift {contract.shift_code} on {local_day.isoformat()}: gross wages {invoice.wages} and "
            f"employer's social contributions {invoice.employer_contributions}, {hours.normalize():f} h paid",
            quantity=hours,
            unit_code=HOUR,
            price=unit_price(service, hours),
            amount=service,
        )
    ]
    if invoice.expenses:
        lines.append(
            Line(str(len(lines) + 1), "Expenses", "Expenses reimbursed to the rider", Decimal(1), ONE,
                 invoice.expenses, invoice.expenses)
        )  # fmt: skip
    if invoice.guarantee_levy:
        clause = _find_levy_clause(settlement.explanation) or "guarantee fund"
        lines.append(
            Line(str(len(lines) + 1), "Guarantee fund levy", f"Agreement {contract.agreement}, {clause}",
                 Decimal(1), ONE, invoice.guarantee_levy, invoice.guarantee_levy)
        )  # fmt: skip
    return tuple(lines)


def _buyer(settings: InvoicingSettings, platform: Platform) -> Party:
    buyer = settings.buyers.get(platform.slug)
    if buyer is None:
        raise Conflict(
            f"platform {platform.slug} has no billing identity: set it in GATEWAY_INVOICING_BUYERS (docs/invoices.md)"
        )
    return buyer


def _load(session: Session, invoice_id: uuid.UUID, platform_id: int | None) -> tuple[Invoice, Contract, Platform]:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or (platform_id is not None and invoice.platform_id != platform_id):
        raise NotFound(f"no invoice {invoice_id}")
    if invoice.status == "draft":
        raise Conflict(f"invoice {invoice_id} is not issued yet")
    contract = session.get(Contract, invoice.contract_id)
    platform = session.get(Platform, invoice.platform_id)
    assert contract is not None and platform is not None
    return invoice, contract, platform


def _document(
    session: Session,
    settings: InvoicingSettings,
    invoice: Invoice,
    contract: Contract,
    platform: Platform,
    credit: CreditNote | None,
) -> Document:
    settlement = session.get(Settlement, invoice.contract_id)
    assert settlement is not None
    zone = ZoneInfo(contract.timezone)
    issued = invoice.issued_at.astimezone(zone).date()
    local_day = contract.starts_at.astimezone(zone).date()
    lines = _lines(invoice, settlement, contract, local_day)
    # Settlement's invoice total is the lines' sum; a drift here would be a document stating another debt.
    assert sum(ln.amount for ln in lines) == invoice.total, (invoice.id, lines, invoice.total)
    due = issued + timedelta(days=settings.payment_days)
    invoice_doc = Document(
        kind="invoice",
        number=str(invoice.id),
        issue_date=issued,
        due_date=due,
        currency=invoice.currency,
        seller=settings.seller,
        buyer=_buyer(settings, platform),
        iban=settings.iban,
        bic=settings.bic,
        buyer_reference=contract.shift_code,
        period=local_day,
        note=f"Contract {contract.id} of platform {platform.slug}, agreement {contract.agreement}",
        payment_terms=f"{settings.payment_days} days net, by {due.isoformat()}; reference {invoice.id}",
        lines=lines,
        vat_rate=settings.vat_rate,
    )
    if credit is None:
        return invoice_doc
    # The credit note repeats the invoice's parties, lines and rate (a full credit), under its own number and date.
    credited = credit.issued_at.astimezone(zone).date()
    return replace(
        invoice_doc,
        kind="credit_note",
        number=str(credit.id),
        issue_date=credited,
        due_date=credited,
        note=f"Credits invoice {invoice.id} in full: {credit.reason}",
        payment_terms=f"Credits invoice {invoice.id}; nothing further is due on it",
        credits=(str(invoice.id), issued),
    )


def invoice_document(
    session: Session, settings: InvoicingSettings, invoice_id: uuid.UUID, platform_id: int | None = None
) -> Document:
    """The invoice as a document; NotFound when it is not this platform's (None: staff, any platform's)."""
    invoice, contract, platform = _load(session, invoice_id, platform_id)
    return _document(session, settings, invoice, contract, platform, None)


def credit_note_document(
    session: Session, settings: InvoicingSettings, credit_note_id: uuid.UUID, platform_id: int | None = None
) -> Document:
    credit = session.get(CreditNote, credit_note_id)
    if credit is None:
        raise NotFound(f"no credit note {credit_note_id}")
    try:
        invoice, contract, platform = _load(session, credit.invoice_id, platform_id)
    except NotFound:
        raise NotFound(f"no credit note {credit_note_id}") from None
    return _document(session, settings, invoice, contract, platform, credit)


def issue_credit_note(session: Session, invoice_id: uuid.UUID, reason: str, now: datetime) -> CreditNote:
    """Credit an issued invoice in full (a correction: the contract is re-settled and invoiced again, or the invoice
    was addressed wrongly). Once per invoice: the unique key refuses a second credit, even from two processes."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}")
    if invoice.status == "draft":
        raise Conflict(f"invoice {invoice_id} is not issued yet: there is nothing to credit")
    credit = CreditNote(invoice_id=invoice_id, reason=reason, issued_at=now)
    try:
        with session.begin_nested():
            session.add(credit)
            session.flush()
    except IntegrityError:
        raise Conflict(f"invoice {invoice_id} was already credited") from None
    return credit


def credit_note_of(session: Session, invoice_id: uuid.UUID) -> CreditNote | None:
    return session.exec(select(CreditNote).where(CreditNote.invoice_id == invoice_id)).first()


def platform_invoices(
    session: Session, platform_id: int, limit: int, before: datetime | None = None
) -> Sequence[tuple[Invoice, uuid.UUID | None]]:
    """The platform's issued invoices, newest first, each with its credit note's id if it was credited."""
    query = (
        select(Invoice, CreditNote.id)
        .join(CreditNote, col(CreditNote.invoice_id) == col(Invoice.id), isouter=True)
        .where(Invoice.platform_id == platform_id, col(Invoice.status) != "draft")
        .order_by(col(Invoice.issued_at).desc(), col(Invoice.id))
        .limit(limit)
    )
    if before is not None:
        query = query.where(col(Invoice.issued_at) < before)
    return list(session.exec(query).all())
