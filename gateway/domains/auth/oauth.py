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
from gateway.problems import Conflict, NotFound

SCOPES: dict[str, str] = {
    "contracts:read": "read the contracts of the platform's riders",
    "riders:links": "request access links for the platform's riders",
    "callbacks:manage": "manage the platform's callback endpoints",
    "secrets:rotate": "rotate the platform's webhook signing secret",
    "invoices:read": "list and download the platform's invoices and credit notes (UBL, PDF)",
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


def clients(session: Session, platform: Platform) -> list[OAuthClient]:
    """The platform's OAuth clients, revoked ones included (so an operator sees what was cut off, and when)."""
    return list(
        session.exec(
            select(OAuthClient).where(OAuthClient.platform_id == platform.id).order_by(col(OAuthClient.id))
        ).all()
    )


def revoke_client(session: Session, platform: Platform, client_id: str, now: datetime) -> OAuthClient:
    """Revoke a client for good: no new token, and its tokens are refused (see `LiveClients` for how soon)."""
    client = session.exec(
        select(OAuthClient).where(OAuthClient.platform_id == platform.id, OAuthClient.client_id == client_id)
    ).first()
    if client is None:
        raise NotFound(f"platform {platform.slug} has no OAuth client {client_id!r}")
    if client.revoked_at is not None:
        raise Conflict(f"OAuth client {client_id} was already revoked at {client.revoked_at:%Y-%m-%d %H:%M} UTC")
    client.revoked_at = now
    session.add(client)
    session.flush()
    return client


@dataclass(frozen=True, slots=True)
class _Checked:
    at: datetime
    live: bool


class LiveClients:
    """Whether an OAuth client's tokens are still honoured, read once per client and `ttl` seconds per process.

    Access tokens are verified by signature alone, so a revocation would otherwise only bite at expiry (15 min).
    One indexed read per client every few seconds keeps the read path cheap; a revocation made elsewhere (the
    CLI, another process) is seen within `ttl`, one made through this process's staff API at once (`forget`).
    Entries are made only for tokens whose signature verified, so there are at most as many as real clients.
    Times come from the app's clock; an entry from the "future" (the clock went back) counts as stale.
    """

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = timedelta(seconds=ttl_seconds)
        self._checked: dict[str, _Checked] = {}

    def remembered(self, client_id: str, now: datetime) -> bool | None:
        """Whether the client was live when this process last read it, within `ttl`; None: read it (`live`)."""
        seen = self._checked.get(client_id)
        if seen is not None and timedelta(0) <= now - seen.at < self.ttl:
            return seen.live
        return None

    def live(self, session: Session, client_id: str, platform_id: int, now: datetime) -> bool:
        remembered = self.remembered(client_id, now)
        if remembered is not None:
            return remembered
        row = session.exec(
            select(OAuthClient.platform_id, OAuthClient.revoked_at).where(OAuthClient.client_id == client_id)
        ).first()
        # A client that no longer exists (its platform deleted) or belongs to another platform is not live.
        live = row is not None and row[0] == platform_id and row[1] is None
        if self.ttl > timedelta(0):
            self._checked[client_id] = _Checked(now, live)
        return live

    def forget(self, client_id: str) -> None:
        self._checked.pop(client_id, None)
