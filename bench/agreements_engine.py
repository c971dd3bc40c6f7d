"""Agreement engine throughput: settle N shifts on one core (budget: at least 20,000 shifts a second).

Run with `./dev bench` or `python -m bench agreements_engine [--shifts N]`.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from gateway.agreements.engine import (
    Booking,
    HourlyOffer,
    Offer,
    PerTripOffer,
    ShiftOutcome,
    evaluate_shift,
)
from gateway.agreements.loader import AgreementBook
from gateway.settings import REPO_ROOT

BUDGET = 20_000


def _shifts(n: int, seed: int = 2016, year: int = 2026) -> list[ShiftOutcome]:
    """A varied, deterministic mix: every hour of a year, short and long shifts, all kinds of offers and outcomes
    (nights, Sundays, holidays and bad weather among them)."""
    rnd = random.Random(seed)
    tz = ZoneInfo("Europe/Brussels")
    base = datetime(year, 1, 1, tzinfo=tz)
    out = []
    for _ in range(n):
        start = (base + timedelta(minutes=15 * rnd.randrange(4 * 24 * 364))).astimezone(tz)
        end = start + timedelta(minutes=rnd.randrange(60, 8 * 60, 5))
        kind = rnd.random()
        offer: Offer | None
        if kind < 0.6:
            offer = HourlyOffer(Decimal(rnd.randrange(1000, 1600)) / 100, "EUR")
        elif kind < 0.8:
            offer = PerTripOffer(Decimal(rnd.randrange(300, 700)) / 100, "EUR")
        else:
            offer = None
        deliveries = rnd.randrange(0, 12)
        first = start + timedelta(minutes=rnd.randrange(0, 90)) if deliveries else None
        cancelled = start - timedelta(hours=rnd.randrange(1, 72)) if rnd.random() < 0.05 else None
        out.append(
            ShiftOutcome(
                Booking(start, end, offer),
                first_delivery_at=first,
                deliveries=deliveries,
                cancelled_at=cancelled,
                sent_home_early=rnd.random() < 0.05,
                bad_weather=rnd.random() < 0.1,
            )
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench agreements_engine")
    parser.add_argument("--shifts", type=int, default=100_000)
    # be-delivery-coop-2027 has the richer terms: premiums (night, Sunday, holiday, bad weather), overtime, limits.
    parser.add_argument("--agreement", default="be-delivery-2016")
    args = parser.parse_args(argv)
    agreement = AgreementBook.load(REPO_ROOT / "agreements").get(args.agreement)
    assert agreement is not None
    shifts = _shifts(args.shifts, year=max(2026, agreement.effective_from.year))
    evaluate_shift(agreement, shifts[0])  # load the holiday tables outside the timing
    began = time.perf_counter()
    gross = Decimal(0)
    for shift in shifts:
        gross += evaluate_shift(agreement, shift).gross
    elapsed = time.perf_counter() - began
    rate = len(shifts) / elapsed
    verdict = "meets" if rate >= BUDGET else "MISSES"
    print(
        f"agreements_engine ({agreement.id}): {len(shifts):,} shifts settled in {elapsed:.2f} s on one core: "
        f"{rate:,.0f} shifts/s ({verdict} the {BUDGET:,}/s budget); total gross {gross} EUR"
    )


if __name__ == "__main__":
    main()
