"""More requests in flight than request threads and database connections: every one is answered.

A sync route runs in one threadpool turn and FastAPI validates its answer in another; a request that kept its
database connection between the two could hold the last connections while the threads that have turns wait for
one, and every request then waited for the pool timeout (30 s) and failed. Here a real gateway process gets two
request threads and two connections, and 48 reads and bookings at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from gateway.app import create_app
from gateway.routing import GatewayRoute
from tests.conftest import PlatformHandle, event, signed_headers
from tests.faults.server import free_port, gateway

IN_FLIGHT = 48


def test_requests_past_the_pool_and_the_threads_are_all_answered(
    database_url: str, is_postgres: bool, enrolled: PlatformHandle, send: Any, tmp_path: Path
) -> None:
    if not is_postgres:
        pytest.skip("a second process on the same database: PostgreSQL")
    codes = [f"P-{i}" for i in range(IN_FLIGHT // 2)]
    for code in codes:
        body = event(
            "shift.booked",
            shift_code=code,
            rider_id="r-1",
            starts_at="2026-12-03T10:00:00Z",
            ends_at="2026-12-03T13:00:00Z",
        )
        assert send(enrolled, body).status_code == 200
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1/platforms/{enrolled.slug}"

    def read(code: str) -> int:
        return httpx.get(f"{base}/shifts/{code}/contract", headers=enrolled.auth, timeout=90).status_code

    def book(i: int) -> int:
        body = event(
            "shift.booked",
            shift_code=f"Q-{i}",
            rider_id="r-1",
            starts_at="2026-12-04T10:00:00Z",
            ends_at="2026-12-04T13:00:00Z",
        )
        # A real gateway process reads the real clock: sign at the real time.
        headers = signed_headers(enrolled.secret, body, ts=int(time.time()))
        return httpx.post(f"{base}/webhooks", content=body, headers=headers, timeout=90).status_code

    settings = {"request_threads": "2", "db_pool_size": "2", "db_max_overflow": "0"}
    with gateway(database_url, port, tmp_path / "gateway.log", **settings), ThreadPoolExecutor(IN_FLIGHT) as pool:
        reads = [pool.submit(read, code) for code in codes]
        books = [pool.submit(book, i) for i in range(IN_FLIGHT // 2)]
        statuses = [f.result() for f in reads + books]
    assert statuses == [200] * IN_FLIGHT


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for r in routes:
        included = getattr(r, "original_router", None)  # FastAPI keeps an included router whole
        if included is not None:
            yield from _api_routes(included.routes)
        elif isinstance(r, APIRoute):
            yield r


def test_every_sync_route_of_the_app_gives_its_connection_back_in_its_own_thread() -> None:
    """Made with `gateway.routing.api_router`: a router made otherwise would bring the stall back."""
    routes = list(_api_routes(create_app().routes))
    assert len(routes) > 30
    assert [r.path for r in routes if not isinstance(r, GatewayRoute)] == []
    sync = {r.path for r in routes if getattr(r.endpoint, "ends_transactions", False)}
    assert {"/v1/platforms/{platform}/shifts/{shift_code}/contract", "/v1/platforms/{platform}/webhooks"} <= sync
