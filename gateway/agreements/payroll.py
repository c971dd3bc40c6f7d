"""Gross to net and back, per a dated payroll profile. Rounding half-up to the cent at each named line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import lru_cache

from gateway.agreements.dated import Dated

CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Rates:
    """The profile's parameters in force on one day."""

    employee_social_security: Decimal
    employer_contributions: Decimal
    withholding: Decimal
    statutory_minimum_hourly: Decimal | None
    statutory_since: date | None
    since: date


@dataclass(frozen=True, slots=True)
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

    def rates(self, day: date) -> Rates:
        ss = self.employee_social_security.at(day)
        er = self.employer_contributions.at(day)
        wh = self.withholding.at(day)
        if ss is None or er is None or wh is None:
            raise LookupError(f"payroll profile {self.id!r} has no rates in force on {day.isoformat()}")
        smin = self.statutory_minimum_hourly.at(day)
        since = max(x.since for x in (ss, er, wh))
        return Rates(ss.value, er.value, wh.value, smin.value if smin else None, smin.since if smin else None, since)


def net_of(gross: Decimal, rates: Rates) -> NetBreakdown:
    social = cents(gross * rates.employee_social_security)
    withheld = cents((gross - social) * rates.withholding)
    return NetBreakdown(gross, social, withheld, gross - social - withheld)


@lru_cache(maxsize=4096)
def gross_for_net(net_floor: Decimal, rates: Rates) -> Decimal:
    """The smallest gross, to the cent, whose net reaches `net_floor`.

    Start from the exact inverse rounded up, then walk by cents: rounding at each line makes net(gross)
    a step function, so the analytic inverse can be a cent off either way.
    """
    keep = (1 - rates.employee_social_security) * (1 - rates.withholding)
    if keep <= 0:
        raise ValueError("contribution rates leave nothing net")
    gross = (net_floor / keep).quantize(CENT, rounding=ROUND_CEILING)
    while net_of(gross, rates).net < net_floor:
        gross += CENT
    while gross > 0 and net_of(gross - CENT, rates).net >= net_floor:
        gross -= CENT
    return gross
