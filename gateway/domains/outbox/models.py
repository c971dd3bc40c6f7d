from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import UTCDateTime


class OutboxStatus:
    """Where a message stands. Only `pending` rows are ever claimed."""

    pending = "pending"
    sent = "sent"
    # Nothing to deliver to (e.g. a callback for a platform without a callback endpoint); replayable.
    skipped = "skipped"
    # A dead letter: the last attempt failed, or the target said never (410, a refused request).
    dead = "dead"


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
    # While a dispatcher holds the lease this is the lease's end: the row is due again if no result is recorded.
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set for a callback fanned out to one endpoint; None for the event as enqueued by the domain.
    endpoint_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("callback_endpoint.id", ondelete="CASCADE")], index=True
    )
    # Failed attempts only (a declaration still being processed is polled without using up retries).
    failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The remote's reference once it accepted the message for processing, so a retry polls instead of re-posting.
    external_ref: str | None = Field(default=None, sa_type=String(200))
    # Who holds the lease: a result is recorded only by the holder (see dispatch.claim).
    lease_token: str | None = Field(default=None, sa_type=String(32))
    last_error: str | None = Field(default=None, sa_type=String(1000))
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxAttempt(SQLModel, table=True):
    """One try at sending a message: what came back, how long it took, what went wrong."""

    __tablename__ = "outbox_attempt"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(sa_column_args=[ForeignKey("outbox_message.id", ondelete="CASCADE")], index=True)
    number: int
    started_at: datetime = Field(sa_type=UTCDateTime)
    latency_ms: int
    # delivered, pending (accepted, not processed yet), failed, gone (410), rejected (never retried), skipped, lost
    outcome: str = Field(sa_type=String(16))
    status_code: int | None = None
    error: str | None = Field(default=None, sa_type=String(1000))
    target: str | None = Field(default=None, sa_type=String(2000))
