from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

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
    # Five columns: past sqlmodel's typed select overloads, so SQLAlchemy's select.
    rows = session.execute(
        sa_select(
            col(Platform.id),
            col(Platform.adapter),
            col(Platform.agreement),
            col(Platform.insolvent_at),
            col(WebhookSecret.secret),
        )
        .outerjoin(
            WebhookSecret,
            (col(WebhookSecret.platform_id) == col(Platform.id))
            & or_(col(WebhookSecret.expires_at).is_(None), col(WebhookSecret.expires_at) > now),
        )
        .where(col(Platform.slug) == slug)
    ).all()
    if not rows:
        return None
    pid, adapter, agreement, insolvent_at, _ = rows[0]
    assert pid is not None
    secrets = [r[4] for r in rows if r[4] is not None]
    return WebhookTarget(pid, slug, adapter, agreement, secrets, insolvent_at is not None)


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
