"""Gross to net and back, per a dated payroll profile. Rounding half-up to the cent at each named line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import lru_cache

from gateway.agreements.dated import Dated
from gateway.agreements.records import record
from gateway.settings import LONGEST_SHIFT_HOURS

CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)  # positional: a keyword costs more, ten times a shift


@dataclass(frozen=True, slots=True)
class StudentRates:
    """A student's solidarity contribution (instead of ordinary social security), within a yearly quota of hours."""

    employee: Decimal
    employer: Decimal
    quota_hours: Decimal
    since: date


@dataclass(frozen=True, slots=True)
class YouthScale:
    """The statutory minimum wage's share by age under 21, for whom it applies (`students` or `all`)."""

    applies_to: str
    by_age: tuple[tuple[int, Decimal], ...]  # (age, share of the adult minimum), youngest last
    since: date

    def share(self, age: int) -> Decimal | None:
        """The share of the adult minimum at `age`, or None when the adult scale applies."""
        for years, share in self.by_age:
            if age >= years:
                return share if share < 1 else None
        return self.by_age[-1][1] if self.by_age else None


@dataclass(frozen=True, slots=True)
class Rates:
    """The profile's parameters in force on one day."""

    employee_social_security: Decimal
    employer_contributions: Decimal
    withholding: Decimal
    statutory_minimum_hourly: Decimal | None
    statutory_since: date | None
    since: date
    # The date up to which the profile knows the minimum wage: past it, the last value is extrapolated (and said).
    statutory_known_until: date | None = None
    student: StudentRates | None = None
    youth: YouthScale | None = None


@record
class NetBreakdown:
    gross: Decimal
    social_security: Decimal
    withholding: Decimal
    net: Decimal


@dataclass(frozen=True)
class PayrollProfile:
    id: str
    country: str
    currency: str
    employee_social_security: Dated[Decimal]
    employer_contributions: Dated[Decimal]
    withholding: Dated[Decimal]
    statutory_minimum_hourly: Dated[Decimal]
    sources: dict[str, str]
    statutory_known_until: date | None = None
    student_solidarity: Dated[StudentRates] | None = None
    youth_minimum: Dated[YouthScale] | None = None

    def rates(self, day: date) -> Rates:
        ss = self.employee_social_security.at(day)
        er = self.employer_contributions.at(day)
        wh = self.withholding.at(day)
        if ss is None or er is None or wh is None:
            raise LookupError(f"payroll profile {self.id!r} has no rates in force on {day.isoformat()}")
        smin = self.statutory_minimum_hourly.at(day)
        since = max(x.since for x in (ss, er, wh))
        student = self.student_solidarity.at(day) if self.student_solidarity else None
        youth = self.youth_minimum.at(day) if self.youth_minimum else None
        found = Rates(
            ss.value,
            er.value,
            wh.value,
            smin.value if smin else None,
            smin.since if smin else None,
            since,
            self.statutory_known_until,
            student.value if student else None,
            youth.value if youth else None,
        )
        # One object for each set of rates (a year of days shares a handful): what is worked out per set of rates
        # (a shift's contributions, by `status`) is then found by identity, not by hashing nine fields a shift.
        return _RATES.setdefault(found, found)


_RATES: dict[Rates, Rates] = {}


def net_of(gross: Decimal, rates: Rates) -> NetBreakdown:
    social = cents(gross * rates.employee_social_security)
    withheld = cents((gross - social) * rates.withholding)
    return NetBreakdown(gross, social, withheld, gross - social - withheld)


def net_amount(gross: Decimal, rates: Rates) -> Decimal:
    """`net_of(gross, rates).net` without the breakdown: a net floor's check runs it on every shift."""
    social = cents(gross * rates.employee_social_security)
    return gross - social - cents((gross - social) * rates.withholding)


QUARTER_HOUR = Decimal("0.25")


def shift_net(hourly_gross: Decimal, hours: Decimal, rates: Rates) -> Decimal:
    """The net of `hours` paid at `hourly_gross`, computed as settlement does: one line rounded to the cent,
    then contributions on that line."""
    return net_of(cents(hourly_gross * hours), rates).net


def _nets_the_floor(gross: Decimal, net_floor: Decimal, rates: Rates, quarters: int) -> bool:
    # Longest first: a gross short of the floor is short on long shifts by whole cents, so most candidates fail
    # at the first length tried.
    for q in range(quarters, 0, -1):
        hours = q * QUARTER_HOUR
        if shift_net(gross, hours, rates) < net_floor * hours:
            return False
    return True


@lru_cache(maxsize=4096)
def gross_for_net(net_floor: Decimal, rates: Rates, longest_hours: int = LONGEST_SHIFT_HOURS) -> Decimal:
    """The smallest hourly gross, to the cent, such that every shift of a whole number of quarter hours up to
    `longest_hours` nets at least `net_floor` an hour.

    Contributions are rounded on the shift's gross, not on one hour's: 11.50 nets 10.00 for one hour at 13.07 %
    but 29.99 for three. Net is non-decreasing in gross, so the set of grosses that meet the floor for every
    length is everything from one value up: start from the exact inverse rounded up and walk by cents to it.
    """
    keep = (1 - rates.employee_social_security) * (1 - rates.withholding)
    if keep <= 0:
        raise ValueError("contribution rates leave nothing net")
    quarters = int(longest_hours / QUARTER_HOUR)
    gross = (net_floor / keep).quantize(CENT, rounding=ROUND_CEILING)
    while not _nets_the_floor(gross, net_floor, rates, quarters):
        gross += CENT
    while gross > 0 and _nets_the_floor(gross - CENT, net_floor, rates, quarters):
        gross -= CENT
    return gross
