"""The agreement engine: one place where terms meet a shift. Pure functions, Decimal throughout.

The booking path, settlement, the CLI and the API all call this module; nothing else interprets terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from gateway.agreements.model import Agreement, AgreementError, Term
from gateway.agreements.payroll import Rates, gross_for_net, net_of

ENGINE_VERSION = 1
HOURS = Decimal("0.0001")
SECONDS_PER_HOUR = Decimal(3600)


class OfferError(ValueError):
    """The offer cannot be compared with the agreement (e.g. another currency)."""


@dataclass(frozen=True, slots=True)
class HourlyOffer:
    hourly_gross: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class PerTripOffer:
    per_trip: Decimal
    currency: str


Offer = HourlyOffer | PerTripOffer


@dataclass(frozen=True, slots=True)
class Booking:
    starts_at: datetime  # aware
    ends_at: datetime  # aware, after starts_at
    offer: Offer | None = None


@dataclass(frozen=True, slots=True)
class Correction:
    """A term the offer broke and what the gateway did: `amended` (the contract complies) or `rejected`."""

    term: str
    term_type: str
    clause: str
    code: str
    action: Literal["amended", "rejected"]
    detail: str
    offered: str | None
    applied: str | None


@dataclass(frozen=True, slots=True)
class Line:
    """One dated value the decision used, with where it comes from."""

    term: str
    clause: str
    value: str
    since: str
    note: str


@dataclass(frozen=True)
class BookingDecision:
    agreement: str
    agreement_version: str
    currency: str
    timezone: str
    local_start: datetime
    booked_hours: Decimal
    minimum_paid_hours: Decimal
    guaranteed_paid_hours: Decimal
    hourly_gross: Decimal
    hourly_net: Decimal
    corrections: list[Correction] = field(default_factory=list)
    used: list[Line] = field(default_factory=list)

    @property
    def rejection(self) -> Correction | None:
        return next((c for c in self.corrections if c.action == "rejected"), None)

    def explanation(self) -> dict[str, Any]:
        return {
            "engine_version": ENGINE_VERSION,
            "agreement": self.agreement,
            "agreement_version": self.agreement_version,
            "local_start": self.local_start.isoformat(),
            "terms_used": [
                {"term": u.term, "clause": u.clause, "value": u.value, "since": u.since, "note": u.note}
                for u in self.used
            ],
        }


def hours_between(start: datetime, end: datetime) -> Decimal:
    """Elapsed hours between two instants (not wall-clock: a DST night counts its real length)."""
    seconds = Decimal(int((end - start).total_seconds()))
    return (seconds / SECONDS_PER_HOUR).quantize(HOURS, rounding=ROUND_HALF_UP)


def _in_force(agreement: Agreement, type_: str, day: date) -> tuple[Term, dict[str, Any]] | None:
    term = agreement.term(type_)
    if term is None:
        return None
    v = term.values.at(day)
    return None if v is None else (term, v.value)


def _line(term: Term, value: dict[str, Any], since: date, shown: str) -> Line:
    return Line(term.name, value.get("clause", term.clause), shown, since.isoformat(), value.get("note", term.note))


def _action(term: Term) -> Literal["amended", "rejected"]:
    return "rejected" if term.enforcement == "reject" else "amended"


def evaluate_booking(agreement: Agreement, booking: Booking) -> BookingDecision:
    local_start = booking.starts_at.astimezone(agreement.timezone)
    day = local_start.date()
    if day < agreement.effective_from:
        raise AgreementError(
            f"agreement {agreement.id} is not in force on {day.isoformat()} "
            f"(it starts {agreement.effective_from.isoformat()})"
        )
    try:
        rates = agreement.profile.rates(day)
    except LookupError as exc:
        raise AgreementError(str(exc)) from exc
    corrections: list[Correction] = []
    used: list[Line] = []

    booked = hours_between(booking.starts_at, booking.ends_at)
    minimum, guaranteed = _minimum_engagement(agreement, day, booked, corrections, used)

    offer = booking.offer
    if offer is not None and offer.currency != agreement.currency:
        raise OfferError(f"the offer is in {offer.currency}; agreement {agreement.id} pays in {agreement.currency}")
    offered_hourly = _piece_rate(agreement, day, offer, corrections, used)
    hourly = _hourly_floors(agreement, day, rates, offered_hourly, corrections, used)

    return BookingDecision(
        agreement=agreement.id,
        agreement_version=agreement.version,
        currency=agreement.currency,
        timezone=agreement.timezone.key,
        local_start=local_start,
        booked_hours=booked,
        minimum_paid_hours=minimum,
        guaranteed_paid_hours=guaranteed,
        hourly_gross=hourly,
        hourly_net=net_of(hourly, rates).net,
        corrections=corrections,
        used=used,
    )


def _minimum_engagement(
    agreement: Agreement, day: date, booked: Decimal, corrections: list[Correction], used: list[Line]
) -> tuple[Decimal, Decimal]:
    found = _in_force(agreement, "minimum_engagement", day)
    if found is None:
        return Decimal(0), booked
    term, value = found
    minimum = Decimal(value["paid_hours"])
    since = term.values.at(day)
    assert since is not None
    used.append(_line(term, value, since.since, f"{minimum:.2f} paid hours a shift"))
    if booked < minimum:
        corrections.append(
            Correction(
                term=term.name,
                term_type=term.type,
                clause=value.get("clause", term.clause),
                code="shift_shorter_than_minimum",
                action=_action(term),
                detail=f"the shift is booked for {booked:.2f} h; the agreement pays at least {minimum:.2f} h a shift",
                offered=f"{booked:.2f} h",
                applied=f"{minimum:.2f} h",
            )
        )
    return minimum, max(booked, minimum)


def _piece_rate(
    agreement: Agreement, day: date, offer: Offer | None, corrections: list[Correction], used: list[Line]
) -> Decimal | None:
    """The hourly rate the platform offered, or None where it offered none (or only a per-trip price)."""
    if isinstance(offer, HourlyOffer):
        return offer.hourly_gross
    if offer is None:
        return None
    found = _in_force(agreement, "piece_rate", day)
    if found is None:
        # An agreement without a piece-rate ban still pays by the hour here: the floor applies.
        return None
    term, value = found
    since = term.values.at(day)
    assert since is not None
    used.append(_line(term, value, since.since, "pay per trip forbidden"))
    corrections.append(
        Correction(
            term=term.name,
            term_type=term.type,
            clause=value.get("clause", term.clause),
            code="per_trip_pay_forbidden",
            action=_action(term),
            detail=f"the platform offered {offer.per_trip} {offer.currency} per trip; the rider is paid by the hour",
            offered=f"{offer.per_trip} {offer.currency} per trip",
            applied="hourly pay",
        )
    )
    return None


def _hourly_floors(
    agreement: Agreement,
    day: date,
    rates: Rates,
    offered: Decimal | None,
    corrections: list[Correction],
    used: list[Line],
) -> Decimal:
    """The hourly gross the contract pays: the offer, lifted to every floor in force that it misses."""
    floors: list[tuple[Term, dict[str, Any], Decimal, str]] = []
    found = _in_force(agreement, "hourly_floor", day)
    if found is not None:
        term, value = found
        amount = Decimal(value["amount"])
        if value["basis"] == "net":
            gross = gross_for_net(amount, rates)
            shown = (
                f"{amount} {agreement.currency} net an hour = {gross} gross (payroll profile {agreement.profile.id})"
            )
        else:
            gross, shown = amount, f"{amount} {agreement.currency} gross an hour"
        floors.append((term, value, gross, shown))
    found = _in_force(agreement, "statutory_minimum", day)
    if found is not None:
        term, value = found
        statutory = rates.statutory_minimum_hourly
        if statutory is None:
            raise AgreementError(
                f"payroll profile {agreement.profile.id} has no statutory minimum wage on {day.isoformat()}, "
                f"which term {term.name} needs"
            )
        floors.append(
            (
                term,
                value,
                statutory,
                (
                    f"statutory minimum {statutory} {agreement.currency} gross an hour "
                    f"(payroll profile {agreement.profile.id}, since {rates.statutory_since})"
                ),
            )
        )

    for term, value, _gross, shown in floors:
        since = term.values.at(day)
        assert since is not None
        used.append(_line(term, value, since.since, shown))
    applied = max([g for _, _, g, _ in floors] + ([offered] if offered is not None else []), default=Decimal(0))
    if offered is None:
        return applied
    for term, value, gross, _shown in floors:
        if offered < gross:
            corrections.append(
                Correction(
                    term=term.name,
                    term_type=term.type,
                    clause=value.get("clause", term.clause),
                    code="hourly_pay_below_floor",
                    action=_action(term),
                    detail=(
                        f"the platform offered {offered} {agreement.currency} gross an hour, under this floor of "
                        f"{gross}; the contract pays {applied}"
                    ),
                    offered=f"{offered} {agreement.currency}/h",
                    applied=f"{applied} {agreement.currency}/h",
                )
            )
    return applied
