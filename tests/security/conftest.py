from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from gateway.domains.auth.oauth import create_client
from gateway.domains.platforms.service import get_platform
from gateway.domains.staff.service import add_member
from gateway.settings import Settings
from tests.conftest import PlatformHandle, event

Send = Callable[..., Any]


def book(p: PlatformHandle, send: Send, rider: str, code: str) -> dict[str, Any]:
    assert (
        send(
            p,
            event(
                "rider.enrolled",
                rider_id=rider,
                name=f"Name {rider}",
                email=f"{rider}@example.org",
                member_id=f"M-{rider}",
            ),
        ).status_code
        == 200
    )
    r = send(
        p,
        event(
            "shift.booked",
            shift_code=code,
            rider_id=rider,
            starts_at="2026-12-01T10:00:00+01:00",
            ends_at="2026-12-01T13:00:00+01:00",
        ),
    )
    assert r.status_code == 200, r.text
    return dict(r.json()["contract"])


@pytest.fixture
def oauth_client(engine: Engine, settings: Settings) -> Callable[..., tuple[str, str]]:
    def make(slug: str, scopes: list[str] | None = None) -> tuple[str, str]:
        with Session(engine, expire_on_commit=False) as session:
            p = get_platform(session, slug)
            assert p is not None
            ids = create_client(
                session,
                p,
                settings.credential_pepper.get_secret_value(),
                scopes or ["contracts:read", "riders:links", "callbacks:manage", "secrets:rotate"],
            )
            session.commit()
        return ids

    return make


@pytest.fixture
def access_token(client: TestClient, oauth_client: Callable[..., tuple[str, str]]) -> Callable[..., str]:
    def get(slug: str, scopes: list[str] | None = None) -> str:
        cid, secret = oauth_client(slug, scopes)
        r = client.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=(cid, secret))
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    return get


@pytest.fixture
def staff_token(engine: Engine, settings: Settings) -> Callable[..., str]:
    def make(name: str, *roles: str) -> str:
        with Session(engine) as session:
            token = add_member(session, name, list(roles), settings.credential_pepper.get_secret_value())
            session.commit()
        return token

    return make


@pytest.fixture
def rider_session(client: TestClient, access_token: Callable[..., str]) -> Callable[..., TestClient]:
    """A client holding the session of a rider, opened through an access link requested by the platform."""

    def open_as(p: PlatformHandle, rider: str) -> TestClient:
        token = access_token(p.slug)
        r = client.post(
            f"/v1/platforms/{p.slug}/riders/{rider}/access-links", headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 201, r.text
        link = r.json()["url"].split("127.0.0.1:8000", 1)[1]
        rider_client = TestClient(client.app)
        assert rider_client.get(link).status_code == 200  # the link's page; its button posts the token
        opened = rider_client.post("/r", data={"token": link.removeprefix("/r/")}, follow_redirects=False)
        assert opened.status_code == 303 and "rider_session" in opened.cookies
        return rider_client

    return open_as


__all__ = ["FastAPI", "book"]
