"""`gateway invoices ubl|pdf|credit|credit-ubl|credit-pdf`: the documents written to a file, a credit note issued.
Attached to the `invoices` group of gateway.cli (beside `invoices pay`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from gateway.db.engine import get_engine
from gateway.domains.invoicing import pdf, ubl
from gateway.domains.invoicing.document import Document
from gateway.domains.invoicing.service import credit_note_document, invoice_document, issue_credit_note
from gateway.domains.invoicing.settings import InvoicingSettings, get_invoicing_settings
from gateway.domains.staff.service import audit, cli_actor
from gateway.problems import Problem

Out = Annotated[Path, typer.Option("--out", "-o", help="File to write", dir_okay=False, writable=True)]


def _id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an id") from None


def _write(
    load: Callable[[Session, InvoicingSettings, uuid.UUID], Document],
    render: Callable[[Document], bytes],
    ident: str,
    out: Path,
) -> None:
    with Session(get_engine()) as session:
        try:
            doc = load(session, get_invoicing_settings(), _id(ident))
        except Problem as exc:
            typer.secho(exc.detail, fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
    out.write_bytes(render(doc))
    typer.echo(f"{doc.kind.replace('_', ' ')} {doc.number}: {doc.payable} {doc.currency} written to {out}")


def ubl_cmd(invoice_id: str, out: Out) -> None:
    """Write an invoice as Peppol BIS Billing 3.0 (UBL 2.1)."""
    _write(invoice_document, ubl.to_bytes, invoice_id, out)


def pdf_cmd(invoice_id: str, out: Out) -> None:
    """Write an invoice as PDF."""
    _write(invoice_document, pdf.to_pdf, invoice_id, out)


def credit_ubl_cmd(credit_note_id: str, out: Out) -> None:
    """Write a credit note as Peppol BIS Billing 3.0 (UBL 2.1)."""
    _write(credit_note_document, ubl.to_bytes, credit_note_id, out)


def credit_pdf_cmd(credit_note_id: str, out: Out) -> None:
    """Write a credit note as PDF."""
    _write(credit_note_document, pdf.to_pdf, credit_note_id, out)


def credit_cmd(
    invoice_id: str, reason: Annotated[str, typer.Option(help="Why, shown on the credit note (1 to 300 characters)")]
) -> None:
    """Credit an issued invoice in full (once per invoice); prints the credit note's id."""
    if not 0 < len(reason) <= 300:
        raise typer.BadParameter("the reason takes 1 to 300 characters")
    now = datetime.now(UTC)
    iid = _id(invoice_id)
    with Session(get_engine()) as session:
        try:
            credit = issue_credit_note(session, iid, reason, now)
        except Problem as exc:
            typer.secho(exc.detail, fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
        audit(session, cli_actor(), "invoice.credited", f"invoice:{iid}", now, credit_note=str(credit.id))
        session.commit()
        typer.echo(f"credit note {credit.id} credits invoice {iid}")
