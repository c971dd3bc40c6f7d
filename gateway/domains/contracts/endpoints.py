from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path

from gateway.deps import SessionDep, scoped
from gateway.domains.auth.credentials import PlatformPrincipal
from gateway.domains.contracts.schemas import ContractOut
from gateway.domains.contracts.service import contract_out, find_contract
from gateway.problems import Forbidden, InvalidRequest, NotFound, Unauthorized, problem_responses
from gateway.ratelimit import TooManyRequests
from gateway.routing import api_router

router = api_router(tags=["contracts"])
_ERRORS = problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest, TooManyRequests)


@router.get(
    "/v1/platforms/{platform}/contracts/{contract_id}",
    response_model=ContractOut,
    summary="Read a contract by id",
    responses=_ERRORS,
)
def get_contract(
    platform: Annotated[str, Path(max_length=64)],
    contract_id: uuid.UUID,
    principal: Annotated[PlatformPrincipal, scoped("contracts:read")],
    session: SessionDep,
) -> ContractOut:
    found = find_contract(session, principal.platform_id, contract_id=contract_id)
    if found is None:
        raise NotFound(f"platform {platform} has no contract {contract_id}")
    return contract_out(session, found.contract, principal.slug, found.rider_external_id, found.later)


@router.get(
    "/v1/platforms/{platform}/shifts/{shift_code}/contract",
    response_model=ContractOut,
    summary="Read the contract of a shift by its shift code",
    responses=_ERRORS,
)
def get_contract_by_shift(
    platform: Annotated[str, Path(max_length=64)],
    shift_code: Annotated[str, Path(max_length=128)],
    principal: Annotated[PlatformPrincipal, scoped("contracts:read")],
    session: SessionDep,
) -> ContractOut:
    found = find_contract(session, principal.platform_id, shift_code=shift_code)
    if found is None:
        raise NotFound(f"platform {platform} has no contract for shift {shift_code!r}")
    return contract_out(session, found.contract, principal.slug, found.rider_external_id, found.later)
