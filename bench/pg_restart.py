"""PostgreSQL restarted in the middle of a booking load: 503 problems with Retry-After, never a 500, and the
gateway recovers by itself. Afterwards every webhook that did not get its 200 is retried (same webhook-id)
and must get it; no shift has two contracts.

DISRUPTIVE: restarts the machine's PostgreSQL cluster (every other client loses its connections), so it is
never a test and never run by a bare `python -m bench`: `python -m bench pg_restart [--seconds 20]`.
"""

from __future__ import annotations

import argparse
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import booking
from bench._harness import BenchPlatform, Pool, Req, Server, create_platform, gateway_env, pg_schema, psql

DEFAULT = False


@dataclass(frozen=True)
class Outcome:
    at: float
    status: int | None  # None: no HTTP answer (connection refused or reset)
    retry_after: str | None


def restart_postgres() -> float:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    t0 = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True, timeout=120)
    return time.monotonic() - t0


def _send(client: httpx.Client, base: str, req: Req) -> tuple[int | None, str | None]:
    try:
        r = client.post(base + req.path, content=req.body, headers=req.headers, timeout=15)
        return r.status_code, r.headers.get("retry-after")
    except httpx.TransportError:
        return None, None


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m bench pg_restart", description=(__doc__ or "").split("\n")[0])
    p.add_argument("--seconds", type=float, default=20.0, help="load duration; the restart starts at a quarter")
    p.add_argument("--threads", type=int, default=8)
    args = p.parse_args(argv)
    with pg_schema("bench_restart") as url:
        plat = create_platform(url, riders=100)
        gw = Server("gateway", "gateway.main:app", gateway_env(url, Pool(8, 2, False)), 2)
        with gw:
            run(gw, url, plat, args)


def run(gw: Server, url: str, plat: BenchPlatform, args: argparse.Namespace) -> None:
    path = booking.webhook_path(plat)
    # Signed when sent: the load lasts seconds, well inside the timestamp tolerance.
    reqs = booking.new_bookings(plat, path, int(args.threads * args.seconds * 200), prefix="PG")
    outcomes: dict[int, Outcome] = {}
    t0 = time.monotonic()
    stop_at = t0 + args.seconds

    def worker(k: int) -> None:
        with httpx.Client() as client:
            for i in range(k, len(reqs), args.threads):
                if time.monotonic() >= stop_at:
                    return
                status, retry_after = _send(client, gw.base_url, reqs[i])
                outcomes[i] = Outcome(time.monotonic() - t0, status, retry_after)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(args.threads)]
    for t in threads:
        t.start()
    time.sleep(args.seconds / 4)
    restart_start = time.monotonic() - t0
    took = restart_postgres()
    restart_end = restart_start + took
    for t in threads:
        t.join(args.seconds + 60)

    by_status = Counter("no answer" if o.status is None else str(o.status) for o in outcomes.values())
    unavailable = [o for o in outcomes.values() if o.status == 503]
    first_ok_after = min((o.at for o in outcomes.values() if o.status == 200 and o.at > restart_end), default=None)
    tail = [o for o in outcomes.values() if o.at > restart_end + 2]
    print(f"pg_restart: {len(outcomes)} bookings in {args.seconds:g} s from {args.threads} threads")
    print(f"  restart from t={restart_start:.1f} s, took {took:.1f} s")
    print(f"  answers: {dict(sorted(by_status.items()))}")
    print(f"  503 with Retry-After: {sum(1 for o in unavailable if o.retry_after)} of {len(unavailable)}")
    print(
        f"  500s: {sum(1 for o in outcomes.values() if o.status is not None and o.status >= 500 and o.status != 503)}"
    )
    if first_ok_after is not None:
        print(f"  first 200 after the restart: {first_ok_after - restart_end:.2f} s after it finished")
    print(f"  from 2 s after the restart: {Counter(str(o.status) for o in tail)}")

    failed = [i for i, o in outcomes.items() if o.status != 200]
    with httpx.Client() as client:
        retried = Counter(_send(client, gw.base_url, reqs[i])[0] for i in failed)
    with psql(url) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT shift_code) FROM contract").fetchone()
    assert row is not None
    ok = sum(1 for o in outcomes.values() if o.status == 200)
    print(f"  retried {len(failed)} without a 200: {dict(retried)}")
    print(f"  contracts {row[0]} (distinct shifts {row[1]}) for {ok + retried.get(200, 0)} accepted bookings")
