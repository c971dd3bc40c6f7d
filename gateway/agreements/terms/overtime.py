"""`overtime`: hours past a daily or a weekly threshold earn a supplement, a percentage of the contract's hourly gross.

A rider's day and week span contracts and platforms: the hours the member worked (or is booked for) earlier on the
shift's local day and in its ISO week (Monday to Sunday, in the agreement's time zone), on every platform, come in
as `WorkedBefore` (the settlement service counts them; the engine stays pure). The whole shift counts towards the
day and the week it starts in. The hours themselves are already paid by the base line; the overtime line pays the
supplement only (e.g. +50 %), on the hours worked past the threshold: the day's and the week's overtime are not
added up, the larger of the two is paid. Unworked hours paid by the minimum engagement are not working time and
earn none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gateway.agreements.outcome import Line, PayLine, WorkedBefore
from gateway.agreements.payroll import cents
from gateway.agreements.terms.base import ZERO, InForce, TermValue, hours_text, provenance

TYPE = "overtime"
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True, kw_only=True)
class Overtime(TermValue):
    daily_hours: Decimal | None
    weekly_hours: Decimal | None
    percent: Decimal


def parse(raw: Mapping[str, Any]) -> Overtime:
    daily, weekly = raw.get("daily_hours"), raw.get("weekly_hours")
    return Overtime(
        **provenance(raw),
        daily_hours=None if daily is None else Decimal(str(daily)),
        weekly_hours=None if weekly is None else Decimal(str(weekly)),
        percent=Decimal(str(raw["percent"])),
    )


Rule = InForce[Overtime]


def _past(threshold: Decimal | None, before: Decimal, worked: Decimal) -> Decimal:
    """The hours of this shift past `threshold` when `before` hours came first (none without a threshold)."""
    if threshold is None:
        return ZERO
    return min(worked, max(ZERO, before + worked - threshold))


def hours(rule: Rule | None, worked: Decimal, before: WorkedBefore) -> Decimal:
    """The hours of this shift paid as overtime: the larger of the day's and the week's."""
    if rule is None or worked <= 0:
        return ZERO
    v = rule.value
    return max(_past(v.daily_hours, before.day_hours, worked), _past(v.weekly_hours, before.week_hours, worked))


def _shown(v: Overtime) -> str:
    over = [f"{hours_text(t)} h a {w}" for t, w in ((v.daily_hours, "day"), (v.weekly_hours, "week")) if t is not None]
    return f"+{v.percent} % for the hours past " + " or ".join(over)


# The term as used, worded once per dated value (kept with it, so an id is never taken for another's).
_USED: dict[tuple[int, str], tuple[Overtime, Line]] = {}


def at_settlement(
    rule: Rule | None, worked: Decimal, before: WorkedBefore, rate: Decimal, currency: str, used: list[Line]
) -> PayLine | None:
    if rule is None:
        return None
    v = rule.value
    key = (id(v), rule.since_text)
    found = _USED.get(key)
    if found is None or found[0] is not v:
        if len(_USED) > 1024:
            _USED.clear()
        found = _USED[key] = (v, rule.line(_shown(v)))
    used.append(found[1])
    extra = hours(rule, worked, before)
    if extra <= 0:
        return None
    hourly = rate * v.percent / HUNDRED
    amount = cents(extra * hourly)
    counted = []
    if v.daily_hours is not None:
        counted.append(f"{hours_text(before.day_hours)} h earlier that day")
    if v.weekly_hours is not None:
        counted.append(f"{hours_text(before.week_hours)} h earlier that week")
    return PayLine(
        "overtime",
        "overtime supplement",
        rule.term.name,
        rule.clause,
        rule.since_text,
        extra,
        hourly,
        amount,
        "salary",
        f"{' and '.join(counted)} (every platform), then {hours_text(worked)} h: {hours_text(extra)} h past "
        f"the threshold × {rate!s} {currency} × {v.percent!s} % = {amount!s} {currency}",
    )
