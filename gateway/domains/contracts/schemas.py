"""What platforms (and later riders) see of a contract. Built field by field: no row is dumped as is."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from gateway.domains.contracts.models import ContractStatus, PayBasis


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
    action: str = Field(description="amended: corrected on the contract; rejected: nothing opened.")
    detail: str
    offered: str | None = None
    applied: str | None = None


class ContractOut(BaseModel):
    id: uuid.UUID
    platform: str
    shift_code: str
    rider_id: str = Field(description="The platform's id of the rider.")
    status: ContractStatus
    shift: ShiftWindowOut
    agreement: AgreementRefOut
    minimum_paid_hours: Decimal = Field(description="The agreement's minimum paid hours a shift.")
    guaranteed_paid_hours: Decimal = Field(description="Hours paid at least for this shift: max(booked, minimum).")
    pay: PayOut
    corrections: list[CorrectionOut]
    opened_at: datetime


class RiderOut(BaseModel):
    rider_id: str = Field(description="The platform's id of the rider.")
    member_id: str | None = None
    enrolled_at: datetime
