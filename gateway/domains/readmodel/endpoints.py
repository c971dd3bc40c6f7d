"""Reading contracts: a platform reads its own (by id or shift code), a rider reads theirs (the read model,
`readmodel.service`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path
from sqlmodel import Session

from gateway.deps import SessionDep
from gateway.domains.auth.credentials import PlatformPrincipal
from gateway.domains.auth.deps import scoped
from gateway.domains.readmodel.service import (
    ContractOut,
    Found,
    contract_out,
    find_contract,
    rider_contract,
    rider_contracts,
)
from gateway.domains.riders.deps import RiderDep
from gateway.problems import Forbidden, InvalidRequest, NotFound, Unauthorized, problem_responses
from gateway.ratelimit import TooManyRequests
from gateway.routing import api_router

router = api_router(tags=["contracts"])
# The rider's own contracts, as JSON (for apps that embed them); the pages are gateway/web.
rider_router = api_router(tags=["riders"])
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
    return _shown(session, principal, found, f"platform {platform} has no contract {contract_id}")


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
    return _shown(session, principal, found, f"platform {platform} has no contract for shift {shift_code!r}")


def _shown(session: Session, principal: PlatformPrincipal, found: Found | None, missing: str) -> ContractOut:
    if found is None:
        raise NotFound(missing)
    return contract_out(session, found.contract, principal.slug, found.rider_external_id, found.later)


@rider_router.get(
    "/v1/rider/contracts",
    response_model=list[ContractOut],
    summary="The signed-in rider's contracts, newest first",
    responses=problem_responses(Unauthorized),
)
def my_contracts(principal: RiderDep, session: SessionDep) -> list[ContractOut]:
    return rider_contracts(session, principal)


@rider_router.get(
    "/v1/rider/contracts/{contract_id}",
    response_model=ContractOut,
    summary="One of the signed-in rider's contracts",
    responses=problem_responses(Unauthorized, NotFound, InvalidRequest),
)
def my_contract(contract_id: uuid.UUID, principal: RiderDep, session: SessionDep) -> ContractOut:
    contract = rider_contract(session, principal, contract_id)
    # Another rider's contract is "not found", exactly like a contract that does not exist (no oracle).
    if contract is None:
        raise NotFound(f"you have no contract {contract_id}")
    return contract
