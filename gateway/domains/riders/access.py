"""How a rider proves who they are: an access link their platform requests for them (short-lived, one rider,
signed), exchanged for a session; or an OpenID Connect login with the cooperative's identity provider.

A session names the rider rows it may read (a member riding for two platforms has two), never more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from gateway.domains.auth import tokens
from gateway.domains.riders.models import Rider
from gateway.settings import Settings

RIDER_COOKIE = "rider_session"


@dataclass(frozen=True, slots=True)
class RiderPrincipal:
    rider_ids: frozenset[int]
    via: str  # "link" or "oidc"


@dataclass(frozen=True, slots=True)
class AccessLink:
    url: str
    token: str
    expires_at: datetime


def _key(settings: Settings) -> str:
    return settings.token_signing_key.get_secret_value()


def issue_link(settings: Settings, rider: Rider, now: datetime) -> AccessLink:
    assert rider.id is not None
    ttl = timedelta(seconds=settings.rider_link_ttl_seconds)
    token = tokens.issue(
        _key(settings),
        issuer=settings.public_url,
        audience=tokens.AUD_RIDER_LINK,
        subject=str(rider.id),
        ttl=ttl,
        now=now,
    )
    return AccessLink(f"{settings.public_url}/r/{token}", token, now + ttl)


def open_link(settings: Settings, token: str, now: datetime) -> str:
    """Exchange a valid link for a session token (the cookie's value)."""
    claims = tokens.verify(_key(settings), token, issuer=settings.public_url, audience=tokens.AUD_RIDER_LINK, now=now)
    return session_token(settings, [int(claims["sub"])], "link", now)


def session_token(settings: Settings, rider_ids: list[int], via: str, now: datetime) -> str:
    return tokens.issue(
        _key(settings),
        issuer=settings.public_url,
        audience=tokens.AUD_RIDER_SESSION,
        subject=",".join(map(str, sorted(rider_ids))),
        ttl=timedelta(seconds=settings.rider_session_ttl_seconds),
        now=now,
        via=via,
    )


def rider_session(settings: Settings, token: str, now: datetime) -> RiderPrincipal:
    claims = tokens.verify(
        _key(settings), token, issuer=settings.public_url, audience=tokens.AUD_RIDER_SESSION, now=now
    )
    ids = frozenset(int(x) for x in str(claims["sub"]).split(",") if x)
    if not ids:
        raise tokens.InvalidToken("the session names no rider")
    return RiderPrincipal(ids, str(claims.get("via", "link")))


def riders_of_member(session: Session, member_id: str | None, email: str | None) -> list[int]:
    """Riders an identity-provider login may see: by cooperative member id, else by verified e-mail."""
    if member_id:
        rows = session.exec(select(Rider.id).where(Rider.member_id == member_id)).all()
    elif email:
        rows = session.exec(select(Rider.id).where(col(Rider.email) == email)).all()
    else:
        rows = []
    return [r for r in rows if r is not None]
