"""What goes into the engine (a booking, a shift and what happened) and what comes out (a decision, a statement,
the corrections and pay lines with the term behind each). Plain frozen data: the term modules fill it, the
engine assembles it, `render` turns it into words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from gateway.agreements.records import record

ENGINE_VERSION = 2
SETTLEMENT_FORMAT = "gateway.settlement/1"

# What a correction's `offered_value` and `applied_value` measure: paid hours, a gross rate an hour, a price a trip
# (money in the agreement's currency). A view reads these; it never parses `detail`, `offered` or `applied`.
CorrectionUnit = Literal["hours", "hourly_gross", "per_trip"]
Status = Literal["worked", "cancelled_paid", "cancelled_unpaid"]


class OfferError(ValueError):
    """The offer or the shift cannot be evaluated (another currency, an end before the start...)."""


@dataclass(frozen=True, slots=True)
class HourlyOffer:
    hourly_gross: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class PerTripOffer:
    per_trip: Decimal
    currency: str


Offer = HourlyOffer | PerTripOffer


@dataclass(frozen=True, slots=True)
class Worker:
    """What the rider's status rules read of the member (never their identity): the birth date (the statutory
    youth scale under 21), whether they work as a student (Dimona STU) and the hours they have already worked as
    one this calendar year before this shift (the solidarity contribution's annual quota), and when the
    cooperative first employed them (seniority). A rider without a member has no Worker: the adult scale,
    ordinary contributions and no seniority apply."""

    birth_date: date | None = None
    student: bool = False
    student_hours_this_year: Decimal = Decimal(0)
    employed_since: date | None = None


@dataclass(frozen=True, slots=True)
class Booking:
    starts_at: datetime  # aware
    ends_at: datetime  # aware, after starts_at
    offer: Offer | None = None
    # The hourly gross the contract was opened at (settlement passes it): what the rider was told, so settlement
    # never pays an hour below it (the youth scale, unknown at booking, or a floor lowered since, would).
    contracted_hourly: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ShiftOutcome:
    """A booked shift and what actually happened. Missing actual times default to the booked ones (the
    scheduler closes a shift that never reported its end at its booked end)."""

    booking: Booking
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    first_delivery_at: datetime | None = None
    deliveries: int | None = None
    cancelled_at: datetime | None = None
    sent_home_early: bool = False
    proposed: Offer | None = None  # the pay the platform proposes at the end; default: the booking's offer
    distance_km: Decimal | None = None  # what the platform measured with the shift's end (expenses per km)
    bonus: Decimal | None = None  # a bonus the platform pays on top (term `bonus`)
    worker: Worker | None = None  # the rider's status (outcome.Worker); None: the adult scale, ordinary rates
    bad_weather: bool = False  # the platform flagged the shift's weather (a bad-weather premium reads it)


@dataclass(frozen=True, slots=True)
class WorkedBefore:
    """The rider's time before this shift, across every contract and platform of their member (the services count
    it; the engine stays pure): hours worked or booked earlier on the shift's local day and in its ISO week
    (Monday to Sunday in the agreement's time zone), and when the previous working day's last shift ended (for the
    rest rule: the rest between working days; two shifts on one local day are one working day).
    Overtime and the working-time limits read it; hours are counted, never pay."""

    day_hours: Decimal = Decimal(0)
    week_hours: Decimal = Decimal(0)
    previous_end: datetime | None = None


NOTHING_BEFORE = WorkedBefore()


@record
class Correction:
    """A term the offer broke and what the gateway did: `amended` (the contract complies) or `rejected`.

    `detail`, `offered` and `applied` are sentences for people; `unit`, `offered_value` and `applied_value` are
    the same facts as numbers, for whatever shows them in another language or form.
    """

    term: str
    term_type: str
    clause: str
    code: str
    # `reported`: a working-time limit whose enforcement is `report` was breached; the contract opens as booked and
    # the breach is recorded for staff and the compliance report.
    action: Literal["amended", "rejected", "reported"]
    detail: str
    offered: str | None
    applied: str | None
    unit: CorrectionUnit | None = None
    offered_value: Decimal | None = None
    applied_value: Decimal | None = None


@record
class Line:
    """One dated value the decision used, with where it comes from."""

    term: str
    clause: str
    value: str
    since: str
    note: str


@record
class PayLine:
    """One amount of a settlement, rounded half-up to the cent, with the term and dated value behind it."""

    code: str
    label: str
    term: str
    clause: str
    since: str | None
    hours: Decimal | None
    rate: Decimal | None
    amount: Decimal
    kind: Literal["salary", "expense"]
    why: str
    # What a line counts when it is not hours: kilometres, deliveries or trips (a view words it, never parsing
    # `why`), with `per` naming the unit; None for lines paid by the hour or by the shift.
    quantity: Decimal | None = None
    per: str | None = None


def salary_total(lines: list[PayLine]) -> Decimal:
    """The gross of `lines`: their salary amounts (expenses are not pay). A loop, not sum() over a generator: it
    runs on every settled shift, and the generator costs more than the additions."""
    total = Decimal(0)
    for ln in lines:
        if ln.kind == "salary":
            total += ln.amount
    return total


@record
class Note:
    """A rule of the rider's status or of the payroll profile that changed how the shift is paid or reported
    (a student's solidarity contribution, the youth scale, a minimum wage extrapolated past the profile's last
    known value), with its source and numbers for a view to word in another language."""

    code: str
    source: str
    text: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Hours:
    """A shift's hours as the minimum engagement settles them: worked, paid, and when the work ended."""

    status: Status
    worked: Decimal
    paid: Decimal
    end: datetime


@record
class BookingDecision:
    agreement: str
    agreement_version: str
    currency: str
    timezone: str
    local_start: datetime
    booked_hours: Decimal
    minimum_paid_hours: Decimal
    guaranteed_paid_hours: Decimal
    hourly_gross: Decimal
    hourly_net: Decimal
    corrections: list[Correction] = field(default_factory=list)
    used: list[Line] = field(default_factory=list)
    # A working-time limit in `amend` mode opens the contract only for the hours within it: the window it opens for
    # (None: as booked).
    amended_start: datetime | None = None
    amended_end: datetime | None = None

    @property
    def rejection(self) -> Correction | None:
        return next((c for c in self.corrections if c.action == "rejected"), None)

    def explanation(self) -> dict[str, Any]:
        from gateway.agreements.render import decision_json

        return decision_json(self)


@record
class Statement:
    """One shift's pay statement as the engine works it out; the settlement domain stores it as a `Settlement` row."""

    agreement: str
    agreement_version: str
    currency: str
    timezone: str
    terms_date: date
    local_start: datetime
    status: Status
    booked_hours: Decimal
    worked_hours: Decimal
    minimum_paid_hours: Decimal
    paid_hours: Decimal
    hourly_gross: Decimal
    lines: list[PayLine]
    gross: Decimal
    employee_social_security: Decimal
    withholding: Decimal
    net: Decimal
    expenses: Decimal
    payout: Decimal
    employer_contributions: Decimal
    guarantee_levy: Decimal
    invoice_total: Decimal
    payment_due: date | None
    payment_due_why: str | None
    insurance: str | None
    corrections: list[Correction]
    used: list[Line]
    monthly_expenses: list[str]
    notes: list[Note] = field(default_factory=list)

    @property
    def rejection(self) -> Correction | None:
        return next((c for c in self.corrections if c.action == "rejected"), None)

    def explanation(self) -> dict[str, Any]:
        """Versioned JSON: every amount with the term, clause and dated value that produced it."""
        from gateway.agreements.render import statement_json

        return statement_json(self)

    def plain(self) -> str:
        from gateway.agreements.render import statement_text

        return statement_text(self)
