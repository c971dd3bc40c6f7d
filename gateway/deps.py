"""Request-scoped dependencies shared by the routers."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from gateway.agreements.loader import AgreementBook
from gateway.db.engine import get_session
from gateway.domains.auth import tokens
from gateway.domains.auth.credentials import KEY_PREFIX, PlatformPrincipal, authenticate
from gateway.domains.riders.access import RIDER_COOKIE, RiderPrincipal, rider_session
from gateway.domains.staff import service as staff
from gateway.domains.staff.service import StaffPrincipal
from gateway.problems import Forbidden, Unauthorized
from gateway.ratelimit import check_platform_rate
from gateway.routing import end_transaction
from gateway.settings import Settings

SessionDep = Annotated[Session, Depends(get_session)]
_bearer = HTTPBearer(auto_error=False, description="A platform API credential (gwk_...).")


# Pure lookups are `async`: FastAPI runs a sync dependency in the threadpool, a thread hop per request for nothing.
async def settings_dep(request: Request) -> Settings:
    s: Settings = request.app.state.settings
    return s


async def book_dep(request: Request) -> AgreementBook:
    b: AgreementBook = request.app.state.book
    return b


async def clock_dep(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


SettingsDep = Annotated[Settings, Depends(settings_dep)]
BookDep = Annotated[AgreementBook, Depends(book_dep)]
NowDep = Annotated[datetime, Depends(clock_dep)]


def _platform_from_token(session: Session, settings: Settings, token: str, now: datetime) -> PlatformPrincipal:
    challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    if token.startswith(KEY_PREFIX):
        if not settings.api_keys_enabled:
            raise Unauthorized(
                "API credentials (gwk_...) are retired here: use an OAuth2 access token", headers=challenge
            )
        principal = authenticate(session, token, settings.credential_pepper.get_secret_value())
        if principal is None:
            raise Unauthorized("the API credential is unknown or revoked", headers=challenge)
        return principal
    try:
        claims = tokens.verify(
            settings.token_signing_key.get_secret_value(),
            token,
            issuer=settings.public_url,
            audience=tokens.AUD_PLATFORM_API,
            now=now,
        )
    except tokens.InvalidToken as exc:
        raise Unauthorized(str(exc), headers=challenge) from exc
    return PlatformPrincipal(int(claims["pid"]), str(claims["plt"]), frozenset(str(claims.get("scope", "")).split()))


def platform_principal(
    request: Request,
    platform: str,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> PlatformPrincipal:
    """The platform proven by the bearer token (OAuth2 access token or API credential), which must be the
    platform named in the path."""
    if credentials is None:
        raise Unauthorized("send 'Authorization: Bearer <access token>'", headers={"WWW-Authenticate": "Bearer"})
    principal = _platform_from_token(session, settings, credentials.credentials, now)
    end_transaction(session)  # no connection held across thread turns (gateway/routing.py)
    if principal.slug != platform:
        raise Forbidden("this credential belongs to another platform")
    check_platform_rate(request.app, principal.slug)
    return principal


PrincipalDep = Annotated[PlatformPrincipal, Depends(platform_principal)]


def scoped(scope: str) -> Any:
    """A dependency: the platform principal, which must hold `scope`."""

    async def check(principal: PrincipalDep) -> PlatformPrincipal:
        if scope not in principal.scopes:
            raise Forbidden(
                f"this token lacks the scope {scope!r}",
                headers={"WWW-Authenticate": f'Bearer error="insufficient_scope" scope="{scope}"'},
            )
        return principal

    return Depends(check)


def staff_role(role: str) -> Any:
    """A dependency: a staff member holding `role` (least privilege: each route names the one role it needs)."""

    def check(
        session: SessionDep,
        settings: SettingsDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> StaffPrincipal:
        challenge = {"WWW-Authenticate": "Bearer"}
        if credentials is None:
            raise Unauthorized("send 'Authorization: Bearer <staff token>'", headers=challenge)
        given = credentials.credentials
        admin = settings.admin_token.get_secret_value() if settings.admin_token else ""
        if admin and hmac.compare_digest(given.encode(), admin.encode()):
            return StaffPrincipal(staff.SUPERUSER, frozenset(staff.ROLES))
        principal = staff.authenticate(session, given, settings.credential_pepper.get_secret_value())
        end_transaction(session)  # no connection held across thread turns (gateway/routing.py)
        if principal is None:
            raise Unauthorized("the staff token is unknown or revoked", headers=challenge)
        if role not in principal.roles:
            raise Forbidden(f"staff member {principal.name} lacks the role {role!r}")
        return principal

    return Depends(check)


async def rider_principal(
    request: Request,
    settings: SettingsDep,
    now: NowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
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


def utcnow() -> datetime:
    return datetime.now(UTC)
