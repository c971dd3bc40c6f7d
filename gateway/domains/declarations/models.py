from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import UTCDateTime


class DeclarationState(enum.StrEnum):
    # Queued in the outbox, not yet sent (there is no row yet; the view shows this state).
    queued = "queued"
    # Sent; the service has not decided yet (result S, or 404 on the result): polled with backoff.
    submitted = "submitted"
    accepted = "accepted"
    accepted_with_warning = "accepted_with_warning"
    # Refused (result B): the contract is blocked.
    refused = "refused"
    # Could not be sent after the whole retry schedule: the cooperative must act.
    failed = "failed"
    # The OUT was accepted: the employment period is closed.
    ended = "ended"


class Declaration(SQLModel, table=True):
    """The declaration of employment of one contract: the IN's state, and the last operation (in, out, update)."""

    __table_args__ = (UniqueConstraint("contract_id"), Index("ix_declaration_state", "state"))

    id: int | None = Field(default=None, primary_key=True)
    contract_id: uuid.UUID = Field(sa_column_args=[ForeignKey("contract.id", ondelete="CASCADE")])
    connector: str = Field(sa_type=String(32))
    state: str = Field(sa_type=String(24))
    reference: str | None = Field(default=None, sa_type=String(200))
    result_code: str | None = Field(default=None, sa_type=String(1))
    detail: str | None = Field(default=None, sa_type=String(1000))
    last_operation: str = Field(sa_type=String(8))
    last_operation_state: str = Field(sa_type=String(24))
    last_operation_reference: str | None = Field(default=None, sa_type=String(200))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
