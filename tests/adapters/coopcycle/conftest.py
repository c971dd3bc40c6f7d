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
# A second store's API app on the same instance: its own OAuth client, seeing only its own deliveries.
CLIENT_ID_2, CLIENT_SECRET_2 = "gateway-app-store-2", "s3cr3t-app-secret-2"
CLIENTS = {CLIENT_ID: (CLIENT_SECRET, 1), CLIENT_ID_2: (CLIENT_SECRET_2, 2)}  # client -> (secret, store)
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
    store_of: dict[int, int] = field(default_factory=dict)  # delivery -> store
    created_at: dict[int, datetime] = field(default_factory=dict)
    current: dict[str, str] = field(default_factory=dict)  # client -> its one valid token
    listings: int = 0

    def create(self, delivery: int, at: datetime, store: int = 1) -> None:
        pickup, dropoff = delivery * 10 + 1, delivery * 10 + 2
        self.deliveries[delivery] = (pickup, dropoff)
        self.store_of[delivery], self.created_at[delivery] = store, at
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
        if name == "task:restored":
            self.tasks[task]["status"] = "TODO"
        if name == "task:assigned":
            self.tasks[task]["assignedTo"] = data["username"]

    def assign(self, delivery: int, username: str, at: datetime) -> None:
        for task in self.deliveries[delivery]:
            self.task_event(task, "task:assigned", at, username=username)

    def pickup(self, delivery: int) -> int:
        return self.deliveries[delivery][0]

    def dropoff(self, delivery: int) -> int:
        return self.deliveries[delivery][1]

    # --- the HTTP side -------------------------------------------------------------------------------

    def token(self, request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        client = next(
            (
                c
                for c, (secret, _) in CLIENTS.items()
                if request.headers.get("authorization")
                == "Basic " + base64.b64encode(f"{c}:{secret}".encode()).decode()
            ),
            None,
        )
        if client is None or form.get("grant_type") != ["client_credentials"]:
            return httpx.Response(401, json={"error": "invalid_client"})
        assert form.get("scope") == ["tasks deliveries"]
        self.tokens_issued += 1
        # A new token replaces the client's previous one (so a test can expire a token by issuing another).
        self.current[client] = f"tok-{self.tokens_issued}"
        return httpx.Response(
            200,
            json={"token_type": "Bearer", "expires_in": self.token_lifetime, "access_token": self.current[client]},
        )

    def _authorised(self, request: httpx.Request) -> httpx.Response | int:
        """The store the bearer's API app belongs to, or the refusal."""
        self.api_calls += 1
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        client = next((c for c, t in self.current.items() if t == bearer), None)
        if client is None:
            return httpx.Response(401, json={"code": 401, "message": "Expired JWT Token"})
        if self.outage:
            self.outage -= 1
            return httpx.Response(503, text="upstream unavailable")
        return CLIENTS[client][1]

    def _delivery_doc(self, id: int) -> dict[str, Any]:
        pickup, dropoff = self.deliveries[id]
        return {
            "@id": f"/api/deliveries/{id}",
            "@type": "http://schema.org/ParcelDelivery",
            "id": id,
            "pickup": dict(self.tasks[pickup]),
            "dropoff": dict(self.tasks[dropoff]),
            "trackingUrl": f"{BASE}/d/{id}",
        }

    def delivery(self, request: httpx.Request, id: str) -> httpx.Response:
        store = self._authorised(request)
        if isinstance(store, httpx.Response):
            return store
        if self.store_of.get(int(id)) != store:  # is_granted('view', object): another store's delivery
            return httpx.Response(403, json={"code": 403, "message": "Access Denied."})
        return httpx.Response(200, json={"@context": "/api/contexts/Delivery", **self._delivery_doc(int(id))})

    def store_deliveries(self, request: httpx.Request, id: str) -> httpx.Response:
        """GET /api/stores/{id}/deliveries, newest first, 15 a page, filtered by `pickup.after[after]`."""
        store = self._authorised(request)
        if isinstance(store, httpx.Response):
            return store
        if int(id) != store:
            return httpx.Response(403, json={"code": 403, "message": "Access Denied."})
        self.listings += 1
        after = datetime.fromisoformat(request.url.params["pickup.after[after]"])
        page = int(request.url.params.get("page", "1"))
        mine = sorted(
            (d for d, s in self.store_of.items() if s == store and self.created_at[d] >= after),
            key=lambda d: self.created_at[d],
            reverse=True,
        )
        members = [self._delivery_doc(d) for d in mine[(page - 1) * 15 : page * 15]]
        view: dict[str, Any] = {
            "@id": f"/api/stores/{id}/deliveries?page={page}",
            "@type": "hydra:PartialCollectionView",
        }
        if page * 15 < len(mine):
            view["hydra:next"] = (
                f"/api/stores/{id}/deliveries?pickup.after%5Bafter%5D={request.url.params['pickup.after[after]']}&page={page + 1}"
            )
        return httpx.Response(
            200,
            json={
                "@context": "/api/contexts/Delivery",
                "@id": f"/api/stores/{id}/deliveries",
                "@type": "hydra:Collection",
                "hydra:member": members,
                "hydra:totalItems": len(mine),
                "hydra:view": view,
            },
        )

    def task_events(self, request: httpx.Request, id: str) -> httpx.Response:
        store = self._authorised(request)
        if isinstance(store, httpx.Response):
            return store
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
        router.get(url__regex=rf"^{BASE}/api/stores/(?P<id>\d+)/deliveries(\?.*)?$").mock(
            side_effect=fake.store_deliveries
        )
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
    def make(
        slug: str = "coop-bxl",
        couriers: tuple[str, ...] = ("amina",),
        stores: tuple[int, ...] = (),
        agreement: str = "be-delivery-2016",
    ) -> CoopCyclePlatform:
        """`stores`: one account per store's API app, each swept; none: one account, webhooks only."""
        secrets = {e: new_secret() for e in (*EVENTS, "delivery.failed")}
        with Session(engine, expire_on_commit=False) as session:
            platform, _ = platforms.create_platform(
                session, book, slug=slug, name="Coop Bruxelles", adapter="coopcycle", agreement=agreement
            )
            for secret in secrets.values():
                platforms.add_secret(session, platform, secret)
            assert platform.id is not None
            if not stores:
                session.add(
                    CoopCycleAccount(
                        platform_id=platform.id, base_url=BASE, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
                    )
                )
            for store in stores:
                app_id = next(c for c, (_, st) in CLIENTS.items() if st == store)
                session.add(
                    CoopCycleAccount(
                        platform_id=platform.id,
                        base_url=BASE,
                        client_id=app_id,
                        client_secret=CLIENTS[app_id][0],
                        store=f"/api/stores/{store}",
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
