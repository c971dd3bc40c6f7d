from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class CallbackEndpointIn(BaseModel):
    url: str = Field(max_length=2000, description="Where to POST the callbacks (https).")
    description: str = Field(default="", max_length=200)
    secret: str | None = Field(
        default=None, max_length=200, description="A whsec_ secret of your own; default: a new random one."
    )


class CallbackEndpointOut(BaseModel):
    id: int
    url: str
    description: str
    enabled: bool
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    consecutive_failures: int
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    created_at: datetime


class CallbackEndpointCreated(CallbackEndpointOut):
    secret: str = Field(
        description="Verify each callback with it (Standard Webhooks: webhook-id, webhook-timestamp, "
        "webhook-signature). Shown here only: keep it."
    )
