"""CPU per contract read, in-process, on PostgreSQL (the profiles beside this file were made with it).

A platform with an API credential, 20 riders and 200 booked shifts in a schema of its own; then GET
/v1/platforms/demo/shifts/{code}/contract with the credential, warmed up, N times (settings as the booking
bench: rate limit off, the platform cache at its default). Printed: process CPU per read through Starlette's
TestClient (thread hops included), the same for GET /healthz (the harness's own floor), and per read with the
app driven in one thread (httpx's ASGI transport, sync dependencies and routes run inline) so that a sampling
profiler sees a whole request. With an output path, writes a pyinstrument tree (wall time) there and a cProfile
listing (CPU time) to PATH.cpu.

Run from the repository: PYTHONPATH=. N=800 python docs/profiles/read_profile.py [PATH]
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import os
import pstats
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

import fastapi.concurrency
import fastapi.dependencies.utils
import fastapi.routing
import httpx
import psycopg
from fastapi.testclient import TestClient
from sqlmodel import Session

from adapters.standard.signature import sign
from gateway.agreements.loader import AgreementBook
from gateway.app import create_app
from gateway.db.engine import engine_for
from gateway.db.migrate import upgrade
from gateway.domains.auth.credentials import issue_credential
from gateway.domains.platforms import service as platforms
from gateway.settings import REPO_ROOT, Settings

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
PG = os.environ.get("GATEWAY_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
N = int(os.environ.get("N", "800"))


def main(out: str | None) -> None:
    schema = f"gw_prof_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG, autocommit=True) as c:
        c.execute(f'CREATE SCHEMA "{schema}"')
    url = PG.replace("postgresql://", "postgresql+psycopg://", 1) + f"?options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        with psycopg.connect(PG, autocommit=True) as c:
            c.execute(f'SET search_path TO "{schema}"')
            c.execute(
                "CREATE TABLE bench_bare_row (id bigserial PRIMARY KEY, message_id varchar(200) NOT NULL, "
                "body jsonb NOT NULL, received_at timestamptz NOT NULL)"
            )
            c.execute("CREATE INDEX ix_bench_bare_row_message_id ON bench_bare_row (message_id)")
            for i in range(200):
                c.execute(
                    "INSERT INTO bench_bare_row (message_id, body, received_at) VALUES (%s, %s, now())",
                    (f"m-{i}", json.dumps({"type": "shift.booked", "data": {"shift_code": f"S-{i}"}})),
                )
        profile(url, out)
    finally:
        engine_for(url).dispose()
        with psycopg.connect(PG, autocommit=True) as c:
            c.execute(f'DROP SCHEMA "{schema}" CASCADE')


def profile(url: str, out: str | None) -> None:
    book = AgreementBook.load(REPO_ROOT / "agreements")
    settings = Settings(database_url=url, env="test", scheduler=False, rate_limit_per_minute=0)
    with Session(engine_for(url), expire_on_commit=False) as s:
        p, secret = platforms.create_platform(
            s, book, slug="demo", name="demo", adapter="standard", agreement="be-delivery-2016"
        )
        key = issue_credential(s, p, settings.credential_pepper.get_secret_value())
        s.commit()
    app = create_app(settings, book, clock=lambda: NOW)
    auth = {"Authorization": f"Bearer {key}"}

    with TestClient(app) as client:

        def post(doc: dict[str, Any]) -> None:
            body = json.dumps(doc).encode()
            mid, ts = f"msg_{uuid.uuid4().hex}", int(NOW.timestamp())
            headers = {"content-type": "application/json", "webhook-id": mid, "webhook-timestamp": str(ts)}
            headers["webhook-signature"] = sign(secret, mid, ts, body)
            r = client.post("/v1/platforms/demo/webhooks", content=body, headers=headers)
            assert r.status_code == 200, r.text

        for i in range(20):
            rider = {"rider_id": f"r-{i}", "name": f"R {i}", "email": f"r{i}@example.org"}
            post({"type": "rider.enrolled", "timestamp": "2026-11-26T10:00:00Z", "data": rider})
        paths = []
        for i in range(200):
            start = NOW + timedelta(days=1, minutes=15 * i)
            data: dict[str, Any] = {
                "shift_code": f"S-{i}",
                "rider_id": f"r-{i % 20}",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=3)).isoformat(),
                "zone": "Brussels-Centre",
                "pay": {"hourly_gross": os.environ.get("PAY", "11.00"), "currency": "EUR"},
            }
            post({"type": "shift.booked", "timestamp": "2026-11-26T10:00:00Z", "data": data})
            paths.append(f"/v1/platforms/demo/shifts/S-{i}/contract")

        def run(n: int, path: str | None = None) -> None:
            for i in range(n):
                r = client.get(path or paths[i % len(paths)], headers=auth)
                assert r.status_code == 200, r.text

        run(300)
        t = time.process_time()
        run(N)
        cpu = (time.process_time() - t) / N
        run(200, "/healthz")
        t = time.process_time()
        run(N, "/healthz")
        floor = (time.process_time() - t) / N
        print(f"CPU per read: {cpu * 1e3:.2f} ms; per GET /healthz (harness floor): {floor * 1e3:.2f} ms")
        against_bare(url, run)
        in_one_thread(app, paths, auth, out)


def against_bare(url: str, run: Any) -> None:
    """CPU per read against the bare read (bench/_bare.py: bearer check + one SELECT), in turn, best of
    ROUNDS rounds each; the ratio is bare / gateway (as the bench's throughput ratio: higher is better)."""
    token = uuid.uuid4().hex
    os.environ.update(BENCH_BARE_DATABASE_URL=url, BENCH_BARE_TOKEN=token, BENCH_BARE_SECRET=uuid.uuid4().hex)
    from bench import _bare

    bare_auth = {"Authorization": f"Bearer {token}"}
    rounds = int(os.environ.get("ROUNDS", "5"))
    with TestClient(_bare.app) as bare:

        def run_bare(n: int) -> None:
            for i in range(n):
                r = bare.get(f"/bare/rows/m-{i % 200}", headers=bare_auth)
                assert r.status_code == 200, r.text

        def cpu(f: Any) -> float:
            t = time.process_time()
            f(N)
            return (time.process_time() - t) / N

        run_bare(300)
        gw, br = [], []
        for _ in range(rounds):
            br.append(cpu(run_bare))
            gw.append(cpu(run))
        print(
            f"best of {rounds}: CPU per read {min(gw) * 1e3:.2f} ms, bare read {min(br) * 1e3:.2f} ms: "
            f"{min(br) / min(gw):.2f} x the bare read (median rounds {median(br) / median(gw):.2f} x)"
        )


def in_one_thread(app: Any, paths: list[str], auth: dict[str, str], out: str | None) -> None:
    async def inline(func: Any, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    # Sync dependencies and routes run in this thread, so that the profilers see all of a request.
    fastapi.dependencies.utils.run_in_threadpool = inline  # type: ignore[attr-defined,assignment,unused-ignore]
    fastapi.routing.run_in_threadpool = inline  # type: ignore[attr-defined,assignment,unused-ignore]
    fastapi.concurrency.run_in_threadpool = inline  # type: ignore[attr-defined,assignment,unused-ignore]

    async def arun(n: int) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as ac:
            for i in range(n):
                r = await ac.get(paths[i % len(paths)], headers=auth)
                assert r.status_code == 200, r.text

    asyncio.run(arun(300))
    t = time.process_time()
    asyncio.run(arun(N))
    print(f"CPU per read, in one thread (ASGI transport): {(time.process_time() - t) / N * 1e3:.2f} ms")
    if out is None:
        return
    try:
        from pyinstrument import Profiler
    except ImportError:  # not in every venv: the cProfile listing is still written
        Profiler = None
    if Profiler is not None:
        prof = Profiler(interval=0.0005, async_mode="disabled")
        prof.start()
        asyncio.run(arun(N))
        prof.stop()
        with open(out, "w") as f:
            f.write(prof.output_text(unicode=True, color=False, show_all=False))
    cp = cProfile.Profile(time.process_time)
    cp.enable()
    asyncio.run(arun(N))
    cp.disable()
    text = io.StringIO()
    pstats.Stats(cp, stream=text).sort_stats("cumulative").print_stats(70)
    with open(out + ".cpu", "w") as f:
        f.write(text.getvalue())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
