"""`seniority`: a raise by years since the cooperative first employed the rider (the member's `employed_since`),
in steps: after so many full years, a percentage of the hourly rate the contract pays, or an amount an hour, on
every paid hour. The highest step reached applies. It counts as hourly pay (a no-less-favourable comparison
includes it); a rider without a known start date gets no step, and the statement says so."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from gateway.agreements.outcome import Line, PayLine
from gateway.agreements.payroll import cents
from gateway.agreements.terms.base import InForce, TermValue, hours_text, provenance

TYPE = "seniority"


@dataclass(frozen=True, slots=True)
class Step:
    after_years: int
    percent: Decimal | None
    amount: Decimal | None  # an hour


@dataclass(frozen=True, slots=True, kw_only=True)
class Seniority(TermValue):
    steps: tuple[Step, ...]  # by after_years, ascending


def parse(raw: Mapping[str, Any]) -> Seniority:
    steps = sorted(
        (
            Step(
                int(s["after_years"]),
                None if s.get("percent") is None else Decimal(s["percent"]),
                None if s.get("amount") is None else Decimal(s["amount"]),
            )
            for s in raw["steps"]
        ),
        key=lambda s: s.after_years,
    )
    return Seniority(**provenance(raw), steps=tuple(steps))


Rule = InForce[Seniority]


def full_years(since: date, on: date) -> int:
    """Whole years from `since` to `on` (a birthday-style count: 29 February counts from 1 March)."""
    years = on.year - since.year
    if (on.month, on.day) < (since.month, since.day):
        years -= 1
    return max(years, 0)


def step(rule: Rule | None, employed_since: date | None, on: date) -> Step | None:
    """The highest step reached on `on`, or None."""
    if rule is None or employed_since is None:
        return None
    years = full_years(employed_since, on)
    return next((s for s in reversed(rule.value.steps) if years >= s.after_years), None)


def pay_line(
    rule: Rule | None,
    known: bool,
    employed_since: date | None,
    on: date,
    paid_hours: Decimal,
    hourly: Decimal,
    currency: str,
    used: list[Line],
) -> PayLine | None:
    if rule is None:
        return None
    if employed_since is None:
        # A rider without a member record (`known` False) has no seniority to speak of: nothing to say, a what-if
        # settles a million of those. A member without a start date is told why no step applies.
        if known:
            used.append(rule.line("no start date is known for this rider: no seniority step applies"))
        return None
    s = step(rule, employed_since, on)
    years = full_years(employed_since, on)
    if s is None or paid_hours <= 0:
        used.append(rule.line(f"{years} full years since {employed_since.isoformat()}: no step reached"))
        return None
    per_hour = s.amount if s.amount is not None else hourly * (s.percent or 0) / 100
    amount = cents(paid_hours * per_hour)
    what = f"{s.amount!s} {currency} an hour" if s.amount is not None else f"{s.percent!s} % of {hourly!s} {currency}"
    used.append(
        rule.line(
            f"{years} full years since {employed_since.isoformat()}: the step after {s.after_years} years, {what}"
        )
    )
    return PayLine(
        "seniority",
        "seniority",
        rule.term.name,
        rule.clause,
        rule.since_text,
        paid_hours,
        cents(per_hour),
        amount,
        "salary",
        f"{years} years of seniority (step after {s.after_years}): {hours_text(paid_hours)} paid h × {what}",
    )
