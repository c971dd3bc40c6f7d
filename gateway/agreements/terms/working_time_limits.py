"""`working_time_limits`: at most so many hours a day and a week, at least so many hours of rest between two shifts;
each limit with its own enforcement.

- `reject`: the booking is refused (a 422 problem naming the clause); nothing opens.
- `amend`: the contract opens only for the hours within the limit: the rest rule moves the start to the end of the
  rest, the daily and weekly maximums bring the end forward. When no hour is left, the booking is refused.
- `report`: the contract opens as booked and the breach is recorded (action `reported`) for staff and the
  compliance report.

The rest is the rest between working days: from the end of the last shift of an earlier local day to the start of
this one (a lunch and a dinner shift on one day are one working day). The hours before come from every contract of the rider's member on every platform (`WorkedBefore`): the shift's
local day and ISO week (Monday to Sunday in the agreement's time zone) it starts in, and the end of the previous
shift. At settlement the work is done: a breach of the hours actually worked is recorded as `reported`, and every
hour is paid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from gateway.agreements.outcome import Correction, Line, WorkedBefore
from gateway.agreements.terms.base import ZERO, InForce, TermValue, hours_between, hours_text, provenance

TYPE = "working_time_limits"
Enforcement = Literal["amend", "reject", "report"]
ACTIONS: dict[str, Literal["amended", "rejected", "reported"]] = {
    "amend": "amended",
    "reject": "rejected",
    "report": "reported",
}


@dataclass(frozen=True, slots=True)
class Limit:
    hours: Decimal
    enforcement: Enforcement


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkingTimeLimits(TermValue):
    max_hours_day: Limit | None
    max_hours_week: Limit | None
    min_rest_hours: Limit | None


def _limit(raw: Any) -> Limit | None:
    if raw is None:
        return None
    return Limit(Decimal(str(raw["hours"])), raw.get("enforcement", "report"))


def parse(raw: Mapping[str, Any]) -> WorkingTimeLimits:
    return WorkingTimeLimits(
        **provenance(raw),
        max_hours_day=_limit(raw.get("max_hours_day")),
        max_hours_week=_limit(raw.get("max_hours_week")),
        min_rest_hours=_limit(raw.get("min_rest_hours")),
    )


Rule = InForce[WorkingTimeLimits]


def _correction(
    rule: Rule, limit: Limit, code: str, detail: str, found: Decimal, action: Literal["amended", "rejected", "reported"]
) -> Correction:
    return Correction(
        rule.term.name,
        rule.term.type,
        rule.clause,
        code,
        action,
        detail,
        f"{found:.2f} h",
        f"{limit.hours:.2f} h",
        "hours",
        found,
        limit.hours,
    )


def _shown(v: WorkingTimeLimits) -> str:
    parts = []
    if v.max_hours_day is not None:
        parts.append(f"at most {hours_text(v.max_hours_day.hours)} h a day ({v.max_hours_day.enforcement})")
    if v.max_hours_week is not None:
        parts.append(f"at most {hours_text(v.max_hours_week.hours)} h a week ({v.max_hours_week.enforcement})")
    if v.min_rest_hours is not None:
        parts.append(
            f"at least {hours_text(v.min_rest_hours.hours)} h of rest between shifts ({v.min_rest_hours.enforcement})"
        )
    return "; ".join(parts)


def _hours_later(start: datetime, hours: Decimal) -> datetime:
    return start + timedelta(seconds=int(hours * 3600))


def at_booking(
    rule: Rule | None,
    start: datetime,
    end: datetime,
    before: WorkedBefore,
    corrections: list[Correction],
    used: list[Line],
) -> tuple[datetime, datetime]:
    """The window the contract opens for: the booked one, or (amend) the part within the limits."""
    if rule is None:
        return start, end
    v = rule.value
    used.append(rule.memo("used", lambda: rule.line(_shown(v))))
    rest = v.min_rest_hours
    if rest is not None and before.previous_end is not None:
        had = hours_between(before.previous_end, start)
        if had < rest.hours:
            action = ACTIONS[rest.enforcement]
            moved = _hours_later(before.previous_end, rest.hours)
            if action == "amended" and moved >= end:
                action = "rejected"
            detail = f"the previous shift ended {hours_text(max(had, ZERO))} h before this one starts; the agreement "
            detail += f"requires at least {hours_text(rest.hours)} h of rest"
            if action == "amended":
                detail += f"; the contract starts at the end of the rest, {moved.isoformat()}"
                start = moved
            corrections.append(_correction(rule, rest, "rest_shorter_than_minimum", detail, max(had, ZERO), action))
    for limit, earlier, what, code in (
        (v.max_hours_day, before.day_hours, "day", "day_hours_over_limit"),
        (v.max_hours_week, before.week_hours, "week", "week_hours_over_limit"),
    ):
        if limit is None:
            continue
        booked = hours_between(start, end)
        total = earlier + booked
        if total <= limit.hours:
            continue
        action = ACTIONS[limit.enforcement]
        left = limit.hours - earlier
        if action == "amended" and left <= 0:
            action = "rejected"
        detail = (
            f"{hours_text(earlier)} h already that {what} (every platform) and {hours_text(booked)} h booked make "
            f"{hours_text(total)} h; the agreement allows at most {hours_text(limit.hours)} h a {what}"
        )
        if action == "amended":
            end = _hours_later(start, left)
            detail += f"; the contract is opened for {hours_text(left)} h, until {end.isoformat()}"
        corrections.append(_correction(rule, limit, code, detail, total, action))
    return start, end


def at_settlement(
    rule: Rule | None, start: datetime, worked: Decimal, before: WorkedBefore, corrections: list[Correction] | None
) -> None:
    """The hours actually worked past a limit, or a rest actually too short: recorded as reported (the work is
    done; every hour is paid)."""
    if rule is None or corrections is None or worked <= 0:
        return
    v = rule.value
    rest = v.min_rest_hours
    if rest is not None and before.previous_end is not None:
        had = max(hours_between(before.previous_end, start), ZERO)
        if had < rest.hours:
            corrections.append(
                _correction(
                    rule,
                    rest,
                    "rest_shorter_than_minimum",
                    f"the work started {hours_text(had)} h after the previous shift ended; the agreement requires "
                    f"at least {hours_text(rest.hours)} h of rest (all hours worked are paid)",
                    had,
                    "reported",
                )
            )
    for limit, earlier, what, code in (
        (v.max_hours_day, before.day_hours, "day", "day_hours_over_limit"),
        (v.max_hours_week, before.week_hours, "week", "week_hours_over_limit"),
    ):
        if limit is not None and earlier + worked > limit.hours:
            corrections.append(
                _correction(
                    rule,
                    limit,
                    code,
                    f"{hours_text(earlier)} h earlier that {what} (every platform) and {hours_text(worked)} h worked "
                    f"make {hours_text(earlier + worked)} h, past the {hours_text(limit.hours)} h a {what} the "
                    "agreement allows (all hours worked are paid)",
                    earlier + worked,
                    "reported",
                )
            )
