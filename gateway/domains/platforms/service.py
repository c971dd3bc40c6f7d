from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from adapters.base import signer_of
from adapters.registry import get_adapter, registry
from gateway.agreements.loader import AgreementBook
from gateway.domains.platforms.models import ApiCredential, Platform, WebhookSecret


class PlatformError(ValueError):
    """A platform cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """What the webhook intake needs about a platform, read in one query."""

    id: int
    slug: str
    adapter: str
    agreement: str
    secrets: list[str]
    insolvent: bool


def webhook_target(session: Session, slug: str, now: datetime) -> WebhookTarget | None:
    """The platform with its secrets active at `now`, read now (jobs; the webhook intake keeps them a while)."""
    loaded = _load_target(session, slug)
    if loaded is None:
        return None
    target, secrets = loaded
    return replace(target, secrets=_active(secrets, now))


@dataclass(frozen=True, slots=True)
class _TargetEntry:
    loaded_at: float
    target: WebhookTarget
    secrets: tuple[tuple[str, datetime | None], ...]  # with their expiry, filtered at each use


class WebhookTargets:
    """Webhook targets kept a few seconds in this process, so that a webhook costs no platform query.

    Staleness cannot change an answer: a secret added since (rotation) fails verification against the kept
    ones, and the caller asks again with `fresh=True`; a secret that expired since is dropped at use (its
    expiry is kept with it); insolvency is final, and the inbox lookup reads it fresh for every webhook served from here.
    Unknown platforms are not kept (a platform created a moment later is found at once).
    """

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl_seconds
        self.clock = clock
        self._entries: dict[str, _TargetEntry] = {}

    def get(
        self, session: Session, slug: str, now: datetime, *, fresh: bool = False
    ) -> tuple[WebhookTarget | None, bool]:
        """The target and whether it came from the cache."""
        entry = None if fresh or self.ttl <= 0 else self._entries.get(slug)
        if entry is not None and self.clock() - entry.loaded_at < self.ttl:
            return replace(entry.target, secrets=_active(entry.secrets, now)), True
        loaded = _load_target(session, slug)
        if loaded is None:
            self._entries.pop(slug, None)
            return None, False
        target, all_secrets = loaded
        if self.ttl > 0:
            self._entries[slug] = _TargetEntry(self.clock(), target, all_secrets)
        return replace(target, secrets=_active(all_secrets, now)), False

    def forget(self, slug: str) -> None:
        self._entries.pop(slug, None)


def _active(secrets: tuple[tuple[str, datetime | None], ...], now: datetime) -> list[str]:
    return [s for s, expires in secrets if expires is None or expires > now]


def _load_target(session: Session, slug: str) -> tuple[WebhookTarget, tuple[tuple[str, datetime | None], ...]] | None:
    """The platform and all its secrets with their expiry, in one query."""
    rows = session.connection().execute(_TARGET_QUERY, {"slug": slug}).all()
    if not rows:
        return None
    pid, adapter, agreement, insolvent_at = rows[0][:4]
    assert pid is not None
    secrets = tuple((r[4], r[5]) for r in rows if r[4] is not None)
    return WebhookTarget(pid, slug, adapter, agreement, [], insolvent_at is not None), secrets


_TARGET_QUERY = (
    sa_select(
        col(Platform.id),
        col(Platform.adapter),
        col(Platform.agreement),
        col(Platform.insolvent_at),
        col(WebhookSecret.secret),
        col(WebhookSecret.expires_at),
    )
    .outerjoin(WebhookSecret, col(WebhookSecret.platform_id) == col(Platform.id))
    .where(col(Platform.slug) == bindparam("slug"))
    .order_by(col(WebhookSecret.id))
)


def get_platform(session: Session, slug: str) -> Platform | None:
    return session.exec(select(Platform).where(Platform.slug == slug)).first()


def create_platform(
    session: Session, book: AgreementBook, *, slug: str, name: str, adapter: str, agreement: str
) -> tuple[Platform, str]:
    """Create a platform with a first signing secret; return both (the secret is shown to the operator once)."""
    impl = get_adapter(adapter)
    if impl is None:
        raise PlatformError(f"unknown adapter {adapter!r}; known: {', '.join(sorted(registry()))}")
    if book.get(agreement) is None:
        raise PlatformError(f"unknown agreement {agreement!r}; known: {', '.join(book.ids())}")
    if get_platform(session, slug) is not None:
        raise PlatformError(f"a platform {slug!r} already exists")
    platform = Platform(slug=slug, name=name, adapter=adapter, agreement=agreement)
    session.add(platform)
    session.flush()
    return platform, add_secret(session, platform)


def add_secret(session: Session, platform: Platform, secret: str | None = None) -> str:
    """Add a signing secret beside the active ones (rotation: both verify until the old one expires)."""
    impl = get_adapter(platform.adapter)
    assert impl is not None and platform.id is not None
    if secret is None:
        secret = impl.new_secret()
    else:
        impl.validate_secret(secret)
    session.add(WebhookSecret(platform_id=platform.id, secret=secret))
    session.flush()
    return secret


def sign_as(
    platform: Platform, secret: str, body: bytes, now: datetime, message_id: str | None = None
) -> dict[str, str]:
    """The headers the platform's own sender would put on `body` (`gateway webhook send`, tests)."""
    impl = get_adapter(platform.adapter)
    if impl is None:
        raise PlatformError(f"adapter {platform.adapter!r} is not installed in this gateway")
    signer = signer_of(impl)
    if signer is None:
        raise PlatformError(f"adapter {platform.adapter!r} offers no test signer (sign_test, adapters/base.py)")
    return signer.sign_test(secret, body, now, message_id)


def active_secrets(session: Session, platform: Platform, now: datetime) -> list[WebhookSecret]:
    return list(
        session.exec(
            select(WebhookSecret)
            .where(WebhookSecret.platform_id == platform.id)
            .where(or_(col(WebhookSecret.expires_at).is_(None), col(WebhookSecret.expires_at) > now))
            .order_by(col(WebhookSecret.created_at).desc(), col(WebhookSecret.id).desc())
        ).all()
    )


def revoke_credentials(session: Session, platform: Platform, label: str, now: datetime) -> int:
    rows = session.exec(
        select(ApiCredential).where(
            ApiCredential.platform_id == platform.id,
            ApiCredential.label == label,
            col(ApiCredential.revoked_at).is_(None),
        )
    ).all()
    for r in rows:
        r.revoked_at = now
        session.add(r)
    session.flush()
    return len(rows)


def rotate_secret(session: Session, platform: Platform, now: datetime, overlap: timedelta) -> tuple[str, datetime]:
    """A new signing secret; the current ones keep verifying until `now + overlap`, then expire."""
    until = now + overlap
    for s in active_secrets(session, platform, now):
        if s.expires_at is None or s.expires_at > until:
            s.expires_at = until
            session.add(s)
    return add_secret(session, platform), until
