"""OWASP API4:2023 Unrestricted Resource Consumption: body size limit, a per-platform rate limit, a rate limit
on the token endpoint per client and per address, and no blocking database call on the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event as sa_event

from gateway.db.engine import settings_engine
from gateway.domains.auth import credentials, oauth
from gateway.settings import Settings
from tests.conftest import PlatformHandle, event
from tests.security.conftest import book
from tests.security.test_rider_login_oidc import _login, oidc_app  # noqa: F401 - a fixture, used by name

ENROL = event("rider.enrolled", rider_id="r", name="R", email="r@example.org")


def test_a_platform_over_its_rate_gets_429_with_retry_after(
    app: FastAPI, settings: Settings, platform: PlatformHandle, send: Callable[..., Any], client: TestClient
) -> None:
    app.state.settings = settings.model_copy(update={"rate_limit_per_minute": 3})
    codes = [send(platform, ENROL).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = send(platform, ENROL)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.headers["content-type"] == "application/problem+json"
    # The API counts against the same allowance.
    assert client.get("/v1/platforms/demo/shifts/X/contract", headers=platform.auth).status_code == 429


def test_unsigned_requests_do_not_consume_a_platforms_allowance(
    app: FastAPI, settings: Settings, platform: PlatformHandle, send: Callable[..., Any], client: TestClient
) -> None:
    app.state.settings = settings.model_copy(update={"rate_limit_per_minute": 2})
    for _ in range(10):
        assert client.post("/v1/platforms/demo/webhooks", content=ENROL).status_code == 401
    assert send(platform, ENROL).status_code == 200


def test_limits_are_per_platform(
    app: FastAPI, settings: Settings, make_platform: Callable[..., PlatformHandle], send: Callable[..., Any]
) -> None:
    app.state.settings = settings.model_copy(update={"rate_limit_per_minute": 1})
    alpha, beta = make_platform("alpha"), make_platform("beta")
    assert send(alpha, ENROL).status_code == 200
    assert send(alpha, ENROL).status_code == 429
    assert send(beta, ENROL).status_code == 200


def test_oversized_body_is_refused_before_it_is_read_whole(platform: PlatformHandle, send: Callable[..., Any]) -> None:
    r = send(platform, b"{" + b" " * 400_000 + b"}")
    assert r.status_code == 413


GRANT = {"grant_type": "client_credentials"}


def _limit_tokens(app: FastAPI, settings: Settings, per_address: int, per_client: int) -> None:
    app.state.settings = settings.model_copy(
        update={"token_rate_limit_per_address": per_address, "token_rate_limit_per_client": per_client}
    )


def test_the_token_endpoint_limits_each_client_with_429_and_retry_after(
    app: FastAPI,
    settings: Settings,
    client: TestClient,
    platform: PlatformHandle,
    oauth_client: Callable[..., tuple[str, str]],
) -> None:
    _limit_tokens(app, settings, per_address=100, per_client=2)
    cid, secret = oauth_client("demo")
    other_cid, other_secret = oauth_client("demo")
    codes = [client.post("/oauth2/token", data=GRANT, auth=(cid, secret)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = client.post("/oauth2/token", data=GRANT, auth=(cid, secret))
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.headers["content-type"] == "application/problem+json" and "client" in r.json()["detail"]
    assert client.post("/oauth2/token", data=GRANT, auth=(other_cid, other_secret)).status_code == 200


def test_the_token_endpoint_limits_each_address_whatever_client_it_names(
    app: FastAPI, settings: Settings, client: TestClient, platform: PlatformHandle
) -> None:
    _limit_tokens(app, settings, per_address=3, per_client=100)
    codes = [client.post("/oauth2/token", data=GRANT, auth=(f"guess-{i}", "x")).status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    assert "address" in client.post("/oauth2/token", data=GRANT, auth=("another", "x")).json()["detail"]


def test_the_token_limit_is_counted_before_the_secret_is_hashed(
    app: FastAPI,
    settings: Settings,
    client: TestClient,
    platform: PlatformHandle,
    oauth_client: Callable[..., tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _limit_tokens(app, settings, per_address=100, per_client=2)
    cid, _ = oauth_client("demo")
    hashed: list[str] = []
    real = credentials.hash_key

    def counting(key: str, pepper: str) -> str:
        hashed.append(key)
        return real(key, pepper)

    monkeypatch.setattr(oauth, "hash_key", counting)
    codes = [client.post("/oauth2/token", data=GRANT, auth=(cid, f"guess-{i}")).status_code for i in range(10)]
    assert codes == [401, 401] + [429] * 8
    assert len(hashed) == 2


def test_the_token_limits_can_be_turned_off(
    app: FastAPI,
    settings: Settings,
    client: TestClient,
    platform: PlatformHandle,
    oauth_client: Callable[..., tuple[str, str]],
) -> None:
    _limit_tokens(app, settings, per_address=0, per_client=0)
    cid, secret = oauth_client("demo")
    assert {client.post("/oauth2/token", data=GRANT, auth=(cid, secret)).status_code for _ in range(5)} == {200}


@pytest.fixture
def statements_on_the_loop(app: FastAPI) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs while an event loop runs in the same thread (a blocking call
    on the loop stalls every other request of the process meanwhile)."""
    engine = settings_engine(app.state.settings)
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: fine
        seen.append(statement)

    sa_event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa_event.remove(engine, "before_cursor_execute", record)


def test_the_token_endpoint_reads_the_database_off_the_event_loop(
    client: TestClient,
    platform: PlatformHandle,
    oauth_client: Callable[..., tuple[str, str]],
    statements_on_the_loop: list[str],
) -> None:
    cid, secret = oauth_client("demo")
    assert client.post("/oauth2/token", data=GRANT, auth=(cid, secret)).status_code == 200
    assert client.post("/oauth2/token", data=GRANT, auth=(cid, "wrong")).status_code == 401
    assert statements_on_the_loop == []


@pytest.mark.usefixtures("oidc_app")
def test_the_oidc_callback_reads_the_database_off_the_event_loop(
    client: TestClient, platform: PlatformHandle, send: Callable[..., Any], statements_on_the_loop: list[str]
) -> None:
    book(platform, send, "amina", "S-A")
    statements_on_the_loop.clear()  # the webhooks above are not under test here
    done = _login(client, {"member_id": "M-amina"})
    assert done.status_code == 303 and "rider_session" in done.cookies
    assert statements_on_the_loop == []
