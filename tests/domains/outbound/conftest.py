"""Helpers for outbound delivery: a job context with a controlled clock, a booked contract, an endpoint."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from gateway.agreements.loader import AgreementBook
from gateway.domains.callbacks import service as callbacks
from gateway.domains.outbox.models import OutboxAttempt, OutboxMessage
from gateway.domains.platforms.service import get_platform
from gateway.jobs import JobContext, run_job
from gateway.settings import Settings
from tests.conftest import Clock, PlatformHandle, event

CALLBACK_URL = "https://platform.example/gateway-callbacks"


class MidRandom(random.Random):
    """Jitter drawn at the middle of its range: waits are exactly the schedule's."""

    def random(self) -> float:
        return 0.5


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture
def now(clock: Clock) -> datetime:
    clock.fixed = datetime.now(UTC).replace(microsecond=0)
    return clock.fixed


class Dispatcher:
    """Runs `outbox.dispatch` by hand with a controlled clock and injected services."""

    def __init__(self, engine: Engine, settings: Settings, book: AgreementBook, clock: Clock, http: httpx.Client):
        self.engine, self.settings, self.book, self.clock = engine, settings, book, clock
        self.services: dict[str, Any] = {"http": http, "random": MidRandom()}

    def run(self, settings: Settings | None = None) -> int:
        ctx = JobContext(self.engine, settings or self.settings, self.book, self.clock, services=self.services)
        return run_job("outbox.dispatch", ctx)

    def context(self) -> JobContext:
        return JobContext(self.engine, self.settings, self.book, self.clock, services=self.services)

    def advance(self, seconds: float) -> datetime:
        assert self.clock.fixed is not None
        self.clock.fixed += timedelta(seconds=seconds)
        return self.clock.fixed


@pytest.fixture
def dispatcher(engine: Engine, settings: Settings, book: AgreementBook, clock: Clock, http: httpx.Client) -> Dispatcher:
    return Dispatcher(engine, settings, book, clock, http)


def book_shift(send: Callable[..., Any], p: PlatformHandle, code: str = "S-1") -> uuid.UUID:
    # A few days ahead of the clock the `now` fixture sets (the wall clock): near enough to be booked today.
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    r = send(
        p,
        event(
            "shift.booked",
            shift_code=code,
            rider_id="r-1",
            starts_at=start.isoformat(),
            ends_at=(start + timedelta(hours=4)).isoformat(),
        ),
    )
    assert r.status_code == 200, r.text
    return uuid.UUID(r.json()["contract"]["id"])


@pytest.fixture
def booked(enrolled: PlatformHandle, send: Callable[..., Any], now: datetime) -> uuid.UUID:
    """A booked contract; the clock is then fixed at (about) the booking's time."""
    return book_shift(send, enrolled)


def add_endpoint(engine: Engine, slug: str = "demo", url: str = CALLBACK_URL) -> tuple[int, str]:
    with Session(engine, expire_on_commit=False) as session:
        p = get_platform(session, slug)
        assert p is not None and p.id is not None
        e = callbacks.create_endpoint(session, p.id, url, require_https=True)
        session.commit()
    assert e.id is not None
    return e.id, e.secret


def messages(engine: Engine, kind_prefix: str = "") -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(col(OutboxMessage.kind).startswith(kind_prefix))
                .order_by(col(OutboxMessage.id))
            ).all()
        )


def attempts(engine: Engine, message_id: int) -> list[OutboxAttempt]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(OutboxAttempt).where(OutboxAttempt.message_id == message_id).order_by(col(OutboxAttempt.id))
            ).all()
        )


def child(engine: Engine, kind: str = "callback.contract.opened") -> OutboxMessage:
    [m] = [m for m in messages(engine, kind) if m.endpoint_id is not None]
    return m
