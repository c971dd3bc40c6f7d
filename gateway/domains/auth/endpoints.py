"""The OAuth2 token endpoint (client credentials) for platforms."""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from typing import Annotated
from urllib.parse import parse_qs, unquote

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gateway.deps import NowDep, SessionDep, SettingsDep
from gateway.domains.auth.oauth import OAuthError, grant
from gateway.problems import PROBLEM_MEDIA_TYPE, Problem, problem_responses
from gateway.ratelimit import TooManyRequests, check_token_rate
from gateway.routing import api_router

router = api_router(tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6750 token type, not a secret
    expires_in: int
    scope: str


class OAuthProblem(Problem):
    status, slug, title = 400, "oauth-error", "OAuth2 error (RFC 6749 §5.2: see `error`)"


class OAuthClientProblem(Problem):
    status, slug, title = 401, "oauth-invalid-client", "OAuth2 client authentication failed"


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            user, _, pw = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise OAuthError("invalid_client", "malformed Basic credentials", status=401) from exc
        return unquote(user), unquote(pw)
    if "client_id" in form and "client_secret" in form:
        return form["client_id"], form["client_secret"]
    raise OAuthError("invalid_client", "authenticate the client with HTTP Basic (or client_id/client_secret)", 401)


class TokenForm:
    """The form body, or the reason it is not one. Read here, on the event loop (reading the body awaits); the
    route itself is sync, so that its database read and the secret's hashing run in the threadpool."""

    def __init__(self, fields: dict[str, str] | None, error: OAuthError | None = None) -> None:
        self.fields = fields or {}
        self.error = error


async def token_form(request: Request) -> TokenForm:
    body = await request.body()
    try:
        return TokenForm({k: v[0] for k, v in parse_qs(body.decode("utf-8"), strict_parsing=False).items()})
    except UnicodeDecodeError:
        return TokenForm(None, OAuthError("invalid_request", "the body is not UTF-8 form data"))


def _address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def _error(exc: OAuthError) -> JSONResponse:
    # RFC 6749 fields (error, error_description) inside an RFC 9457 problem: OAuth clients and ours both read it.
    body = {
        "type": f"https://gig-gateway.dev/problems/oauth-{exc.error}",
        "title": "OAuth2 error",
        "status": exc.status,
        "detail": exc.description,
        "error": exc.error,
        "error_description": exc.description,
    }
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="gig-gateway"'
    return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


@router.post(
    "/oauth2/token",
    response_model=TokenOut,
    summary="Get an access token (OAuth2 client credentials)",
    responses=problem_responses(OAuthProblem, OAuthClientProblem, TooManyRequests),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "scope": {"type": "string"},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
)
def token(
    request: Request,
    form: Annotated[TokenForm, Depends(token_form)],
    settings: SettingsDep,
    now: NowDep,
    session: SessionDep,
) -> JSONResponse:
    try:
        if form.error is not None:
            raise form.error
        if form.fields.get("grant_type") != "client_credentials":
            raise OAuthError("unsupported_grant_type", "only grant_type=client_credentials is supported")
        client_id, secret = _client_credentials(request, form.fields)
        # Counted before the client is looked up and its secret hashed: a flood costs a dictionary lookup.
        check_token_rate(request.app, _address(request), client_id)
        g = grant(
            session,
            client_id,
            secret,
            form.fields.get("scope"),
            pepper=settings.credential_pepper.get_secret_value(),
            signing_key=settings.token_signing_key.get_secret_value(),
            issuer=settings.public_url,
            ttl=timedelta(seconds=settings.access_token_ttl_seconds),
            now=now,
        )
    except OAuthError as exc:
        return _error(exc)
    out = TokenOut(access_token=g.access_token, expires_in=g.expires_in, scope=g.scope)
    return JSONResponse(out.model_dump(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
