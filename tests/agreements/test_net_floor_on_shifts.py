"""The net floor holds on every settled shift, computed by the engine itself, whatever the shift's length.

The floor is grossed up once per hour but paid on the shift's gross, with contributions rounded on that gross:
these tests settle real shifts so that the property is checked on the computation riders are paid by.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gateway.agreements.engine import Booking, HourlyOffer, Offer, PerTripOffer, ShiftOutcome, evaluate_shift
from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import Agreement
from tests.agreements.conftest import AGREEMENT_ID, Edit

BRUSSELS = ZoneInfo("Europe/Brussels")
START = datetime(2026, 3, 2, 8, 0, tzinfo=BRUSSELS)
SIGNED_FLOOR = '2016-05-01: {amount: "10.00", basis: net, hours: paid}'


def _with_net_floor(agreements_dir: Path, edit: Edit, amount: str) -> Agreement:
    # Above the statutory minimum's gross (12.83), so that the net floor is the one paid.
    edit(SIGNED_FLOOR, f'2016-05-01: {{amount: "{amount}", basis: net, hours: paid}}')
    agreement = AgreementBook.load(agreements_dir).get(AGREEMENT_ID)
    assert agreement is not None
    return agreement


def _lengths() -> list[timedelta]:
    return [timedelta(minutes=15 * q) for q in range(1, 16 * 4 + 1)]


def _outcomes(floor_gross: Decimal) -> list[ShiftOutcome]:
    """Shifts of every length by the quarter hour up to 16 h, unpaid or paid under the floor in every way."""
    # Offers an odd number of cents under the floor: a base line and a top-up line rounded apart can each
    # lose a quarter cent where the shift's gross, rounded once, gains half a cent.
    under = [HourlyOffer(floor_gross - Decimal(c), "EUR") for c in ("0.01", "0.03", "0.51", "1.00")]
    offers: list[Offer | None] = [None, *under, PerTripOffer(Decimal("0.01"), "EUR")]
    out: list[ShiftOutcome] = []
    for length in _lengths():
        booking_end = START + length
        for offer in offers:
            out.append(ShiftOutcome(Booking(START, booking_end, offer), deliveries=1))
            # The three paid hours run from the first delivery: paid hours that are not whole hours.
            for wait in (15, 30, 45):
                first = START + timedelta(minutes=wait)
                out.append(ShiftOutcome(Booking(START, booking_end, offer), first_delivery_at=first, deliveries=1))
    return out


# 12.00 is the 2027 proposal's floor (13.80 nets 35.99 on 3 h); at 12.29 = 14.14 gross, an offer of 14.13 topped up
# on its own line paid 3.25 h one cent short of 3.25 x 12.29 net.
@pytest.mark.parametrize(("net_floor", "floor_gross"), [("12.00", "13.81"), ("12.29", "14.14"), ("12.18", "14.02")])
def test_every_settled_shift_nets_the_floor_for_each_hour_paid(
    agreements_dir: Path, edit: Edit, net_floor: str, floor_gross: str
) -> None:
    agreement = _with_net_floor(agreements_dir, edit, net_floor)
    short = []
    for shift in _outcomes(Decimal(floor_gross)):
        st = evaluate_shift(agreement, shift)
        assert st.hourly_gross == Decimal(floor_gross)
        if st.net < Decimal(net_floor) * st.paid_hours:
            short.append((st.paid_hours, shift.booking.offer, st.gross, st.net))
    assert short == []


# 11.70 net = 13.46 gross holds for every quarter hour, but 3 h 01 at 13.46 nets 35.29 for 35.30 owed: worked time
# is paid to the ten-thousandth of an hour, so the shift gets the cent. The other floors guard the common case.
@pytest.mark.parametrize("net_floor", ["11.70", "13.07", "17.43"])
def test_a_shift_measured_to_the_minute_nets_the_floor_too(agreements_dir: Path, edit: Edit, net_floor: str) -> None:
    agreement = _with_net_floor(agreements_dir, edit, net_floor)
    short = []
    for minutes in range(3 * 60, 6 * 60):
        end = START + timedelta(minutes=minutes)
        st = evaluate_shift(agreement, ShiftOutcome(Booking(START, end, None), actual_end=end, deliveries=1))
        if st.net < Decimal(net_floor) * st.paid_hours:
            short.append((minutes, st.paid_hours, st.gross, st.net))
    assert short == []
