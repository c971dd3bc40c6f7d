"""`payment_term`: the rider is paid within N calendar or business days of the shift's end (business days skip
weekends and the country's public holidays), whatever the platform does. Read at settlement."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from gateway.agreements.calendar import due_date
from gateway.agreements.outcome import Line
from gateway.agreements.terms.base import InForce, TermValue, provenance

TYPE = "payment_term"


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentTerm(TermValue):
    days: int
    kind: Literal["calendar", "business"]


def parse(raw: Mapping[str, Any]) -> PaymentTerm:
    return PaymentTerm(**provenance(raw), days=int(raw["days"]), kind=raw["kind"])


Rule = InForce[PaymentTerm]


def at_settlement(
    rule: Rule | None, country: str, timezone: ZoneInfo, end: datetime, used: list[Line]
) -> tuple[date | None, str | None]:
    """(the date the rider is paid by, why): counted from the local day the work ended."""
    if rule is None:
        return None, None
    start = end.astimezone(timezone).date()
    due, why, line = rule.memo((country, start), lambda: _due(rule, country, start))
    used.append(line)
    return due, why


def _due(rule: Rule, country: str, start: date) -> tuple[date, str, Line]:
    days, kind = rule.value.days, rule.value.kind
    due, skipped = due_date(country, start, days, kind)
    why = f"{days} {kind} days after {start.isoformat()}"
    if skipped:
        why += "; public holidays skipped: " + ", ".join(f"{d.isoformat()} {n}" for d, n in skipped)
    return due, why, rule.line(f"paid within {days} {kind} days ({country} public holidays skipped)")
