"""Problems name what was wrong: a validation error's title names the part of the request that was invalid."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import PlatformHandle, event, signed_headers


def test_an_invalid_api_body_is_titled_as_an_invalid_body_not_an_event(
    client: TestClient, platform: PlatformHandle
) -> None:
    r = client.post(f"/v1/platforms/{platform.slug}/callback-endpoints", json={"description": 5}, headers=platform.auth)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert (problem["type"], problem["title"]) == (
        "https://gig-gateway.dev/problems/invalid-body",
        "Invalid request body",
    )
    assert {e["location"] for e in problem["errors"]} == {"body.url", "body.description"}


def test_a_route_s_own_refusal_of_a_body_is_titled_the_same(client: TestClient, platform: PlatformHandle) -> None:
    r = client.post(
        f"/v1/platforms/{platform.slug}/callback-endpoints", json={"url": "http://x.example/cb"}, headers=platform.auth
    )
    assert r.status_code == 422 and r.json()["title"] == "Invalid request body"


def test_invalid_parameters_are_titled_by_where_they_are(client: TestClient, platform: PlatformHandle) -> None:
    query = client.get("/v1/agreements", params={"at": "someday"})
    assert (query.status_code, query.json()["title"]) == (422, "Invalid query parameter")
    path = client.delete(f"/v1/platforms/{platform.slug}/callback-endpoints/0", headers=platform.auth)
    assert (path.status_code, path.json()["title"]) == (422, "Invalid path parameter")
    assert path.json()["errors"][0]["location"] == "path.endpoint_id"


def test_an_invalid_webhook_event_keeps_its_event_title(client: TestClient, platform: PlatformHandle) -> None:
    body = event("shift.started", shift_code="S-1")
    r = client.post(
        f"/v1/platforms/{platform.slug}/webhooks", content=body, headers=signed_headers(platform.secret, body)
    )
    assert r.status_code == 422 and r.json()["title"] == "The body does not describe a valid event"
