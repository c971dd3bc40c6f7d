"""`expenses`: what the platform pays for the rider's equipment, per paid hour, per shift or per month. At
settlement a worked shift gets its per-hour and per-shift items as untaxed lines; a cancelled shift has none
(expenses follow the work done); monthly items are listed, not paid per shift."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from gateway.agreements.outcome import Hours, Line, PayLine
from gateway.agreements.payroll import cents
from gateway.agreements.terms.base import InForce, TermValue, hours_text, provenance

TYPE = "expenses"


@dataclass(frozen=True, slots=True)
class ExpenseItem:
    name: str
    amount: Decimal
    per: Literal["paid_hour", "shift", "month"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Expenses(TermValue):
    items: tuple[ExpenseItem, ...]


def parse(raw: Mapping[str, Any]) -> Expenses:
    items = tuple(ExpenseItem(i["name"], Decimal(i["amount"]), i["per"]) for i in raw["items"])
    return Expenses(**provenance(raw), items=items)


Rule = InForce[Expenses]


def at_settlement(rule: Rule | None, h: Hours, currency: str, used: list[Line]) -> tuple[list[PayLine], list[str]]:
    """(the shift's expense lines, the monthly items in words)."""
    if rule is None:
        return [], []
    lines: list[PayLine] = []
    monthly: list[str] = []
    for item in rule.value.items:
        if item.per == "month":
            monthly.append(f"{item.name}: {item.amount} {currency} a month ({rule.term.name}, {rule.clause})")
            continue
        if h.status != "worked":
            continue
        per_hour = item.per == "paid_hour"
        qty = h.paid if per_hour else Decimal(1)
        lines.append(
            PayLine(
                "expense",
                item.name,
                rule.term.name,
                rule.clause,
                rule.since_text,
                qty if per_hour else None,
                item.amount,
                cents(qty * item.amount),
                "expense",
                f"{hours_text(qty)} {'paid h' if per_hour else 'shift'} × {item.amount} {currency}",
            )
        )
    if lines or monthly:
        used.append(rule.line(", ".join(f"{i.name} {i.amount} {currency} per {i.per}" for i in rule.value.items)))
    return lines, monthly
