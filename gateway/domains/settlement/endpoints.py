"""The cooperative's staff API on invoices: recording a platform's payment (levy to the fund, advances
recovered). Beside settlement, which issues the invoices; the fund's own API (gateway/domains/fund) sits below."""

from __future__ import annotations

import uuid
from typing import Annotated

from gateway.deps import NowDep, SessionDep
from gateway.domains.contracts.schemas import InvoiceOut
from gateway.domains.settlement.service import record_invoice_payment
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal, audit
from gateway.problems import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized, problem_responses
from gateway.routing import api_router

router = api_router(prefix="/v1/admin", tags=["staff"])


@router.post(
    "/invoices/{invoice_id}/payment",
    response_model=InvoiceOut,
    summary="Record a platform's payment of an invoice (levy to the fund, advances recovered)",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidRequest),
)
def post_invoice_payment(
    invoice_id: uuid.UUID,
    staff: Annotated[StaffPrincipal, staff_role("fund")],
    session: SessionDep,
    now: NowDep,
) -> InvoiceOut:
    invoice = record_invoice_payment(session, invoice_id, now)
    audit(session, staff.actor, "invoice.paid", f"invoice:{invoice_id}", now, total=str(invoice.total))
    session.commit()
    return InvoiceOut.model_validate(invoice)
