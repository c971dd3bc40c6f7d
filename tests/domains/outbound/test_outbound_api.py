"""Platforms manage their callback endpoints; staff list dead letters and replay them (API and CLI)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import httpx
import pytest
import respx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from typer.testing import CliRunner

from gateway.cli import app as cli_app
from gateway.domains.outbox.models import OutboxStatus
from gateway.settings import get_settings
from tests.conftest import PlatformHandle
from tests.domains.outbound.conftest import CALLBACK_URL, Dispatcher, add_endpoint, child, messages

STAFF = {"Authorization": "Bearer staff-secret"}
ENDPOINTS = "/v1/platforms/demo/callback-endpoints"


@pytest.fixture
def staff(app: FastAPI) -> dict[str, str]:
    app.state.settings = app.state.settings.model_copy(update={"admin_token": SecretStr("staff-secret")})
    return STAFF


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    def run(*args: str, code: int = 0) -> str:
        monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
        get_settings.cache_clear()
        try:
            out = CliRunner().invoke(cli_app, list(args))
        finally:
            get_settings.cache_clear()
        assert out.exit_code == code, out.output
        return out.output

    return run


def test_a_platform_adds_lists_and_removes_its_callback_endpoints(
    platform: PlatformHandle, make_platform: Callable[..., PlatformHandle], client: TestClient
) -> None:
    created = client.post(ENDPOINTS, json={"url": CALLBACK_URL, "description": "prod"}, headers=platform.auth)
    assert created.status_code == 200, created.text
    assert created.json()["secret"].startswith("whsec_") and created.json()["enabled"] is True
    listed = client.get(ENDPOINTS, headers=platform.auth).json()
    assert [e["url"] for e in listed] == [CALLBACK_URL] and "secret" not in listed[0]
    other = make_platform("other")
    endpoint_id = created.json()["id"]
    assert client.delete(f"/v1/platforms/other/callback-endpoints/{endpoint_id}", headers=other.auth).status_code == 404
    assert client.get(ENDPOINTS, headers=other.auth).status_code == 403
    assert client.delete(f"{ENDPOINTS}/{endpoint_id}", headers=platform.auth).status_code == 200
    assert client.get(ENDPOINTS, headers=platform.auth).json() == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"url": "http://platform.example/cb"}, "https"),
        ({"url": "https://user:pw@platform.example/cb"}, "credentials"),
        ({"url": "not a url"}, "https"),
        ({"url": CALLBACK_URL, "secret": "whsec_short"}, "invalid secret"),
    ],
)
def test_a_bad_callback_endpoint_is_a_422_problem(
    body: dict[str, str], says: str, platform: PlatformHandle, client: TestClient
) -> None:
    r = client.post(ENDPOINTS, json=body, headers=platform.auth)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert says in r.json()["detail"]


def test_the_replay_api_needs_the_staff_token_and_refuses_when_none_is_configured(
    platform: PlatformHandle, client: TestClient
) -> None:
    r = client.post("/v1/admin/outbox/replay", json={"ids": [1]}, headers=STAFF)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/admin/outbox/messages", headers=platform.auth).status_code == 401


def test_staff_list_a_dead_letter_with_its_attempts_and_replay_it_by_id(
    booked: uuid.UUID,
    staff: dict[str, str],
    client: TestClient,
    engine: Engine,
    dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
) -> None:
    add_endpoint(engine)
    respx_mock.post(CALLBACK_URL).mock(return_value=httpx.Response(410))
    dispatcher.run()
    dead = child(engine)
    listed = client.get("/v1/admin/outbox/messages", params={"status": "dead"}, headers=staff).json()
    assert [m["id"] for m in listed] == [dead.id]
    detail = client.get(f"/v1/admin/outbox/messages/{dead.id}", headers=staff).json()
    assert [(a["outcome"], a["status_code"]) for a in detail["attempt_log"]] == [("gone", 410)]
    assert client.get("/v1/admin/outbox/messages/999999", headers=staff).status_code == 404

    client.post(f"{ENDPOINTS}/{dead.endpoint_id}/enable", headers={"Authorization": staff["Authorization"]})
    r = client.post("/v1/admin/outbox/replay", json={"ids": [dead.id]}, headers=staff)
    assert r.status_code == 200 and r.json() == {"replayed": [dead.id]}
    assert child(engine).status == OutboxStatus.pending


def test_replay_api_refuses_an_empty_or_naive_selection(staff: dict[str, str], client: TestClient) -> None:
    for body in ({}, {"since": "2026-11-26T10:00:00"}, {"ids": ["x"]}):
        r = client.post("/v1/admin/outbox/replay", json=body, headers=staff)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", body


def test_the_cli_lists_dead_letters_replays_them_and_reenables_an_endpoint(
    booked: uuid.UUID,
    cli: Callable[..., str],
    engine: Engine,
    dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    now: datetime,
) -> None:
    endpoint_id, _ = add_endpoint(engine)
    route = respx_mock.post(CALLBACK_URL).mock(return_value=httpx.Response(410))
    dispatcher.run()
    dead = child(engine)
    assert f"{dead.id}\tcallback.contract.opened\tdead" in cli("outbox", "list")
    assert "gone 410" in cli("outbox", "show", str(dead.id))
    assert "DISABLED" in cli("callbacks", "list", "demo")
    assert f"callback endpoint {endpoint_id} enabled" in cli("callbacks", "enable", str(endpoint_id))
    since = now.isoformat()
    assert f"replayed 1 message(s): {dead.id}" in cli("outbox", "replay", "--since", since)
    assert "needs a UTC offset" in cli("outbox", "replay", "--since", "2026-11-26T10:00:00", code=1)
    route.mock(return_value=httpx.Response(200))
    dispatcher.advance(60)  # the CLI replays at the wall clock's now, a moment after the test's fixed one
    dispatcher.run()
    assert all(m.status == OutboxStatus.sent for m in messages(engine, "callback.") if m.endpoint_id)


def test_the_cli_adds_an_endpoint_and_prints_its_secret(platform: PlatformHandle, cli: Callable[..., str]) -> None:
    out = cli("callbacks", "add", "demo", CALLBACK_URL)
    assert "signing secret : whsec_" in out
    assert "must be an absolute https URL" in cli("callbacks", "add", "demo", "http://x.example/", code=1)
    assert "no platform 'ghost'" in cli("callbacks", "add", "ghost", CALLBACK_URL, code=1)
