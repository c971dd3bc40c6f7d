"""Negotiators' reports over the API (staff role `agreements`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from gateway.agreements.model import AgreementError
from gateway.deps import BookDep, NowDep, SessionDep
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal
from gateway.problems import (
    Forbidden,
    InvalidQuery,
    InvalidRequest,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    problem_responses,
)
from gateway.reports.compliance import ReportError, UnknownPlatform, compliance
from gateway.reports.schemas import ComplianceOut
from gateway.routing import api_router

router = api_router(tags=["reports"])
Negotiator = Annotated[StaffPrincipal, staff_role("agreements")]


@router.get(
    "/v1/reports/platforms/{platform}/compliance",
    response_model=ComplianceOut,
    summary="A platform's compliance in one month: violations by term, late payment, fund advances, pay per hour",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest, ServiceUnavailable),
)
def get_compliance(
    platform: Annotated[str, Path(max_length=64, pattern="^[a-z0-9][a-z0-9-]*$")],
    month: Annotated[str, Query(description="YYYY-MM, in the agreement's time zone.", pattern=r"^\d{4}-\d{2}$")],
    session: SessionDep,
    book: BookDep,
    now: NowDep,
    staff: Negotiator,
) -> ComplianceOut:
    try:
        return compliance(session, book, platform, month, now)
    except UnknownPlatform as exc:
        raise NotFound(str(exc)) from exc
    except ReportError as exc:
        raise InvalidQuery(str(exc), errors=[{"location": "query.month", "message": str(exc)}]) from exc
    except AgreementError as exc:
        raise ServiceUnavailable(str(exc), headers={"Retry-After": "60"}) from exc
