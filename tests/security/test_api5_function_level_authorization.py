"""OWASP API5:2023 Broken Function Level Authorization: staff functions need the staff role that names them,
platform functions the scope that names them; a route that names neither cannot be added by mistake."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.domains.auth.deps import PrincipalDep, ScopeCheck, platform_principal
from gateway.domains.auth.oauth import SCOPES
from gateway.domains.riders.deps import rider_principal
from gateway.domains.staff.deps import RoleCheck
from gateway.domains.staff.service import ROLES
from gateway.openapi_doc import render
from gateway.routing import api_router
from gateway.settings import Settings
from gateway.web.routes import optional_rider
from tests.conftest import PlatformHandle
from tests.domains.outbound.conftest import CALLBACK_URL

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


# Every route no one needs a token for, and why. A route missing here and naming no scope, role or rider fails.
PUBLIC_ROUTES = {
    ("POST", "/v1/platforms/{platform}/webhooks"): "authenticated by the platform's webhook signature",
    ("POST", "/oauth2/token"): "authenticates the OAuth client itself (HTTP Basic)",
    ("GET", "/r/{token}"): "shows the one-time link's button; checks the link without using it",
    ("POST", "/r"): "the signed one-time access link (form field token) is the credential",
    ("GET", "/rider/login"): "starts the identity provider's login",
    ("GET", "/rider/oidc/callback"): "the identity provider's answer (state, nonce, signed ID token)",
    ("POST", "/rider/logout"): "only clears the session cookie",
    ("GET", "/healthz"): "liveness, for the orchestrator",
    ("GET", "/readyz"): "readiness, for the orchestrator",
    ("GET", "/metrics"): "Prometheus scraping (counters, no personal data)",
    ("GET", "/v1/agreements"): "agreements are published texts",
    ("GET", "/v1/agreements/{agreement_id}"): "agreements are published texts",
    ("GET", "/v1/agreements/{agreement_id}/terms"): "agreements are published texts",
    # Issue 20: the transparency notice is public (directive art. 9: workers, their representatives, authorities).
    **{
        ("GET", path): "the transparency notice is public (directive art. 9)"
        for path in (
            "/transparency",
            "/transparency/platforms/{platform_slug}",
            "/transparency/versions",
            "/transparency/versions/{number}",
            "/v1/transparency",
            "/v1/transparency/versions",
            "/v1/transparency/versions/{number}",
        )
    },
}
RIDER_CHECKS = (rider_principal, optional_rider)


def _paths(dependant: Dependant, above: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every chain of dependency callables from the route down to each leaf."""
    here = (*above, dependant.call)
    if not dependant.dependencies:
        yield here
    for sub in dependant.dependencies:
        yield from _paths(sub, here)


def _api_routes() -> list[tuple[str, str, Dependant]]:
    app = create_app(Settings(env="test", scheduler=False))
    out: list[tuple[str, str, Dependant]] = []
    for rc in iter_route_contexts(app.routes):
        if isinstance(rc.original_route, APIRoute):
            out.extend((method, str(rc.path), rc.dependant) for method in sorted(rc.methods or ()))
    return out


def _guard(dependant: Dependant) -> str:
    """What the route checks: 'scope:<s>', 'role:<r>', 'rider', or '' when nothing; raises when a path reaches
    the platform principal without a scope check."""
    chains = list(_paths(dependant))
    scopes = {c.scope for chain in chains for c in chain if isinstance(c, ScopeCheck)}
    roles = {c.role for chain in chains for c in chain if isinstance(c, RoleCheck)}
    for chain in chains:
        if platform_principal in chain:
            assert any(isinstance(c, ScopeCheck) for c in chain), "depends on the platform principal without scoped()"
    if scopes:
        assert len(scopes) == 1 and not roles, f"one scope per route, no staff role beside it: {scopes} {roles}"
        return f"scope:{scopes.pop()}"
    if roles:
        assert len(roles) == 1, f"one staff role per route: {roles}"
        return f"role:{roles.pop()}"
    if any(c in RIDER_CHECKS for chain in chains for c in chain):
        return "rider"
    return ""


ROUTES = _api_routes()


