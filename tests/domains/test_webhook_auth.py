"""A webhook is only trusted when its signature verifies; a refused one is stored nowhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from gateway.domains.platforms import service as platforms
from tests.conftest import TEST_NOW, PlatformHandle, count_rows, event, signed_headers

ENROL = event("rider.enrolled", rider_id="r-1", name="Amina", email="amina@example.org")


def _refused(r: Any) -> None:
    assert r.status_code == 401, r.text
    assert r.headers["content-type"] == "application/problem+json"


def test_missing_signature_gets_401_and_stores_nothing(
    client: TestClient, platform: PlatformHandle, engine: Engine
) -> None:
    r = client.post("/v1/platforms/demo/webhooks", content=ENROL, headers={"content-type": "application/json"})
    _refused(r)
    assert "missing header" in r.json()["detail"]
    assert count_rows(engine, "rider") == count_rows(engine, "inbox_message") == 0


def test_signature_with_another_platforms_secret_is_refused(
    client: TestClient, make_platform: Callable[..., PlatformHandle], engine: Engine
) -> None:
    make_platform("alpha")
    beta = make_platform("beta")
    r = client.post("/v1/platforms/alpha/webhooks", content=ENROL, headers=signed_headers(beta.secret, ENROL))
    _refused(r)
    assert count_rows(engine, "rider") == 0


def test_stale_timestamp_is_refused(client: TestClient, platform: PlatformHandle) -> None:
    h = signed_headers(platform.secret, ENROL, ts=int(TEST_NOW.timestamp()) - 3600)
    _refused(client.post("/v1/platforms/demo/webhooks", content=ENROL, headers=h))


def test_rotation_both_secrets_verify_until_the_old_one_expires(
    client: TestClient, platform: PlatformHandle, engine: Engine, send: Callable[..., Any]
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        p = platforms.get_platform(session, "demo")
        assert p is not None
        new = platforms.add_secret(session, p)
        session.commit()
    assert send(platform, ENROL).status_code == 200
    rotated = PlatformHandle("demo", new, platform.api_key)
    assert send(rotated, event("rider.enrolled", rider_id="r-2", name="B", email="b@example.org")).status_code == 200
