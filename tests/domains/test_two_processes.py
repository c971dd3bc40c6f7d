"""Two real gateway processes, each running its scheduler, on one PostgreSQL: no payout is ever made twice.

The payment rail is the local journal file, an effect outside the database: if two processes claimed the same
payout, it would hold two lines for it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import Engine, text

from tests.conftest import Clock, PlatformHandle, count_rows, event, fund_opening_balance

SHIFTS = 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gateway(database_url: str, journal: Path, log: IO[bytes]) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GATEWAY_ENV": "test",  # else production, which refuses the placeholder secrets
        "GATEWAY_DATABASE_URL": database_url,
        "GATEWAY_SCHEDULER": "true",
        "GATEWAY_JOB_INTERVALS": json.dumps({"payouts.execute": 1}),
        "GATEWAY_PAYOUT_JOURNAL": str(journal),
        "GATEWAY_PORT": str(_free_port()),
    }
    gateway = Path(sys.executable).parent / "gateway"
    return subprocess.Popen([str(gateway), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def test_two_gateway_processes_never_pay_a_payout_twice(
    database_url: str,
    is_postgres: bool,
    enrolled: PlatformHandle,
    send: Callable[..., Any],
    run_job: Callable[..., int],
    engine: Engine,
    tmp_path: Path,
    clock: Clock,
) -> None:
    if not is_postgres:
        pytest.skip("multi-process claims are proven on PostgreSQL (SQLite has one writer by construction)")
    fund_opening_balance(engine)
    start = datetime(2026, 10, 1, 8, tzinfo=UTC)
    for i in range(SHIFTS):
        s = start + timedelta(hours=2 * i)
        code = f"P-{i}"
        clock.fixed = s - timedelta(hours=1)  # booked an hour ahead; ended when it ends
        assert (
            send(
                enrolled,
                event(
                    "shift.booked",
                    shift_code=code,
                    rider_id="r-1",
                    starts_at=s.isoformat(),
                    ends_at=(s + timedelta(hours=3)).isoformat(),
                ),
            ).status_code
            == 200
        )
        clock.fixed = s + timedelta(hours=3)
        assert (
            send(enrolled, event("shift.ended", shift_code=code, at=(s + timedelta(hours=3)).isoformat())).status_code
            == 200
        )
    assert run_job("contracts.settle", datetime.now(UTC) + timedelta(hours=1)) == SHIFTS
    with engine.connect() as conn:
        assert conn.execute(text("SELECT max(due_on) FROM payout")).scalar_one() < datetime.now(UTC).date()

    journal = tmp_path / "payouts.journal"
    logs = [(tmp_path / f"gw{i}.log").open("wb") for i in range(2)]
    procs = [_gateway(database_url, journal, log) for log in logs]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                left = conn.execute(text("SELECT count(*) FROM payout WHERE status = 'scheduled'")).scalar_one()
            if left == 0:
                break
            assert all(p.poll() is None for p in procs), (tmp_path / "gw0.log").read_text()[-3000:]
            time.sleep(0.5)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            # A graceful stop waits for a running job's batch; on a loaded machine that can take a while. How fast
            # a process stops is not what this test is about: after a minute it is killed.
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
        for log in logs:
            log.close()
    assert left == 0, "the schedulers did not pay every payout in time"
    lines = journal.read_text().splitlines()
    ids = Counter(line.split()[0] for line in lines)
    assert len(ids) == SHIFTS and max(ids.values()) == 1, [i for i, n in ids.items() if n > 1]
    # The opening deposit, then one advance (two legs each) per payout, never more.
    assert count_rows(engine, "ledger_entry") == 2 + 2 * SHIFTS
    pids = Counter(line.rsplit("pid=", 1)[1] for line in lines)
    print(f"payouts per process: {dict(pids)}")
