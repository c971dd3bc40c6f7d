from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import UTCDateTime


class OutboxMessage(SQLModel, table=True):
    """Something to send after commit (a declaration, a platform callback), written in the same
    transaction as the change that causes it, so a rollback takes it back too."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(64))
    contract_id: uuid.UUID | None = Field(
        default=None, sa_column_args=[ForeignKey("contract.id", ondelete="CASCADE")], index=True
    )
    payload: dict[str, Any] = Field(sa_type=JSON)
    status: str = Field(default="pending", sa_type=String(16))
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
