"""The time clauses in the engine (be-delivery-coop-2027 and variants of it): premiums by the local wall clock and
the calendar, the highest-premium rule, overtime across the week, waiting time, the limits' enforcement at booking,
and the what-if's memo, which must tell a night from a day of the same length."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from gateway.agreements.cli import agreements_app
from gateway.agreements.engine import (
    Amounts,
    Booking,
    HourlyOffer,
    Memo,
    ShiftOutcome,
    WorkedBefore,
    evaluate_booking,
    evaluate_shift,
    outcome_key,
)
from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import Agreement, AgreementError
from tests.agreements.conftest import BUNDLED

BXL = ZoneInfo("Europe/Brussels")
COOP = "be-delivery-coop-2027"
OFFER = HourlyOffer(Decimal("14.00"), "EUR")


@pytest.fixture(scope="module")
def coop() -> Agreement:
    agreement = AgreementBook.load(BUNDLED).get(COOP)
    assert agreement is not None
    return agreement


def _variant(agreements_dir: Path, old: str, new: str) -> Agreement:
    path = agreements_dir / COOP / "agreement.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    agreement = AgreementBook.load(agreements_dir).get(COOP)
    assert agreement is not None
    return agreement


def _shift(start: datetime, hours: float, **kw: object) -> ShiftOutcome:
    return ShiftOutcome(Booking(start, start + timedelta(hours=hours), OFFER), deliveries=5, **kw)  # type: ignore[arg-type]


def _lines(agreement: Agreement, shift: ShiftOutcome, before: WorkedBefore | None = None) -> dict[str, Decimal]:
    return {ln.code: ln.amount for ln in evaluate_shift(agreement, shift, worked_before=before).lines}


def test_a_day_shift_and_a_night_shift_of_one_length_pay_differently_and_the_memo_knows(coop: Agreement) -> None:
    day = _shift(datetime(2027, 1, 13, 12, tzinfo=BXL), 4)
    night = _shift(datetime(2027, 1, 13, 22, tzinfo=BXL), 4)
    assert "premium_night" not in _lines(coop, day)
    assert _lines(coop, night)["premium_night"] == Decimal("11.20")  # 4 h × 2.80
    assert outcome_key(coop, day) != outcome_key(coop, night)
    memo = Memo((coop,), None, lambda a: a.gross)
    assert memo(day) == (Decimal("56.00"),) and memo(night) == (Decimal("67.20"),)


def test_the_memo_gives_what_the_engine_gives_shift_by_shift(coop: Agreement) -> None:
    rnd = random.Random(18)
    memo = Memo((coop,), None, lambda a: a)
    start0 = datetime(2027, 1, 1, tzinfo=BXL)
    for _ in range(400):
        start = (start0 + timedelta(minutes=30 * rnd.randrange(2 * 24 * 365))).astimezone(BXL)
        shift = ShiftOutcome(
            Booking(start, start + timedelta(minutes=rnd.randrange(60, 600, 30)), OFFER),
            deliveries=rnd.randrange(0, 6),
            bad_weather=rnd.random() < 0.3,
        )
        before = (
            WorkedBefore(Decimal(rnd.randrange(0, 50)), Decimal(rnd.randrange(0, 50))) if rnd.random() < 0.5 else None
        )
        assert memo(shift, before) == (Amounts.of(evaluate_shift(coop, shift, worked_before=before)),)


def test_with_the_highest_rule_a_sunday_night_hour_earns_only_the_sunday_premium(agreements_dir: Path) -> None:
    highest = _variant(agreements_dir, "combine: stack", "combine: highest")
    # Saturday 22:00 to Sunday 02:00: 2 h of Saturday night (+20 %), 2 h of Sunday night (+50 % beats +20 %).
    lines = _lines(highest, _shift(datetime(2027, 1, 16, 22, tzinfo=BXL), 4))
    assert lines["premium_night"] == Decimal("5.60")  # 2 × 2.80
    assert lines["premium_sunday"] == Decimal("14.00")  # 2 × 7.00


def test_overtime_pays_the_larger_of_the_days_and_the_weeks_never_both(agreements_dir: Path) -> None:
    both = _variant(
        agreements_dir, '{weekly_hours: "38", percent: "50"}', '{daily_hours: "8", weekly_hours: "38", percent: "50"}'
    )
    shift = _shift(datetime(2027, 1, 15, 14, tzinfo=BXL), 6)
    # 5 h earlier that day (3 h past 8) and 36 h that week (4 h past 38): 4 h, not 7.
    st = evaluate_shift(both, shift, worked_before=WorkedBefore(Decimal(5), Decimal(36)))
    [ot] = [ln for ln in st.lines if ln.code == "overtime"]
    assert (ot.hours, ot.amount) == (Decimal(4), Decimal("28.00"))
    assert "overtime" not in _lines(both, shift, WorkedBefore(Decimal(0), Decimal(20)))


WAITING = """
  waiting_time:
    type: waiting_time
    clause: "Art. 11 Waiting time"
    values:
      2027-01-01: {percent: "PCT"}
