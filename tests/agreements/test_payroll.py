from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from gateway.agreements.payroll import CENT, Rates, gross_for_net, net_of, shift_net
from gateway.settings import LONGEST_SHIFT_HOURS

cents = st.integers(min_value=1, max_value=100_000).map(lambda n: Decimal(n) / 100)
rates = st.integers(min_value=0, max_value=4500).map(lambda n: Decimal(n) / 10_000)
BELGIUM = Rates(Decimal("0.1307"), Decimal("0.25"), Decimal(0), None, None, date(2016, 1, 1))


def _lengths(longest: int) -> list[Decimal]:
    return [Decimal(q) / 4 for q in range(1, 4 * longest + 1)]


def _shortfalls(gross: Decimal, net_floor: Decimal, r: Rates, longest: int) -> list[Decimal]:
    """The shift lengths whose net, paid `gross` an hour, falls under the floor."""
    return [h for h in _lengths(longest) if shift_net(gross, h, r) < net_floor * h]


@given(net_floor=cents, social=rates, withholding=rates)
def test_gross_up_reaches_the_floor_on_every_length_and_one_cent_less_does_not(
    net_floor: Decimal, social: Decimal, withholding: Decimal
) -> None:
    r = Rates(social, Decimal("0.25"), withholding, None, None, date(2016, 1, 1))
    gross = gross_for_net(net_floor, r)
    assert gross == gross.quantize(CENT)
    assert net_of(gross, r).net >= net_floor
    assert _shortfalls(gross, net_floor, r, LONGEST_SHIFT_HOURS) == []
    assert _shortfalls(gross - CENT, net_floor, r, LONGEST_SHIFT_HOURS) != []


def test_every_floor_from_8_to_25_euros_holds_on_every_shift_up_to_16_hours_and_is_the_smallest() -> None:
    """Exhaustive at Belgian rates: every floor by the cent, every length by the quarter hour up to 16 h."""
    for c in range(800, 2501):
        net_floor = Decimal(c) / 100
        gross = gross_for_net(net_floor, BELGIUM, 16)
        assert _shortfalls(gross, net_floor, BELGIUM, 16) == [], net_floor
        assert _shortfalls(gross - CENT, net_floor, BELGIUM, 16) != [], net_floor
        # The engine's default covers the longest shift the gateway can be set to accept, so it is never less.
        assert gross_for_net(net_floor, BELGIUM) >= gross, net_floor


def test_ten_euros_net_is_eleven_fifty_one_gross_at_belgian_social_security() -> None:
    # 11.50 nets 10.00 for one hour, but 3 h = 34.50 gross - 4.51 social security = 29.99 < 30.00.
    assert shift_net(Decimal("11.50"), Decimal(3), BELGIUM) == Decimal("29.99")
    assert gross_for_net(Decimal("10.00"), BELGIUM) == Decimal("11.51")
    assert shift_net(Decimal("11.51"), Decimal(3), BELGIUM) == Decimal("30.02")


def test_twelve_euros_net_is_thirteen_eighty_one_gross() -> None:
    # 13.80: 3 h nets 35.99 and 4 h 47.99.
    assert shift_net(Decimal("13.80"), Decimal(3), BELGIUM) == Decimal("35.99")
    assert shift_net(Decimal("13.80"), Decimal(4), BELGIUM) == Decimal("47.99")
    assert gross_for_net(Decimal("12.00"), BELGIUM) == Decimal("13.81")
