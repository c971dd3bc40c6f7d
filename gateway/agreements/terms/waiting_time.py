"""`waiting_time`: the time a rider is at work but has no order yet, from the actual start of the shift to the first
delivery, paid as its own line at a percentage of the contract's hourly gross (and never under the hourly floor:
waiting at the platform's disposal is working time).

Distinct from the minimum engagement: these hours are hours worked, carved out of the base line (so they are paid
once, by this line); the minimum engagement then pays, as before, whatever its guarantee adds on top of the hours
worked (with `counted_from: first_delivery`, the guarantee runs from the first delivery and the waiting before it
is this line's). A shift with no delivery at all waits from start to end; a shift that does not report its first
delivery has no waiting time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from gateway.agreements.outcome import Line, PayLine, ShiftOutcome
from gateway.agreements.payroll import cents
from gateway.agreements.terms.base import ZERO, InForce, TermValue, hours_between, hours_text, provenance

TYPE = "waiting_time"
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitingTime(TermValue):
    percent: Decimal


def parse(raw: Mapping[str, Any]) -> WaitingTime:
    return WaitingTime(**provenance(raw), percent=Decimal(str(raw["percent"])))


Rule = InForce[WaitingTime]


def hours(rule: Rule | None, s: ShiftOutcome, start: datetime, worked: Decimal) -> Decimal:
    """The hours waited before the first delivery, within the hours worked."""
    if rule is None or worked <= 0:
        return ZERO
    if s.deliveries == 0:
        return worked
    if s.first_delivery_at is None:
        return ZERO
    return min(worked, max(ZERO, hours_between(start, s.first_delivery_at)))


def rate_of(rule: Rule, rate: Decimal, floor: Decimal) -> Decimal:
    """The hourly gross of waiting: the percentage of the contract's rate, never under the floor. When the contract
    pays an offer under the floor, the floor's top-up covers every hour, waiting too: waiting then keeps the
    offer's full rate, so that with the top-up it reaches the floor."""
    return max(cents(rate * rule.value.percent / HUNDRED), min(rate, floor))


def split_base(
    rule: Rule | None, base: PayLine, waited: Decimal, floor: Decimal, currency: str, used: list[Line]
) -> list[PayLine]:
    """The base line, with the hours waited taken out of it into their own line."""
    if rule is None:
        return [base]
    used.append(
        rule.memo(
            "used",
            lambda: rule.line(f"waiting before the first delivery paid at {rule.value.percent} % of the hourly gross"),
        )
    )
    if waited <= 0 or base.hours is None or base.rate is None:
        return [base]
    rate = base.rate
    wrate = rate_of(rule, rate, floor)
    rest = base.hours - waited
    out = []
    if rest > 0:
        amount = cents(rest * rate)
        out.append(
            PayLine(
                base.code, base.label, base.term, base.clause, base.since, rest, rate, amount, base.kind,
                f"{hours_text(rest)} h × {rate} {currency} (hours worked after the first delivery)",
            )
        )  # fmt: skip
    amount = cents(waited * wrate)
    out.append(
        PayLine(
            "waiting_time",
            "waiting time",
            rule.term.name,
            rule.clause,
            rule.since_text,
            waited,
            wrate,
            amount,
            "salary",
            f"{hours_text(waited)} h waited before the first delivery × {wrate} {currency} "
            + (
                f"({rule.value.percent} % of {rate}, at least the floor)"
                if rate >= floor
                # Under the floor, the floor's top-up line lifts every hour, these too: say where the rest is.
                else f"({rule.value.percent} % of {rate}; the top-up to the floor below covers these hours too)"
            ),
        )
    )
    return out
