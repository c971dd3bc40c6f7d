"""The compliance report's shape, shared by the API (JSON), the CSV and the HTML page."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class ViolationCountOut(BaseModel):
    term: str = Field(description="The term the platform's input broke (e.g. minimum_engagement).")
    clause: str
    code: str = Field(description="e.g. shift_shorter_than_minimum, hourly_pay_below_floor, per_trip_pay_forbidden")
    attempts: int = Field(description="Violations recorded (each corrected or refused by the gateway).")
    contracts: int = Field(description="Distinct contracts concerned.")


class InvoicesOut(BaseModel):
    """The platform's invoices for the month's shifts, against the date its riders were due to be paid."""

    issued: int
    paid_on_time: int = Field(description="Paid by the platform no later than the rider's payout due date.")
    paid_late: int = Field(description="Paid after the rider's due date: the guarantee fund had to wait or advance.")
    unpaid_past_due: int = Field(description="Not paid, and the rider's due date has passed.")
    unpaid_not_yet_due: int
    amount_paid_late: Decimal
    amount_unpaid_past_due: Decimal
    max_days_late: int | None = Field(description="Days between the rider's due date and the latest payment.")


class FundAdvancesOut(BaseModel):
    """What the guarantee fund advanced to riders because the platform had not paid, and what it recovered."""

    advances: int
    advanced: Decimal
    recovered: Decimal
    outstanding: Decimal


class FairPayOut(BaseModel):
    """Net earnings per worked hour against the agreement's floor and the statutory minimum (Fairwork fair pay:
    at least the local minimum wage for the hours worked)."""

    settled_shifts: int
    worked_hours: Decimal
    paid_hours: Decimal
    gross: Decimal
    net: Decimal
    net_per_worked_hour: Decimal | None
    gross_per_worked_hour: Decimal | None
    floor_net_hourly: Decimal | None = Field(description="The agreement's hourly floor, net (terms of the month).")
    statutory_minimum_hourly: Decimal | None = Field(description="Statutory minimum wage, gross an hour.")
    statutory_minimum_net_hourly: Decimal | None = Field(description="The statutory minimum, net of social security.")
    shifts_under_floor: int = Field(description="Settled shifts whose net per worked hour is under the floor.")
    shifts_under_statutory_minimum: int = Field(description="Settled shifts whose gross per worked hour is under it.")
    meets_floor: bool
    meets_statutory_minimum: bool


class PaymentDelaysOut(BaseModel):
    """Riders' payouts against the agreement's payment term (their due dates)."""

    payouts: int
    paid_on_time: int
    paid_late: int
    unpaid_past_due: int
    scheduled: int = Field(description="Not paid yet and not due yet.")
    max_days_late: int | None
    funded_by_platform: int
    funded_by_guarantee_fund: int


class ComplianceOut(BaseModel):
    platform: str
    month: str = Field(description="YYYY-MM, in the agreement's time zone (by each shift's booked start).")
    agreement: str
    timezone: str
    currency: str
    as_of: datetime
    first_day: date
    last_day: date
    contracts: int
    contracts_by_status: dict[str, int]
    violations: list[ViolationCountOut]
    invoices: InvoicesOut
    fund: FundAdvancesOut
    pay: FairPayOut
    payment_delays: PaymentDelaysOut
