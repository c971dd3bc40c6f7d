"""`expenses`: what the platform pays for the rider's equipment, per paid hour, per shift, per kilometre, per
delivery or per month. At settlement a worked shift gets its per-hour, per-shift, per-km and per-delivery items as
untaxed lines; a cancelled shift has none (expenses follow the work done); monthly items are listed, not paid per
shift. Kilometres and deliveries are what the platform sends with the shift's end (`distance_km`, `deliveries`);
a shift without them gets no such line. A bike allowance is a `per: km` item (its amount is configuration: the
agreement's, not the law's)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from gateway.agreements.outcome import Hours, Line, PayLine, ShiftOutcome
from gateway.agreements.payroll import cents
from gateway.agreements.terms.base import InForce, TermValue, hours_text, provenance

TYPE = "expenses"


@dataclass(frozen=True, slots=True)
class ExpenseItem:
    name: str
    amount: Decimal
    per: Literal["paid_hour", "shift", "month", "km", "delivery"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Expenses(TermValue):
    items: tuple[ExpenseItem, ...]


def parse(raw: Mapping[str, Any]) -> Expenses:
    items = tuple(ExpenseItem(i["name"], Decimal(i["amount"]), i["per"]) for i in raw["items"])
    return Expenses(**provenance(raw), items=items)


Rule = InForce[Expenses]


def needs(rule: Rule | None) -> tuple[bool, bool]:
    """(reads the distance, reads the deliveries): what the engine's outcome key must hold for these expenses."""
    if rule is None:
        return False, False
    pers = {i.per for i in rule.value.items}
    return "km" in pers, "delivery" in pers


def _measured(rule: Rule, item: ExpenseItem, s: ShiftOutcome, currency: str) -> PayLine | None:
    """An item paid per kilometre or per delivery, on what the platform measured."""
    qty = s.distance_km if item.per == "km" else (None if s.deliveries is None else Decimal(s.deliveries))
    if not qty:
        return None
    unit = "km" if item.per == "km" else "deliveries"
    return PayLine(
        "expense",
        item.name,
        rule.term.name,
        rule.clause,
        rule.since_text,
        None,
        item.amount,
        cents(qty * item.amount),
        "expense",
        f"{hours_text(qty)} {unit} × {item.amount!s} {currency}",
        qty,
        item.per,
    )


def at_settlement(
    rule: Rule | None, h: Hours, currency: str, used: list[Line], s: ShiftOutcome | None = None
) -> tuple[list[PayLine], list[str]]:
    """(the shift's expense lines, the monthly items in words)."""
    if rule is None:
        return [], []
    lines: list[PayLine] = []
    monthly, line = rule.memo(currency, lambda: (_monthly(rule, currency), _used(rule, currency)))
    for item in rule.value.items if h.status == "worked" else ():
        if item.per == "month":
            continue
        if item.per in ("km", "delivery"):
            measured = None if s is None else _measured(rule, item, s, currency)
            if measured is not None:
                lines.append(measured)
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
                f"{hours_text(qty)} {'paid h' if per_hour else 'shift'} × {item.amount!s} {currency}",
            )
        )
    if lines or monthly:
        used.append(line)
    return lines, list(monthly)


def _monthly(rule: Rule, currency: str) -> tuple[str, ...]:
    return tuple(
        f"{i.name}: {i.amount} {currency} a month ({rule.term.name}, {rule.clause})"
        for i in rule.value.items
        if i.per == "month"
    )


def _used(rule: Rule, currency: str) -> Line:
    return rule.line(", ".join(f"{i.name} {i.amount} {currency} per {i.per}" for i in rule.value.items))
