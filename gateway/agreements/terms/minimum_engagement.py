"""`minimum_engagement`: the 3-hour rule. Every shift is paid at least `paid_hours`, counted from the shift's start
or from the first delivery; with it, what a shift cancelled at short notice pays and what a rider sent home early
is paid. At booking it guarantees the hours, at settlement it pays them, on cancellation it decides whether the
shift is owed at all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from gateway.agreements.outcome import Correction, Hours, Line, PayLine, ShiftOutcome
from gateway.agreements.payroll import cents
from gateway.agreements.terms.base import HOURS, ZERO, InForce, TermValue, hours_between, hours_text, provenance

TYPE = "minimum_engagement"


@dataclass(frozen=True, slots=True)
class ShortNoticeCancellation:
    notice_hours: Decimal  # a cancellation less than this many hours before the start is at short notice
    pays: Literal["minimum", "booked", "nothing"]


@dataclass(frozen=True, slots=True)
class CancellationBand:
    notice_under_hours: Decimal  # a cancellation with less notice than this falls in the band
    pays_percent: Decimal


@dataclass(frozen=True, slots=True)
class GradedCancellation:
    """Cancellation pay graded by notice: the first band (shortest notice first) whose `notice_under_hours` the
    notice falls under pays its percentage of the booked hours (`of: booked`) or of what the booking guaranteed,
    at least the minimum (`of: guaranteed`); with more notice than every band, nothing."""

    of: Literal["booked", "guaranteed"]
    bands: tuple[CancellationBand, ...]


@dataclass(frozen=True, slots=True)
class SentHomeEarly:
    pays: Literal["minimum", "booked"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MinimumEngagement(TermValue):
    paid_hours: Decimal
    counted_from: Literal["shift_start", "first_delivery"]
    short_notice_cancellation: ShortNoticeCancellation | None = None
    sent_home_early: SentHomeEarly | None = None
    graded_cancellation: GradedCancellation | None = None


def parse(raw: Mapping[str, Any]) -> MinimumEngagement:
    notice = raw.get("short_notice_cancellation")
    home = raw.get("sent_home_early")
    return MinimumEngagement(
        **provenance(raw),
        paid_hours=Decimal(raw["paid_hours"]),
        counted_from=raw["counted_from"],
        short_notice_cancellation=(
            None if notice is None else ShortNoticeCancellation(Decimal(notice["notice_hours"]), notice["pays"])
        ),
        sent_home_early=None if home is None else SentHomeEarly(home["pays"]),
        graded_cancellation=_graded(raw.get("graded_cancellation")),
    )


def _graded(raw: Mapping[str, Any] | None) -> GradedCancellation | None:
    if raw is None:
        return None
    bands = sorted(
        (CancellationBand(Decimal(b["notice_under_hours"]), Decimal(b["pays_percent"])) for b in raw["bands"]),
        key=lambda b: b.notice_under_hours,
    )
    return GradedCancellation(raw.get("of", "booked"), tuple(bands))


Rule = InForce[MinimumEngagement]
# No time waited, to the ten-thousandth as `hours_between` counts it (the paid hours keep that exponent: "3.0000").
NO_HOURS = ZERO.quantize(HOURS)


def minimum_hours(rule: Rule | None) -> Decimal:
    return ZERO if rule is None else rule.value.paid_hours


def _shorter(rule: Rule, hours: Decimal, paid: Decimal, corrections: list[Correction], used: list[Line]) -> None:
    """Record the minimum used and, when `hours` (booked or worked) fall short of `paid`, the correction."""
    minimum = rule.value.paid_hours
    used.append(
        rule.memo(
            "used", lambda: rule.line(f"{minimum:.2f} paid hours a shift, counted from {rule.value.counted_from}")
        )
    )
    if hours < paid:
        corrections.append(
            rule.correction(
                "shift_shorter_than_minimum",
                f"the shift lasts {hours:.2f} h; the agreement pays at least {minimum:.2f} h a shift"
                + (f" ({paid:.2f} h here)" if paid != minimum else ""),
                f"{hours:.2f} h",
                f"{paid:.2f} h",
                "hours",
                hours,
                paid,
            )
        )


def at_booking(rule: Rule | None, booked: Decimal, corrections: list[Correction], used: list[Line]) -> Decimal:
    """The paid hours a booking guarantees: at least the minimum."""
    guaranteed = max(booked, minimum_hours(rule))
    if rule is not None:
        _shorter(rule, booked, guaranteed, corrections, used)
    return guaranteed


def at_settlement(
    rule: Rule | None,
    s: ShiftOutcome,
    worked: Decimal,
    booked: Decimal,
    start: datetime,
    end: datetime,
    corrections: list[Correction] | None,
    used: list[Line] | None,
) -> Hours:
    """The paid hours of a shift worked from `start` to `end`: at least the minimum, counted from its anchor.
    Without `corrections` and `used`, the hours only (the engine's outcome key needs no words)."""
    if rule is None:
        return Hours("worked", worked, worked, end)
    waited = NO_HOURS
    first = s.first_delivery_at
    if rule.value.counted_from == "first_delivery" and first is not None and s.deliveries != 0 and first > start:
        waited = hours_between(start, first)
    # The guarantee runs from the anchor; time before it (waiting for the first order) is paid too.
    paid = max(worked, waited + rule.value.paid_hours)
    home = rule.value.sent_home_early
    if s.sent_home_early and end < s.booking.ends_at and home is not None and home.pays == "booked" and booked > paid:
        paid = booked
        if corrections is None or used is None:
            return Hours("worked", worked, paid, end)
        used.append(rule.line("a rider sent home early is paid the booked hours"))
        corrections.append(
            rule.correction(
                "sent_home_early",
                f"the rider was sent home after {worked:.2f} h of {booked:.2f} h booked; the booked hours are paid",
                f"{worked:.2f} h",
                f"{paid:.2f} h",
                "hours",
                worked,
                paid,
            )
        )
        return Hours("worked", worked, paid, end)
    if corrections is not None and used is not None:
        _shorter(rule, worked, paid, corrections, used)
    return Hours("worked", worked, paid, end)


def on_cancellation(
    rule: Rule | None,
    s: ShiftOutcome,
    booked: Decimal,
    corrections: list[Correction] | None,
    used: list[Line] | None,
) -> Hours:
    """A shift cancelled before it started: unpaid, unless cancelled at short notice under a policy that pays.
    Without `corrections` and `used`, the hours only."""
    b = s.booking
    assert s.cancelled_at is not None
    if rule is not None and rule.value.graded_cancellation is not None:
        return _graded_cancellation(rule, rule.value.graded_cancellation, s, booked, corrections, used)
    policy = rule.value.short_notice_cancellation if rule is not None else None
    notice = hours_between(s.cancelled_at, b.starts_at)
    if rule is None or policy is None or notice >= policy.notice_hours or policy.pays == "nothing":
        return Hours("cancelled_unpaid", ZERO, ZERO, b.ends_at)
    paid = rule.value.paid_hours if policy.pays == "minimum" else booked
    if corrections is None or used is None:
        return Hours("cancelled_paid", ZERO, paid, b.ends_at)
    used.append(
        rule.line(f"a shift cancelled less than {_written(policy.notice_hours)} h before its start pays {policy.pays}")
    )
    corrections.append(
        rule.correction(
            "cancelled_at_short_notice",
            f"the platform cancelled {max(notice, ZERO):.2f} h before the start (less than "
            f"{_written(policy.notice_hours)} h); the shift is paid {paid:.2f} h",
            "cancelled, unpaid",
            f"{paid:.2f} h",
            "hours",
            ZERO,
            paid,
        )
    )
    return Hours("cancelled_paid", ZERO, paid, b.ends_at)


def _graded_cancellation(
    rule: Rule,
    graded: GradedCancellation,
    s: ShiftOutcome,
    booked: Decimal,
    corrections: list[Correction] | None,
    used: list[Line] | None,
) -> Hours:
    b = s.booking
    assert s.cancelled_at is not None
    notice = hours_between(s.cancelled_at, b.starts_at)
    band = next((x for x in graded.bands if notice < x.notice_under_hours), None)
    if band is None or band.pays_percent <= 0:
        return Hours("cancelled_unpaid", ZERO, ZERO, b.ends_at)
    base = booked if graded.of == "booked" else max(booked, rule.value.paid_hours)
    paid = (base * band.pays_percent / 100).quantize(HOURS, rounding=ROUND_HALF_UP)
    if corrections is None or used is None:
        return Hours("cancelled_paid", ZERO, paid, b.ends_at)
    of = "booked hours" if graded.of == "booked" else "hours the booking guaranteed"
    used.append(
        rule.line(
            "a cancelled shift pays "
            + ", ".join(
                f"{_written(x.pays_percent)} % with less than {_written(x.notice_under_hours)} h notice"
                for x in graded.bands
            )
            + f" (of the {of})"
        )
    )
    corrections.append(
        rule.correction(
            "cancelled_at_short_notice",
            f"the platform cancelled {max(notice, ZERO):.2f} h before the start (less than "
            f"{_written(band.notice_under_hours)} h); the shift pays {_written(band.pays_percent)} % of "
            f"{base:.2f} h ({of}): {paid:.2f} h",
            "cancelled, unpaid",
            f"{paid:.2f} h",
            "hours",
            ZERO,
            paid,
        )
    )
    return Hours("cancelled_paid", ZERO, paid, b.ends_at)


def _written(hours: Decimal) -> str:
    # The notice as the agreement writes it ("24"), as the explanations always showed it.
    return str(hours)


def pay_line(rule: Rule | None, h: Hours, rate: Decimal, base: Decimal, currency: str) -> PayLine | None:
    """At settlement: the hours paid beyond those worked (the minimum, or a short-notice cancellation)."""
    extra = h.paid - h.worked
    if extra <= 0 or rule is None:
        return None
    label = "short-notice cancellation" if h.status == "cancelled_paid" else "minimum engagement"
    return PayLine(
        "minimum_engagement",
        label,
        rule.term.name,
        rule.clause,
        rule.since_text,
        extra,
        rate,
        # The paid hours are paid as one amount, rounded once, so that the floor's gross-up (which rounds the
        # shift's gross once) holds; this line is what the base line leaves of it.
        cents(h.paid * rate) - base,
        "salary",
        f"{h.paid:.2f} h paid at least: {hours_text(extra)} h more than worked, at {rate!s} {currency}",
    )
