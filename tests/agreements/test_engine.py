from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gateway.agreements.engine import (
    Booking,
    HourlyOffer,
    OfferError,
    PerTripOffer,
    ShiftOutcome,
    evaluate_booking,
    evaluate_shift,
    hours_between,
    terms_in_force,
)
from gateway.agreements.examples import check, load_examples
from gateway.agreements.loader import AgreementBook, Reader
from gateway.agreements.model import Agreement, AgreementError
from tests.agreements.conftest import AGREEMENT_ID, BUNDLED, Edit

BRUSSELS = ZoneInfo("Europe/Brussels")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _shift(start: str, end: str, offer: HourlyOffer | PerTripOffer | None = None, **kw: object) -> ShiftOutcome:
    return ShiftOutcome(Booking(_at(start), _at(end), offer), **kw)  # type: ignore[arg-type]


EUR13 = HourlyOffer(Decimal("13.00"), "EUR")


def _bundled_examples() -> list[str]:
    rd = Reader(BUNDLED)
    names = [e.name for e in load_examples(BUNDLED / AGREEMENT_ID, rd)]
    assert not rd.issues
    return names


@pytest.mark.parametrize("name", _bundled_examples())
def test_bundled_worked_example_holds(belgian: Agreement, name: str) -> None:
    example = next(e for e in load_examples(BUNDLED / AGREEMENT_ID, Reader(BUNDLED)) if e.name == name)
    result = check(belgian, example)
    assert result.error is None
    assert result.mismatches == []


def test_the_belgian_agreement_ships_at_least_fifteen_examples() -> None:
    assert len(_bundled_examples()) >= 15


def test_hours_between_counts_real_time_even_with_one_zone_object() -> None:
    # Python subtracts two datetimes sharing a tzinfo on the wall clock; the engine must not.
    start = datetime(2026, 10, 25, 1, 0, tzinfo=BRUSSELS)
    end = datetime(2026, 10, 25, 3, 0, tzinfo=BRUSSELS)
    assert hours_between(start, end) == Decimal(3)


def test_autumn_dst_night_in_local_time_needs_no_minimum_top_up(belgian: Agreement) -> None:
    booking = Booking(datetime(2026, 10, 25, 1, 0, tzinfo=BRUSSELS), datetime(2026, 10, 25, 3, 0, tzinfo=BRUSSELS))
    st = evaluate_shift(belgian, ShiftOutcome(booking))
    assert st.worked_hours == Decimal(3)
    assert [c.code for c in st.corrections] == []


def test_booking_shorter_than_minimum_is_amended_with_its_clause(belgian: Agreement) -> None:
    d = evaluate_booking(belgian, Booking(_at("2026-03-02T18:00+01:00"), _at("2026-03-02T20:00+01:00"), EUR13))
    assert d.guaranteed_paid_hours == Decimal(3)
    assert d.agreement_version == "2016.1"
    assert [(c.term, c.clause, c.action) for c in d.corrections] == [
        ("minimum_engagement", "§2 Minimum engagement", "amended")
    ]
    assert d.rejection is None


def test_booking_and_settlement_agree_on_the_hourly_rate(belgian: Agreement) -> None:
    shift = _shift("2026-03-02T18:00+01:00", "2026-03-02T21:00+01:00", HourlyOffer(Decimal("11.00"), "EUR"))
    booked = evaluate_booking(belgian, shift.booking)
    settled = evaluate_shift(belgian, shift)
    assert booked.hourly_gross == settled.hourly_gross == Decimal("12.83")
    assert [c.code for c in booked.corrections] == [c.code for c in settled.corrections]


def test_offer_in_another_currency_is_refused(belgian: Agreement) -> None:
    with pytest.raises(OfferError):
        evaluate_booking(
            belgian,
            Booking(_at("2026-03-02T18:00+01:00"), _at("2026-03-02T21:00+01:00"), HourlyOffer(Decimal(13), "USD")),
        )


def test_date_before_the_agreement_starts_is_an_error(belgian: Agreement) -> None:
    with pytest.raises(AgreementError, match="not in force on 2016-04-30"):
        terms_in_force(belgian, date(2016, 4, 30))


