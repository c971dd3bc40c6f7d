"""What-if at scale: one million shifts of 2,000 riders over a month, replayed under the signed agreement and the
bundled 12-EUR-net proposal (budget, issue 15: under 20 s wall and under 500 MB on one core).

Run with `python -m bench whatif [--shifts N] [--riders N] [--no-memo]`. Shifts are generated and streamed,
never held: what is measured is the what-if run itself (generation included, as reading an export would be).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from gateway.agreements.engine import Booking, HourlyOffer, Offer, PerTripOffer, ShiftOutcome
from gateway.agreements.loader import AgreementBook
from gateway.reports.drafts import draft_agreement, draft_takes_effect
from gateway.reports.whatif import run_whatif
from gateway.settings import REPO_ROOT

SECONDS_BUDGET = 20
MEMORY_BUDGET_MB = 500
PROPOSAL = REPO_ROOT / "agreements" / "be-delivery-2016" / "proposals" / "2027-net-floor-12.yaml"
# A platform's rate card: most shifts carry one of a few offers (some under the floors, some per trip).
OFFERS: list[Offer | None] = [
    None,
    HourlyOffer(Decimal("11.00"), "EUR"),
    HourlyOffer(Decimal("12.50"), "EUR"),
    HourlyOffer(Decimal("13.50"), "EUR"),
    HourlyOffer(Decimal("14.75"), "EUR"),
    PerTripOffer(Decimal("4.50"), "EUR"),
    PerTripOffer(Decimal("5.25"), "EUR"),
]


def shifts(n: int, riders: int, seed: int = 2016) -> Iterator[tuple[str, ShiftOutcome]]:
    """December 2026 in Brussels: quarter-hour slots from 06:00, 1 to 4 hours, offers from the rate card;
    some end early or late, some are cancelled, some riders are sent home early. Deterministic."""
    rnd = random.Random(seed)
    tz = ZoneInfo("Europe/Brussels")
    slots = [
        datetime(2026, 12, day, 6, tzinfo=tz) + timedelta(minutes=15 * q) for day in range(1, 32) for q in range(64)
    ]
    names = [f"rider-{i:04d}" for i in range(riders)]
    # The draws below are random.choice and random.randrange written out (`draw` is CPython's `_randbelow`, which
    # both call for these arguments, so the shifts are the very ones they give) and the time steps made once:
    # generating a million shifts otherwise costs as much as replaying them.
    bits = rnd.getrandbits

    def draw(n: int) -> int:
        k = n.bit_length()
        r = bits(k)
        while r >= n:
            r = bits(k)
        return r

    lengths = [timedelta(minutes=15 * k) for k in range(4, 17)]
    overruns = [timedelta(minutes=m) for m in (-20, -10, 0, 0, 0, 10)]
    firsts = [timedelta(minutes=5 * k) for k in range(10)]
    notices = [timedelta(hours=h) for h in (2, 12, 48)]
    n_slots, n_offers = len(slots), len(OFFERS)
    for i in range(n):
        start = slots[draw(n_slots)]
        end = start + lengths[draw(13)]
        offer = OFFERS[draw(n_offers)]
        deliveries = draw(9)
        roll = rnd.random()
        yield (
            names[i % riders],
            ShiftOutcome(
                Booking(start, end, offer),
                actual_end=end + overruns[draw(6)],
                first_delivery_at=start + firsts[draw(10)] if deliveries else None,
                deliveries=deliveries,
                cancelled_at=start - notices[draw(3)] if roll < 0.03 else None,
                sent_home_early=0.03 <= roll < 0.05,
            ),
        )


def _peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench whatif")
    parser.add_argument("--shifts", type=int, default=1_000_000)
    parser.add_argument("--riders", type=int, default=2_000)
    parser.add_argument("--no-memo", action="store_true", help="Evaluate every shift under both sides, no memo.")
    args = parser.parse_args(argv)
    book = AgreementBook.load(REPO_ROOT / "agreements")
    signed = book.get("be-delivery-2016")
    assert signed is not None
    draft = draft_agreement(REPO_ROOT / "agreements", signed, PROPOSAL)
    at: date | None = draft_takes_effect(signed, draft)
    began = time.perf_counter()
    cpu = time.process_time()
    result = run_whatif(signed, draft, shifts(args.shifts, args.riders), at=at, memo=not args.no_memo)
    elapsed = time.perf_counter() - began
    cpu_s = time.process_time() - cpu
    peak = _peak_mb()
    ok = elapsed < SECONDS_BUDGET and peak < MEMORY_BUDGET_MB
    change = result.draft.net - result.signed.net
    print(
        f"whatif: {result.shifts:,} shifts of {len(result.riders):,} riders replayed under both sides in "
        f"{elapsed:.1f} s ({cpu_s:.1f} s CPU, {result.shifts / elapsed:,.0f} shifts/s), peak RSS {peak:.0f} MB "
        f"({'meets' if ok else 'MISSES'} the {SECONDS_BUDGET} s / {MEMORY_BUDGET_MB} MB budget); "
        f"memo {'off' if args.no_memo else f'hits {result.memo_hits / max(result.shifts, 1):.1%}'}; "
        f"{len(result.gainers)} riders gain, {len(result.losers)} lose; net {change:+} EUR, "
        f"cost {result.draft.cost - result.signed.cost:+} EUR"
    )


if __name__ == "__main__":
    main()
