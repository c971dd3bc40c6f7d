"""Signed, short-lived tokens (JWT, HS256 with the gateway's signing key) for platforms and riders.

One algorithm is accepted, by name: `alg: none` or any other algorithm in a header is refused before any
signature check. Every token names its audience, so a rider's link is never accepted as an API token.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

ALGORITHM = "HS256"
AUD_PLATFORM_API = "gig-gateway/platform-api"
AUD_RIDER_LINK = "gig-gateway/rider-link"
AUD_RIDER_SESSION = "gig-gateway/rider-session"


class InvalidToken(Exception):
    """The token is malformed, forged, expired or meant for something else. The message says which."""


def _key(signing_key: str) -> OctKey:
    return OctKey.import_key(signing_key.encode())


def issue(
    signing_key: str, *, issuer: str, audience: str, subject: str, ttl: timedelta, now: datetime, **claims: Any
) -> str:
    payload = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": secrets.token_urlsafe(12),
        **claims,
    }
    return jwt.encode({"alg": ALGORITHM, "typ": "JWT"}, payload, _key(signing_key), algorithms=[ALGORITHM])


def verify(signing_key: str, token: str, *, issuer: str, audience: str, now: datetime) -> dict[str, Any]:
    """The token's claims, if it is ours, for this audience, and not expired."""
    try:
        decoded = jwt.decode(token, _key(signing_key), algorithms=[ALGORITHM])
    except (JoseError, ValueError) as exc:
        raise InvalidToken(f"the token is not valid ({exc.__class__.__name__})") from exc
    claims = decoded.claims
    if claims.get("iss") != issuer:
        raise InvalidToken("the token was issued by someone else")
    if claims.get("aud") != audience:
        raise InvalidToken("the token is meant for another audience")
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= int(now.timestamp()):
        raise InvalidToken("the token has expired")
    return dict(claims)