"""


@pytest.mark.parametrize(("percent", "rate"), [("80", Decimal("13.81")), ("150", Decimal("21.00"))])
def test_waiting_before_the_first_order_is_its_own_line_paid_once_and_never_under_the_floor(
    agreements_dir: Path, percent: str, rate: Decimal
) -> None:
    path = agreements_dir / COOP / "agreement.yaml"
    # The clause is listed, as every clause the agreement's terms cite must be.
    listed = path.read_text(encoding="utf-8").replace("\nterms:\n", '\n  - {ref: "Art. 11", title: Waiting time}\nterms:\n', 1)
    path.write_text(listed + WAITING.replace("PCT", percent), encoding="utf-8")
    agreement = AgreementBook.load(agreements_dir).get(COOP)
    assert agreement is not None
    start = datetime(2027, 1, 13, 12, tzinfo=BXL)
    shift = _shift(start, 4, first_delivery_at=start + timedelta(minutes=30))
    st = evaluate_shift(agreement, shift)
    lines = {ln.code: ln for ln in st.lines}
    # 80 % of 14.00 = 11.20 is under the 13.81 floor: the floor; 150 % = 21.00 is above it.
    assert lines["waiting_time"].rate == rate and lines["waiting_time"].hours == Decimal("0.5")
    assert lines["base"].hours == Decimal("3.5")  # the 4 h worked are paid once: 3.5 + 0.5
    assert lines["waiting_time"].clause == "Art. 11 Waiting time"


def test_a_daily_limit_in_amend_mode_opens_the_contract_for_the_hours_left(agreements_dir: Path) -> None:
    amend = _variant(
        agreements_dir,
        'max_hours_day: {hours: "10", enforcement: reject}',
        'max_hours_day: {hours: "10", enforcement: amend}',
    )
    start = datetime(2027, 1, 13, 16, tzinfo=BXL)
    d = evaluate_booking(
        amend, Booking(start, start + timedelta(hours=5), OFFER), worked_before=WorkedBefore(Decimal(8))
    )
    assert d.rejection is None
    assert d.amended_end == start + timedelta(hours=2) and d.booked_hours == Decimal(2)
    assert next((c.code, c.action, c.offered_value, c.applied_value) for c in d.corrections) == (
        "day_hours_over_limit",
        "amended",
        Decimal(13),
        Decimal(10),
    )
    # With the day already full there is nothing left to open: refused.
    full = evaluate_booking(
        amend, Booking(start, start + timedelta(hours=5), OFFER), worked_before=WorkedBefore(Decimal(10))
    )
    assert full.rejection is not None and full.rejection.code == "day_hours_over_limit"


def test_a_holiday_is_read_from_the_calendar_of_the_agreements_country(coop: Agreement) -> None:
    # 11 November (Armistice) 2027 is a Thursday; 10 November is an ordinary one.
    holiday = _lines(coop, _shift(datetime(2027, 11, 11, 12, tzinfo=BXL), 3))
    ordinary = _lines(coop, _shift(datetime(2027, 11, 10, 12, tzinfo=BXL), 3))
    assert holiday["premium_holiday"] == Decimal("42.00") and "premium_holiday" not in ordinary


def test_explain_takes_the_weather_and_the_hours_before_and_says_what_the_limits_did() -> None:
    shift = ["--start", "2027-01-15T14:00:00+01:00", "--end", "2027-01-15T20:00:00+01:00", "--hourly", "14.00"]
    args = ["explain", COOP, *shift, "--bad-weather", "--week-hours", "45", "--dir", str(BUNDLED)]
    result = CliRunner().invoke(agreements_app, args)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "bad-weather premium" in out and "6.00 EUR" in out  # 6 h × 1.00
    assert "overtime supplement" in out and "42.00 EUR" in out  # 45 + 6 - 38 = 13 ≥ 6: 6 h × 7.00
    assert "At booking (working_time_limits, Art. 7 Working time): reported" in out  # 51 h > 48 h


def test_a_holiday_region_the_calendar_does_not_know_is_named_with_the_ones_it_does(agreements_dir: Path) -> None:
    wrong = _variant(
        agreements_dir,
        '{name: public_holiday, kind: public_holiday, percent: "100"}',
        '{name: public_holiday, kind: public_holiday, percent: "100", subdivision: "XX"}',
    )
    with pytest.raises(AgreementError, match="no subdivision 'XX' of BE"):
        evaluate_shift(wrong, _shift(datetime(2027, 1, 13, 12, tzinfo=BXL), 3))


def test_a_sunday_shift_cancelled_at_short_notice_pays_its_hours_but_no_premium(agreements_dir: Path) -> None:
    paying = _variant(
        agreements_dir,
        "counted_from: shift_start",
        'counted_from: shift_start\n        short_notice_cancellation: {notice_hours: "24", pays: minimum}',
    )
    start = datetime(2027, 1, 17, 22, tzinfo=BXL)  # Sunday night
    st = evaluate_shift(paying, _shift(start, 4, cancelled_at=start - timedelta(hours=2)))
    assert st.status == "cancelled_paid" and st.paid_hours == Decimal(3)
    assert not [ln for ln in st.lines if ln.code.startswith("premium_") or ln.code == "overtime"]
