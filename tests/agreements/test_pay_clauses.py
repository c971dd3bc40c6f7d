"""The pay clauses of issue 18 at the engine: no less favourable than a per-trip offer, graded cancellation pay,
expenses per km and per delivery, a bonus that never fills the floor, seniority, the rider's status, and the
minimum wage as a dated table that says when it extrapolates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml

from gateway.agreements.engine import (
    Booking,
    HourlyOffer,
    Memo,
    PerTripOffer,
    ShiftOutcome,
    Worker,
    evaluate_booking,
    evaluate_shift,
    outcome_key,
)
from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import Agreement, AgreementError
from tests.agreements.conftest import AGREEMENT_ID, BUNDLED, Edit

FIVE_A_TRIP = PerTripOffer(Decimal("5.00"), "EUR")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _shift(start: str, end: str, offer: HourlyOffer | PerTripOffer | None = None, **kw: object) -> ShiftOutcome:
    return ShiftOutcome(Booking(_at(start), _at(end), offer), **kw)  # type: ignore[arg-type]


def _book(agreements_dir: Path, agreement_id: str = AGREEMENT_ID) -> Agreement:
    agreement = AgreementBook.load(agreements_dir).get(agreement_id)
    assert agreement is not None
    return agreement


@pytest.fixture(scope="module")
def coop() -> Agreement:
    agreement = AgreementBook.load(BUNDLED).get("be-delivery-coop-2027")
    assert agreement is not None
    return agreement


def _no_less_favourable(agreements_dir: Path, edit: Edit) -> Agreement:
    edit("2016-05-01: {policy: forbidden}", "2016-05-01: {policy: no_less_favourable}")
    return _book(agreements_dir)


def test_ten_trips_at_five_pay_fifty_not_the_hourly_minimum_under_no_less_favourable(
    belgian: Agreement, agreements_dir: Path, edit: Edit
) -> None:
    shift = _shift("2026-03-10T18:00+01:00", "2026-03-10T21:00+01:00", FIVE_A_TRIP, deliveries=10)
    # Forbidden (the 2016 agreement as signed): the offer is replaced by 3 h at the minimum wage, 38.49.
    assert evaluate_shift(belgian, shift).gross == Decimal("38.49")
    st = evaluate_shift(_no_less_favourable(agreements_dir, edit), shift)
    assert st.gross == Decimal("50.00")
    assert [ln.code for ln in st.lines if ln.kind == "salary"] == ["base", "offer_match"]
    match = st.lines[1]
    assert match.hours == Decimal(3) and match.amount == Decimal("11.51") and match.rate == Decimal("16.67")
    assert not [ln for ln in st.lines if ln.code == "trips"]  # never paid per trip as such
    assert not st.corrections


def test_under_no_less_favourable_the_booking_guarantees_the_floor_and_defers_the_comparison(
    agreements_dir: Path, edit: Edit
) -> None:
    agreement = _no_less_favourable(agreements_dir, edit)
    d = evaluate_booking(agreement, Booking(_at("2026-03-10T18:00+01:00"), _at("2026-03-10T21:00+01:00"), FIVE_A_TRIP))
    assert d.hourly_gross == Decimal("12.83") and d.rejection is None and not d.corrections
    assert any("compared at settlement" in u.value for u in d.used)


def test_no_less_favourable_pays_the_hours_when_the_trips_are_worth_less(agreements_dir: Path, edit: Edit) -> None:
    agreement = _no_less_favourable(agreements_dir, edit)
    for trips in (None, 0, 7):
        st = evaluate_shift(
            agreement, _shift("2026-03-10T18:00+01:00", "2026-03-10T21:00+01:00", FIVE_A_TRIP, deliveries=trips)
        )
        assert st.gross == Decimal("38.49") and [ln.code for ln in st.lines if ln.kind == "salary"] == ["base"], trips


def test_the_memo_tells_trip_counts_apart_under_no_less_favourable(agreements_dir: Path, edit: Edit) -> None:
    agreement = _no_less_favourable(agreements_dir, edit)
    shifts = [
        _shift("2026-03-10T18:00+01:00", "2026-03-10T21:00+01:00", FIVE_A_TRIP, deliveries=n) for n in (2, 10, 12, 10)
    ]
    memo = Memo((agreement,), None, lambda a: a.gross)
    assert [memo(s)[0] for s in shifts] == [evaluate_shift(agreement, s).gross for s in shifts]
    assert [memo(s)[0] for s in shifts] == [Decimal("38.49"), Decimal("50.00"), Decimal("60.00"), Decimal("50.00")]


@pytest.mark.parametrize(
    ("cancelled", "paid"),
    [
        ("2027-01-14T10:59:00+01:00", "4"),  # 1 minute before: 100 %
        ("2027-01-13T11:00:01+01:00", "4"),  # just under 24 h: 100 %
        ("2027-01-13T11:00:00+01:00", "2"),  # exactly 24 h: no longer under 24, so 50 %
        ("2027-01-12T11:00:01+01:00", "2"),  # just under 48 h: 50 %
        ("2027-01-12T11:00:00+01:00", "0"),  # exactly 48 h: nothing
    ],
)
def test_graded_cancellation_pays_by_the_notice_given(coop: Agreement, cancelled: str, paid: str) -> None:
    shift = _shift("2027-01-14T11:00+01:00", "2027-01-14T15:00+01:00", cancelled_at=_at(cancelled))
    st = evaluate_shift(coop, shift)
    assert st.paid_hours == Decimal(paid)
    assert st.status == ("cancelled_unpaid" if paid == "0" else "cancelled_paid")


def test_graded_cancellation_of_the_guaranteed_hours_pays_at_least_the_minimum_base(
    agreements_dir: Path, coop: Agreement
) -> None:
    path = agreements_dir / "be-delivery-coop-2027" / "agreement.yaml"
    path.write_text(path.read_text().replace("of: booked", "of: guaranteed"))
    guaranteed = _book(agreements_dir, "be-delivery-coop-2027")
    # A 2-hour booking cancelled 36 h before: 50 % of the booked 2 h is 1 h; of the 3 h guaranteed, 1.5 h.
    shift = _shift("2027-01-14T11:00+01:00", "2027-01-14T13:00+01:00", cancelled_at=_at("2027-01-12T23:00+01:00"))
    assert evaluate_shift(coop, shift).paid_hours == Decimal(1)
    assert evaluate_shift(guaranteed, shift).paid_hours == Decimal("1.5")


def test_an_agreement_cannot_give_both_cancellation_rules(agreements_dir: Path, edit: Edit) -> None:
    edit(
        'short_notice_cancellation: {notice_hours: "24", pays: minimum}',
        'short_notice_cancellation: {notice_hours: "24", pays: minimum}\n'
        '        graded_cancellation: {bands: [{notice_under_hours: "24", pays_percent: "100"}]}',
    )
    with pytest.raises(AgreementError, match="minimum_engagement"):
        AgreementBook.load(agreements_dir)


def test_expenses_per_km_and_per_delivery_follow_what_the_platform_measured(agreements_dir: Path, edit: Edit) -> None:
    edit(
        '          - {name: phone and data, amount: "0.12", per: paid_hour}\n',
        '          - {name: phone and data, amount: "0.12", per: paid_hour}\n'
        '          - {name: bike allowance, amount: "0.35", per: km}\n'
        '          - {name: delivery bag, amount: "0.10", per: delivery}\n',
    )
    agreement = _book(agreements_dir)
    worked = _shift("2026-03-10T18:00+01:00", "2026-03-10T21:00+01:00", deliveries=7, distance_km=Decimal("18.25"))
    st = evaluate_shift(agreement, worked)
    by_name = {ln.label: ln for ln in st.lines if ln.kind == "expense"}
    # 18.25 × 0.35 = 6.3875 -> 6.39; 7 × 0.10 = 0.70; 3 × 0.12 = 0.36.
    assert by_name["bike allowance"].amount == Decimal("6.39") and by_name["bike allowance"].per == "km"
    assert by_name["delivery bag"].amount == Decimal("0.70") and by_name["delivery bag"].quantity == 7
    assert st.expenses == Decimal("7.45") and st.gross == Decimal("38.49")  # untaxed: not in the gross
    unmeasured = evaluate_shift(agreement, _shift("2026-03-10T18:00+01:00", "2026-03-10T21:00+01:00"))
    assert [ln.label for ln in unmeasured.lines if ln.kind == "expense"] == ["phone and data"]
    cancelled = _shift(
        "2026-03-10T18:00+01:00",
        "2026-03-10T21:00+01:00",
        cancelled_at=_at("2026-03-10T12:00+01:00"),
        distance_km=Decimal(5),
        deliveries=3,
    )
    assert evaluate_shift(agreement, cancelled).expenses == 0
    # 3 km × 0.35 = 1.05, 0.70 for the deliveries and 0.36 for the phone: 2.11.
    # The what-if's memo must tell distances apart, or it would hand one shift's allowance to another.
    other = _shift("2026-03-10T18:00+01:00", "2026-03-10T21:00+01:00", deliveries=7, distance_km=Decimal("3"))
    assert outcome_key(agreement, worked) != outcome_key(agreement, other)
    memo = Memo((agreement,), None, lambda a: a.expenses)
    assert [memo(s)[0] for s in (worked, other, worked)] == [Decimal("7.45"), Decimal("2.11"), Decimal("7.45")]


def test_a_bonus_is_paid_on_top_and_a_forbidden_one_is_not(coop: Agreement, agreements_dir: Path) -> None:
    shift = _shift("2027-01-26T11:00+01:00", "2027-01-26T14:00+01:00", HourlyOffer(Decimal(13), "EUR"))
    plain, with_bonus = evaluate_shift(coop, shift), evaluate_shift(coop, _with(shift, bonus=Decimal("5.00")))
    # The top-up to the floor is the same with or without the bonus: it never fills the floor.
    assert [ln.amount for ln in plain.lines] == [ln.amount for ln in with_bonus.lines[:-1]]
    assert with_bonus.gross - plain.gross == Decimal("5.00")
    # The what-if's memo must not hand the bonus of one shift to another of the same hours.
    memo = Memo((coop,), None, lambda a: a.gross)
    assert [memo(s)[0] for s in (shift, _with(shift, bonus=Decimal("5.00")), shift)] == [
        plain.gross,
        with_bonus.gross,
        plain.gross,
    ]
    path = agreements_dir / "be-delivery-coop-2027" / "agreement.yaml"
    path.write_text(path.read_text().replace("{policy: allowed}", "{policy: forbidden}"))
    forbidden = evaluate_shift(_book(agreements_dir, "be-delivery-coop-2027"), _with(shift, bonus=Decimal(5)))
    assert forbidden.gross == plain.gross and "bonus_not_allowed" in [c.code for c in forbidden.corrections]


def _with(s: ShiftOutcome, **kw: object) -> ShiftOutcome:
    from dataclasses import replace

    return replace(s, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("since", "per_hour"),
    [(None, None), ("2026-06-01", None), ("2025-01-28", None), ("2025-01-27", "0.30"), ("2022-01-27", "0.60")],
)
def test_seniority_steps_count_full_years_from_the_members_start(
    coop: Agreement, since: str | None, per_hour: str | None
) -> None:
    worker = Worker(employed_since=None if since is None else date.fromisoformat(since))
    st = evaluate_shift(coop, _shift("2027-01-27T11:00+01:00", "2027-01-27T14:00+01:00", worker=worker))
    steps = [ln for ln in st.lines if ln.code == "seniority"]
    if per_hour is None:
        assert not steps
    else:
        assert steps[0].rate == Decimal(per_hour) and steps[0].amount == 3 * Decimal(per_hour)


def test_the_youth_scale_lowers_only_the_statutory_floor_and_only_for_students(belgian: Agreement) -> None:
    start, end = "2026-03-10T18:00+01:00", "2026-03-10T21:00+01:00"
    adult = evaluate_shift(belgian, _shift(start, end))
    young_worker = evaluate_shift(belgian, _shift(start, end, worker=Worker(birth_date=date(2007, 1, 1))))
    young_student = evaluate_shift(
        belgian, _shift(start, end, worker=Worker(birth_date=date(2009, 1, 1), student=True))
    )
    # 17 on 10 March 2026: 76 % of 12.83 = 9.75; the agreement's 10.00 net floor (11.51 gross) still holds.
    assert adult.hourly_gross == young_worker.hourly_gross == Decimal("12.83")
    assert young_student.hourly_gross == Decimal("11.51")
    note = next(n for n in young_student.notes if n.code == "youth_scale")
    assert note.values == {"age": "17", "percent": "76", "rate": "9.75", "adult_rate": "12.83"}


def test_a_student_pays_the_solidarity_contribution_only_within_the_quota(belgian: Agreement) -> None:
    start, end = "2026-03-10T18:00+01:00", "2026-03-10T21:00+01:00"
    within = evaluate_shift(belgian, _shift(start, end, worker=Worker(student=True)))
    past = evaluate_shift(
        belgian, _shift(start, end, worker=Worker(student=True, student_hours_this_year=Decimal(650)))
    )
    ordinary = evaluate_shift(belgian, _shift(start, end))
    # 38.49 gross: 2.71 % = 1.04 (employer 5.42 % = 2.09) within the quota; past it, 13.07 % = 5.03 and 25 %.
    assert (within.employee_social_security, within.employer_contributions) == (Decimal("1.04"), Decimal("2.09"))
    assert (past.employee_social_security, past.employer_contributions) == (
        ordinary.employee_social_security,
        ordinary.employer_contributions,
    )
    note = next(n for n in past.notes if n.code == "student_contribution")
    assert note.values["within"] == "0" and "past the quota pay ordinary contributions" in note.text


def test_students_before_2017_pay_ordinary_contributions_and_are_told_why(belgian: Agreement) -> None:
    st = evaluate_shift(
        belgian, _shift("2016-06-07T18:00+02:00", "2016-06-07T21:00+02:00", worker=Worker(student=True))
    )
    assert st.employee_social_security == Decimal("4.51")
    assert [n.code for n in st.notes] == ["student_no_rate"]


def test_the_hourly_minimum_wage_table_is_its_monthly_amounts_converted() -> None:
    profile = yaml.safe_load((BUNDLED / "payroll" / "be.yaml").read_text())["parameters"]["statutory_minimum_hourly"]
    assert profile["monthly"].keys() == profile["values"].keys() == profile["value_sources"].keys()
    for day, monthly in profile["monthly"].items():
        hourly = (Decimal(monthly) * 12 / (38 * 52)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert Decimal(profile["values"][day]) == hourly, day


@pytest.mark.parametrize(
    ("start", "minimum", "extrapolated"),
    [
        ("2016-05-10T18:00+02:00", "9.12", False),
        ("2016-06-07T18:00+02:00", "9.30", False),
        ("2020-03-02T18:00+01:00", "9.87", False),
        ("2025-12-31T18:00+01:00", "12.83", False),
        ("2026-01-01T18:00+01:00", "12.83", True),
    ],
)
def test_each_date_gets_its_own_minimum_wage_and_past_the_table_a_warning(
    belgian: Agreement, start: str, minimum: str, extrapolated: bool
) -> None:
    begin = _at(start)
    st = evaluate_shift(belgian, ShiftOutcome(Booking(begin, begin.replace(hour=21))))
    assert any(f"statutory minimum {minimum} EUR" in u.value for u in st.used)
    late = [n for n in st.notes if n.code == "minimum_extrapolated"]
    assert bool(late) is extrapolated
    if late:
        assert "the last known minimum wage is 12.83 EUR an hour from 2025-02-01" in late[0].text
        assert "extrapolated" in st.plain()


def test_a_known_until_that_is_not_a_date_is_reported_where_it_is_written(agreements_dir: Path) -> None:
    path = agreements_dir / "payroll" / "be.yaml"
    path.write_text(path.read_text().replace("known_until: 2025-12-31", "known_until: 2025-02-30"))
    with pytest.raises(AgreementError) as caught:
        AgreementBook.load(agreements_dir)
    assert "be.yaml" in str(caught.value) and "'2025-02-30' is not a calendar date" in str(caught.value)


def test_a_csv_row_gives_the_measures_and_the_riders_status_in_flat_columns() -> None:
    from gateway.agreements.examples import ShiftInputError, parse_shift

    row = {
        "starts_at": "2027-01-20T11:00:00+01:00",
        "ends_at": "2027-01-20T14:00:00+01:00",
        "distance_km": "12.5",
        "bonus": "3.00",
        "worker_birth_date": "2008-06-01",
        "worker_student": "yes",
        "worker_student_hours_this_year": "120",
    }
    shift = parse_shift(row, "EUR")
    assert shift.distance_km == Decimal("12.5") and shift.bonus == Decimal("3.00")
    assert shift.worker == Worker(date(2008, 6, 1), True, Decimal(120), None)
    with pytest.raises(ShiftInputError, match="distance_km"):
        parse_shift({**row, "distance_km": "-3"}, "EUR")
    with pytest.raises(ShiftInputError, match=r"worker\.birth_date"):
        parse_shift({**row, "worker_birth_date": "2008-02-30"}, "EUR")


def test_the_what_if_memo_gives_every_shift_its_own_amounts_with_the_richer_terms(coop: Agreement) -> None:
    """Shifts that differ only in what the new clauses read (distance, bonus, trips under no less favourable, the
    rider's age, student hours, seniority) must not share a memoised outcome: the memo's answer is the engine's."""
    from bench.agreements_engine import _shifts

    shifts = _shifts(3000, seed=18, year=2027)
    shifts += shifts[:500]  # the same shifts again: the memo must answer them without settling
    memo = Memo((coop,), None, lambda a: a)
    from gateway.agreements.engine import Amounts

    assert [memo(s)[0] for s in shifts] == [Amounts.of(evaluate_shift(coop, s)) for s in shifts]
    assert memo.hits >= 500  # and it still saves work


def test_the_memo_tells_riders_apart_by_their_status(belgian: Agreement, coop: Agreement) -> None:
    """One shift, several riders: the youth scale, the student quota and seniority change the amounts, so the
    memo must not hand one rider's figures to another."""
    from dataclasses import replace

    from gateway.agreements.engine import Amounts

    riders = [
        None,
        Worker(student=True),
        Worker(student=True, student_hours_this_year=Decimal("648.5")),
        Worker(birth_date=date(2008, 6, 1), student=True),
        Worker(birth_date=date(2008, 6, 1)),
        Worker(employed_since=date(2020, 1, 1)),
        Worker(employed_since=date(2026, 1, 1)),
        None,
    ]
    for agreement, start in ((belgian, "2026-03-10T18:00+01:00"), (coop, "2027-01-27T11:00+01:00")):
        begin = _at(start)
        base = ShiftOutcome(Booking(begin, begin.replace(hour=begin.hour + 3)))
        shifts = [replace(base, worker=w) for w in riders]
        memo = Memo((agreement,), None, lambda a: a)
        assert [memo(s)[0] for s in shifts] == [Amounts.of(evaluate_shift(agreement, s)) for s in shifts]
        assert len({memo(s)[0] for s in shifts}) >= 3  # the riders' figures do differ
