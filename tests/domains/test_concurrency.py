"""Twenty deliveries of one booking at once, through a real server: exactly one contract, one answer.

Runs on both databases; on PostgreSQL the requests really overlap inside the database (separate
connections, row locks on the unique keys), which is where a check-then-insert would open two contracts.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from tests.conftest import PlatformHandle, count_rows, event, signed_headers

N = 20


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "test server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _post_all(url: str, p: PlatformHandle, bodies_and_ids: list[tuple[bytes, str]]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(bodies_and_ids))

    def post(item: tuple[bytes, str]) -> httpx.Response:
        body, msg_id = item
        headers = signed_headers(p.secret, body, msg_id)
        with httpx.Client(base_url=url, timeout=60) as c:
            barrier.wait()
            return c.post(f"/v1/platforms/{p.slug}/webhooks", content=body, headers=headers)

    with ThreadPoolExecutor(len(bodies_and_ids)) as pool:
        return list(pool.map(post, bodies_and_ids))


BOOKING = event(
    "shift.booked",
    shift_code="RACE-1",
    rider_id="r-1",
    starts_at="2026-12-06T03:00:00+01:00",
    ends_at="2026-12-06T05:00:00+01:00",
)


def test_twenty_concurrent_deliveries_of_one_webhook_open_one_contract(
    live_url: str, enrolled: PlatformHandle, engine: Engine
) -> None:
    answers = _post_all(live_url, enrolled, [(BOOKING, "msg-race")] * N)
    assert [a.status_code for a in answers] == [200] * N
    assert len({a.json()["contract"]["id"] for a in answers}) == 1
    assert count_rows(engine, "contract") == 1
    assert count_rows(engine, "violation") == 1
    assert count_rows(engine, "outbox_message") == 3  # the declaration, the callback, the rider's e-mail
    assert count_rows(engine, "inbox_message") == 2  # the enrolment and this booking


def test_twenty_concurrent_bookings_of_one_shift_under_different_ids_open_one_contract(
    live_url: str, enrolled: PlatformHandle, engine: Engine
) -> None:
    answers = _post_all(live_url, enrolled, [(BOOKING, f"msg-{uuid.uuid4().hex}") for _ in range(N)])
    assert [a.status_code for a in answers] == [200] * N
    assert len({a.json()["contract"]["id"] for a in answers}) == 1
    assert count_rows(engine, "contract") == 1
    assert count_rows(engine, "outbox_message") == 3  # the declaration, the callback, the rider's e-mail
    assert count_rows(engine, "inbox_message") == N + 1
