"""Request-scoped dependencies shared by the routers."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2
from fastapi.security.utils import get_authorization_scheme_param
from sqlmodel import Session
from starlette.requests import HTTPConnection

from gateway.agreements.loader import AgreementBook
from gateway.db.engine import get_session
from gateway.domains.auth import tokens
from gateway.domains.auth.credentials import KEY_PREFIX, PlatformPrincipal, authenticate
from gateway.domains.auth.oauth import SCOPES, LiveClients
from gateway.domains.riders.access import RIDER_COOKIE, RiderPrincipal, rider_session
from gateway.domains.staff import service as staff
from gateway.domains.staff.service import StaffPrincipal
from gateway.problems import Forbidden, Unauthorized
from gateway.ratelimit import check_platform_rate
from gateway.routing import end_transaction
from gateway.settings import Settings

SessionDep = Annotated[Session, Depends(get_session)]


class PlatformBearer(OAuth2):
    """A platform's bearer token, declared as OAuth2 client credentials so that the OpenAPI document lists the
    scopes and names, on each operation, the one it needs."""

    def __init__(self) -> None:
        super().__init__(
            flows=OAuthFlows(clientCredentials=OAuthFlowClientCredentials(tokenUrl="/oauth2/token", scopes=SCOPES)),
            scheme_name="PlatformOAuth2",
            description="An access token from POST /oauth2/token (HTTP Basic client authentication), sent as "
            "`Authorization: Bearer <token>`. The interim API credentials (gwk_...) are sent the same way and hold "
            "every scope.",
            auto_error=False,
        )

    async def __call__(self, request: HTTPConnection) -> str | None:
        scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
        return token if scheme.lower() == "bearer" and token else None


_platform_bearer = PlatformBearer()
_staff_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="StaffToken",
    description="A staff member's token (gws_...); each operation names the one role it needs.",
)
# The riders' scheme (web pages import it too): a session token, or the session cookie the link or login set.
_bearer = HTTPBearer(auto_error=False, scheme_name="RiderSession", description="A rider's session token.")


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


def live_clients(request: Request) -> LiveClients:
    """This app's view of which OAuth clients are revoked (one per app, so tests and processes never share one)."""
    state = request.app.state
    clients: LiveClients | None = getattr(state, "live_clients", None)
    if clients is None:
        clients = state.live_clients = LiveClients(state.settings.platform_cache_seconds)
    return clients


def _platform_from_token(
    session: Session, settings: Settings, token: str, now: datetime, clients: LiveClients
) -> PlatformPrincipal:
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
    platform_id = int(claims["pid"])
    # Signed tokens are verified without the database; only their client's revocation is read, at most once per
    # `platform_cache_seconds` per client and process.
    if not clients.live(session, str(claims["sub"]), platform_id, now):
        raise Unauthorized("the token's OAuth client has been revoked", headers=challenge)
    return PlatformPrincipal(platform_id, str(claims["plt"]), frozenset(str(claims.get("scope", "")).split()))


def platform_principal(
    request: Request,
    platform: str,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    token: Annotated[str | None, Depends(_platform_bearer)],
) -> PlatformPrincipal:
    """The platform proven by the bearer token (OAuth2 access token or API credential), which must be the
    platform named in the path. Routes do not use it bare: they name their scope with `scoped(...)`."""
    if token is None:
        raise Unauthorized("send 'Authorization: Bearer <access token>'", headers={"WWW-Authenticate": "Bearer"})
    principal = _platform_from_token(session, settings, token, now, live_clients(request))
    end_transaction(session)  # no connection held across thread turns (gateway/routing.py)
    if principal.slug != platform:
        raise Forbidden("this credential belongs to another platform")
    check_platform_rate(request.app, principal.slug)
    return principal


PrincipalDep = Annotated[PlatformPrincipal, Depends(platform_principal)]


class ScopeCheck:
    """The platform principal, which must hold `scope`. A class (not a closure) so that a test walking the
    route table can tell that a route names its scope (tests/security/test_api5_function_level_authorization.py)."""

    def __init__(self, scope: str) -> None:
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}; add it to gateway/domains/auth/oauth.py SCOPES first")
        self.scope = scope

    async def __call__(self, principal: PrincipalDep) -> PlatformPrincipal:
        if self.scope not in principal.scopes:
            raise Forbidden(
                f"this token lacks the scope {self.scope!r}",
                headers={"WWW-Authenticate": f'Bearer error="insufficient_scope" scope="{self.scope}"'},
            )
        return principal


def scoped(scope: str) -> Any:
    """A dependency: the platform principal, which must hold `scope` (named in the OpenAPI operation too)."""
    return Security(ScopeCheck(scope), scopes=[scope])


class RoleCheck:
    """A staff member holding `role` (least privilege: each route names the one role it needs)."""

    def __init__(self, role: str) -> None:
        if role not in staff.ROLES:
            raise ValueError(f"unknown staff role {role!r}; add it to gateway/domains/staff/service.py ROLES first")
        self.role = role

    def __call__(
        self,
        session: SessionDep,
        settings: SettingsDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_staff_bearer)],
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
        if self.role not in principal.roles:
            raise Forbidden(f"staff member {principal.name} lacks the role {self.role!r}")
        return principal


def staff_role(role: str) -> Any:
    """A dependency: a staff member holding `role`; the OpenAPI operation names the role (OpenAPI 3.1 allows role
    names in the security requirement of a non-OAuth2 scheme)."""
    return Security(RoleCheck(role), scopes=[role])


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
