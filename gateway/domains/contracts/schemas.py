"""The parts of what platforms and riders see of a contract. Explicit fields; a row is read by them
(from_attributes), never dumped as is. The whole contract, with its declaration, is `readmodel.service.ContractOut`
(the read model, above the domains whose rows it shows)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.domains.contracts.models import PayBasis


class ShiftWindowOut(BaseModel):
    starts_at: datetime = Field(description="Booked start, UTC.")
    ends_at: datetime = Field(description="Booked end, UTC.")
    timezone: str = Field(description="The agreement's time zone, where local rules (Sunday, night) are read.")
    starts_local: datetime = Field(description="Booked start in the agreement's time zone.")
    ends_local: datetime = Field(description="Booked end in the agreement's time zone.")
    booked_hours: Decimal = Field(description="Real elapsed hours between start and end (DST-safe), to 0.01 h.")
    zone: str | None = Field(default=None, description="The platform's delivery zone, as sent.")


class AgreementRefOut(BaseModel):
    id: str
    version: str


class OfferOut(BaseModel):
    hourly_gross: Decimal | None = None
    per_trip: Decimal | None = None
    currency: str


class PayOut(BaseModel):
    basis: PayBasis
    hourly_gross: Decimal = Field(description="Gross an hour the contract pays, after corrections.")
    hourly_net: Decimal = Field(
        description="Net an hour under the agreement's payroll profile (before any tax withheld at source beyond the profile)."
    )
    currency: str
    offered: OfferOut | None = Field(description="What the platform proposed, as received.")


class CorrectionOut(BaseModel):
    """A term the platform's input broke, and what the gateway did (the contract complies)."""

    term: str = Field(description="Name of the agreement's term, e.g. minimum_engagement.")
    clause: str = Field(description="The clause of the agreement the term comes from.")
    code: str = Field(description="Machine-readable kind of breach, e.g. shift_shorter_than_minimum.")
    action: str = Field(
        description="amended: corrected on the contract; rejected: nothing opened; reported: a working-time limit "
        "the agreement enforces by report was breached, the contract opened as booked and the breach is recorded."
    )
    detail: str
    offered: str | None = None
    applied: str | None = None
    unit: Literal["hours", "hourly_gross", "per_trip"] | None = Field(
        default=None,
        description="What offered_value and applied_value measure: paid hours, gross pay an hour or pay a trip (in "
        "the contract's currency). Absent on corrections recorded before these values were kept.",
    )
    offered_value: Decimal | None = Field(default=None, description="What the platform offered, as a number.")
    applied_value: Decimal | None = Field(
        default=None, description="What the contract applies instead, as a number (absent: no number replaces it)."
    )
    stage: Literal["booking", "settlement"] = Field(
        default="booking",
        description="When it was recorded: booking, on the shift as booked; settlement, on the hours actually "
        "worked (a working-time limit breached by the work itself: reported, every hour paid).",
    )


class ActualOut(BaseModel):
    """What happened, as the platform reported it (or the gateway assumed when no end was reported)."""

    started_at: datetime | None = None
    ended_at: datetime | None = None
    deliveries: int | None = None
    first_delivery_at: datetime | None = None
    sent_home_early: bool = False
    bad_weather: bool = Field(
        default=False, description="The platform flagged the shift's weather as bad (at booking or at its end)."
    )
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    distance_km: Decimal | None = Field(default=None, description="Kilometres the platform recorded, if it sent them.")
    bonus: Decimal | None = Field(default=None, description="The bonus the platform sent with the shift's end, if any.")


class PayLineOut(BaseModel):
    code: str
    label: str
    kind: str = Field(description="salary (gross, before contributions) or expense (reimbursed as is)")
    term: str
    clause: str
    since: str | None = Field(description="Date from which the term's value applies.")
    hours: Decimal | None
    rate: Decimal | None
    amount: Decimal
    why: str = Field(description="The line in plain words.")
    quantity: Decimal | None = Field(
        default=None, description="What the line counts when it is not hours: kilometres, deliveries or trips."
    )
    per: str | None = Field(default=None, description="The unit of `quantity`: km, delivery or trip.")


