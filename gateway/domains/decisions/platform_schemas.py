"""What the API shows of a platform's decision (rider.decision): to the platform in the webhook's answer, to the
cooperative's reviewers in full."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from gateway.canonical import PlatformDecisionKind, Reasons


class DecisionRecorded(BaseModel):
    """The answer to a rider.decision: the decision as the gateway holds it (the same body again on a replay)."""

    id: int = Field(description="The gateway's id for the decision (the reviewers' API and CLI name it).")
    decision_id: str = Field(description="The platform's id for the decision, as sent.")
    rider_id: str = Field(description="The platform's rider id.")
    kind: PlatformDecisionKind
    status: str = Field(
        description="pending_confirmation (a suspension or deactivation: no consequence until a person at the "
        "cooperative confirms it), in_effect (a restriction or a refusal of remuneration: recorded and shown to "
        "the rider), confirmed, dismissed (the cooperative did not confirm it) or withdrawn (by the platform)."
    )


class Confirmation(BaseModel):
    """A person's answer at the cooperative to a platform's suspension or deactivation."""

    outcome: str = Field(description="confirmed or dismissed")
    by: str = Field(description="staff:<name> or cli:<user>")
    at: datetime
    reasons: str


class PlatformDecisionOut(DecisionRecorded):
    """A platform's decision in full, as a reviewer reads it."""

    platform: str = Field(description="The platform's slug.")
    automated: bool
    decided_at: datetime
    effective_from: datetime
    effective_until: datetime | None
    reasons: str = Field(description="The platform's own words.")
    parameters: dict[str, Any] = Field(description="The main parameters and data the platform's system used.")
    shift_codes: list[str]
    recorded_at: datetime
    confirmation: Confirmation | None = None
    withdrawn_at: datetime | None = None


class ConfirmationIn(BaseModel):
    """A reviewer's written reasons, which the rider reads."""

    reasons: Reasons = Field(
        description="Why the cooperative confirms (or does not confirm) the platform's decision, in plain words "
        "(1 to 2000 characters, no control characters)."
    )


class ConfirmedOut(BaseModel):
    decision: PlatformDecisionOut
    contracts_cancelled: list[str] = Field(
        description="The rider's future contracts on that platform cancelled by the confirmation (their ids), "
        "as a cancellation by the platform: a short notice pays what the agreement says."
    )
