"""Riders' access: links requested by their platform, sessions, OIDC login. Their contracts, as JSON, are read
above, with the read model (`readmodel.endpoints`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlmodel import select

from gateway.deps import NowDep, SessionDep, SettingsDep
from gateway.domains.auth.credentials import PlatformPrincipal
from gateway.domains.auth.deps import scoped
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
