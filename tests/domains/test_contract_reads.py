"""Platforms read back the contracts of their own riders, by id or by shift code, with their API credential."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from gateway.domains.platforms import service as platforms
from tests.conftest import PlatformHandle, event

Send = Callable[..., Any]


def _book(p: PlatformHandle, send: Send, code: str = "S-1") -> dict[str, Any]:
    send(p, event("rider.enrolled", rider_id="r-1", name="Amina", email="amina@example.org"))
    body = event(
        "shift.booked",
        shift_code=code,
        rider_id="r-1",
        starts_at="2026-12-01T10:00:00+01:00",
        ends_at="2026-12-01T12:00:00+01:00",
        pay={"per_trip": "5.00", "currency": "EUR"},
    )
    r = send(p, body)
    assert r.status_code == 200, r.text
    contract: dict[str, Any] = r.json()["contract"]
    return contract


def test_contract_reads_back_by_id_and_by_shift_code_as_it_was_answered(
    client: TestClient, platform: PlatformHandle, send: Send
) -> None:
    opened = _book(platform, send)
    by_id = client.get(f"/v1/platforms/demo/contracts/{opened['id']}", headers=platform.auth)
    by_code = client.get("/v1/platforms/demo/shifts/S-1/contract", headers=platform.auth)
    assert by_id.status_code == by_code.status_code == 200
    assert by_id.json() == by_code.json() == opened


def test_reading_without_credential_gets_401_with_bearer_challenge(
    client: TestClient, platform: PlatformHandle
) -> None:
    r = client.get("/v1/platforms/demo/shifts/S-1/contract")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.headers["content-type"] == "application/problem+json"


def test_unknown_credential_gets_401(client: TestClient, platform: PlatformHandle) -> None:
    r = client.get("/v1/platforms/demo/shifts/S-1/contract", headers={"Authorization": "Bearer gwk_forged"})
    assert r.status_code == 401


def test_revoked_credential_gets_401(client: TestClient, platform: PlatformHandle, engine: Engine) -> None:
    with Session(engine) as session:
        p = platforms.get_platform(session, "demo")
        assert p is not None
        platforms.revoke_credentials(session, p, "", datetime.now(UTC))
        session.commit()
    assert client.get("/v1/platforms/demo/shifts/S-1/contract", headers=platform.auth).status_code == 401


def test_a_platform_cannot_read_another_platforms_contracts(
    client: TestClient, make_platform: Callable[..., PlatformHandle], send: Send
) -> None:
    alpha, beta = make_platform("alpha"), make_platform("beta")
    opened = _book(alpha, send)
    # Beta's key on alpha's path: forbidden. Beta's own path with alpha's contract id: not found.
    assert client.get(f"/v1/platforms/alpha/contracts/{opened['id']}", headers=beta.auth).status_code == 403
    assert client.get(f"/v1/platforms/beta/contracts/{opened['id']}", headers=beta.auth).status_code == 404
    assert client.get("/v1/platforms/beta/shifts/S-1/contract", headers=beta.auth).status_code == 404


def test_unknown_contract_is_404_and_a_malformed_id_is_422(client: TestClient, platform: PlatformHandle) -> None:
    assert client.get(f"/v1/platforms/demo/contracts/{uuid.uuid4()}", headers=platform.auth).status_code == 404
    r = client.get("/v1/platforms/demo/contracts/not-a-uuid", headers=platform.auth)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
