from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.domains.declarations.models import DeclarationState


class Anomaly(BaseModel):
    """An anomaly the declaration service found (result W: accepted anyway; B: refused), in its own words."""

    code: str = Field(description="The service's anomaly code, e.g. 00913-355.")
    description: str


class DeclarationOut(BaseModel):
    """The contract's declaration of employment to social security, as far as the gateway knows."""

    model_config = ConfigDict(from_attributes=True)  # read from a row by these fields' names, and only those

    state: DeclarationState = Field(
        description="queued (not sent yet), held (not sent: the contract waits for the member's identity), submitted (awaiting the service's decision), accepted, "
        "accepted_with_warning, refused (the contract is blocked), failed (could not be sent), ended (OUT accepted), "
        "cancelled (the IN was cancelled before the work started)."
    )
    connector: str | None = Field(default=None, description="local (embedded) or http (a declaration service).")
    reference: str | None = Field(default=None, description="The declaration service's reference of the IN.")
    result_code: str | None = Field(default=None, description="The service's last result: A, W, B or S.")
    detail: str | None = Field(default=None, description="Why it was refused, or the service's warnings.")
    anomalies: list[Anomaly] = Field(
        default_factory=list, description="The anomalies of the service's last result that had any (W or B)."
    )
    last_operation: str | None = Field(default=None, description="in, update, cancel or out.")
    last_operation_state: str | None = Field(
        default=None,
        description="The last operation's state; not_needed: nothing changed that the service must be told, so "
        "nothing was sent.",
    )
    decided_at: datetime | None = None
    ended_at: datetime | None = None

    @field_validator("anomalies", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value  # rows written before migration 0011 have none

    @classmethod
    def queued(cls) -> DeclarationOut:
        return cls(state=DeclarationState.queued)

    @classmethod
    def held(cls) -> DeclarationOut:
        return cls(state=DeclarationState.held, detail="not sent: the member's identity cannot be declared yet")


class DeclarationListItem(DeclarationOut):
    contract_id: uuid.UUID
    platform: str
    shift_code: str
    updated_at: datetime