class NoteOut(BaseModel):
    """A rule of the rider's status or of the payroll profile that changed how the shift is paid: a student's
    solidarity contribution, the statutory youth scale, a minimum wage extrapolated past its last known value."""

    code: str = Field(description="student_contribution, student_no_rate, youth_scale or minimum_extrapolated")
    source: str = Field(description="Where the rule comes from (the payroll profile's parameter).")
    text: str = Field(description="The note in plain words.")
    values: dict[str, str] = Field(default_factory=dict, description="The note's figures, for another language.")


class StatementOut(BaseModel):
    """The rider's pay for the shift: every line with the term and clause behind it."""

    outcome: str = Field(description="worked, cancelled_paid or cancelled_unpaid")
    worked_hours: Decimal
    paid_hours: Decimal
    minimum_applied: bool = Field(description="True when the agreement's minimum paid more than the hours worked.")
    hourly_gross: Decimal
    lines: list[PayLineOut]
    gross: Decimal
    employee_social_security: Decimal
    withholding: Decimal
    net: Decimal
    expenses: Decimal
    payout: Decimal = Field(description="net + expenses: what the rider receives.")
    currency: str
    payment_due: date | None
    settled_at: datetime
    notes: list[NoteOut] = Field(default_factory=list, description="Why the rider's status changed the pay, if it did.")


class InvoiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from a row by these fields' names, and only those

    id: uuid.UUID
    wages: Decimal
    employer_contributions: Decimal
    expenses: Decimal
    guarantee_levy: Decimal
    total: Decimal
    currency: str
    status: str = Field(description="draft, issued, paid or defaulted")
    issued_at: datetime
    paid_at: datetime | None


class PayoutOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from a row by these fields' names, and only those

    amount: Decimal
    currency: str
    due_on: date = Field(description="The rider is paid by this date whether or not the platform has paid.")
    status: str = Field(
        description="scheduled or paid; with SEPA transfers also batched (in a batch not yet sent), sent (sent to the "
        "bank, not yet on its statement) and failed (returned by the bank; paid again once the account is corrected)"
    )
    funded_by: str | None = Field(description="platform, or guarantee_fund when the platform had not paid")
    paid_at: datetime | None


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from a row by these fields' names, and only those

    kind: str
    from_status: str | None
    to_status: str
    at: datetime = Field(description="When it happened.")
    recorded_at: datetime
    detail: str


class RiderOut(BaseModel):
    rider_id: str = Field(description="The platform's id of the rider.")
    member_id: str | None = None
    enrolled_at: datetime


BlockReason = Literal["identity_incomplete", "declaration_refused"]


class BlockedContractOut(BaseModel):
    """A blocked contract, as the cooperative's staff list it: the rider must not work it, and why."""

    contract_id: uuid.UUID
    platform: str
    shift_code: str
    rider_id: str = Field(description="The platform's id of the rider.")
    member: str | None = Field(description="The member number the rider is linked to; null: none.")
    starts_at: datetime = Field(description="Booked start, UTC.")
    ends_at: datetime = Field(description="Booked end, UTC.")
    blocked_at: datetime = Field(description="When the contract became blocked.")
    reason: BlockReason = Field(
        description="identity_incomplete: the member's identity could not be declared when the shift was booked "
        "(completing it reopens the contract while its booked end is ahead); declaration_refused: social security "
        "refused the declaration of employment."
    )
    detail: str = Field(description="The reason as recorded on the contract (field names, never values).")
    missing: list[str] = Field(
        description="For identity_incomplete, what the identity lacks now, by field name (`member`: no member is "
        "linked to the rider). Empty once it is complete: a contract past its booked end stays blocked, for staff "
        "to decide."
    )
