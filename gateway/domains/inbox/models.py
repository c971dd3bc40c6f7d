from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import UTCDateTime


class InboxMessage(SQLModel, table=True):
    """One accepted webhook, kept with the answer it got so a replay returns exactly that answer.

    The unique key (platform, message id) is what makes a replay harmless: the database, not a
    check-then-insert, decides which of two concurrent deliveries is first.
    """

    __tablename__ = "inbox_message"
    __table_args__ = (UniqueConstraint("platform_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(sa_column_args=[ForeignKey("platform.id", ondelete="RESTRICT")])
    message_id: str = Field(sa_type=String(200))
    event_type: str = Field(sa_type=String(64))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status_code: int
    response: dict[str, Any] = Field(sa_type=JSON)
