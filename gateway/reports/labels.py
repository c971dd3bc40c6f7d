"""Plain-language names for what the reports show: terms, corrections, contract statuses.

Negotiators read these reports, not programmers: a key never reaches a page when a name exists. A term is named
by its usual key, else by its type (an agreement may call its terms anything); a key nobody has named yet (a term
type added later) is shown as words, never dropped.
"""

from __future__ import annotations

from gateway.agreements.model import Agreement

# By term type (gateway/agreements/terms/*.py, TYPE).
TERM_TYPES = {
    "minimum_engagement": "Minimum paid hours per shift",
    "hourly_floor": "Hourly pay floor",
    "statutory_minimum": "Statutory minimum wage",
    "piece_rate": "No pay per delivery",
    "expenses": "Work expenses paid by the platform",
    "insurance": "Insurance",
    "payment_term": "Payment within the agreed days",
    "guarantee_levy": "Guarantee fund levy",
    "premium": "Premiums (night, Sunday, holiday)",
    "premiums": "Premiums (night, Sunday, holiday)",
    "overtime": "Overtime",
    "limits": "Working-time limits",
    "working_time_limits": "Working-time limits",
    "expenses_per_km": "Expenses per kilometre",
    "rider_status": "Rider's employment status",
}
# By the term's name in the agreement file, when the agreement is not at hand.
TERM_NAMES = {
    "minimum_engagement": "Minimum paid hours per shift",
    "net_hourly_floor": "Net hourly pay floor",
    "statutory_minimum_wage": "Statutory minimum wage",
    "no_piece_rate": "No pay per delivery",
    "platform_expenses": "Work expenses paid by the platform",
    "payment_term": "Payment within the agreed days",
    "guarantee_levy": "Guarantee fund levy",
}
# What the platform offered that a term does not allow (the engine's correction codes).
CODES = {
    "shift_shorter_than_minimum": "shift booked shorter than the minimum",
    "hourly_pay_below_floor": "hourly pay offered below the agreed minimum",
    "per_trip_pay_forbidden": "pay per delivery offered",
    # The limits are checked at booking and again on the hours worked, at settlement: one code for both.
    "rest_shorter_than_minimum": "booked or worked without the minimum rest since the last working day",
    "day_hours_over_limit": "booked or worked past the maximum hours a day",
    "week_hours_over_limit": "booked or worked past the maximum hours a week",
}
STATUSES = {
    "open": "booked, not worked yet",
    "active": "being worked",
    "completed": "worked, not settled yet",
    "settled": "settled, rider not paid yet",
    "paid": "rider paid",
    "cancelled": "cancelled",
    "blocked": "blocked (no declaration of employment)",
}


def words(key: str) -> str:
    """A key nobody has named: `night_premium` -> `Night premium`."""
    text = key.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else key


def term(name: str, agreement: Agreement | None = None, type_: str | None = None) -> str:
    """The term's name as people say it: by its usual key, else by its type (given, or found in `agreement`),
    else in words."""
    if name in TERM_NAMES:
        return TERM_NAMES[name]
    found = agreement.terms.get(name) if agreement is not None else None
    kind = type_ or (found.type if found is not None else None)
    if kind in TERM_TYPES:
        return TERM_TYPES[kind]
    return TERM_TYPES.get(name) or words(name)


def code(key: str) -> str:
    return CODES.get(key) or words(key).lower()


def status(key: str) -> str:
    return STATUSES.get(key) or words(key).lower()
