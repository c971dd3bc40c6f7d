"""The fund's staff API for SEPA batches (role `fund`): list, show (IBANs masked), download the file, release."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response

from gateway.deps import NowDep, SessionDep, SettingsDep
from gateway.domains.members.vault import vault_of
from gateway.domains.payouts import batches, camt, reconcile
from gateway.domains.payouts.schemas import (
    BatchDetailOut,
    BatchOut,
    FailedPayoutOut,
    ReleaseIn,
    ReleaseOut,
    StatementImportOut,
    TransferOut,
)
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal
from gateway.problems import (
    Conflict,
    Forbidden,
    InvalidPayload,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    problem_responses,
)
from gateway.routing import api_router

router = api_router(prefix="/v1/admin/payouts", tags=["staff"])
FundStaff = Annotated[StaffPrincipal, staff_role("fund")]
PAIN_001_MEDIA_TYPE = "application/xml"
CAMT_MEDIA_TYPES = ("application/xml", "text/xml")
# Bounded like every input: past the column's range, a 422 naming the parameter, not a database error.
BatchId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The batch's id (`gateway payouts batches`).")]


@router.get(
    "/batches",
    response_model=list[BatchOut],
    summary="SEPA payout batches, newest first",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest),
)
def list_batches(
    staff: FundStaff,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Batches with a smaller id (paging).")] = None,
) -> list[BatchOut]:
    return [BatchOut.model_validate(b) for b in batches.listing(session, limit, before)]


@router.get(
    "/batches/{batch_id}",
    response_model=BatchDetailOut,
    summary="One batch and its transfers (IBANs masked)",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest),
)
def get_batch(batch_id: BatchId, staff: FundStaff, session: SessionDep) -> BatchDetailOut:
    batch = batches.get(session, batch_id)
    transfers = [TransferOut.model_validate(t) for t in batches.transfers_of(session, batch)]
    return BatchDetailOut(**BatchOut.model_validate(batch).model_dump(), transfers=transfers)


@router.get(
    "/batches/{batch_id}/file",
    response_class=Response,
    summary="The batch's pain.001 file (it holds riders' IBANs: the download is audited)",
    responses={
        200: {"content": {PAIN_001_MEDIA_TYPE: {"schema": {"type": "string"}}}, "description": "pain.001.001.09"},
        **problem_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidRequest),
    },
)
def download_batch(
    batch_id: BatchId, staff: FundStaff, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    batch = batches.get(session, batch_id)
    data = batches.document(session, settings, vault_of(settings), batch, staff.actor, now)
    session.commit()  # the audit line of the download
    return Response(
        data,
        media_type=PAIN_001_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{batch.message_id}.xml"',
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/batches/{batch_id}/release",
    response_model=ReleaseOut,
    summary="Release a built batch to the bank: the fund's advances are booked now",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidPayload, InvalidRequest),
)
def release_batch(
    batch_id: BatchId, body: ReleaseIn, staff: FundStaff, session: SessionDep, settings: SettingsDep, now: NowDep
) -> ReleaseOut:
    done = batches.release(
        session,
        settings,
        vault_of(settings),
        batch_id,
        staff.actor,
        now,
        allow_negative=body.allow_negative,
        reason=body.reason,
    )
    session.commit()
    return ReleaseOut(batch=BatchOut.model_validate(done.batch), advanced=done.advanced, fund_cash=done.cash_after)


async def statement_body(request: Request) -> bytes:
    """The XML file as sent (its size bounded before routing, gateway/bodylimit.py; camt refuses past 16 MiB)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in CAMT_MEDIA_TYPES:
        raise UnsupportedMediaType(f"send the bank's file as application/xml, not {media[:60] or 'nothing'}")
    return await request.body()


@router.post(
    "/statements",
    response_model=StatementImportOut,
    summary="Import a bank statement (camt.053) or return notice (camt.054): payouts paid or failed",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses=problem_responses(
        Unauthorized, Forbidden, Conflict, PayloadTooLarge, UnsupportedMediaType, camt.StatementRefused, InvalidRequest
    ),
)
def import_statement(
    staff: FundStaff, session: SessionDep, now: NowDep, body: Annotated[bytes, Depends(statement_body)]
) -> StatementImportOut:
    """Paid lines mark their payouts paid, returns mark them failed with the bank's reason code, unknown lines are
    reported with why and change nothing. Importing a file again changes nothing (`already_imported`)."""
    report = reconcile.import_statement(session, body, now, staff.actor)
    session.commit()
    return StatementImportOut.model_validate(report)


@router.get(
    "/failed",
    response_model=list[FailedPayoutOut],
    summary="Payouts the bank returned, with its reason code: what staff follow up",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest),
)
def list_failed(
    staff: FundStaff, session: SessionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[FailedPayoutOut]:
    return reconcile.failed_out(session, limit)
