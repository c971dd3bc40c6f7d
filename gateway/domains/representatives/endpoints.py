"""The representatives' figures over the API (staff role `representative`): JSON, and the same as CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from gateway.agreements.model import AgreementError
from gateway.deps import BookDep, NowDep, SessionDep
from gateway.domains.representatives.export import to_csv
from gateway.domains.representatives.schemas import RepresentativesOut
from gateway.domains.representatives.service import HalfError, UnknownPlatform, figures
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
from gateway.routing import api_router

router = api_router(prefix="/v1/admin", tags=["representatives"])
Representative = Annotated[StaffPrincipal, staff_role("representative")]
PlatformQuery = Annotated[str, Query(min_length=1, max_length=64, pattern="^[a-z0-9][a-z0-9-]*$")]
HalfQuery = Annotated[
    str, Query(max_length=7, pattern=r"^\d{4}-H[12]$", description="YYYY-H1 (January-June) or YYYY-H2, local time.")
]
ERRORS = problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest, ServiceUnavailable)
CSV = "text/csv"


def figures_or_problem(session: SessionDep, book: BookDep, now: NowDep, platform: str, half: str) -> RepresentativesOut:
    """The figures, or the problem to answer (also for the page's route in gateway.web.representatives)."""
    try:
        return figures(session, book, platform, half, now)
    except UnknownPlatform as exc:
        raise NotFound(str(exc)) from exc
    except HalfError as exc:
        raise InvalidQuery(str(exc), errors=[{"location": "query.half", "message": str(exc)}]) from exc
    except AgreementError as exc:
        raise ServiceUnavailable(str(exc), headers={"Retry-After": "60"}) from exc


@router.get(
    "/representatives",
    response_model=RepresentativesOut,
    summary="A platform's half-year for the riders' representatives: riders, hours, pay per hour, contracts, "
    "decisions and reviews, never a group under five riders",
    responses=ERRORS,
)
def get_figures(
    platform: PlatformQuery, half: HalfQuery, session: SessionDep, book: BookDep, now: NowDep, staff: Representative
) -> RepresentativesOut:
    return figures_or_problem(session, book, now, platform, half)


@router.get(
    "/representatives.csv",
    response_class=Response,
    summary="The same figures as CSV, one a row (columns in docs/representatives.md)",
    responses={
        200: {"description": "The figures, one a row", "content": {CSV: {"schema": {"type": "string"}}}},
        **ERRORS,
    },
)
def get_figures_csv(
    platform: PlatformQuery, half: HalfQuery, session: SessionDep, book: BookDep, now: NowDep, staff: Representative
) -> Response:
    r = figures_or_problem(session, book, now, platform, half)
    name = f"representatives-{r.platform}-{r.half}.csv"
    return Response(
        to_csv(r), media_type=f"{CSV}; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
