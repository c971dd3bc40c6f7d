"""Declarations the cooperative must look at (refused, or not sent), for staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from gateway.deps import SessionDep
from gateway.domains.declarations import service as declarations
from gateway.domains.declarations.models import DeclarationState
from gateway.domains.declarations.schemas import DeclarationListItem
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal
from gateway.problems import Forbidden, InvalidRequest, Unauthorized, problem_responses
from gateway.routing import api_router

router = api_router(prefix="/v1/admin/declarations", tags=["staff"])


@router.get(
    "",
    response_model=list[DeclarationListItem],
    summary="List declarations by state (default: refused and failed ones)",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest),
)
def list_declarations(
    _staff: Annotated[StaffPrincipal, staff_role("declarations")],
    session: SessionDep,
    state: Annotated[list[DeclarationState] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeclarationListItem]:
    states = tuple(s.value for s in state) if state else tuple(s.value for s in declarations.ATTENTION)
    return declarations.list_declarations(session, states, limit)
