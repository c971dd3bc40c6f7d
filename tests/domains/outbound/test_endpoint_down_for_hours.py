"""A platform's callback endpoint is down for hours: nothing is lost, and everything arrives once after it is back.

Issue 10's "outbound endpoints down for hours" fault, run on a controlled clock (no sleeps): the dispatcher runs
every five simulated minutes, as the scheduler would, through a ten-hour outage and the recovery after it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import respx
from sqlalchemy import Engine

from gateway.domains.outbox.models import OutboxStatus
from tests.conftest import PlatformHandle
from tests.domains.outbound.conftest import CALLBACK_URL, Dispatcher, add_endpoint, book_shift, messages

SHIFTS = 25
TICK = timedelta(minutes=5)


def test_callbacks_survive_a_ten_hour_outage_and_arrive_exactly_once_after(
    enrolled: PlatformHandle,
    send: Callable[..., Any],
    engine: Engine,
    dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    now: datetime,
) -> None:
    add_endpoint(engine)
    state = {"down": True, "failed": 0}
    delivered: Counter[str] = Counter()

    def platform(request: httpx.Request) -> httpx.Response:
        if state["down"]:
            state["failed"] += 1
            return httpx.Response(503, text="maintenance")
        delivered[request.headers["webhook-id"]] += 1
        return httpx.Response(204)

    respx_mock.post(CALLBACK_URL).mock(side_effect=platform)
    for i in range(SHIFTS):
        book_shift(send, enrolled, code=f"S-{i}")

    outage_ends = now + timedelta(hours=10)
    while dispatcher.clock() < outage_ends:
        dispatcher.run()
        dispatcher.advance(TICK.total_seconds())
    callbacks = [m for m in messages(engine, "callback.") if m.endpoint_id is not None]
    assert callbacks and all(m.status == OutboxStatus.pending for m in callbacks), "none may be given up on"
    assert state["failed"] >= len(callbacks) * 5  # they were really retried through the outage

    state["down"] = False
    recovered_by = dispatcher.clock() + timedelta(hours=10)
    while dispatcher.clock() < recovered_by and any(
        m.status == OutboxStatus.pending for m in messages(engine, "callback.") if m.endpoint_id is not None
    ):
        dispatcher.run()
        dispatcher.advance(TICK.total_seconds())

    after = [m for m in messages(engine, "callback.") if m.endpoint_id is not None]
    assert [m.status for m in after] == [OutboxStatus.sent] * len(after)
    assert len(delivered) == len(after) and set(delivered.values()) == {1}  # every callback once, none twice
    assert sum(1 for m in after if m.kind == "callback.contract.opened") == SHIFTS
