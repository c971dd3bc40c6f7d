"""How a rider proves who they are: an access link their platform requests for them (short-lived, one rider,
signed), exchanged for a session; or an OpenID Connect login with the cooperative's identity provider.

A session names the rider rows it may read (a member riding for two platforms has two), never more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from gateway.domains.auth import tokens
from gateway.domains.riders.models import Rider, RiderLinkUse
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


class LinkAlreadyUsed(tokens.InvalidToken):
    """The link opened a session before: a link works once."""


@dataclass(frozen=True, slots=True)
class LinkClaims:
    jti: str
    rider_id: int
    expires_at: datetime


def _link_claims(settings: Settings, token: str, now: datetime) -> LinkClaims:
    claims = tokens.verify(_key(settings), token, issuer=settings.public_url, audience=tokens.AUD_RIDER_LINK, now=now)
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= 64:
        raise tokens.InvalidToken("the link has no usable id")
    return LinkClaims(jti, int(claims["sub"]), datetime.fromtimestamp(int(claims["exp"]), tz=UTC))


def check_link(settings: Settings, session: Session, token: str, now: datetime) -> None:
    """Refuse a link that could not open a session (forged, expired, used), without using it up.

    Reads only: whatever fetches the link before the rider (a chat app's preview, a mail scanner, an app's
    prefetch) must leave it working. Only `open_link` (a POST) uses it."""
    link = _link_claims(settings, token, now)
    if session.get(RiderLinkUse, link.jti) is not None:
        raise LinkAlreadyUsed("this link was already used: a link works once")


def open_link(settings: Settings, session: Session, token: str, now: datetime) -> str:
    """Exchange a valid link, once, for a session token (the cookie's value). The caller commits.

    Once: a link travels through an app, a browser's history, maybe a shared screen; whoever holds it after the
    rider must not get in. Its jti is recorded, and the primary key refuses the second use (also a concurrent
    one) in the database."""
    link = _link_claims(settings, token, now)
    session.add(RiderLinkUse(jti=link.jti, rider_id=link.rider_id, used_at=now, expires_at=link.expires_at))
    try:
        session.flush()
    except IntegrityError as exc:
        raise LinkAlreadyUsed("this link was already used: a link works once") from exc
    return session_token(settings, [link.rider_id], "link", now)


def forget_used_links(session: Session, now: datetime) -> int:
    """Used links past their expiry are refused by their expiry alone: their record is no longer needed."""
    result = session.execute(delete(RiderLinkUse).where(col(RiderLinkUse.expires_at) < now))
    return int(getattr(result, "rowcount", 0) or 0)


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
