from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from gateway.agreements.payroll import CENT, Rates, gross_for_net, net_of

cents = st.integers(min_value=1, max_value=100_000).map(lambda n: Decimal(n) / 100)
rates = st.integers(min_value=0, max_value=4500).map(lambda n: Decimal(n) / 10_000)


@given(net_floor=cents, social=rates, withholding=rates)
def test_gross_up_reaches_the_floor_and_one_cent_less_does_not(
    net_floor: Decimal, social: Decimal, withholding: Decimal
) -> None:
    r = Rates(social, Decimal("0.25"), withholding, None, None, date(2016, 1, 1))
    gross = gross_for_net(net_floor, r)
    assert gross == gross.quantize(CENT)
    assert net_of(gross, r).net >= net_floor
    assert net_of(gross - CENT, r).net < net_floor


def test_ten_euros_net_is_eleven_fifty_gross_at_belgian_social_security() -> None:
    r = Rates(Decimal("0.1307"), Decimal("0.25"), Decimal(0), None, None, date(2016, 1, 1))
    assert gross_for_net(Decimal("10.00"), r) == Decimal("11.50")
