"""`statutory_minimum`: the law's minimum wage (from the payroll profile, dated) as a second floor on every paid
hour; whichever floor is higher wins (see `floors`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from gateway.agreements.model import AgreementError
from gateway.agreements.payroll import Rates
from gateway.agreements.terms.base import InForce, TermValue, provenance
from gateway.agreements.terms.floors import Floor

TYPE = "statutory_minimum"


@dataclass(frozen=True, slots=True, kw_only=True)
class StatutoryMinimum(TermValue):
    winner: Literal["higher"]


def parse(raw: Mapping[str, Any]) -> StatutoryMinimum:
    return StatutoryMinimum(**provenance(raw), winner=raw["winner"])


Rule = InForce[StatutoryMinimum]


def floor(rule: Rule, rates: Rates, currency: str, profile: str, day: date) -> Floor:
    statutory = rates.statutory_minimum_hourly
    if statutory is None:
        raise AgreementError(
            f"payroll profile {profile} has no statutory minimum wage on {day.isoformat()}, "
            f"which term {rule.term.name} needs"
        )
    shown = (
        f"statutory minimum {statutory} {currency} gross an hour "
        f"(payroll profile {profile}, since {rates.statutory_since}); the higher floor wins"
    )
    # The statutory minimum is owed on every hour paid, whatever the agreement's own floor covers.
    return Floor(rule, statutory, shown, "paid")
