"""The platform principal as a request dependency: who is calling the platform API, and with which scopes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2
from fastapi.security.utils import get_authorization_scheme_param
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from gateway.deps import NowDep, SessionDep, SettingsDep, per_app
from gateway.domains.auth import tokens
from gateway.domains.auth.credentials import KEY_PREFIX, LiveCredentials, PlatformPrincipal
from gateway.domains.auth.oauth import SCOPES, LiveClients
from gateway.problems import Forbidden, Unauthorized
from gateway.ratelimit import check_platform_rate
from gateway.routing import end_transaction
from gateway.settings import Settings


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


def live_clients(request: Request) -> LiveClients:
    """This app's view of which OAuth clients are revoked."""
    return per_app(request, "live_clients", lambda s: LiveClients(s.platform_cache_seconds))


def live_credentials(request: Request) -> LiveCredentials:
    """This app's view of which API credentials are live."""
    return per_app(request, "live_credentials", lambda s: LiveCredentials(s.platform_cache_seconds))


def _platform_from_token(
    session: Session | None,
    settings: Settings,
    token: str,
    now: datetime,
    clients: LiveClients,
    known: LiveCredentials,
) -> PlatformPrincipal | None:
    """The platform the token proves, or Unauthorized. Without a session, from what this process remembers
    alone: None when the answer needs the database."""
    challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    if token.startswith(KEY_PREFIX):
        if not settings.api_keys_enabled:
            raise Unauthorized(
                "API credentials (gwk_...) are retired here: use an OAuth2 access token", headers=challenge
            )
        # Read at most once per `platform_cache_seconds` per credential and process (LiveCredentials).
        pepper = settings.credential_pepper.get_secret_value()
        if session is None:
            return known.remembered(token, pepper, now)
        principal = known.principal(session, token, pepper, now)
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
    platform_id, client_id = int(claims["pid"]), str(claims["sub"])
    # Signed tokens are verified without the database; only their client's revocation is read, at most once per
    # `platform_cache_seconds` per client and process.
    live = clients.remembered(client_id, now) if session is None else clients.live(session, client_id, platform_id, now)
    if live is None:
        return None
    if not live:
        raise Unauthorized("the token's OAuth client has been revoked", headers=challenge)
    return PlatformPrincipal(platform_id, str(claims["plt"]), frozenset(str(claims.get("scope", "")).split()))


def _read_principal(
    session: Session, settings: Settings, token: str, now: datetime, clients: LiveClients, known: LiveCredentials
) -> PlatformPrincipal:
    try:
        principal = _platform_from_token(session, settings, token, now, clients, known)
    finally:
        end_transaction(session)  # no connection held across thread turns (gateway/routing.py)
    assert principal is not None  # with a session, the answer is known
    return principal


async def platform_principal(
    request: Request,
    platform: str,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    token: Annotated[str | None, Depends(_platform_bearer)],
) -> PlatformPrincipal:
    """The platform proven by the bearer token (OAuth2 access token or API credential), which must be the
    platform named in the path. Routes do not use it bare: they name their scope with `scoped(...)`.

    Async: a key or client this process proved within `platform_cache_seconds` is answered here, with no thread
    hop (on the read path, one of the two a request made); only a database read goes to the thread pool."""
    if token is None:
        raise Unauthorized("send 'Authorization: Bearer <access token>'", headers={"WWW-Authenticate": "Bearer"})
    clients, known = live_clients(request), live_credentials(request)
    principal = _platform_from_token(None, settings, token, now, clients, known)
    if principal is None:
        principal = await run_in_threadpool(_read_principal, session, settings, token, now, clients, known)
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
