"""Riders' access: links requested by their platform, sessions, OIDC login, and their own contracts (JSON)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlmodel import Session, col, select

from gateway.deps import NowDep, RiderDep, SessionDep, SettingsDep, scoped
from gateway.domains.auth.credentials import PlatformPrincipal
from gateway.domains.contracts.models import Contract
from gateway.domains.contracts.schemas import ContractOut
from gateway.domains.contracts.service import contract_view
from gateway.domains.platforms.models import Platform
from gateway.domains.riders import access
from gateway.domains.riders.models import Rider
from gateway.problems import Forbidden, InvalidRequest, NotFound, Unauthorized, problem_responses
from gateway.ratelimit import TooManyRequests
from gateway.routing import api_router

router = api_router(tags=["riders"])
RIDER_HOME = "/rider"


class AccessLinkOut(BaseModel):
    url: str
    expires_at: datetime


@router.post(
    "/v1/platforms/{platform}/riders/{rider_id}/access-links",
    response_model=AccessLinkOut,
    status_code=201,
    summary="A short-lived link that opens this rider's contracts (to open from the platform's app)",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest, TooManyRequests),
)
def create_access_link(
    platform: Annotated[str, Path(max_length=64)],
    rider_id: Annotated[str, Path(max_length=128)],
    principal: Annotated[PlatformPrincipal, scoped("riders:links")],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> AccessLinkOut:
    rider = session.exec(
        select(Rider).where(Rider.platform_id == principal.platform_id, Rider.external_id == rider_id)
    ).first()
    if rider is None:
        raise NotFound(f"platform {platform} has no rider {rider_id!r}")
    link = access.issue_link(settings, rider, now)
    return AccessLinkOut(url=link.url, expires_at=link.expires_at)


def set_session_cookie(response: RedirectResponse, public_url: str, token: str, ttl: int) -> None:
    response.set_cookie(
        access.RIDER_COOKIE,
        token,
        max_age=ttl,
        httponly=True,
        samesite="lax",
        secure=public_url.startswith("https"),
        path="/",
    )


def rider_contracts(session: Session, principal: access.RiderPrincipal) -> list[ContractOut]:
    rows = session.exec(
        select(Contract, Platform.slug)
        .join(Platform, col(Platform.id) == col(Contract.platform_id))
        .where(col(Contract.rider_id).in_(principal.rider_ids))
        .order_by(col(Contract.starts_at).desc())
        .limit(200)
    ).all()
    # The invoice is between the platform and the cooperative: not part of the rider's view.
    return [contract_view(session, c, slug).model_copy(update={"invoice": None}) for c, slug in rows]


@router.get(
    "/v1/rider/contracts",
    response_model=list[ContractOut],
    summary="The signed-in rider's contracts, newest first",
    responses=problem_responses(Unauthorized),
)
def my_contracts(principal: RiderDep, session: SessionDep) -> list[ContractOut]:
    return rider_contracts(session, principal)


@router.get(
    "/v1/rider/contracts/{contract_id}",
    response_model=ContractOut,
    summary="One of the signed-in rider's contracts",
    responses=problem_responses(Unauthorized, NotFound, InvalidRequest),
)
def my_contract(contract_id: uuid.UUID, principal: RiderDep, session: SessionDep) -> ContractOut:
    contract = session.get(Contract, contract_id)
    # Another rider's contract is "not found", exactly like a contract that does not exist (no oracle).
    if contract is None or contract.rider_id not in principal.rider_ids:
        raise NotFound(f"you have no contract {contract_id}")
    platform = session.get(Platform, contract.platform_id)
    assert platform is not None
    return contract_view(session, contract, platform.slug).model_copy(update={"invoice": None})


@router.post(
    "/rider/logout",
    summary="End the rider's session",
    status_code=303,
    response_class=RedirectResponse,
    responses=problem_responses(InvalidRequest),
)
def logout(request: Request) -> RedirectResponse:
    response = RedirectResponse(RIDER_HOME, status_code=303)
    response.delete_cookie(access.RIDER_COOKIE, path="/")
    return response
