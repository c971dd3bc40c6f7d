"""Signed callbacks to platforms: fan-out per endpoint, retries with backoff, 429/410, dead letters."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from adapters.standard.signature import verify
from gateway.domains.callbacks.models import CallbackEndpoint
from gateway.domains.outbox.models import OutboxStatus
from tests.conftest import PlatformHandle
from tests.domains.outbound.conftest import (
    CALLBACK_URL,
    Dispatcher,
    add_endpoint,
    attempts,
    book_shift,
    child,
    messages,
)


def opened_answers(*answers: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    """Answer contract.opened callbacks in turn with `answers`; any other callback with 200."""
    queue = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["type"] != "contract.opened":
            return httpx.Response(200)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return answer


def test_opened_callback_is_signed_with_the_endpoint_secret_and_carries_the_contract(
    booked: uuid.UUID, engine: Engine, dispatcher: Dispatcher, respx_mock: respx.MockRouter, now: datetime
) -> None:
    _, secret = add_endpoint(engine)
    route = respx_mock.post(CALLBACK_URL).mock(return_value=httpx.Response(204))
    dispatcher.run()
    opened = [c for c in route.calls if json.loads(c.request.content)["type"] == "contract.opened"]
    assert len(opened) == 1
    request = opened[0].request
    assert verify(request.headers, request.content, [secret], now, 300) == request.headers["webhook-id"]
    body = json.loads(request.content)
    assert body["data"]["id"] == str(booked) and body["data"]["shift_code"] == "S-1"
    sent = child(engine)
    assert sent.status == OutboxStatus.sent
    [attempt] = attempts(engine, sent.id or 0)
    assert (attempt.outcome, attempt.status_code, attempt.target) == ("delivered", 204, CALLBACK_URL)
    assert attempt.latency_ms >= 0


def test_every_endpoint_gets_its_own_copy_under_one_webhook_id(
    booked: uuid.UUID, engine: Engine, dispatcher: Dispatcher, respx_mock: respx.MockRouter
) -> None:
    add_endpoint(engine)
    add_endpoint(engine, url="https://backup.platform.example/cb")
    a = respx_mock.post(CALLBACK_URL).mock(return_value=httpx.Response(200))
    b = respx_mock.post("https://backup.platform.example/cb").mock(return_value=httpx.Response(200))
    dispatcher.run()
    ids_a = {c.request.headers["webhook-id"] for c in a.calls}
    ids_b = {c.request.headers["webhook-id"] for c in b.calls}
    assert ids_a == ids_b and len(ids_a) == 2  # contract.opened and contract.declared


def test_a_callback_for_a_platform_without_endpoint_is_skipped_not_retried(
    booked: uuid.UUID, engine: Engine, dispatcher: Dispatcher
) -> None:
    dispatcher.run()
    [opened] = messages(engine, "callback.contract.opened")
    assert opened.status == OutboxStatus.skipped
    assert opened.last_error == "the platform has no callback endpoint"


def test_500s_then_success_waits_the_backoff_schedule_and_logs_every_attempt(
    booked: uuid.UUID, engine: Engine, dispatcher: Dispatcher, respx_mock: respx.MockRouter, now: datetime
) -> None:
    add_endpoint(engine)
    route = respx_mock.post(CALLBACK_URL).mock(
        side_effect=opened_answers(httpx.Response(500), httpx.Response(503, text="down"), httpx.Response(200))
    )
    dispatcher.run()
    first = child(engine)
    assert first.status == OutboxStatus.pending and first.failures == 1
    assert first.next_attempt_at == now + timedelta(seconds=30)  # schedule[0], jitter at its middle
    assert dispatcher.run() == 0  # not due yet
    dispatcher.advance(30)
    dispatcher.run()
    second = child(engine)
    assert second.failures == 2 and second.next_attempt_at == now + timedelta(seconds=30 + 120)
    dispatcher.advance(120)
    dispatcher.run()
    assert child(engine).status == OutboxStatus.sent
    log = attempts(engine, first.id or 0)
    assert [(a.outcome, a.status_code) for a in log] == [("failed", 500), ("failed", 503), ("delivered", 200)]
    assert log[1].error == "HTTP 503: down"
    assert route.call_count == 4  # three tries of contract.opened, one contract.declared


def test_backoff_is_jittered_within_the_configured_fraction(
    booked: uuid.UUID, engine: Engine, dispatcher: Dispatcher, respx_mock: respx.MockRouter, now: datetime
) -> None:
    add_endpoint(engine)
    respx_mock.post(CALLBACK_URL).mock(side_effect=opened_answers(httpx.Response(500)))
    dispatcher.services["random"] = random.Random(7)
    dispatcher.run()
    wait = (child(engine).next_attempt_at - now).total_seconds()
    assert 24 <= wait <= 36 and wait != 30


@pytest.mark.parametrize("retry_after", ["900", "HTTP-DATE"])
def test_429_retry_after_is_honoured_when_longer_than_the_backoff(
    retry_after: str,
    booked: uuid.UUID,
    engine: Engine,
    dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    now: datetime,
) -> None:
    add_endpoint(engine)
    if retry_after == "HTTP-DATE":
        from email.utils import format_datetime

        retry_after = format_datetime(now + timedelta(seconds=900), usegmt=True)
    respx_mock.post(CALLBACK_URL).mock(
        side_effect=opened_answers(httpx.Response(429, headers={"Retry-After": retry_after}))
    )
    dispatcher.run()
    m = child(engine)
    assert m.status == OutboxStatus.pending and m.next_attempt_at == now + timedelta(seconds=900)
    assert attempts(engine, m.id or 0)[0].status_code == 429


def test_a_timeout_is_a_failed_attempt_retried_later(
    booked: uuid.UUID, engine: Engine, dispatcher: Dispatcher, respx_mock: respx.MockRouter
) -> None:
    add_endpoint(engine)
    respx_mock.post(CALLBACK_URL).mock(side_effect=opened_answers(httpx.ReadTimeout("slow"), httpx.Response(200)))
    dispatcher.run()
    m = child(engine)
    assert m.status == OutboxStatus.pending
    assert attempts(engine, m.id or 0)[0].error == "timeout (ReadTimeout)"
    dispatcher.advance(30)
    dispatcher.run()
    assert child(engine).status == OutboxStatus.sent


def test_410_disables_the_endpoint_and_holds_its_callbacks_until_it_is_enabled_again(
    booked: uuid.UUID,
    enrolled: PlatformHandle,
    send: Callable[..., Any],
    client: TestClient,
    engine: Engine,
    dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
) -> None:
    endpoint_id, _ = add_endpoint(engine)
    route = respx_mock.post(CALLBACK_URL).mock(return_value=httpx.Response(410))
    dispatcher.run()
    gone = child(engine)
    assert gone.status == OutboxStatus.dead and route.call_count == 1
    with Session(engine) as session:
        endpoint = session.get(CallbackEndpoint, endpoint_id)
        assert endpoint is not None and not endpoint.enabled and "410" in (endpoint.disabled_reason or "")
    # Meanwhile the declared callback was fanned out to the disabled endpoint: it waits, untouched.
    dispatcher.advance(3600)
    dispatcher.run()
    assert route.call_count == 1
    held = child(engine, "callback.contract.declared")
    assert held.status == OutboxStatus.pending and held.attempts == 0

    route.mock(return_value=httpx.Response(200))
    r = client.post(f"/v1/platforms/demo/callback-endpoints/{endpoint_id}/enable", headers=enrolled.auth)
    assert r.status_code == 200 and r.json()["enabled"] is True
    dispatcher.run()
    assert child(engine, "callback.contract.declared").status == OutboxStatus.sent
    assert route.call_count == 2


def test_a_failure_past_the_last_retry_is_a_dead_letter_and_disables_the_endpoint(
    booked: uuid.UUID, engine: Engine, dispatcher: Dispatcher, respx_mock: respx.MockRouter
) -> None:
    endpoint_id, _ = add_endpoint(engine)
    short = dispatcher.settings.model_copy(update={"outbox_retry_schedule": [10, 20]})
    respx_mock.post(CALLBACK_URL).mock(side_effect=opened_answers(*[httpx.Response(502)] * 3))
    dispatcher.run(short)
    dispatcher.advance(10)
    dispatcher.run(short)
    dispatcher.advance(20)
    dispatcher.run(short)
    dead = child(engine)
    assert dead.status == OutboxStatus.dead and dead.failures == 3 and dead.last_error == "HTTP 502"
    with Session(engine) as session:
        endpoint = session.get(CallbackEndpoint, endpoint_id)
        assert endpoint is not None and not endpoint.enabled
        assert (endpoint.disabled_reason or "").startswith("persistent failure")


def test_two_bookings_produce_callbacks_with_distinct_webhook_ids(
    booked: uuid.UUID,
    enrolled: PlatformHandle,
    send: Callable[..., Any],
    engine: Engine,
    dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
) -> None:
    add_endpoint(engine)
    book_shift(send, enrolled, "S-2")
    route = respx_mock.post(CALLBACK_URL).mock(return_value=httpx.Response(200))
    dispatcher.run()
    ids = [c.request.headers["webhook-id"] for c in route.calls]
    assert len(ids) == 4 and len(set(ids)) == 4
