"""Typed terms: each term type of the schema's catalogue has one module, its values are parsed at load, and the
corrections it makes carry their numbers."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from gateway.agreements import terms
from gateway.agreements.engine import Booking, HourlyOffer, PerTripOffer, ShiftOutcome, evaluate_booking, evaluate_shift
from gateway.agreements.model import Agreement
from gateway.agreements.terms.base import TermValue
from gateway.agreements.terms.minimum_engagement import MinimumEngagement, ShortNoticeCancellation
from tests.agreements.conftest import BUNDLED


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_every_term_type_of_the_schema_has_one_module() -> None:
    schema = json.loads((BUNDLED / "agreement.schema.json").read_text(encoding="utf-8"))
    assert set(terms.PARSERS) == set(schema["$defs"]["termHead"]["properties"]["type"]["enum"])


def test_every_dated_value_is_typed_at_load(belgian: Agreement) -> None:
    for term in belgian.terms.values():
        for _day, value in term.values.items():
            assert isinstance(value, TermValue) and value.clause
            assert type(value) is type(terms.parse(term.type, value.written))


def test_the_three_hour_rule_is_read_as_numbers(belgian: Agreement) -> None:
    term = belgian.term("minimum_engagement")
    assert term is not None
    value = term.values.at(belgian.effective_from)
    assert value is not None and isinstance(value.value, MinimumEngagement)
    assert value.value.paid_hours == Decimal(3)
    assert value.value.counted_from == "first_delivery"
    assert value.value.short_notice_cancellation == ShortNoticeCancellation(Decimal(24), "minimum")


def test_booking_corrections_carry_unit_and_values(belgian: Agreement) -> None:
    d = evaluate_booking(
        belgian,
        Booking(_at("2026-03-02T18:00+01:00"), _at("2026-03-02T20:00+01:00"), HourlyOffer(Decimal("9.00"), "EUR")),
    )
    assert [(c.code, c.unit, c.offered_value, c.applied_value) for c in d.corrections] == [
        ("shift_shorter_than_minimum", "hours", Decimal(2), Decimal(3)),
        ("hourly_pay_below_floor", "hourly_gross", Decimal("9.00"), d.hourly_gross),
        ("hourly_pay_below_floor", "hourly_gross", Decimal("9.00"), d.hourly_gross),
    ]
    per_trip = evaluate_booking(
        belgian,
        Booking(_at("2026-03-02T18:00+01:00"), _at("2026-03-02T22:00+01:00"), PerTripOffer(Decimal("4.50"), "EUR")),
    )
    assert [(c.code, c.unit, c.offered_value, c.applied_value) for c in per_trip.corrections] == [
        ("per_trip_pay_forbidden", "per_trip", Decimal("4.50"), None)
    ]


def test_a_short_notice_cancellation_says_it_pays_the_minimum_in_hours(belgian: Agreement) -> None:
    booking = Booking(_at("2026-03-02T18:00+01:00"), _at("2026-03-02T22:00+01:00"))
    st = evaluate_shift(belgian, ShiftOutcome(booking, cancelled_at=_at("2026-03-02T12:00+01:00")))
    assert st.status == "cancelled_paid"
    assert [(c.code, c.unit, c.offered_value, c.applied_value) for c in st.corrections] == [
        ("cancelled_at_short_notice", "hours", Decimal(0), Decimal(3))
    ]
