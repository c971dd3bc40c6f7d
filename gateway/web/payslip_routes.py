"""Payslips as PDF files: the rider downloads their own from their pages, staff any member's (role `members`).

Rider routes: who the rider is comes from the session, exactly as for the contract's page; another rider's contract
is "not found" like one that does not exist. The language: `?lang=`, else the language chosen on the pages
(cookie), else the member's language, else the browser's. Staff routes: `?lang=`, else the member's language.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import Path as PathParam
from fastapi import Query, Request, Response
from sqlmodel import Session, col, select

from gateway.agreements.loader import AgreementBook
from gateway.deps import BookDep, NowDep, SessionDep, SettingsDep
from gateway.domains.members import service as members
from gateway.domains.members.models import Member
from gateway.domains.platforms.models import Platform
from gateway.domains.readmodel.service import ContractOut, contract_as_rider_reads_it, riders_contracts_between
from gateway.domains.riders.deps import RiderDep
from gateway.domains.riders.models import Rider
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal
from gateway.problems import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized, problem_responses
from gateway.routing import api_router
from gateway.settings import Settings
from gateway.web import payslip
from gateway.web.i18n import LANG_COOKIE, LANGUAGES, Translator, choose

router = api_router(tags=["payslips"])
Staff = Annotated[StaffPrincipal, staff_role("members")]
ContractRef = Annotated[str, PathParam(max_length=64, description="The contract's id.")]
MonthRef = Annotated[
    str, PathParam(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="The month, YYYY-MM (the shifts' local days).")
]
Number = Annotated[str, PathParam(max_length=64, description="The cooperative's member number.")]
Lang = Annotated[
    Literal["en", "fr", "nl"] | None,
    Query(description="The payslip's language; without it, the rider's choice, then the member's language."),
]
PDF = "application/pdf"
# The file's body: a PDF (documented here because FastAPI cannot infer a file response's schema).
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The payslip, an A4 PDF.",
        "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
    }
}
RIDER_ERRORS = problem_responses(Unauthorized, NotFound, Conflict, InvalidRequest)
STAFF_ERRORS = problem_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidRequest)
MONTH_RIDER_ERRORS = problem_responses(Unauthorized, InvalidRequest)
MONTH_STAFF_ERRORS = problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest)
BRUSSELS = ZoneInfo("Europe/Brussels")  # the cooperative's day, for the issue date of a monthly summary


def _file(body: bytes, filename: str, lang: str) -> Response:
    # attachment: saved as a file, never shown inline in the gateway's origin; no-store: it is personal data.
    return Response(
        body,
        media_type=PDF,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Language": lang,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _language(request: Request, lang: str | None, member: Member | None) -> Translator:
    """?lang=, the language chosen on the pages, the member's language, the browser's: in that order."""
    chosen = lang or request.cookies.get(LANG_COOKIE)
    if chosen and chosen.lower() in LANGUAGES:
        return Translator(chosen.lower())
    if member is not None and member.language in LANGUAGES:
        return Translator(member.language)
    return Translator(choose(None, None, request.headers.get("accept-language")))


def _staff_language(lang: str | None, member: Member | None) -> Translator:
    if lang:
        return Translator(lang)
    return Translator(member.language if member is not None and member.language in LANGUAGES else "en")


def _member_of(session: Session, rider_ids: Iterable[int]) -> Member | None:
    """The member behind these rider accounts (one person; the first linked one if the session spans several)."""
    for rider_id in sorted(rider_ids):
        rider = session.get(Rider, rider_id)
        member = members.of_rider(session, rider) if rider is not None else None
        if member is not None:
            return member
    return None


def _rider_names(session: Session, rider_ids: Iterable[int]) -> list[str]:
    """'platform: rider id' for each account, as the payslip lists them."""
    rows = session.exec(
        select(Platform.slug, Rider.external_id)
        .join(Platform, col(Platform.id) == col(Rider.platform_id))
        .where(col(Rider.id).in_(list(rider_ids)))
        .order_by(col(Platform.slug), col(Rider.external_id))
    ).all()
    return [f"{slug}: {external}" for slug, external in rows]


def _contract_pdf(
    c: ContractOut,
    rider_id: int,
    session: Session,
    settings: Settings,
    book: AgreementBook,
    t: Translator,
    now: datetime,
) -> Response:
    member = _member_of(session, [rider_id])
    issued = now.astimezone(ZoneInfo(c.shift.timezone)).date()
    slip = payslip.payslip(c, book.get(c.agreement.id), t, member=member, settings=settings, issued_on=issued)
    day = c.shift.starts_local.date().isoformat()
    return _file(payslip.contract_pdf(slip, t), f"payslip-{day}-{c.id}.pdf", t.lang)


def _month_pdf(
    session: Session,
    settings: Settings,
    rider_ids: Iterable[int],
    member: Member | None,
    month: str,
    t: Translator,
    now: datetime,
) -> Response:
    ids = list(rider_ids)
    m = payslip.Month.parse(month)
    contracts = riders_contracts_between(session, ids, *m.utc_window())
    issued: date = now.astimezone(BRUSSELS).date()
    summary = payslip.monthly(
        contracts, m, t, member=member, settings=settings, issued_on=issued, riders=_rider_names(session, ids)
    )
    return _file(payslip.monthly_pdf(summary, t), f"payslips-{month}.pdf", t.lang)


def _contract_id(ref: str) -> uuid.UUID:
    try:
        return uuid.UUID(ref)
    except ValueError:
        raise NotFound(f"no contract {ref}") from None


@router.get(
    "/rider/contracts/{contract_id}/payslip.pdf",
    response_class=Response,
    summary="The payslip of one of the rider's contracts (PDF, in the rider's language); 409 until it is settled",
    responses={**PDF_RESPONSE, **RIDER_ERRORS},
)
def rider_payslip(
    request: Request,
    contract_id: ContractRef,
    principal: RiderDep,
    session: SessionDep,
    settings: SettingsDep,
    book: BookDep,
    now: NowDep,
    lang: Lang = None,
) -> Response:
    found = contract_as_rider_reads_it(session, _contract_id(contract_id))
    # Another rider's contract is "not found", exactly like one that does not exist (no oracle).
    if found is None or found[1] not in principal.rider_ids:
        raise NotFound(f"you have no contract {contract_id}")
    c, rider_id = found
    t = _language(request, lang, _member_of(session, [rider_id]))
    return _contract_pdf(c, rider_id, session, settings, book, t, now)


@router.get(
    "/rider/payslips/{month}.pdf",
    response_class=Response,
    summary="The rider's pay summary for a month: every settled contract of the session's rider accounts, with totals",
    responses={**PDF_RESPONSE, **MONTH_RIDER_ERRORS},
)
def rider_month(
    request: Request,
    month: MonthRef,
    principal: RiderDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    lang: Lang = None,
) -> Response:
    """The contracts of the rider accounts the session covers: one platform's through an access link, every
    platform's of the member when logged in with the cooperative's account (as the list of contracts)."""
    member = _member_of(session, principal.rider_ids)
    t = _language(request, lang, member)
    return _month_pdf(session, settings, principal.rider_ids, member, month, t, now)


@router.get(
    "/v1/admin/contracts/{contract_id}/payslip.pdf",
    response_class=Response,
    summary="Staff: the payslip of any settled contract (PDF, in the member's language unless ?lang=)",
    responses={**PDF_RESPONSE, **STAFF_ERRORS},
)
def staff_payslip(
    contract_id: ContractRef,
    _staff: Staff,
    session: SessionDep,
    settings: SettingsDep,
    book: BookDep,
    now: NowDep,
    lang: Lang = None,
) -> Response:
    found = contract_as_rider_reads_it(session, _contract_id(contract_id))
    if found is None:
        raise NotFound(f"no contract {contract_id}")
    c, rider_id = found
    t = _staff_language(lang, _member_of(session, [rider_id]))
    return _contract_pdf(c, rider_id, session, settings, book, t, now)


@router.get(
    "/v1/admin/members/{number}/payslips/{month}.pdf",
    response_class=Response,
    summary="Staff: a member's pay summary for a month, across every platform they ride for (PDF)",
    responses={**PDF_RESPONSE, **MONTH_STAFF_ERRORS},
)
def staff_month(
    number: Number,
    month: MonthRef,
    _staff: Staff,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    lang: Lang = None,
) -> Response:
    member = members.by_number(session, number)
    if member is None:
        raise NotFound(f"no member {number!r}", member=number)
    rider_ids = session.exec(select(Rider.id).where(Rider.member_id == member.number)).all()
    t = _staff_language(lang, member)
    return _month_pdf(session, settings, [r for r in rider_ids if r is not None], member, month, t, now)
