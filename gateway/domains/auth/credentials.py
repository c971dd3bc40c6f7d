"""Platform API credentials: random keys, stored as peppered HMAC hashes, shown once at creation.

The seam for OAuth2 (a later issue): routes depend on `PlatformPrincipal`, not on how it was proven.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from gateway.domains.platforms.models import ApiCredential, Platform
from gateway.problems import Conflict, NotFound

KEY_PREFIX = "gwk_"


ALL_SCOPES = frozenset({"contracts:read", "riders:links", "callbacks:manage", "secrets:rotate", "invoices:read"})


@dataclass(frozen=True, slots=True)
class PlatformPrincipal:
    platform_id: int
    slug: str
    # The interim API credentials hold every scope; OAuth2 access tokens hold what their client was granted.
    scopes: frozenset[str] = ALL_SCOPES


def hash_key(key: str, pepper: str) -> str:
    return hmac.new(pepper.encode(), key.encode(), hashlib.sha256).hexdigest()


def issue_credential(session: Session, platform: Platform, pepper: str, label: str = "") -> str:
    """Create a credential and return the key; only its hash is stored, so this is the one chance to see it."""
    assert platform.id is not None
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiCredential(platform_id=platform.id, prefix=key[:12], key_hash=hash_key(key, pepper), label=label))
    session.flush()
    return key


def authenticate(session: Session, key: str, pepper: str) -> PlatformPrincipal | None:
    return _authenticate_hash(session, hash_key(key, pepper))


def _authenticate_hash(session: Session, key_hash: str) -> PlatformPrincipal | None:
    row = session.exec(
        select(Platform.id, Platform.slug)
        .join(ApiCredential, col(ApiCredential.platform_id) == col(Platform.id))
        .where(ApiCredential.key_hash == key_hash, col(ApiCredential.revoked_at).is_(None))
    ).first()
    if row is None:
        return None
    platform_id, slug = row
    assert platform_id is not None
    return PlatformPrincipal(platform_id, slug)


@dataclass(frozen=True, slots=True)
class _Proven:
    at: datetime
    principal: PlatformPrincipal


class LiveCredentials:
    """API credentials proven within the last `ttl` seconds, so that a platform's key is not read from the
    database for every request (on the contract-read path that read was a third of the work).

    A revocation made elsewhere (the CLI, another process) is seen within `ttl` (`platform_cache_seconds`, 5 s by
    default; 0 reads the row for every request); one made through this process's staff API at once (`forget`).
    Only keys that matched a live credential are kept, by their peppered hash (never the key), so there are at
    most as many entries as real credentials and a flood of wrong keys is read, and refused, one by one. Times come
    from the app's clock; an entry from the "future" (the clock went back) counts as stale.
    """

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = timedelta(seconds=ttl_seconds)
        self._proven: dict[str, _Proven] = {}

    def remembered(self, key: str, pepper: str, now: datetime) -> PlatformPrincipal | None:
        """The key's principal if this process proved it within `ttl`; None: read it (`principal`)."""
        seen = self._proven.get(hash_key(key, pepper))
        if seen is not None and timedelta(0) <= now - seen.at < self.ttl:
            return seen.principal
        return None

    def principal(self, session: Session, key: str, pepper: str, now: datetime) -> PlatformPrincipal | None:
        """The key's principal, remembered or read; None when no live credential has this key."""
        remembered = self.remembered(key, pepper, now)
        if remembered is not None:
            return remembered
        key_hash = hash_key(key, pepper)
        principal = _authenticate_hash(session, key_hash)
        if principal is None:
            self._proven.pop(key_hash, None)
        elif self.ttl > timedelta(0):
            self._proven[key_hash] = _Proven(now, principal)
        return principal

    def forget(self, key_hash: str) -> None:
        self._proven.pop(key_hash, None)


def credentials(session: Session, platform: Platform) -> list[ApiCredential]:
    """The platform's API credentials, revoked ones included; each is named by its prefix (the key is not kept)."""
    return list(
        session.exec(
            select(ApiCredential).where(ApiCredential.platform_id == platform.id).order_by(col(ApiCredential.id))
        ).all()
    )


def revoke_credential(session: Session, platform: Platform, prefix: str, now: datetime) -> ApiCredential:
    """Revoke the platform's active credential named by `prefix`. A process refuses it within
    `platform_cache_seconds` (`LiveCredentials`); the staff API's own process at once."""
    matches = [c for c in credentials(session, platform) if c.prefix == prefix]
    active = [c for c in matches if c.revoked_at is None]
    if not matches:
        raise NotFound(f"platform {platform.slug} has no API credential {prefix!r} (see the list of credentials)")
    if not active:
        raise Conflict(f"API credential {prefix} is already revoked")
    if len(active) > 1:  # 48 random bits after `gwk_`: practically never, but never revoke a key by guess
        raise Conflict(f"several active API credentials share the prefix {prefix!r}; none was revoked")
    credential = active[0]
    credential.revoked_at = now
    session.add(credential)
    session.flush()
    return credential
