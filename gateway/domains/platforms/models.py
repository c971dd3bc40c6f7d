from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import UTCDateTime


class Platform(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_type=String(64), unique=True)
    name: str = Field(sa_type=String(200))
    adapter: str = Field(sa_type=String(64))
    agreement: str = Field(sa_type=String(100), description="Slug of the agreement the platform signed.")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set when the platform is declared insolvent: its riders' pay then comes from the guarantee fund.
    insolvent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookSecret(SQLModel, table=True):
    """A signing secret for the platform's webhooks. Several may be active at once, for rotation."""

    __tablename__ = "webhook_secret"

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(sa_column_args=[ForeignKey("platform.id", ondelete="CASCADE")], index=True)
    # HMAC needs the key itself, so it cannot be hashed; it never leaves the database but through the CLI.
    secret: str = Field(sa_type=String(200))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiCredential(SQLModel, table=True):
    """A platform's API key, stored as a peppered hash; only its prefix is kept in clear to name it."""

    __tablename__ = "api_credential"
    __table_args__ = (UniqueConstraint("key_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(sa_column_args=[ForeignKey("platform.id", ondelete="CASCADE")], index=True)
    prefix: str = Field(sa_type=String(16))
    key_hash: str = Field(sa_type=String(64))
    label: str = Field(default="", sa_type=String(100))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
