"""Contracts the cooperative must look at, for staff: the blocked ones (the rider must not work them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from gateway.deps import SessionDep
from gateway.domains.contracts import identity
from gateway.domains.contracts.schemas import BlockedContractOut, BlockReason
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal
from gateway.problems import Forbidden, InvalidRequest, Unauthorized, problem_responses
from gateway.routing import api_router

router = api_router(prefix="/v1/admin/contracts", tags=["staff"])


@router.get(
    "/blocked",
    response_model=list[BlockedContractOut],
    summary="List blocked contracts: why, and what the member's identity still lacks",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest),
)
def list_blocked(
    _staff: Annotated[StaffPrincipal, staff_role("declarations")],
    session: SessionDep,
    reason: Annotated[BlockReason | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[BlockedContractOut]:
    """Soonest start first. An `identity_incomplete` one reopens by itself when the member's identity is completed
    before its booked end; past its end it stays here for staff to decide."""
    return identity.list_blocked(session, reason, limit)
