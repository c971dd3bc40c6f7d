"""The gateway killed with SIGKILL in the middle of a load, then restarted.

Every webhook that got a 2xx has exactly one contract; every one that did not succeeds when the platform
retries it (same webhook-id); and no shift ends up with two contracts. A real uvicorn process on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.conftest import PlatformHandle, event, signed_headers
from tests.faults.server import free_port, gateway

BOOKINGS = 160
THREADS = 8
KILL_AFTER = 40  # answers received before the kill


def _booking(i: int) -> bytes:
    day = 1 + i % 28
    return event(
        "shift.booked",
        shift_code=f"K-{i}",
        rider_id="r-1",
        starts_at=f"2026-12-{day:02d}T{8 + i % 10:02d}:00:00+01:00",
        ends_at=f"2026-12-{day:02d}T{11 + i % 10:02d}:00:00+01:00",
    )


def _send(url: str, p: PlatformHandle, msg_id: str, body: bytes) -> int | None:
    try:
        # A real gateway process reads the real clock: sign at the real time, not the tests' fixed instant.
        headers = signed_headers(p.secret, body, msg_id, ts=int(time.time()))
        return httpx.post(url, content=body, headers=headers, timeout=10).status_code
    except httpx.TransportError:
        return None


def test_sigkill_mid_load_loses_nothing_and_doubles_nothing(
    database_url: str, is_postgres: bool, enrolled: PlatformHandle, engine: Engine, tmp_path: Path
) -> None:
    if not is_postgres:
        pytest.skip("a second process on the same database: PostgreSQL")
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1/platforms/{enrolled.slug}/webhooks"
    ids = {i: f"msg_{uuid.uuid4().hex}" for i in range(BOOKINGS)}
    outcome: dict[int, int | None] = {}
    answered = threading.Semaphore(0)

    def deliver(mine: list[int]) -> None:
        for i in mine:
            outcome[i] = _send(url, enrolled, ids[i], _booking(i))
            answered.release()

    log = tmp_path / "gateway.log"
    with gateway(database_url, port, log) as proc:
        threads = [threading.Thread(target=deliver, args=(list(range(t, BOOKINGS, THREADS)),)) for t in range(THREADS)]
        for t in threads:
            t.start()
        for _ in range(KILL_AFTER):
            assert answered.acquire(timeout=60)
        os.killpg(proc.pid, signal.SIGKILL)
        for t in threads:
            t.join(60)
    ok = {i for i, status in outcome.items() if status == 200}
    assert KILL_AFTER <= len(ok) < BOOKINGS, "the kill must land in the middle of the load"
    assert all(status in (200, None) for status in outcome.values()), outcome

    with engine.connect() as conn:
        before: dict[str, int] = dict(
            conn.execute(text("SELECT shift_code, count(*) FROM contract GROUP BY shift_code")).all()
        )
    assert all(before.get(f"K-{i}") == 1 for i in ok), "a 2xx without its contract"
    assert all(n == 1 for n in before.values())

    with gateway(database_url, port, log):
        retried = {i: _send(url, enrolled, ids[i], _booking(i)) for i in range(BOOKINGS) if i not in ok}
        replayed = {i: _send(url, enrolled, ids[i], _booking(i)) for i in sorted(ok)[:10]}
    assert set(retried.values()) <= {200}, retried
    assert set(replayed.values()) == {200}

    with engine.connect() as conn:
        after: dict[str, int] = dict(
            conn.execute(text("SELECT shift_code, count(*) FROM contract GROUP BY shift_code")).all()
        )
        inbox = conn.execute(text("SELECT count(*) FROM inbox_message WHERE message_id LIKE 'msg_%'")).scalar_one()
    assert after == {f"K-{i}": 1 for i in range(BOOKINGS)}
    assert inbox == BOOKINGS + 1  # the bookings and the rider's enrolment
