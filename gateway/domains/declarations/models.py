from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
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
    # The IN was cancelled before the work started (an unpaid cancellation): no employment was declared.
    cancelled = "cancelled"
    # An update or cancel with nothing to tell the service (the declared days did not change; the IN was refused):
    # not sent. Only ever the last operation's state.
    not_needed = "not_needed"
    # Not sent, and not queued: the contract is blocked until the member's identity can be declared (there is no
    # row; the view shows this state). Completing the identity queues the IN.
    held = "held"


class Declaration(SQLModel, table=True):
    """The declaration of employment of one contract: the IN's state, and the last operation (in, update, cancel,
    out)."""

    __table_args__ = (UniqueConstraint("contract_id"), Index("ix_declaration_state", "state"))

    id: int | None = Field(default=None, primary_key=True)
    contract_id: uuid.UUID = Field(sa_column_args=[ForeignKey("contract.id", ondelete="CASCADE")])
    connector: str = Field(sa_type=String(32))
    state: str = Field(sa_type=String(24))
    reference: str | None = Field(default=None, sa_type=String(200))
    result_code: str | None = Field(default=None, sa_type=String(1))
    detail: str | None = Field(default=None, sa_type=String(1000))
    # The service's anomalies of the last result that had any (W, B): [{"code": ..., "description": ...}].
    anomalies: list[dict[str, str]] | None = Field(default=None, sa_type=JSON)
    # What was last sent of the employment (dimona.Period.as_json): an update is sent only when this changes.
    period: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    last_operation: str = Field(sa_type=String(8))
    last_operation_state: str = Field(sa_type=String(24))
    last_operation_reference: str | None = Field(default=None, sa_type=String(200))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
