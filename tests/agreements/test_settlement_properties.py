"""Money balances for every settled shift, to the cent (hypothesis over random shifts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.agreements.engine import Booking, HourlyOffer, Offer, PerTripOffer, ShiftOutcome, evaluate_shift
from gateway.agreements.loader import AgreementBook
from gateway.settings import REPO_ROOT

AGREEMENT = AgreementBook.load(REPO_ROOT / "agreements").get("be-delivery-2016")
CENT = Decimal("0.01")

money = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("60.00"), places=2)
offers: st.SearchStrategy[Offer | None] = st.one_of(
    st.none(),
    money.map(lambda a: HourlyOffer(a, "EUR")),
    money.map(lambda a: PerTripOffer(a, "EUR")),
)


@st.composite
def shifts(draw: st.DrawFn) -> ShiftOutcome:
    start = datetime(2025, 3, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 4 * 365 * 24 * 60)))
    end = start + timedelta(minutes=draw(st.integers(15, 12 * 60)))
    booking = Booking(start, end, draw(offers))
    if draw(st.booleans()):
        cancelled = start - timedelta(minutes=draw(st.integers(0, 72 * 60)))
        return ShiftOutcome(booking, cancelled_at=cancelled)
    actual_start = start + timedelta(minutes=draw(st.integers(-30, 30)))
    actual_end = max(actual_start, end + timedelta(minutes=draw(st.integers(-120, 60))))
    first = actual_start + timedelta(minutes=draw(st.integers(0, 90)))
    return ShiftOutcome(
        booking,
        actual_start=actual_start,
        actual_end=actual_end,
        first_delivery_at=first if first <= actual_end else None,
        deliveries=draw(st.integers(0, 30)),
        sent_home_early=draw(st.booleans()),
        proposed=draw(offers),
    )


@settings(max_examples=300, deadline=None)
@given(shift=shifts())
def test_every_settlement_balances_to_the_cent(shift: ShiftOutcome) -> None:
    assert AGREEMENT is not None
    s = evaluate_shift(AGREEMENT, shift)
    amounts = [
        s.gross,
        s.employee_social_security,
        s.withholding,
        s.net,
        s.expenses,
        s.payout,
        s.employer_contributions,
        s.guarantee_levy,
        s.invoice_total,
        *(ln.amount for ln in s.lines),
    ]
    assert all(a == a.quantize(CENT) and a >= 0 for a in amounts)
    assert s.gross == s.net + s.employee_social_security + s.withholding
    assert s.invoice_total == s.gross + s.employer_contributions + s.expenses + s.guarantee_levy
    assert s.payout == s.net + s.expenses
    assert s.gross == sum((ln.amount for ln in s.lines if ln.kind == "salary"), Decimal(0))
    assert s.expenses == sum((ln.amount for ln in s.lines if ln.kind == "expense"), Decimal(0))
    if s.status == "worked":
        # Never per trip, never under the minimum, never under the floors: at least 3 h at 12.83.
        assert s.paid_hours >= max(s.worked_hours, Decimal(3))
        assert s.gross >= (s.paid_hours * Decimal("12.83")).quantize(CENT) - CENT * len(s.lines)
