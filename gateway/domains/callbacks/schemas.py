from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from gateway.domains.contracts.models import ContractStatus
from gateway.domains.declarations.schemas import DeclarationOut
from gateway.domains.readmodel.service import ContractOut


class CallbackEndpointIn(BaseModel):
    url: str = Field(max_length=2000, description="Where to POST the callbacks (https).")
    description: str = Field(default="", max_length=200)
    secret: str | None = Field(
        default=None, max_length=200, description="A whsec_ secret of your own; default: a new random one."
    )


class CallbackEndpointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from a row by these fields' names, and only those

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


# --- what a platform receives -------------------------------------------------------------------------------
# The bodies of the callbacks (outbox kinds `callback.<type>`), as documented in the OpenAPI `webhooks` section.
# The domains build these payloads where the event happens; a test runs each through the app and validates the
# outbox row's payload against the documented schema, so the two cannot drift apart. Platforms should ignore
# fields they do not know: fields may be added.

DecimalText = Annotated[
    str, StringConstraints(pattern=r"^-?\d+(\.\d+)?$"), Field(description="A decimal amount as text, e.g. 11.50")
]


class ContractDeclaredData(BaseModel):
    contract_id: uuid.UUID
    shift_code: str
    status: ContractStatus = Field(description="The contract's status when the decision arrived.")
    declaration: DeclarationOut


class ContractRefusedData(ContractDeclaredData):
    reason: str = Field(description="Why the declaration service refused the declaration of employment.")


class ContractUnblockedData(BaseModel):
    contract_id: uuid.UUID
    shift_code: str
    rider_id: str = Field(description="The platform's id of the rider.")
    status: ContractStatus = Field(description="open: the rider may work the shift once it is declared.")
    reason: Literal["identity_completed", "review_overturned"] = Field(
        description="identity_completed: the contract opened blocked (identity_incomplete) and the member's "
        "identity is now complete; its declaration of employment is queued (contract.declared follows). "
        "review_overturned: a person at the cooperative reviewed the block at the rider's request and lifted it "
        "(issue 20); its declaration is queued too."
    )


class ContractSettledData(BaseModel):
    contract_id: uuid.UUID
    shift_code: str
    paid_hours: DecimalText
    gross: DecimalText
    net: DecimalText
    expenses: DecimalText
    payout: DecimalText = Field(description="What the rider is paid: net plus expenses.")
    invoice_total: DecimalText = Field(description="What the platform is invoiced for this shift.")
    currency: str
    payment_due: date = Field(description="The day by which the rider is paid (the agreement's payment term).")


class PayoutPaidData(BaseModel):
    contract_id: uuid.UUID
    shift_code: str
    amount: DecimalText
    currency: str
    paid_at: AwareDatetime
    funded_by: Literal["platform", "guarantee_fund"] = Field(
        description="guarantee_fund: the platform's invoice was unpaid on the due day, the fund advanced the pay."
    )


class InvoiceIssuedData(BaseModel):
    invoice_id: uuid.UUID
    contract_id: uuid.UUID
    wages: DecimalText
    employer_contributions: DecimalText
    expenses: DecimalText
    guarantee_levy: DecimalText
    total: DecimalText
    currency: str
    status: Literal["issued"]


class _Callback(BaseModel):
    timestamp: AwareDatetime = Field(description="When the gateway queued the event (UTC).")


class ContractOpenedCallback(_Callback):
    """A contract was opened for a booked shift: the contract as the booking's answer carried it.

    Its status is `blocked` (correction `identity_incomplete`) when the rider's identity cannot be declared yet:
    keep the rider off the shift until `contract.unblocked`."""

    type: Literal["contract.opened"]
    data: ContractOut


class ContractDeclaredCallback(_Callback):
    """Social security accepted the declaration of employment: the rider may work the shift."""

    type: Literal["contract.declared"]
    data: ContractDeclaredData


class ContractRefusedCallback(_Callback):
    """Social security refused the declaration of employment: the contract is blocked, the rider must not work."""

    type: Literal["contract.refused"]
    data: ContractRefusedData


class ContractUnblockedCallback(_Callback):
    """A contract blocked for an incomplete identity is open again: the identity is complete and declared now."""

    type: Literal["contract.unblocked"]
    data: ContractUnblockedData


class ContractSettledCallback(_Callback):
    """The shift was settled: hours paid, pay, and the day the rider will be paid by."""

    type: Literal["contract.settled"]
    data: ContractSettledData


class PayoutPaidCallback(_Callback):
    """The rider was paid, by the platform's money or advanced by the guarantee fund."""

    type: Literal["payout.paid"]
    data: PayoutPaidData


class InvoiceIssuedCallback(_Callback):
    """The platform's invoice for a shift was issued."""

    type: Literal["invoice.issued"]
    data: InvoiceIssuedData


CALLBACKS: dict[str, type[_Callback]] = {
    "contract.opened": ContractOpenedCallback,
    "contract.declared": ContractDeclaredCallback,
    "contract.refused": ContractRefusedCallback,
    "contract.unblocked": ContractUnblockedCallback,
    "contract.settled": ContractSettledCallback,
    "payout.paid": PayoutPaidCallback,
    "invoice.issued": InvoiceIssuedCallback,
}
"""Every callback event type (the outbox kind without its `callback.` prefix) and its body."""
