"""Riders log in with the cooperative's OpenID Connect provider (authlib's Starlette client).

Discovery, the JWKS and the token endpoint come from the provider's metadata; authlib checks the ID token's
signature, issuer, audience, expiry and nonce. The member id claim (or, without it, the verified e-mail) says
which riders the person is.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from gateway.deps import NowDep, SessionDep, SettingsDep
from gateway.domains.riders import access
from gateway.domains.riders.endpoints import RIDER_HOME, set_session_cookie
from gateway.problems import NotFound, Problem, Unauthorized, problem_responses
from gateway.routing import api_router, end_transaction
from gateway.settings import Settings

router = api_router(tags=["riders"])


class LoginFailed(Problem):
    status, slug, title = 401, "login-failed", "The identity provider did not confirm who you are"


def _client(request: Request, settings: Settings) -> Any:
    if not (settings.oidc_discovery_url and settings.oidc_client_id and settings.oidc_client_secret):
        raise NotFound("no identity provider is configured: open your contract from your platform's app")
    oauth: OAuth | None = getattr(request.app.state, "oidc", None)
    if oauth is None:
        oauth = OAuth()
        oauth.register(
            "coop",
            server_metadata_url=settings.oidc_discovery_url,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            client_kwargs={"scope": "openid email profile"},
        )
        request.app.state.oidc = oauth
    return oauth.create_client("coop")


@router.get(
    "/rider/login",
    summary="Log in with the cooperative's identity provider",
    status_code=302,
    response_class=RedirectResponse,
    responses=problem_responses(NotFound),
)
async def login(request: Request, settings: SettingsDep) -> Any:
    client = _client(request, settings)
    return await client.authorize_redirect(request, f"{settings.public_url}/rider/oidc/callback")


@router.get(
    "/rider/oidc/callback",
    summary="Where the identity provider sends the rider back",
    status_code=303,
    response_class=RedirectResponse,
    responses=problem_responses(NotFound, LoginFailed),
)
async def callback(request: Request, settings: SettingsDep, session: SessionDep, now: NowDep) -> RedirectResponse:
    client = _client(request, settings)
    try:
        token = await client.authorize_access_token(request)
    except OAuthError as exc:
        raise LoginFailed(f"login failed: {exc.error}") from exc
    claims = token.get("userinfo") or {}
    member = claims.get(settings.oidc_member_claim)
    email = claims.get("email") if claims.get("email_verified") else None
    # The provider is awaited on the event loop; the database is read in the threadpool, never on the loop.
    riders = await run_in_threadpool(_riders, session, str(member) if member else None, email)
    if not riders:
        raise Unauthorized("you are logged in, but no rider of any platform is linked to your membership yet")
    response = RedirectResponse(RIDER_HOME, status_code=303)
    set_session_cookie(
        response,
        settings.public_url,
        access.session_token(settings, riders, "oidc", now),
        settings.rider_session_ttl_seconds,
    )
    return response


def _riders(session: Session, member_id: str | None, email: str | None) -> list[int]:
    try:
        return access.riders_of_member(session, member_id, email)
    finally:
        end_transaction(session)  # in this thread: the session then closes without a round trip
