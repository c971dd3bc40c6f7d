"""The compliance report's shape, shared by the API (JSON), the CSV and the HTML page."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class ViolationCountOut(BaseModel):
    """One term the platform's bookings broke in the month."""

    term: str = Field(description="The term the platform's input broke (e.g. minimum_engagement).")
    term_type: str | None = Field(description="Its type in the agreement (e.g. piece_rate); null if it has none now.")
    clause: str = Field(description="The term's clause (several, separated by '; ', if it changed in the month).")
    codes: list[str] = Field(
        description="What was wrong, e.g. shift_shorter_than_minimum, hourly_pay_below_floor, per_trip_pay_forbidden"
    )
    contracts: int = Field(description="Bookings (contracts) that broke the term: each counts once per term.")
    attempts: int = Field(
        description="Corrections recorded under the term, each code once a contract (a booking may be corrected by "
        "two codes; a breach found at booking and again at settlement counts once)."
    )


class InvoicesOut(BaseModel):
    """The platform's invoices for the month's shifts, each against its own due date: its issue day (local) plus
    the platform's payment days. The riders' own due dates are in `payment_delays`."""

    payment_days: int = Field(description="Days the platform has to pay an invoice after its issue.")
    issued: int = Field(description="Invoices issued to the platform.")
    not_issued: int = Field(description="Shifts settled whose invoice is not issued yet (nothing due on it).")
    paid_on_time: int = Field(description="Paid no later than the invoice's due date.")
    paid_late: int = Field(description="Paid after the invoice's due date.")
    unpaid_past_due: int = Field(description="Not paid, and the invoice's due date has passed.")
    unpaid_not_yet_due: int
    amount_paid_late: Decimal
    amount_unpaid_past_due: Decimal
    max_days_late: int | None = Field(description="Most days past an invoice's due date (paid late, or unpaid).")


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
    measured_shifts: int = Field(description="Settled shifts with worked hours (a short-notice cancellation has none).")
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
    meets_floor: bool | None = Field(description="None when no shift was measured (or the agreement has no floor).")
    meets_statutory_minimum: bool | None = Field(description="None when no shift was measured (or no minimum).")


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
    as_of: datetime = Field(description="When the report was made, in the agreement's time zone.")
    first_day: date
    last_day: date
    contracts: int
    contracts_by_status: dict[str, int]
    violations: list[ViolationCountOut]
    invoices: InvoicesOut
    fund: FundAdvancesOut
    pay: FairPayOut
    payment_delays: PaymentDelaysOut
