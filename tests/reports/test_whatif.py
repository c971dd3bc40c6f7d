"""What-if arithmetic on a small set computed by hand from the agreement (terms of 2027-01-01 on both sides).

Belgian payroll profile: employee social security 13.07 %, no withholding, employer contributions 25 %, levy
6.5 % of the invoice (invoice = cost / 0.935). Signed: the statutory minimum, 12.83 gross an hour, beats the
10 EUR net floor (11.51 gross). Proposal: a 12 EUR net floor = 13.81 gross (the smallest gross whose every shift
nets 12.00 an hour: 3 h at 13.80 = 41.40 nets 35.99), and a bike at 1.50 a shift.
"""

from __future__ import annotations

import random
import statistics
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from gateway.agreements.engine import Booking, HourlyOffer, Offer, PerTripOffer, ShiftOutcome
from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import Agreement
from gateway.reports import whatif_render
from gateway.reports.drafts import draft_takes_effect
from gateway.reports.whatif import Evaluator, Figures, deciles, figures_of, run_whatif

BXL = ZoneInfo("Europe/Brussels")
JAN = date(2027, 1, 1)
D = Decimal


def shift(day: int, start: int, hours: int, offer: Offer | None = None, **kw: object) -> ShiftOutcome:
    s = datetime(2026, 12, day, start, tzinfo=BXL)
    return ShiftOutcome(Booking(s, s + timedelta(hours=hours), offer), **kw)  # type: ignore[arg-type]


def test_the_proposal_takes_effect_on_its_first_date(signed: Agreement, proposal: Agreement) -> None:
    assert draft_takes_effect(signed, proposal) == JAN
    assert proposal.version == "2027.1-proposal"


def test_a_shift_paid_at_the_floor_gains_the_difference_between_12_83_and_13_81(
    signed: Agreement, proposal: Agreement
) -> None:
    three_hours = shift(1, 18, 3)
    assert figures_of(signed, three_hours, JAN) == Figures(D("3"), D("38.49"), D("33.46"), D("0.36"), D("51.84"))
    # 3 x 13.81 = 41.43 gross; 41.43 - 5.41 = 36.02 net (at least 3 x 12.00); 0.36 phone + 1.50 bike;
    # (41.43 + 10.36 + 1.86) / 0.935 = 57.38 invoiced.
    assert figures_of(proposal, three_hours, JAN) == Figures(D("3"), D("41.43"), D("36.02"), D("1.86"), D("57.38"))


def test_totals_gainers_and_losers_per_rider(signed: Agreement, no_statutory: Agreement) -> None:
    shifts = [
        ("r-floor", shift(1, 18, 3)),  # paid at the floor: 12.83 -> 11.51 gross an hour
        ("r-floor", shift(2, 18, 2, PerTripOffer(D("4.50"), "EUR"))),  # 3 h paid at the floor as well
        ("r-well-paid", shift(1, 12, 3, HourlyOffer(D("14.00"), "EUR"))),  # above both floors: unchanged
    ]
    r = run_whatif(signed, no_statutory, iter(shifts), at=JAN)
    assert r.shifts == 3 and r.changed_shifts == 2
    floor = next(x for x in r.riders if x.rider == "r-floor")
    # 6 h x 12.83 = 76.98 gross -> 6 h x 11.51 = 69.06; net 2 x (38.49 - 5.03) = 66.92 -> 2 x (34.53 - 4.51) = 60.04
    assert floor.signed.gross == D("76.98") and floor.draft.gross == D("69.06")
    assert floor.signed.net == D("66.92") and floor.draft.net == D("60.04")
    assert floor.change.net == D("-6.88")
    assert [x.rider for x in r.losers] == ["r-floor"] and r.gainers == [] and r.unchanged == 1
    assert r.signed.gross == D("118.98") and r.draft.gross == D("111.06")
    assert r.draft.paid_hours == r.signed.paid_hours == D("9")
    assert r.riders[0].rider == "r-floor"  # the largest loss first


def test_the_proposal_makes_only_gainers_and_costs_the_platform_more(signed: Agreement, proposal: Agreement) -> None:
    shifts = [(f"r-{i}", shift(1 + i % 20, 12, 3)) for i in range(10)] + [
        ("r-high", shift(3, 12, 3, HourlyOffer(D("20.00"), "EUR")))
    ]
    r = run_whatif(signed, proposal, iter(shifts), at=JAN)
    assert len(r.gainers) == 10 and r.losers == [] and r.unchanged == 1
    assert r.draft.net - r.signed.net == 10 * (D("36.02") - D("33.46"))
    assert r.draft.cost - r.signed.cost == 10 * (D("57.38") - D("51.84")) + (D("82.20") - D("80.60"))
    assert r.deciles("net") == [D("2.56")] * 9  # 11 riders, 10 of them +2.56: D1 already at +2.56
    assert r.memo_hits > 0  # the same 3-hour slot on different days: computed once


