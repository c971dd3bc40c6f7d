"""Latency does not grow with the table: booking and contract reads with a few thousand contracts, then with
1,000,000 (seeded with generate_series into the migrated schema), side by side. Gateway only, same settings
as the booking bench. Not run by a bare `python -m bench` (seeding takes a minute): `python -m bench growth`.
"""

from __future__ import annotations

import argparse
import time

from bench import booking
from bench._harness import BenchPlatform, LoadResult, Server, fmt, psql

DEFAULT = False  # `python -m bench` lists it; run it by name
SEED_SQL = """
INSERT INTO contract (id, platform_id, rider_id, shift_code, status, starts_at, ends_at, zone, agreement,
    agreement_version, timezone, currency, minimum_paid_hours, guaranteed_paid_hours, pay_basis, hourly_gross,
    hourly_net, offered_pay, explanation, opened_by_message, opened_at, sent_home_early, status_changed_at)
SELECT gen_random_uuid(), %(platform)s, r.id, 'G-' || g, 'open',
    timestamptz '2025-01-01 06:00Z' + g * interval '7 minutes',
    timestamptz '2025-01-01 09:00Z' + g * interval '7 minutes', NULL, 'be-delivery-2016', '2016-01',
    'Europe/Brussels', 'EUR', 30000, 30000, 'hourly', 1283, 1115, NULL, '{}'::json, 'seed-' || g, now(), false, now()
FROM generate_series(1, %(n)s) g JOIN rider r ON r.platform_id = %(platform)s AND r.external_id = 'r-' || (g %% %(riders)s)
"""


def seed(url: str, plat: BenchPlatform, n: int) -> float:
    t0 = time.monotonic()
    with psql(url) as conn:
        conn.execute(SEED_SQL, {"platform": plat.id, "n": n, "riders": len(plat.riders)})
        conn.execute("ANALYZE")
    return time.monotonic() - t0


def main(argv: list[str]) -> None:
    sized = argparse.ArgumentParser(add_help=False)
    sized.add_argument("--size", type=int, default=1_000_000, help="contracts to seed")
    known, rest = sized.parse_known_args(argv)
    size = known.size
    p = booking.parse(rest, __doc__)
    p.scenarios = "new,read"

    def body(url: str, plat: BenchPlatform, gw: Server, bare: Server) -> None:
        rows: dict[str, list[LoadResult]] = {"new": [], "read": []}
        for phase in ("small", "large"):
            if phase == "large":
                print(f"  seeding {size:,} contracts ...", flush=True)
                print(f"  seeded in {seed(url, plat, size):.0f} s", flush=True)
            with psql(url) as conn:
                count = conn.execute("SELECT count(*) FROM contract").fetchone()
            print(f"  {phase}: {count[0] if count else 0:,} contracts", flush=True)
            for scenario in rows:
                rows[scenario].append(booking.drive(scenario, gw, url, plat, p))
        print(f"\n{'scenario':<8} {'contracts':<10}")
        for scenario, (small, large) in rows.items():
            print(f"{scenario:<8} {'small':<10} {fmt(small)}")
            print(f"{'':<8} {f'{size:,}':<10} {fmt(large)}")

    booking.with_servers(p, body)