def test_settlement_totals_add_up(belgian: Agreement) -> None:
    st = evaluate_shift(
        belgian,
        _shift("2026-03-04T18:00+01:00", "2026-03-04T20:10+01:00", HourlyOffer(Decimal("11.37"), "EUR"), deliveries=2),
    )
    salary = sum(ln.amount for ln in st.lines if ln.kind == "salary")
    assert st.gross == salary
    assert st.net == st.gross - st.employee_social_security - st.withholding
    assert st.payout == st.net + st.expenses
    cost = st.gross + st.employer_contributions + st.expenses
    assert st.invoice_total == cost + st.guarantee_levy
    # The levy is 6.5 % of the invoice (not of the cost), to the cent.
    assert abs(st.guarantee_levy - st.invoice_total * Decimal("0.065")) <= Decimal("0.01")
    assert all(ln.amount == ln.amount.quantize(Decimal("0.01")) for ln in st.lines)


def test_every_pay_line_names_its_term_and_clause(belgian: Agreement) -> None:
    st = evaluate_shift(
        belgian, _shift("2026-03-04T18:00+01:00", "2026-03-04T20:00+01:00", PerTripOffer(Decimal(5), "EUR"))
    )
    known = {t.name for t in belgian.terms.values()} | {"offer"}
    assert st.lines
    assert all(ln.term in known and ln.clause for ln in st.lines)


def test_what_if_at_another_date_uses_that_dates_terms(belgian: Agreement) -> None:
    # The payroll profile's minimum wage is a dated table back to 2012: on 2020-01-01 it was 1,593.81 a month
    # (from September 2018), 9.68 an hour, under the 10.00 net floor grossed up to 11.51, so the net floor wins.
    shift = _shift("2026-03-02T18:00+01:00", "2026-03-02T21:00+01:00", None)
    st = evaluate_shift(belgian, shift, at=date(2020, 1, 1))
    assert st.terms_date == date(2020, 1, 1)
    assert any("statutory minimum 9.68 EUR" in u.value and u.since == "2016-05-01" for u in st.used)
    assert st.hourly_gross == Decimal("11.51")
    assert evaluate_shift(belgian, shift).hourly_gross == Decimal("12.83")  # the 2026 minimum wins


def _book(agreements_dir: Path) -> Agreement:
    agreement = AgreementBook.load(agreements_dir).get(AGREEMENT_ID)
    assert agreement is not None
    return agreement


def test_reject_mode_refuses_the_booking_but_settlement_still_pays(agreements_dir: Path, edit: Edit) -> None:
    edit(
        "  no_piece_rate:\n    type: piece_rate\n", "  no_piece_rate:\n    type: piece_rate\n    enforcement: reject\n"
    )
    edit(
        "    enforcement: amend\n    values:\n      2016-05-01: {policy: forbidden}",
        "    values:\n      2016-05-01: {policy: forbidden}",
    )
    agreement = _book(agreements_dir)
    shift = _shift("2026-03-02T18:00+01:00", "2026-03-02T21:00+01:00", PerTripOffer(Decimal(5), "EUR"), deliveries=2)
    rejection = evaluate_booking(agreement, shift.booking).rejection
    assert rejection is not None and rejection.term == "no_piece_rate"
    assert evaluate_shift(agreement, shift).gross == Decimal("38.49")


def test_allowed_per_trip_pay_is_topped_up_to_the_floor(agreements_dir: Path, edit: Edit) -> None:
    edit("{policy: forbidden}", "{policy: allowed}")
    agreement = _book(agreements_dir)
    shift = _shift("2026-03-02T18:00+01:00", "2026-03-02T21:00+01:00", PerTripOffer(Decimal(5), "EUR"), deliveries=4)
    st = evaluate_shift(agreement, shift)
    assert [(ln.code, ln.amount) for ln in st.lines if ln.kind == "salary"] == [
        ("trips", Decimal("20.00")),
        ("floor_top_up", Decimal("18.49")),
    ]
    busy = evaluate_shift(
        agreement,
        _shift("2026-03-02T18:00+01:00", "2026-03-02T21:00+01:00", PerTripOffer(Decimal(5), "EUR"), deliveries=12),
    )
    assert [ln.code for ln in busy.lines if ln.kind == "salary"] == ["trips"]


def test_sent_home_early_can_pay_the_booked_hours(agreements_dir: Path, edit: Edit) -> None:
    edit("sent_home_early: {pays: minimum}", "sent_home_early: {pays: booked}")
    agreement = _book(agreements_dir)
    shift = _shift(
        "2026-03-05T18:00+01:00",
        "2026-03-05T23:00+01:00",
        EUR13,
        actual_end=_at("2026-03-05T19:00+01:00"),
        sent_home_early=True,
    )
    st = evaluate_shift(agreement, shift)
    assert st.paid_hours == Decimal(5)
    assert [c.code for c in st.corrections] == ["sent_home_early"]
