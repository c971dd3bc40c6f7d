"""OWASP API1:2023 Broken Object Level Authorization: nobody reads or acts on another's objects, even by id."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import PlatformHandle, event, signed_headers
from tests.security.conftest import book

Send = Callable[..., Any]


def test_rider_a_cannot_read_rider_b_contract_by_id(
    client: TestClient, enrolled: PlatformHandle, send: Send, rider_session: Callable[..., TestClient]
) -> None:
    mine = book(enrolled, send, "amina", "S-A")
    theirs = book(enrolled, send, "bilal", "S-B")
    amina = rider_session(enrolled, "amina")
    assert amina.get(f"/v1/rider/contracts/{mine['id']}").status_code == 200
    r = amina.get(f"/v1/rider/contracts/{theirs['id']}")
    assert r.status_code == 404  # not 403: the id's existence is not confirmed
    assert [c["shift_code"] for c in amina.get("/v1/rider/contracts").json()] == ["S-A"]


def test_rider_b_guessing_ids_finds_nothing(
    client: TestClient, enrolled: PlatformHandle, send: Send, rider_session: Callable[..., TestClient]
) -> None:
    book(enrolled, send, "amina", "S-A")
    book(enrolled, send, "bilal", "S-B")
    bilal = rider_session(enrolled, "bilal")
    assert all(bilal.get(f"/v1/rider/contracts/{uuid.uuid4()}").status_code == 404 for _ in range(5))


def test_platform_a_cannot_read_platform_b_contracts_or_links(
    client: TestClient, make_platform: Callable[..., PlatformHandle], send: Send, access_token: Callable[..., str]
) -> None:
    alpha = make_platform("alpha")
    make_platform("beta")
    c = book(alpha, send, "r-1", "S-1")
    beta_auth = {"Authorization": f"Bearer {access_token('beta')}"}
    assert client.get(f"/v1/platforms/alpha/contracts/{c['id']}", headers=beta_auth).status_code == 403
    assert client.get(f"/v1/platforms/beta/contracts/{c['id']}", headers=beta_auth).status_code == 404
    assert client.get("/v1/platforms/beta/shifts/S-1/contract", headers=beta_auth).status_code == 404
    # An access link for alpha's rider, asked by beta on its own path: beta has no such rider.
    assert client.post("/v1/platforms/beta/riders/r-1/access-links", headers=beta_auth).status_code == 404
    assert client.post("/v1/platforms/alpha/riders/r-1/access-links", headers=beta_auth).status_code == 403


def test_platform_a_cannot_post_webhooks_for_platform_b(
    client: TestClient, make_platform: Callable[..., PlatformHandle]
) -> None:
    alpha = make_platform("alpha")
    make_platform("beta")
    body = event("rider.enrolled", rider_id="x", name="X", email="x@example.org")
    r = client.post("/v1/platforms/beta/webhooks", content=body, headers=signed_headers(alpha.secret, body))
    assert r.status_code == 401


def test_platform_b_cannot_touch_platform_a_shift_by_its_code(
    make_platform: Callable[..., PlatformHandle], send: Send
) -> None:
    alpha, beta = make_platform("alpha"), make_platform("beta")
    book(alpha, send, "r-1", "S-1")
    # Beta, with its own valid signature, names alpha's shift code: it is not beta's shift.
    r = send(beta, event("shift.cancelled", shift_code="S-1", at="2026-11-30T10:00:00+01:00"))
    assert r.status_code == 422 and "no contract for shift" in r.json()["detail"]
