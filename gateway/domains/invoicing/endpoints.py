"""Downloading invoices and credit notes: a platform its own (scope `invoices:read`), staff any (role `fund`), as
Peppol BIS Billing 3.0 UBL or as PDF; staff credit an invoice in full."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.responses import Response

from gateway.canonical import Instant
from gateway.deps import NowDep, SessionDep
from gateway.domains.auth.credentials import PlatformPrincipal
from gateway.domains.auth.deps import scoped
from gateway.domains.invoicing import pdf, ubl
from gateway.domains.invoicing.document import Document
from gateway.domains.invoicing.schemas import CreditNoteIn, CreditNoteOut, InvoiceListed
from gateway.domains.invoicing.service import (
    credit_note_document,
    invoice_document,
    issue_credit_note,
    platform_invoices,
)
from gateway.domains.invoicing.settings import InvoicingSettings, get_invoicing_settings
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal, audit
from gateway.problems import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized, problem_responses
from gateway.ratelimit import TooManyRequests
from gateway.routing import api_router

router = api_router(tags=["invoices"])
staff_router = api_router(prefix="/v1/admin", tags=["staff"])

XML = "application/xml"
PDF = "application/pdf"
_PLATFORM_ERRORS = problem_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidRequest, TooManyRequests)
_STAFF_ERRORS = problem_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidRequest)


def _file(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    """A documented file response: the OpenAPI document names its media type instead of a JSON model."""
    schema = {"type": "string", "format": "binary"} if media_type == PDF else {"type": "string"}
    return {200: {"description": what, "content": {media_type: {"schema": schema}}}}


def _xml(doc: Document) -> Response:
    return Response(ubl.to_bytes(doc), media_type=XML, headers=_attachment(doc, "xml"))


def _pdf(doc: Document) -> Response:
    return Response(pdf.to_pdf(doc), media_type=PDF, headers=_attachment(doc, "pdf"))


def _attachment(doc: Document, ext: str) -> dict[str, str]:
    kind = "invoice" if doc.kind == "invoice" else "credit-note"
    return {"Content-Disposition": f'attachment; filename="{kind}-{doc.number}.{ext}"'}


def invoicing_settings(request: Request) -> InvoicingSettings:
    """The app's invoicing settings when it was given its own (tests, a second app), else the environment's."""
    given = getattr(request.app.state, "invoicing_settings", None)
    return given if isinstance(given, InvoicingSettings) else get_invoicing_settings()


InvoicingDep = Annotated[InvoicingSettings, Depends(invoicing_settings)]
PlatformSlug = Annotated[str, Path(max_length=64)]
InvoicesReader = Annotated[PlatformPrincipal, scoped("invoices:read")]


@router.get(
    "/v1/platforms/{platform}/invoices",
    response_model=list[InvoiceListed],
    summary="The platform's issued invoices, newest first",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest, TooManyRequests),
)
def list_invoices(
    platform: PlatformSlug,
    principal: InvoicesReader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    # The gateway's instant window (gateway.canonical): a time past year 9999 in UTC is a 422, not a 500.
    before: Annotated[
        Instant | None, Query(description="Only invoices issued before this instant, with offset (paging)")
    ] = None,
) -> list[InvoiceListed]:
    base = f"/v1/platforms/{principal.slug}/invoices"
    return [
        InvoiceListed(
            id=inv.id,
            contract_id=inv.contract_id,
            total=inv.total,
            currency=inv.currency,
            status=inv.status,
            issued_at=inv.issued_at,
            credit_note_id=credit_id,
            ubl=f"{base}/{inv.id}.xml",
            pdf=f"{base}/{inv.id}.pdf",
        )
        for inv, credit_id in platform_invoices(session, principal.platform_id, limit, before)
    ]


@router.get(
    "/v1/platforms/{platform}/invoices/{invoice_id}.xml",
    response_class=Response,
    summary="An invoice as Peppol BIS Billing 3.0 (UBL 2.1)",
    responses={**_file(XML, "The UBL 2.1 Invoice"), **_PLATFORM_ERRORS},
)
def get_invoice_xml(
    platform: PlatformSlug,
    invoice_id: uuid.UUID,
    principal: InvoicesReader,
    session: SessionDep,
    config: InvoicingDep,
) -> Response:
    return _xml(invoice_document(session, config, invoice_id, principal.platform_id))


@router.get(
    "/v1/platforms/{platform}/invoices/{invoice_id}.pdf",
    response_class=Response,
    summary="An invoice as a readable PDF (the same figures as its UBL document)",
    responses={**_file(PDF, "The invoice as PDF"), **_PLATFORM_ERRORS},
)
def get_invoice_pdf(
    platform: PlatformSlug,
    invoice_id: uuid.UUID,
    principal: InvoicesReader,
    session: SessionDep,
    config: InvoicingDep,
) -> Response:
    return _pdf(invoice_document(session, config, invoice_id, principal.platform_id))


@router.get(
    "/v1/platforms/{platform}/credit-notes/{credit_note_id}.xml",
    response_class=Response,
    summary="A credit note as Peppol BIS Billing 3.0 (UBL 2.1)",
    responses={**_file(XML, "The UBL 2.1 CreditNote"), **_PLATFORM_ERRORS},
)
def get_credit_note_xml(
    platform: PlatformSlug,
    credit_note_id: uuid.UUID,
    principal: InvoicesReader,
    session: SessionDep,
    config: InvoicingDep,
) -> Response:
    return _xml(credit_note_document(session, config, credit_note_id, principal.platform_id))


@router.get(
    "/v1/platforms/{platform}/credit-notes/{credit_note_id}.pdf",
    response_class=Response,
    summary="A credit note as a readable PDF",
    responses={**_file(PDF, "The credit note as PDF"), **_PLATFORM_ERRORS},
)
def get_credit_note_pdf(
    platform: PlatformSlug,
    credit_note_id: uuid.UUID,
    principal: InvoicesReader,
    session: SessionDep,
    config: InvoicingDep,
) -> Response:
    return _pdf(credit_note_document(session, config, credit_note_id, principal.platform_id))


FundStaff = Annotated[StaffPrincipal, staff_role("fund")]


@staff_router.get(
    "/invoices/{invoice_id}/ubl",
    response_class=Response,
    summary="Any platform's invoice as Peppol BIS Billing 3.0 (UBL 2.1)",
    responses={**_file(XML, "The UBL 2.1 Invoice"), **_STAFF_ERRORS},
)
def staff_invoice_xml(invoice_id: uuid.UUID, staff: FundStaff, session: SessionDep, config: InvoicingDep) -> Response:
    return _xml(invoice_document(session, config, invoice_id))


@staff_router.get(
    "/invoices/{invoice_id}/pdf",
    response_class=Response,
    summary="Any platform's invoice as PDF",
    responses={**_file(PDF, "The invoice as PDF"), **_STAFF_ERRORS},
)
def staff_invoice_pdf(invoice_id: uuid.UUID, staff: FundStaff, session: SessionDep, config: InvoicingDep) -> Response:
    return _pdf(invoice_document(session, config, invoice_id))


@staff_router.post(
    "/credit-notes",
    response_model=CreditNoteOut,
    summary="Credit an issued invoice in full (once per invoice)",
    responses=_STAFF_ERRORS,
)
def post_credit_note(body: CreditNoteIn, staff: FundStaff, session: SessionDep, now: NowDep) -> CreditNoteOut:
    credit = issue_credit_note(session, body.invoice_id, body.reason, now)
    audit(session, staff.actor, "invoice.credited", f"invoice:{body.invoice_id}", now, credit_note=str(credit.id))
    session.commit()
    return CreditNoteOut.model_validate(credit)


@staff_router.get(
    "/credit-notes/{credit_note_id}/ubl",
    response_class=Response,
    summary="A credit note as Peppol BIS Billing 3.0 (UBL 2.1)",
    responses={**_file(XML, "The UBL 2.1 CreditNote"), **_STAFF_ERRORS},
)
def staff_credit_note_xml(
    credit_note_id: uuid.UUID, staff: FundStaff, session: SessionDep, config: InvoicingDep
) -> Response:
    return _xml(credit_note_document(session, config, credit_note_id))


@staff_router.get(
    "/credit-notes/{credit_note_id}/pdf",
    response_class=Response,
    summary="A credit note as PDF",
    responses={**_file(PDF, "The credit note as PDF"), **_STAFF_ERRORS},
)
def staff_credit_note_pdf(
    credit_note_id: uuid.UUID, staff: FundStaff, session: SessionDep, config: InvoicingDep
) -> Response:
    return _pdf(credit_note_document(session, config, credit_note_id))
