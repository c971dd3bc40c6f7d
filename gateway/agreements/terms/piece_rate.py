"""`piece_rate`: whether a platform may pay per trip. Forbidden: a per-trip offer becomes hourly pay at the floors
(at booking and settlement, with a correction). Allowed: the trips are paid, topped up to the floors at settlement
(a per-trip offer cannot be compared per hour before the trips are known, so a booking guarantees the floor).
No less favourable: a per-trip offer is neither paid per trip nor replaced: the booking guarantees the hourly
floor, and at settlement the rider gets the better of the hourly pay and the offer's trips × price, paid as hours
(`offer_match`: the paid hours at the rate that matches the offer's total), never as a per-trip line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from gateway.agreements.outcome import Correction, HourlyOffer, Line, Offer, PayLine, PerTripOffer, ShiftOutcome
from gateway.agreements.payroll import cents
from gateway.agreements.terms.base import InForce, TermValue, hours_text, provenance

TYPE = "piece_rate"


@dataclass(frozen=True, slots=True, kw_only=True)
class PieceRate(TermValue):
    policy: Literal["forbidden", "allowed", "no_less_favourable"]


def parse(raw: Mapping[str, Any]) -> PieceRate:
    return PieceRate(**provenance(raw), policy=raw["policy"])


Rule = InForce[PieceRate]


def pays_trips(rule: Rule | None, offer: Offer | None) -> bool:
    """Whether the shift is paid per trip (so its number of trips counts): a per-trip offer the terms allow."""
    return isinstance(offer, PerTripOffer) and (rule is None or rule.value.policy == "allowed")


def compares_trips(rule: Rule | None, offer: Offer | None) -> bool:
    """Whether a per-trip offer is compared with the hourly pay at settlement (policy no_less_favourable)."""
    return isinstance(offer, PerTripOffer) and rule is not None and rule.value.policy == "no_less_favourable"


def offer_terms(
    rule: Rule | None, offer: Offer | None, corrections: list[Correction], used: list[Line]
) -> tuple[Decimal | None, Decimal | None]:
    """(hourly rate offered, per-trip price allowed): a forbidden per-trip offer becomes hourly pay at the floor."""
    if isinstance(offer, HourlyOffer):
        return offer.hourly_gross, None
    if offer is None:
        return None, None
    if pays_trips(rule, offer):
        if rule is not None:
            used.append(rule.line("pay per trip allowed, topped up to the hourly floors"))
        return None, offer.per_trip
    assert rule is not None  # only a term that forbids it refuses a per-trip offer
    if rule.value.policy == "no_less_favourable":
        used.append(
            rule.line(
                f"no less favourable: the offer of {offer.per_trip} {offer.currency} a trip is compared at settlement "
                "with the hourly pay, and the better is paid, as hours"
            )
        )
        return None, None
    used.append(rule.line("pay per trip forbidden"))
    corrections.append(
        rule.correction(
            "per_trip_pay_forbidden",
            f"the platform offered {offer.per_trip} {offer.currency} per trip; the rider is paid by the hour",
            f"{offer.per_trip} {offer.currency} per trip",
            "hourly pay",
            "per_trip",
            offer.per_trip,
            None,
        )
    )
    return None, None


def trips_line(
    rule: Rule | None, s: ShiftOutcome, per_trip: Decimal, currency: str, offer_source: tuple[str, str]
) -> PayLine:
    """At settlement: the trips paid at the price allowed (the offer's, where no term speaks of it)."""
    trips = s.deliveries or 0
    term, clause = (rule.term.name, rule.clause) if rule else offer_source
    return PayLine(
        "trips",
        "pay per trip",
        term,
        clause,
        rule.since_text if rule else None,
        None,
        per_trip,
        cents(per_trip * trips),
        "salary",
        f"{trips} trips × {per_trip} {currency}",
    )


def offer_match(
    rule: Rule,
    s: ShiftOutcome,
    offer: PerTripOffer,
    paid_hours: Decimal,
    hourly_total: Decimal,
    currency: str,
    used: list[Line],
) -> PayLine | None:
    """At settlement, under no_less_favourable: when the offer's trips × price beat the hourly pay, the paid hours
    are paid that total (a rate that matches it), as one line on top of the hourly lines; else nothing to pay, and
    the comparison is said among the terms used (the rider sees that the offer was weighed, and lost)."""
    trips = s.deliveries or 0
    total = cents(offer.per_trip * trips)
    if paid_hours <= 0:
        return None
    if total <= hourly_total:
        used.append(
            rule.line(
                f"the offer, {trips} trips × {offer.per_trip!s} {currency} = {total!s} {currency}, is not more than "
                f"the hourly pay of {hourly_total!s} {currency}: the hours are paid"
            )
        )
        return None
    rate = cents(total / paid_hours)
    return PayLine(
        "offer_match",
        "hours paid at the rate that matches the offer's total",
        rule.term.name,
        rule.clause,
        rule.since_text,
        paid_hours,
        rate,
        total - hourly_total,
        "salary",
        f"the offer, {trips} trips × {offer.per_trip} {currency} = {total} {currency}, is more than the hourly pay "
        f"of {hourly_total} {currency}: the {hours_text(paid_hours)} paid h are paid {total} {currency} "
        f"(about {rate} {currency} an hour), {total - hourly_total} {currency} more",
        Decimal(trips),
        "trip",
    )
