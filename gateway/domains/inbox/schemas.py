from __future__ import annotations

from pydantic import BaseModel, Field

from gateway.domains.contracts.schemas import RiderOut
from gateway.domains.decisions.platform_schemas import DecisionRecorded
from gateway.domains.readmodel.service import ContractOut


class WebhookAccepted(BaseModel):
    """The answer to an accepted webhook. A replay of the same webhook-id gets this same body again."""

    webhook_id: str
    type: str
    contract: ContractOut | None = Field(default=None, description="For shift.booked: the contract opened.")
    rider: RiderOut | None = Field(default=None, description="For rider.enrolled: the rider as enrolled.")
    decision: DecisionRecorded | None = Field(
        default=None,
        description="For rider.decision: the decision as recorded (status pending_confirmation for "
        "a suspension or deactivation).",
    )
