"""The rider principal as a request dependency: a session token (Bearer) or the session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.deps import NowDep, SettingsDep
from gateway.domains.auth import tokens
from gateway.domains.riders.access import RIDER_COOKIE, RiderPrincipal, rider_session
from gateway.problems import Unauthorized

# The riders' scheme (web pages use it too): a session token, or the session cookie the link or login set.
rider_bearer = HTTPBearer(auto_error=False, scheme_name="RiderSession", description="A rider's session token.")


async def rider_principal(
    request: Request,
    settings: SettingsDep,
    now: NowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(rider_bearer)],
) -> RiderPrincipal:
    """The rider proven by a session token (Bearer, for apps that embed the JSON) or the session cookie."""
    token = credentials.credentials if credentials is not None else request.cookies.get(RIDER_COOKIE)
    if not token:
        raise Unauthorized(
            "open your contract from your platform's app, or log in", headers={"WWW-Authenticate": "Bearer"}
        )
    try:
        return rider_session(settings, token, now)
    except tokens.InvalidToken as exc:
        raise Unauthorized(
            f"your session is not valid: {exc}; open the link again", headers={"WWW-Authenticate": "Bearer"}
        ) from exc


RiderDep = Annotated[RiderPrincipal, Depends(rider_principal)]
