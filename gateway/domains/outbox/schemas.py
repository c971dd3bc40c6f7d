from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.canonical import Instant


class OutboxAttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from a row by these fields' names, and only those

    number: int
    started_at: datetime
    latency_ms: int
    outcome: str = Field(description="delivered, pending, failed, gone, rejected, skipped or lost (lease expired).")
    status_code: int | None = None
    error: str | None = None
    target: str | None = None


class OutboxMessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from a row by these fields' names, and only those

    id: int
    kind: str
    contract_id: uuid.UUID | None
    endpoint_id: int | None
    status: str = Field(description="pending, sent, skipped or dead (a dead letter).")
    attempts: int
    failures: int
    created_at: datetime
    next_attempt_at: datetime
    finished_at: datetime | None
    last_error: str | None


class OutboxMessageDetail(OutboxMessageOut):
    attempt_log: list[OutboxAttemptOut]


class ReplayIn(BaseModel):
    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        default_factory=list, max_length=1000, description="Replay these messages."
    )
    # Instants in the window every instant of the gateway lies in: a time past year 9999 in UTC is a 422, not a 500.
    since: Instant | None = Field(default=None, description="Or those created from this instant (with offset)...")
    until: Instant | None = Field(default=None, description="...until this one (exclusive; default: now).")
    include_sent: bool = Field(default=False, description="In a time range, replay sent messages too, not only dead.")

    @model_validator(mode="after")
    def _a_selection(self) -> ReplayIn:
        if not self.ids and self.since is None:
            raise ValueError("give ids, or since (and optionally until)")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} needs a UTC offset")
        return self


class ReplayOut(BaseModel):
    replayed: list[int] = Field(description="Ids of the messages queued again.")
