"""OWASP API4:2023 Unrestricted Resource Consumption: body size limit and a per-platform rate limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.settings import Settings
from tests.conftest import PlatformHandle, event

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
