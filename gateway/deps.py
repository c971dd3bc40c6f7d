"""Request-scoped dependencies shared by the routers."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from gateway.agreements.loader import AgreementBook
from gateway.db.engine import get_session
from gateway.domains.auth.credentials import PlatformPrincipal, authenticate
from gateway.problems import Forbidden, Unauthorized
from gateway.settings import Settings

SessionDep = Annotated[Session, Depends(get_session)]
_bearer = HTTPBearer(auto_error=False, description="A platform API credential (gwk_...).")


def settings_dep(request: Request) -> Settings:
    s: Settings = request.app.state.settings
    return s


def book_dep(request: Request) -> AgreementBook:
    b: AgreementBook = request.app.state.book
    return b


def clock_dep(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


SettingsDep = Annotated[Settings, Depends(settings_dep)]
BookDep = Annotated[AgreementBook, Depends(book_dep)]
NowDep = Annotated[datetime, Depends(clock_dep)]


def platform_principal(
    platform: str,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> PlatformPrincipal:
    """The platform proven by the bearer credential, which must be the platform named in the path."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise Unauthorized("send 'Authorization: Bearer <API credential>'", headers=challenge)
    principal = authenticate(session, credentials.credentials, settings.credential_pepper.get_secret_value())
    if principal is None:
        raise Unauthorized("the API credential is unknown or revoked", headers=challenge)
    if principal.slug != platform:
        raise Forbidden("this API credential belongs to another platform")
    return principal


PrincipalDep = Annotated[PlatformPrincipal, Depends(platform_principal)]


def utcnow() -> datetime:
    return datetime.now(UTC)


def staff_principal(
    settings: SettingsDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    """The cooperative's staff, proven by GATEWAY_ADMIN_TOKEN (staff roles replace this in a later issue)."""
    challenge = {"WWW-Authenticate": "Bearer"}
    token = settings.admin_token.get_secret_value() if settings.admin_token else ""
    if credentials is None:
        raise Unauthorized("send 'Authorization: Bearer <staff token>'", headers=challenge)
    if not token or not hmac.compare_digest(credentials.credentials.encode(), token.encode()):
        raise Unauthorized("the staff token is wrong, or no staff token is configured", headers=challenge)
    return "staff"


StaffDep = Annotated[str, Depends(staff_principal)]