@pytest.mark.parametrize(("method", "path", "dependant"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_every_route_names_its_scope_role_or_rider_or_is_a_listed_public_route(
    method: str, path: str, dependant: Dependant
) -> None:
    guard = _guard(dependant)
    key = ("GET" if method == "HEAD" else method, path)
    if key in PUBLIC_ROUTES:
        assert guard == "", f"{method} {path} is listed as public but checks {guard}: take it off PUBLIC_ROUTES"
        return
    assert guard, f"{method} {path} names no scope (scoped(...)), staff role (staff_role(...)) or rider"
    kind, _, name = guard.partition(":")
    if path.startswith("/v1/platforms/"):
        assert kind == "scope", f"{method} {path}: a platform route is authorized by a scope, not {guard}"
        assert name in SCOPES
    if path.startswith(("/v1/admin/", "/v1/reports/")):
        assert kind == "role", f"{method} {path}: a staff route is authorized by a staff role, not {guard}"
        assert name in ROLES


def test_the_only_routes_outside_the_api_are_the_documents_and_static_files() -> None:
    app = create_app(Settings(env="test", scheduler=False))
    others = {rc.path for rc in iter_route_contexts(app.routes) if not isinstance(rc.original_route, APIRoute)}
    assert others == {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/static/rider"}


def test_the_public_routes_listed_all_exist() -> None:
    existing = {("GET" if m == "HEAD" else m, p) for m, p, _ in ROUTES}
    assert set(PUBLIC_ROUTES) <= existing


def test_the_walk_catches_a_route_that_forgets_its_scope() -> None:
    router = api_router()

    @router.get("/v1/platforms/{platform}/forgetful")
    def forgetful(platform: str, principal: PrincipalDep) -> dict[str, str]:
        return {}

    (route,) = [r for r in router.routes if isinstance(r, APIRoute)]
    with pytest.raises(AssertionError, match="without scoped"):
        _guard(route.dependant)


def test_the_openapi_document_names_each_operations_scope_or_role() -> None:
    doc = json.loads(render())
    schemes = doc["components"]["securitySchemes"]
    assert set(schemes["PlatformOAuth2"]["flows"]["clientCredentials"]["scopes"]) == set(SCOPES)
    for method, path, dependant in ROUTES:
        kind, _, name = _guard(dependant).partition(":")
        security = doc["paths"][path][method.lower()].get("security")
        if kind == "scope":
            assert security == [{"PlatformOAuth2": [name]}], f"{method} {path}"
        elif kind == "role":
            assert security == [{"StaffToken": [name]}], f"{method} {path}"
        elif kind == "rider":
            assert security == [{"RiderSession": []}], f"{method} {path}"
        else:
            assert not security, f"{method} {path}"


CALLBACK_ROUTES = [
    ("get", "/v1/platforms/demo/callback-endpoints", None),
    ("post", "/v1/platforms/demo/callback-endpoints", {"url": CALLBACK_URL}),
    ("post", "/v1/platforms/demo/callback-endpoints/{id}/enable", None),
    ("delete", "/v1/platforms/demo/callback-endpoints/{id}", None),
]


def test_callback_endpoints_need_the_callbacks_manage_scope(
    client: TestClient, platform: PlatformHandle, access_token: Callable[..., str]
) -> None:
    reader = {"Authorization": f"Bearer {access_token('demo', ['contracts:read'])}"}
    manager = {"Authorization": f"Bearer {access_token('demo', ['callbacks:manage'])}"}
    created = client.post(CALLBACK_ROUTES[1][1], json={"url": CALLBACK_URL}, headers=manager)
    assert created.status_code == 200, created.text
    endpoint_id = created.json()["id"]
    for method, path, body in CALLBACK_ROUTES:
        url = path.replace("{id}", str(endpoint_id))
        r = client.request(method, url, json=body, headers=reader)
        assert r.status_code == 403, (method, url, r.text)
        assert "callbacks:manage" in r.json()["detail"] and "secret" not in r.json()
        assert 'error="insufficient_scope"' in r.headers["www-authenticate"]
    for method, path, body in CALLBACK_ROUTES:
        r = client.request(method, path.replace("{id}", str(endpoint_id)), json=body, headers=manager)
        assert r.status_code == 200, (method, path, r.text)
    # The interim API credentials hold every scope, as before.
    assert client.get(CALLBACK_ROUTES[0][1], headers=platform.auth).status_code == 200
