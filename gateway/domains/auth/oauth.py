"""OAuth2 client credentials (RFC 6749 §4.4) for platforms: the gateway issues short-lived JWT access tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from gateway.domains.auth import tokens
from gateway.domains.auth.credentials import hash_key
from gateway.domains.auth.models import OAuthClient
from gateway.domains.platforms.models import Platform

SCOPES: dict[str, str] = {
    "contracts:read": "read the contracts of the platform's riders",
    "riders:links": "request access links for the platform's riders",
    "callbacks:manage": "manage the platform's callback endpoints",
    "secrets:rotate": "rotate the platform's webhook signing secret",
}


class OAuthError(Exception):
    """An RFC 6749 §5.2 error: `error` is the standard code."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True, slots=True)
class Grant:
    access_token: str
    expires_in: int
    scope: str


def create_client(session: Session, platform: Platform, pepper: str, scopes: list[str]) -> tuple[str, str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope(s) {unknown}; choose from: {', '.join(SCOPES)}")
    assert platform.id is not None
    client_id = f"{platform.slug}-{secrets.token_hex(6)}"
    secret = secrets.token_urlsafe(32)
    session.add(
        OAuthClient(
            platform_id=platform.id,
            client_id=client_id,
            secret_hash=hash_key(secret, pepper),
            scopes=" ".join(sorted(set(scopes or SCOPES))),
        )
    )
    session.flush()
    return client_id, secret


def grant(
    session: Session,
    client_id: str,
    client_secret: str,
    requested: str | None,
    *,
    pepper: str,
    signing_key: str,
    issuer: str,
    ttl: timedelta,
    now: datetime,
) -> Grant:
    if "\x00" in client_id:  # no client's id holds one, and PostgreSQL refuses to compare text that does
        raise OAuthError("invalid_client", "unknown client or wrong secret", status=401)
    row = session.exec(
        select(OAuthClient, Platform.slug)
        .join(Platform, col(Platform.id) == col(OAuthClient.platform_id))
        .where(OAuthClient.client_id == client_id, col(OAuthClient.revoked_at).is_(None))
    ).first()
    if row is None or not secrets.compare_digest(row[0].secret_hash, hash_key(client_secret, pepper)):
        raise OAuthError("invalid_client", "unknown client or wrong secret", status=401)
    client, slug = row
    allowed = set(client.scopes.split())
    wanted = set(requested.split()) if requested else allowed
    if not wanted <= allowed:
        raise OAuthError("invalid_scope", f"this client may be granted: {' '.join(sorted(allowed))}")
    scope = " ".join(sorted(wanted))
    token = tokens.issue(
        signing_key,
        issuer=issuer,
        audience=tokens.AUD_PLATFORM_API,
        subject=client.client_id,
        ttl=ttl,
        now=now,
        scope=scope,
        plt=slug,
        pid=client.platform_id,
    )
    return Grant(token, int(ttl.total_seconds()), scope)