def test_deciles_match_the_inclusive_method_of_statistics_quantiles() -> None:
    rnd = random.Random(8)
    values = [D(rnd.randrange(-5000, 9000)) / 100 for _ in range(137)]
    expected = [D(str(q)).quantize(D("0.01")) for q in statistics.quantiles(values, n=10, method="inclusive")]
    assert deciles(values) == expected
    assert deciles([D("1.5")]) == [D("1.50")] * 9
    assert deciles([]) == []


def test_the_memo_gives_what_the_engine_gives_shift_by_shift(signed: Agreement, proposal: Agreement) -> None:
    rnd = random.Random(2016)
    offers: list[Offer | None] = [
        None,
        HourlyOffer(D("9.00"), "EUR"),
        HourlyOffer(D("13.00"), "EUR"),
        PerTripOffer(D("4.50"), "EUR"),
    ]
    shifts = []
    # October 2026 holds the DST change (25 October): durations are real hours either side.
    for _ in range(400):
        start = datetime(2026, 10, 20, tzinfo=BXL) + timedelta(minutes=30 * rnd.randrange(48 * 10))
        start = start.astimezone(BXL)
        length = timedelta(minutes=rnd.choice([60, 120, 180, 240]))
        deliveries = rnd.randrange(0, 4)
        shifts.append(
            ShiftOutcome(
                Booking(start, start + length, rnd.choice(offers)),
                actual_end=start + length - timedelta(minutes=rnd.choice([0, 0, 30])),
                first_delivery_at=start + timedelta(minutes=rnd.choice([0, 15, 45])) if deliveries else None,
                deliveries=deliveries,
                cancelled_at=start - timedelta(hours=rnd.choice([2, 30])) if rnd.random() < 0.1 else None,
                sent_home_early=rnd.random() < 0.1,
            )
        )
    for at in (None, JAN):
        memo, plain = Evaluator(signed, proposal, at, memo=True), Evaluator(signed, proposal, at, memo=False)
        assert [memo(s) for s in shifts] == [plain(s) for s in shifts]
        assert memo.hits > 0 and plain.hits == 0


def test_each_decile_is_said_in_words_the_right_way_round(signed: Agreement, no_statutory: Agreement) -> None:
    shifts = [(f"r-{i}", shift(1 + i, 18, 3)) for i in range(4)] + [
        ("r-high", shift(3, 12, 3, HourlyOffer(D("20.00"), "EUR")))
    ]
    r = run_whatif(signed, no_statutory, iter(shifts), at=JAN)  # 4 riders lose 3.44 each, one is unchanged
    words = {row[0]: row[2] for row in whatif_render.decile_words(r)}
    assert words["D1"] == "10 % of riders lose 3.44 EUR or more, 90 % lose less (or gain)"
    # D9 lies 6/10 of the way from the fourth rider (-3.44) to the fifth (0.00): -1.38.
    assert words["D9"] == "90 % of riders lose 1.38 EUR or more, 10 % lose less (or gain)"


def test_overtime_in_a_what_if_counts_the_riders_earlier_hours_that_week(book: AgreementBook) -> None:
    # The coop-2027 example pays hours past 38 in a week 50 % more. Five 8-hour weekdays are 40 hours: the fifth
    # shift has 6 h of ordinary time and 2 h of overtime; a second rider working only the Friday has none.
    coop = book.get("be-delivery-coop-2027")
    assert coop is not None
    bxl = ZoneInfo("Europe/Brussels")
    offer = HourlyOffer(Decimal("15.00"), "EUR")

    def day(d: int) -> ShiftOutcome:
        start = datetime(2027, 2, d, 9, tzinfo=bxl)
        return ShiftOutcome(booking=Booking(start, start + timedelta(hours=8), offer))

    week = [("amina", day(d)) for d in range(1, 6)] + [("bo", day(5))]
    result = run_whatif(coop, coop, week)
    by = {r.rider: r for r in result.riders}
    friday_alone = figures_of(coop, day(5), None)
    # 2 h × 15.00 × 50 % = 15.00 of overtime on top of five ordinary days.
    assert by["amina"].signed.gross == 5 * friday_alone.gross + Decimal("15.00")
    assert by["bo"].signed.gross == friday_alone.gross
