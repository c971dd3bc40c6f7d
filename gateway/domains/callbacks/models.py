from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import UTCDateTime


class CallbackEndpoint(SQLModel, table=True):
    """Where a platform receives the gateway's signed callbacks. Disabled after a 410 or persistent failure;
    re-enabled by hand only (the platform through the API, the cooperative through the CLI)."""

    __tablename__ = "callback_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(sa_column_args=[ForeignKey("platform.id", ondelete="CASCADE")], index=True)
    url: str = Field(sa_type=String(2000))
    # HMAC needs the key itself, so it is stored as is, like the platform's own webhook secrets.
    secret: str = Field(sa_type=String(200))
    description: str = Field(default="", sa_type=String(200))
    enabled: bool = True
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_reason: str | None = Field(default=None, sa_type=String(500))
    consecutive_failures: int = 0
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_failure_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
