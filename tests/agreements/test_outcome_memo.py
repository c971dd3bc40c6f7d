"""The engine's memo (`engine.Memo`, keyed by `engine.outcome_key`) gives what the engine gives shift by shift, and
its key counts exactly what the terms read: the trips only where they are paid per trip."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from gateway.agreements.engine import Amounts, Booking, Memo, PerTripOffer, ShiftOutcome, evaluate_shift, outcome_key
from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import Agreement
from tests.agreements.conftest import AGREEMENT_ID, Edit

BXL = ZoneInfo("Europe/Brussels")
UTC_ZONE = ZoneInfo("UTC")
PER_TRIP = PerTripOffer(Decimal("4.50"), "EUR")


def _trips(deliveries: int, day: int = 2) -> ShiftOutcome:
    start = datetime(2026, 3, day, 18, tzinfo=BXL)
    return ShiftOutcome(
        Booking(start, start + timedelta(hours=4), PER_TRIP),
        first_delivery_at=start + timedelta(minutes=10) if deliveries else None,
        deliveries=deliveries,
    )


def _allowing_pay_per_trip(agreements_dir: Path, edit: Edit) -> Agreement:
    edit("2016-05-01: {policy: forbidden}", "2016-05-01: {policy: allowed}")
    agreement = AgreementBook.load(agreements_dir).get(AGREEMENT_ID)
    assert agreement is not None
    return agreement


def test_trips_do_not_change_the_key_where_pay_per_trip_is_forbidden(belgian: Agreement) -> None:
    assert outcome_key(belgian, _trips(2)) == outcome_key(belgian, _trips(7))
    assert Amounts.of(evaluate_shift(belgian, _trips(2))) == Amounts.of(evaluate_shift(belgian, _trips(7)))


def test_trips_change_the_key_and_the_pay_where_pay_per_trip_is_allowed(agreements_dir: Path, edit: Edit) -> None:
    allowed = _allowing_pay_per_trip(agreements_dir, edit)
    assert outcome_key(allowed, _trips(2)) != outcome_key(allowed, _trips(12))
    assert evaluate_shift(allowed, _trips(12)).gross > evaluate_shift(allowed, _trips(2)).gross


def test_the_memo_gives_the_engines_amounts_under_both_policies(
    belgian: Agreement, agreements_dir: Path, edit: Edit
) -> None:
    allowed = _allowing_pay_per_trip(agreements_dir, edit)
    shifts = [_trips(n, day) for day in (2, 3, 9) for n in (0, 1, 2, 5, 12, 12, 2)]
    memo = Memo((belgian, allowed), None, lambda a: a)
    expected = [(Amounts.of(evaluate_shift(belgian, s)), Amounts.of(evaluate_shift(allowed, s))) for s in shifts]
    assert [memo(s) for s in shifts] == expected
    assert memo.hits > 0


def test_shifts_across_the_dst_night_or_given_in_utc_are_memoised_by_their_real_length(belgian: Agreement) -> None:
    # 29 March 2026 loses an hour at 02:00 in Brussels: 00:00 to 04:00 on the wall clock is three real hours, and
    # must not share an outcome with 04:00 to 08:00 the same day; times given in UTC are the same instants.
    def shift(hour: int, zone: ZoneInfo = BXL) -> ShiftOutcome:
        start = datetime(2026, 3, 29, hour, tzinfo=BXL)
        end = datetime(2026, 3, 29, hour + 4, tzinfo=BXL).astimezone(zone)
        first = (start + timedelta(minutes=10)).astimezone(zone)
        return ShiftOutcome(Booking(start, end), actual_end=end, first_delivery_at=first, deliveries=3)

    shifts = [shift(4), shift(0), shift(4, UTC_ZONE), shift(0, UTC_ZONE), shift(8), shift(0)]
    memo = Memo((belgian,), None, lambda a: a)
    assert [memo(s) for s in shifts] == [(Amounts.of(evaluate_shift(belgian, s)),) for s in shifts]
    assert [evaluate_shift(belgian, s).worked_hours for s in shifts[:2]] == [Decimal(4), Decimal(3)]
    assert memo.hits >= 3
