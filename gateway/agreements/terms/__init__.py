"""The closed catalogue of term types, one module each (the enum in agreements/agreement.schema.json).

Each module holds one type's typed value, parsed at load, and what the term does at booking, at settlement and
on cancellation; `gateway.agreements.engine` only calls them in order. To find what a rule does, open its module:
the 3-hour rule is `minimum_engagement`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gateway.agreements.terms import (
    bonus,
    expenses,
    guarantee_levy,
    hourly_floor,
    insurance,
    minimum_engagement,
    overtime,
    payment_term,
    piece_rate,
    premiums,
    seniority,
    statutory_minimum,
    waiting_time,
    working_time_limits,
)
from gateway.agreements.terms.base import TermValue

PARSERS: dict[str, Callable[[Mapping[str, Any]], TermValue]] = {
    minimum_engagement.TYPE: minimum_engagement.parse,
    hourly_floor.TYPE: hourly_floor.parse,
    statutory_minimum.TYPE: statutory_minimum.parse,
    piece_rate.TYPE: piece_rate.parse,
    expenses.TYPE: expenses.parse,
    insurance.TYPE: insurance.parse,
    payment_term.TYPE: payment_term.parse,
    guarantee_levy.TYPE: guarantee_levy.parse,
    bonus.TYPE: bonus.parse,
    seniority.TYPE: seniority.parse,
    premiums.TYPE: premiums.parse,
    overtime.TYPE: overtime.parse,
    working_time_limits.TYPE: working_time_limits.parse,
    waiting_time.TYPE: waiting_time.parse,
}


def parse(type_: str, raw: Mapping[str, Any]) -> TermValue:
    """A dated value of a term of `type_`, typed. The schema has checked its shape; this reads it once."""
    return PARSERS[type_](raw)
