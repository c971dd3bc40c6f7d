"""OWASP API5:2023 Broken Function Level Authorization: staff functions need the staff role that names them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PlatformHandle

STAFF_ROUTES = [
    ("get", "/v1/admin/fund", "fund"),
    ("post", "/v1/admin/platforms/demo/insolvency", "insolvency"),
    ("get", "/v1/admin/audit", "auditor"),
    ("post", "/v1/admin/platforms/demo/oauth-clients", "platforms"),
    ("get", "/v1/admin/outbox/messages", "dead-letters"),
    ("get", "/v1/admin/declarations", "declarations"),
    ("get", "/v1/admin/staff", "staff"),
]


@pytest.mark.parametrize(("method", "path", "role"), STAFF_ROUTES)
def test_staff_route_needs_its_role_and_nothing_else_grants_it(
    client: TestClient,
    platform: PlatformHandle,
    staff_token: Callable[..., str],
    access_token: Callable[..., str],
    rider_session: Callable[..., TestClient],
    method: str,
    path: str,
    role: str,
) -> None:
    other_role = "auditor" if role != "auditor" else "fund"
    wrong = staff_token("wrong", other_role)
    right = staff_token("right", role)
    kwargs: dict[str, Any] = {"json": {}} if method == "post" else {}
    assert client.request(method, path, headers={"Authorization": f"Bearer {wrong}"}, **kwargs).status_code == 403
    assert (
        client.request(method, path, headers={"Authorization": f"Bearer {access_token('demo')}"}, **kwargs).status_code
        == 401
    )
    assert client.request(method, path, headers=platform.auth, **kwargs).status_code == 401
    assert client.request(method, path, **kwargs).status_code == 401
    assert client.request(method, path, headers={"Authorization": f"Bearer {right}"}, **kwargs).status_code in (
        200,
        201,
    )


def test_a_revoked_staff_member_is_refused(client: TestClient, staff_token: Callable[..., str], engine: object) -> None:
    from datetime import UTC, datetime

    from sqlmodel import Session

    from gateway.domains.staff.service import revoke

    token = staff_token("leaver", "fund")
    with Session(engine) as session:  # type: ignore[arg-type]
        assert revoke(session, "leaver", datetime.now(UTC))
        session.commit()
    assert client.get("/v1/admin/fund", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_rider_session_cannot_call_platform_routes(
    client: TestClient, enrolled: PlatformHandle, rider_session: Callable[..., TestClient]
) -> None:
    rider = rider_session(enrolled, "r-1")
    token = rider.cookies["rider_session"]
    r = client.get("/v1/platforms/demo/shifts/S-1/contract", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_staff_are_managed_through_the_api_by_the_staff_role_only(
    client: TestClient, staff_token: Callable[..., str]
) -> None:
    admin = {"Authorization": f"Bearer {staff_token('root', 'staff')}"}
    auditor = {"Authorization": f"Bearer {staff_token('ada', 'auditor')}"}
    assert client.post("/v1/admin/staff", json={"name": "x", "roles": ["fund"]}, headers=auditor).status_code == 403
    created = client.post("/v1/admin/staff", json={"name": "fred", "roles": ["fund"]}, headers=admin)
    assert created.status_code == 201
    fred = {"Authorization": f"Bearer {created.json()['token']}"}
    assert client.get("/v1/admin/fund", headers=fred).status_code == 200
    assert client.post("/v1/admin/staff", json={"name": "y", "roles": ["god"]}, headers=admin).status_code == 422
    assert client.delete("/v1/admin/staff/fred", headers=admin).status_code == 204
    assert client.get("/v1/admin/fund", headers=fred).status_code == 401
    assert client.delete("/v1/admin/staff/fred", headers=admin).status_code == 404
