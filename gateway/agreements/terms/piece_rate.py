"""`piece_rate`: whether a platform may pay per trip. Forbidden: a per-trip offer becomes hourly pay at the floors
(at booking and settlement, with a correction). Allowed: the trips are paid, topped up to the floors at settlement
(a per-trip offer cannot be compared per hour before the trips are known, so a booking guarantees the floor)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from gateway.agreements.outcome import Correction, HourlyOffer, Line, Offer, PayLine, PerTripOffer, ShiftOutcome
from gateway.agreements.payroll import cents
from gateway.agreements.terms.base import InForce, TermValue, provenance

TYPE = "piece_rate"


@dataclass(frozen=True, slots=True, kw_only=True)
class PieceRate(TermValue):
    policy: Literal["forbidden", "allowed"]


def parse(raw: Mapping[str, Any]) -> PieceRate:
    return PieceRate(**provenance(raw), policy=raw["policy"])


Rule = InForce[PieceRate]


def pays_trips(rule: Rule | None, offer: Offer | None) -> bool:
    """Whether the shift is paid per trip (so its number of trips counts): a per-trip offer the terms allow."""
    return isinstance(offer, PerTripOffer) and (rule is None or rule.value.policy == "allowed")


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
