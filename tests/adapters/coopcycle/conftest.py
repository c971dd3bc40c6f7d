"""A CoopCycle instance for the tests: its API behind respx, its webhooks signed as coopcycle-web signs them."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from adapters.coopcycle.models import CoopCycleAccount
from adapters.coopcycle.signature import new_secret
from adapters.coopcycle.testing import notification, signed_headers
from gateway.agreements.loader import AgreementBook
from gateway.canonical import RiderEnrolled
from gateway.domains.platforms import service as platforms
from gateway.domains.riders import service as riders
from gateway.jobs import JobContext, run_job
from gateway.settings import Settings
from tests.conftest import Clock

BASE = "https://coop.example"
CLIENT_ID, CLIENT_SECRET = "gateway-app", "s3cr3t-app-secret"
EVENTS = ("delivery.assigned", "delivery.started", "delivery.picked", "delivery.in_transit", "delivery.completed")
STATUS_AFTER = {"task:started": "DOING", "task:done": "DONE", "task:failed": "FAILED", "task:cancelled": "CANCELLED"}


@dataclass
class FakeCoopCycle:
    """Deliveries and their tasks' events, served as coopcycle-web serialises them (JSON-LD)."""

    tokens_issued: int = 0
    token_lifetime: int = 3600
    outage: int = 0  # answer this many API calls with 503
    api_calls: int = 0
    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    deliveries: dict[int, tuple[int, int]] = field(default_factory=dict)

    def create(self, delivery: int, at: datetime) -> None:
        pickup, dropoff = delivery * 10 + 1, delivery * 10 + 2
        self.deliveries[delivery] = (pickup, dropoff)
        for task, kind in ((pickup, "PICKUP"), (dropoff, "DROPOFF")):
            self.tasks[task] = {
                "@id": f"/api/tasks/{task}",
                "@type": "Task",
                "id": task,
                "type": kind,
                "status": "TODO",
            }
            self.events[task] = []
            self.task_event(task, "task:created", at)

    def task_event(self, task: int, name: str, at: datetime, **data: Any) -> None:
        n = sum(len(v) for v in self.events.values()) + 1
        self.events[task].append(
            {
                "@id": f"/api/task_events/{n}",
                "@type": "TaskEvent",
                "name": name,
                "data": data or [],
                "createdAt": at.isoformat(),
            }
        )
        if name in STATUS_AFTER:
            self.tasks[task]["status"] = STATUS_AFTER[name]

    def assign(self, delivery: int, username: str, at: datetime) -> None:
        for task in self.deliveries[delivery]:
            self.task_event(task, "task:assigned", at, username=username)

    def pickup(self, delivery: int) -> int:
        return self.deliveries[delivery][0]

    def dropoff(self, delivery: int) -> int:
        return self.deliveries[delivery][1]

    # --- the HTTP side -------------------------------------------------------------------------------

    def token(self, request: httpx.Request) -> httpx.Response:
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        form = parse_qs(request.content.decode())
        if request.headers.get("authorization") != f"Basic {basic}" or form.get("grant_type") != ["client_credentials"]:
            return httpx.Response(401, json={"error": "invalid_client"})
        assert form.get("scope") == ["tasks deliveries"]
        self.tokens_issued += 1
        return httpx.Response(
            200,
            json={"token_type": "Bearer", "expires_in": self.token_lifetime, "access_token": self._token()},
        )

    def _token(self) -> str:
        return f"tok-{self.tokens_issued}"

    def _authorised(self, request: httpx.Request) -> httpx.Response | None:
        self.api_calls += 1
        if request.headers.get("authorization") != f"Bearer {self._token()}":
            return httpx.Response(401, json={"code": 401, "message": "Expired JWT Token"})
        if self.outage:
            self.outage -= 1
            return httpx.Response(503, text="upstream unavailable")
        return None

    def delivery(self, request: httpx.Request, id: str) -> httpx.Response:
        refused = self._authorised(request)
        if refused:
            return refused
        pickup, dropoff = self.deliveries[int(id)]
        return httpx.Response(
            200,
            json={
                "@context": "/api/contexts/Delivery",
                "@id": f"/api/deliveries/{id}",
                "@type": "http://schema.org/ParcelDelivery",
                "id": int(id),
                "pickup": self.tasks[pickup],
                "dropoff": self.tasks[dropoff],
                "trackingUrl": f"{BASE}/d/{id}",
            },
        )

    def task_events(self, request: httpx.Request, id: str) -> httpx.Response:
        refused = self._authorised(request)
        if refused:
            return refused
        members = self.events[int(id)]
        return httpx.Response(
            200,
            json={
                "@context": "/api/contexts/TaskEvent",
                "@id": f"/api/tasks/{id}/events",
                "@type": "hydra:Collection",
                "hydra:member": members,
                "hydra:totalItems": len(members),
            },
        )


@pytest.fixture
def coopcycle() -> Iterator[FakeCoopCycle]:
    fake = FakeCoopCycle()
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{BASE}/oauth2/token").mock(side_effect=fake.token)
        router.get(url__regex=rf"^{BASE}/api/deliveries/(?P<id>\d+)$").mock(side_effect=fake.delivery)
        router.get(url__regex=rf"^{BASE}/api/tasks/(?P<id>\d+)/events$").mock(side_effect=fake.task_events)
        yield fake


@dataclass
class CoopCyclePlatform:
    slug: str
    secrets: dict[str, str]  # CoopCycle registers one webhook, with its own secret, per event
    client: TestClient
    clock: Clock

    def notify(self, delivery: int, event: str, at: datetime | None = None) -> Any:
        """CoopCycle posts a webhook (at `at`, by the gateway's clock)."""
        if at is not None:
            self.clock.fixed = at
        body = notification(f"/api/deliveries/{delivery}", event)
        secret = self.secrets.get(event) or self.secrets["delivery.completed"]
        return self.client.post(
            f"/v1/platforms/{self.slug}/webhooks", content=body, headers=signed_headers(secret, body)
        )


@pytest.fixture
def coop_platform(
    engine: Engine, book: AgreementBook, client: TestClient, clock: Clock
) -> Callable[..., CoopCyclePlatform]:
    def make(slug: str = "coop-bxl", couriers: tuple[str, ...] = ("amina",)) -> CoopCyclePlatform:
        secrets = {e: new_secret() for e in (*EVENTS, "delivery.failed")}
        with Session(engine, expire_on_commit=False) as session:
            platform, _ = platforms.create_platform(
                session, book, slug=slug, name="Coop Bruxelles", adapter="coopcycle", agreement="be-delivery-2016"
            )
            for secret in secrets.values():
                platforms.add_secret(session, platform, secret)
            assert platform.id is not None
            session.add(
                CoopCycleAccount(
                    platform_id=platform.id, base_url=BASE, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
                )
            )
            for username in couriers:
                data = RiderEnrolled(rider_id=username, name=username.title(), email=f"{username}@example.org")
                riders.enrol(session, platform.id, data, clock())
            session.commit()
        return CoopCyclePlatform(slug, secrets, client, clock)

    return make


@pytest.fixture
def jobs(engine: Engine, settings: Settings, book: AgreementBook) -> Iterator[Callable[[str, datetime], int]]:
    """Run a job at an instant, with services (HTTP client, cached API tokens) kept across runs as in a process."""
    with httpx.Client(timeout=5) as http:
        services: dict[str, Any] = {"http": http}

        def run(name: str, at: datetime) -> int:
            return run_job(name, JobContext(engine, settings, book, lambda: at, services=services))

        yield run
