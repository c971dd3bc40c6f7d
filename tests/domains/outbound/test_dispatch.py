"""At least once: a crash between claim and send re-sends later; concurrent dispatchers never send twice."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import Engine
from sqlmodel import Session

from gateway.domains.callbacks import service as callbacks
from gateway.domains.outbox import dispatch
from gateway.domains.outbox import service as outbox
from gateway.domains.outbox.delivery import Outcome, handler_for
from gateway.domains.outbox.models import OutboxMessage, OutboxStatus
from tests.domains.outbound.conftest import CALLBACK_URL, Dispatcher, add_endpoint, attempts, messages


def test_a_crash_between_claim_and_send_sends_the_message_after_the_lease_ends(
    booked: uuid.UUID, engine: Engine, dispatcher: Dispatcher, respx_mock: respx.MockRouter
) -> None:
    add_endpoint(engine)
    route = respx_mock.post(CALLBACK_URL).mock(return_value=httpx.Response(200))
    ctx = dispatcher.context()
    claimed = dispatch.claim(ctx, list(dispatch.load_handlers()))
    assert {m.kind for m in claimed} == {"declaration.in", "callback.contract.opened"}
    # ... and the process dies here: nothing was sent, nothing recorded.

    assert dispatcher.run() == 0  # another dispatcher leaves leased rows alone while the lease lasts
    assert route.call_count == 0
    dispatcher.advance(dispatcher.settings.outbox_lease_seconds + 1)
    dispatcher.run()
    assert {m.kind: m.status for m in messages(engine) if m.endpoint_id is None} == {
        "declaration.in": OutboxStatus.sent,
        "callback.contract.opened": OutboxStatus.sent,
        "callback.contract.declared": OutboxStatus.sent,
        "notification.contract_opened": OutboxStatus.pending,  # e-mail is off in tests: the rider's e-mail waits
    }
    assert route.call_count == 2  # opened and declared, each once
    [declaration_in] = messages(engine, "declaration.in")
    log = attempts(engine, declaration_in.id or 0)
    assert [a.outcome for a in log] == ["lost", "delivered"]
    assert declaration_in.failures == 1  # a lost lease counts as a failure, so a poison message still dies


def test_a_dispatcher_that_lost_its_lease_cannot_overwrite_the_newer_result(
    booked: uuid.UUID, engine: Engine, dispatcher: Dispatcher
) -> None:
    ctx = dispatcher.context()
    handlers = list(dispatch.load_handlers())
    [slow, _] = dispatch.claim(ctx, handlers)
    dispatcher.advance(dispatcher.settings.outbox_lease_seconds + 1)
    dispatcher.run()  # a second dispatcher takes over and delivers everything
    [msg] = [m for m in messages(engine) if m.id == slow.id]
    handler = handler_for(slow.kind)
    assert handler is not None
    dispatch.record(ctx, slow, handler, Outcome("failed", error="late"), ctx.now(), 5)
    [after] = [m for m in messages(engine) if m.id == slow.id]
    assert (after.status, after.failures) == (msg.status, msg.failures) == (OutboxStatus.sent, 1)
    assert "late" in [a.error for a in attempts(engine, slow.id)]  # the late attempt is still in the log


def test_messages_nobody_handles_are_never_claimed(engine: Engine, dispatcher: Dispatcher, now: datetime) -> None:
    with Session(engine) as session:
        outbox.enqueue(session, ("payout.transfer",), {"x": 1}, now, None)
        session.commit()
    assert dispatcher.run() == 0
    [m] = messages(engine, "payout.")
    assert (m.status, m.attempts) == (OutboxStatus.pending, 0)


def test_replay_sends_a_dead_letter_again_with_a_fresh_schedule(
    booked: uuid.UUID, engine: Engine, dispatcher: Dispatcher, respx_mock: respx.MockRouter, now: datetime
) -> None:
    add_endpoint(engine)
    route = respx_mock.post(CALLBACK_URL).mock(return_value=httpx.Response(500))
    once = dispatcher.settings.model_copy(update={"outbox_retry_schedule": [10]})
    dispatcher.run(once)
    dispatcher.advance(10)
    dispatcher.run(once)
    [dead] = [m for m in messages(engine, "callback.") if m.status == OutboxStatus.dead]
    assert dead.kind == "callback.contract.opened" and dead.failures == 2
    with Session(engine) as session:  # the persistent failure disabled the endpoint: enable it, then replay
        e = callbacks.get_endpoint(session, dead.endpoint_id or 0)
        assert e is not None and not e.enabled
        callbacks.enable(session, e)
        assert outbox.replay(session, dispatcher.clock(), ids=[dead.id or 0]) == [dead.id]
        session.commit()
    route.mock(return_value=httpx.Response(200))
    dispatcher.run()
    [replayed] = [m for m in messages(engine) if m.id == dead.id]
    assert (replayed.status, replayed.failures) == (OutboxStatus.sent, 0)
    assert [a.outcome for a in attempts(engine, dead.id or 0)] == ["failed", "failed", "delivered"]


def test_replay_by_time_range_takes_only_dead_letters_created_in_it(
    engine: Engine, dispatcher: Dispatcher, now: datetime
) -> None:
    from datetime import timedelta

    with Session(engine) as session:
        for i, status in enumerate([OutboxStatus.dead, OutboxStatus.sent, OutboxStatus.dead]):
            session.add(
                OutboxMessage(
                    kind="callback.x",
                    payload={},
                    status=status,
                    created_at=now + timedelta(hours=i),
                    next_attempt_at=now,
                )
            )
        session.commit()
        ids = outbox.replay(session, now, since=now, until=now + timedelta(hours=2))
        assert len(ids) == 1
        assert len(outbox.replay(session, now, since=now, include_sent=True)) == 2  # the sent one, and the last dead
        with pytest.raises(outbox.ReplayError):
            outbox.replay(session, now)


@pytest.mark.postgres_only
def test_two_dispatchers_running_at_once_never_send_a_message_twice(
    is_postgres: bool,
    enrolled: Any,
    send: Callable[..., Any],
    engine: Engine,
    dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    now: datetime,
) -> None:
    if not is_postgres:
        pytest.skip("row locks with SKIP LOCKED are what is tested; SQLite has a single writer")
    add_endpoint(engine)
    with Session(engine) as session:
        platform_payload = {"platform": enrolled.slug}
        outbox.enqueue(session, [f"callback.test.{i}" for i in range(60)], platform_payload, now, None)
        session.commit()
    received: Counter[str] = Counter()
    lock = threading.Lock()

    def answer(request: httpx.Request) -> httpx.Response:
        with lock:
            received[request.headers["webhook-id"]] += 1
        time.sleep(0.01)  # a platform that takes its time, so that the two dispatchers' batches overlap
        return httpx.Response(200)

    respx_mock.post(CALLBACK_URL).mock(side_effect=answer)
    small = dispatcher.settings.model_copy(update={"outbox_batch_size": 3})
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with httpx.Client() as http:
                d = Dispatcher(engine, small, dispatcher.book, dispatcher.clock, http)
                barrier.wait()
                d.run()
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(received) == 60 and set(received.values()) == {1}
    assert all(m.status == OutboxStatus.sent for m in messages(engine, "callback.test."))
