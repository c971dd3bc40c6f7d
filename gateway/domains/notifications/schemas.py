"""What the rider's API shows of their e-mail choices, and what it takes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NotificationChoices(BaseModel):
    """Which e-mails the rider gets: each kind on (true) or off (false)."""

    model_config = ConfigDict(extra="forbid")

    contract_opened: bool = Field(description="An e-mail for each new contract: its times, hours and pay.")
    decision: bool = Field(description="An e-mail for each automated decision about the rider worth one.")
    review_answered: bool = Field(description="An e-mail when a person answers the rider's review request.")


class NotificationChoicesOut(NotificationChoices):
    model_config = ConfigDict(extra="forbid")

    sending: bool = Field(description="Whether the cooperative sends e-mails at all (SMTP configured).")
    address_known: bool = Field(description="Whether the platform gave a usable e-mail address for the rider.")
