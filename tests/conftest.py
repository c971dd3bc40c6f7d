"""Fixtures: every test that touches the database runs on SQLite and on PostgreSQL, built by the migrations.

PostgreSQL: database `test` on 127.0.0.1:5432 (trust auth), in a schema of its own per test run, so runs
never see each other's rows. Between tests, rows are deleted (the request commits, so no rollback trick).
"""

from __future__ import annotations

import ipaddress
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from adapters.standard.signature import sign
from gateway import netguard
from gateway.agreements.loader import AgreementBook
from gateway.app import create_app
from gateway.db.base import metadata
from gateway.db.engine import engine_for
from gateway.db.migrate import upgrade
from gateway.domains.auth.credentials import issue_credential
from gateway.domains.platforms import service as platforms
from gateway.settings import REPO_ROOT, Settings

# The app's clock in tests: a fixed instant, so tests that settle or pay at fixed dates do not rot as the
# calendar moves on. Webhooks are signed at the same instant (the signature tolerance reads the app's clock).
TEST_NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

PG_ADMIN = os.environ.get("GATEWAY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_url(schema: str) -> str:
    base = PG_ADMIN.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}?options=-csearch_path%3D{schema}"


@pytest.fixture(autouse=True)
def _test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings built from the environment in a test (the CLI's, a subprocess's) are in test mode: the gateway
    defaults to production and refuses its development placeholder secrets there. A test of that default
    removes the variable itself."""
    monkeypatch.setenv("GATEWAY_ENV", "test")


# What every name resolves to in tests: a public address (never connected to: respx answers before any socket).
FAKE_PUBLIC_ADDRESS = ipaddress.ip_address("93.184.215.14")


@pytest.fixture(autouse=True)
def _no_real_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Callbacks resolve their host before each send (SSRF check); no test asks real DNS. A test of what a name
    resolves to replaces `netguard.resolve` again."""
    monkeypatch.setattr(netguard, "resolve", lambda host, port: [FAKE_PUBLIC_ADDRESS])


@pytest.fixture(scope="session")
def book() -> AgreementBook:
    return AgreementBook.load(REPO_ROOT / "agreements")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'gateway.db'}"
        upgrade(url)
        yield url
        return
    schema = f"gw_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = _pg_url(schema)
    upgrade(url)
    yield url
    engine_for(url).dispose()
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = engine_for(database_url)
    yield eng
    with eng.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The scheduler is off: tests run jobs by hand with a controlled clock.
    return Settings(database_url=database_url, env="test", scheduler=False)


class Clock:
    """A controllable clock for the app; tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or TEST_NOW


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(settings: Settings, book: AgreementBook, engine: Engine, clock: Clock) -> FastAPI:
    return create_app(settings, book, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=True) as c:
        yield c


@dataclass
class PlatformHandle:
    slug: str
    secret: str
    api_key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@pytest.fixture
def make_platform(engine: Engine, book: AgreementBook, settings: Settings) -> Callable[..., PlatformHandle]:
    def make(slug: str = "demo", agreement: str = "be-delivery-2016") -> PlatformHandle:
        with Session(engine, expire_on_commit=False) as session:
            platform, secret = platforms.create_platform(
                session, book, slug=slug, name=slug, adapter="standard", agreement=agreement
            )
            key = issue_credential(session, platform, settings.credential_pepper.get_secret_value())
            session.commit()
        return PlatformHandle(slug, secret, key)

    return make


@pytest.fixture
def platform(make_platform: Callable[..., PlatformHandle]) -> PlatformHandle:
    return make_platform()


def signed_headers(secret: str, body: bytes, msg_id: str | None = None, ts: int | None = None) -> dict[str, str]:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    ts = int(TEST_NOW.timestamp()) if ts is None else ts
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, msg_id, ts, body),
    }


def _event_time(body: bytes) -> datetime | None:
    try:
        data = json.loads(body).get("data")
        return datetime.fromisoformat(data["at"]) if isinstance(data, dict) and "at" in data else None
    except (ValueError, TypeError, AttributeError):
        return None


def as_it_happens(send: Callable[..., Any], clock: Clock) -> Callable[..., Any]:
    """`send` as a platform posts in real time: a shift event is sent when it happens, so the app's clock first
    moves to the event's `at` (never back). For tests about what events do, not about when they may arrive."""

    def post(p: PlatformHandle, body: bytes, msg_id: str | None = None, **headers: str) -> Any:
        at = _event_time(body)
        if at is not None and at > clock():
            clock.fixed = at
        return send(p, body, msg_id, **headers)

    return post


def event(type_: str, **data: Any) -> bytes:
    return json.dumps({"type": type_, "timestamp": "2026-11-26T10:00:00Z", "data": data}).encode()


@pytest.fixture
def send(client: TestClient, clock: Clock) -> Callable[..., Any]:
    """Post a signed webhook as `platform` would, signed at the app clock's instant."""

    def post(p: PlatformHandle, body: bytes, msg_id: str | None = None, **headers: str) -> Any:
        h = signed_headers(p.secret, body, msg_id, ts=int(clock().timestamp()))
        h.update(headers)
        return client.post(f"/v1/platforms/{p.slug}/webhooks", content=body, headers=h)

    return post


@pytest.fixture
def enrolled(platform: PlatformHandle, send: Callable[..., Any]) -> PlatformHandle:
    r = send(platform, event("rider.enrolled", rider_id="r-1", name="Amina", email="amina@example.org"))
    assert r.status_code == 200, r.text
    return platform


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608 - test-only table names


def fund_opening_balance(engine: Engine, amount: str = "100000.00", at: datetime = TEST_NOW) -> None:
    """Money in the guarantee fund, as a running cooperative has: the fund advances a rider's pay only within its
    cash (issue 17), so a scenario that pays riders in a platform's place starts with a deposit."""
    from decimal import Decimal

    from gateway.domains.fund import service as fund

    with Session(engine) as session:
        fund.deposit(session, Decimal(amount), "EUR", at, "opening balance (test)")
        session.commit()


@pytest.fixture
def run_job(engine: Engine, settings: Settings, book: AgreementBook) -> Callable[..., int]:
    """Run a job by hand at a given instant (the scheduler is off in tests)."""
    from gateway.jobs import JobContext
    from gateway.jobs import run_job as run

    def go(name: str, at: datetime, **services: Any) -> int:
        return run(name, JobContext(engine, settings, book, lambda: at, services=services))

    return go
