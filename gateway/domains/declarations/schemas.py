from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from gateway.domains.declarations.models import DeclarationState


class DeclarationOut(BaseModel):
    """The contract's declaration of employment to social security, as far as the gateway knows."""

    model_config = ConfigDict(from_attributes=True)  # read from a row by these fields' names, and only those

    state: DeclarationState = Field(
        description="queued (not sent yet), submitted (awaiting the service's decision), accepted, "
        "accepted_with_warning, refused (the contract is blocked), failed (could not be sent), ended (OUT accepted)."
    )
    connector: str | None = Field(default=None, description="local (embedded) or http (a declaration service).")
    reference: str | None = Field(default=None, description="The declaration service's reference of the IN.")
    result_code: str | None = Field(default=None, description="The service's last result: A, W, B or S.")
    detail: str | None = Field(default=None, description="Why it was refused, or the service's warnings.")
    last_operation: str | None = Field(default=None, description="in, out or update.")
    last_operation_state: str | None = None
    decided_at: datetime | None = None
    ended_at: datetime | None = None

    @classmethod
    def queued(cls) -> DeclarationOut:
        return cls(state=DeclarationState.queued)


class DeclarationListItem(DeclarationOut):
    contract_id: uuid.UUID
    platform: str
    shift_code: str
    updated_at: datetime
