"""OWASP API4:2023 Unrestricted Resource Consumption: input crafted to break the reader, not the rules.

JSON nested thousands deep, a number thousands of digits long, a local time whose UTC is past year 9999, a NUL in
text (PostgreSQL cannot store it): each ended in a 500, which a platform's sender retries forever. Each is a 4xx
problem naming the cause, on the webhook and on the JSON routes, and nothing is stored. On both databases.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine

from adapters.jsonbody import MAX_DEPTH, MAX_NUMBER_CHARS
from gateway.settings import Settings
from tests.conftest import PlatformHandle, count_rows

STAFF = {"Authorization": "Bearer staff-secret"}
NOW = "2026-11-26T10:00:00Z"


def _deep(levels: int) -> Any:
    doc: Any = "bottom"
    for _ in range(levels):
        doc = [doc]
    return doc


def _deep_text(levels: int) -> str:
    return "[" * levels + "]" * levels  # json.dumps itself would refuse to write 3,000 levels


def _webhook(type_: str, data: dict[str, Any], timestamp: str = NOW) -> bytes:
    return json.dumps({"type": type_, "timestamp": timestamp, "data": data}).encode()


def _booked(**changes: Any) -> dict[str, Any]:
    data = {
        "shift_code": "S-1",
        "rider_id": "r-1",
        "starts_at": "2026-12-01T10:00:00+01:00",
        "ends_at": "2026-12-01T13:00:00+01:00",
    }
    return {**data, **changes}


ENROLL = {"rider_id": "r-2", "name": "Noor", "email": "noor@example.org"}

# (body, status, a word the detail must hold, the location named in `errors`, or None)
WEBHOOK_BODIES: dict[str, tuple[bytes, int, str, str | None]] = {
    "arrays 3,000 deep": (
        f'{{"type": "rider.enrolled", "timestamp": "{NOW}", "data": {_deep_text(3000)}}}'.encode(),
        400,
        "deep",
        None,
    ),
    "objects 3,000 deep": (('{"a":' * 3000 + "1" + "}" * 3000).encode(), 400, "deep", None),
    "arrays one past the depth limit": (
        _webhook("rider.enrolled", {**ENROLL, "x": _deep(MAX_DEPTH)}),
        400,
        "deep",
        None,
    ),
    "a 5,000-digit integer": (
        f'{{"type": "shift.ended", "timestamp": "{NOW}", "data": {{"shift_code": "S-1", "at": "{NOW}", '
        f'"deliveries": {"9" * 5000}}}}}'.encode(),
        400,
        "number",
        None,
    ),
    "a number past the float range": (
        f'{{"type": "rider.enrolled", "timestamp": "{NOW}", "data": {{"x": 1e999}}}}'.encode(),
        400,
        "range",
        None,
    ),
    "NaN": (f'{{"type": "rider.enrolled", "timestamp": "{NOW}", "x": NaN}}'.encode(), 400, "NaN", None),
    "a local time whose UTC is in year 10000": (
        _webhook("shift.booked", _booked(starts_at="9999-12-31T23:30:00-05:00", ends_at="9999-12-31T23:45:00-05:00")),
        422,
        "UTC",
        "data.starts_at",
    ),
    "a local time whose UTC is in year 0": (
        _webhook("rider.enrolled", ENROLL, timestamp="0001-01-01T00:30:00+01:00"),
        422,
        "UTC",
        "timestamp",
    ),
    "a NUL in a name": (_webhook("rider.enrolled", {**ENROLL, "name": "No\x00or"}), 422, "NUL", "data.name"),
    "a NUL in a zone": (_webhook("shift.booked", _booked(zone="gent\x00")), 422, "NUL", "data.zone"),
    "a NUL in a key": (_webhook("rider.enrolled", {**ENROLL, "\x00": 1}), 422, "NUL", "data"),
    "a lone surrogate": (
        _webhook("shift.cancelled", {"shift_code": "S-1", "at": NOW, "reason": "\ud800"}),
        422,
        "surrogate",
        "data.reason",
    ),
}


@pytest.mark.parametrize("name", WEBHOOK_BODIES)
def test_a_crafted_webhook_is_a_4xx_problem_naming_the_cause_and_stores_nothing(
    name: str, enrolled: PlatformHandle, send: Callable[..., Any], engine: Engine
) -> None:
    body, status, says, location = WEBHOOK_BODIES[name]
    inbox_before = count_rows(engine, "inbox_message")
    r = send(enrolled, body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert says in r.json()["detail"]
    if location is not None:
        assert location in [e["location"] for e in r.json()["errors"]], r.json()
    assert count_rows(engine, "inbox_message") == inbox_before
    assert count_rows(engine, "contract") == 0


def test_the_limits_leave_room_for_every_real_body(enrolled: PlatformHandle, send: Callable[..., Any]) -> None:
    nested = _deep(MAX_DEPTH - 3)  # under the envelope, data and this field: exactly at the limit
    count = "1" * (MAX_NUMBER_CHARS - 1)
    body = _webhook("rider.enrolled", {**ENROLL, "x": nested}).replace(b'"r-2"', b'"r-2", "n": ' + count.encode())
    assert send(enrolled, body).status_code == 200


@pytest.fixture
def staff(app: FastAPI, settings: Settings) -> dict[str, str]:
    app.state.settings = settings.model_copy(update={"admin_token": SecretStr("staff-secret")})
    return STAFF


# The JSON routes of the API: FastAPI read these bodies with Python's json, answering an undeclared 400 ("There
# was an error parsing the body") to the first two and storing the NUL on SQLite (a 500 on PostgreSQL).
@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b'{"url": ' + _deep_text(3000).encode() + b"}", 400, "deep"),
        (b'{"url": "https://platform.example/cb", "n": ' + b"9" * 5000 + b"}", 400, "number"),
        (json.dumps({"url": "https://platform.example/cb\x00"}).encode(), 422, "NUL"),
        (json.dumps({"url": "https://platform.example/cb", "description": "\x00"}).encode(), 422, "NUL"),
        (b'{"url": "\xff"}', 400, "UTF-8"),
    ],
)
def test_a_crafted_body_on_a_json_route_is_a_problem_naming_the_cause(
    body: bytes, status: int, says: str, platform: PlatformHandle, client: TestClient, engine: Engine
) -> None:
    r = client.post(
        f"/v1/platforms/{platform.slug}/callback-endpoints",
        content=body,
        headers={**platform.auth, "content-type": "application/json"},
    )
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert says in r.json()["detail"]
    if status == 422:
        assert r.json()["errors"][0]["location"].startswith("body.")
    assert count_rows(engine, "callback_endpoint") == 0


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/v1/platforms/demo/shifts/S%00-1/contract", "path.shift_code"),
        ("/v1/platforms/demo%00/webhooks", "path.platform"),
        ("/v1/admin/outbox/messages?kind=callback%00", "query.kind"),
    ],
)
def test_a_nul_in_a_path_or_query_parameter_is_a_422_naming_it(
    path: str, location: str, platform: PlatformHandle, staff: dict[str, str], client: TestClient
) -> None:
    method = "POST" if path.endswith("/webhooks") else "GET"
    r = client.request(method, path, headers={**platform.auth, **staff} if "admin" in path else platform.auth)
    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith(("/invalid-path", "/invalid-query"))
    assert [e["location"] for e in r.json()["errors"]] == [location]


def test_a_nul_in_an_oauth_client_id_is_an_unknown_client(client: TestClient) -> None:
    basic = base64.b64encode(b"demo-client%00:secret").decode()
    for headers, form in [
        ({"Authorization": f"Basic {basic}"}, {}),
        ({}, {"client_id": "demo\x00", "client_secret": "secret"}),
    ]:
        r = client.post("/oauth2/token", data={"grant_type": "client_credentials", **form}, headers=headers)
        assert r.status_code == 401, r.text
        assert r.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/v1/admin/audit?before=" + "9" * 30, "query.before"),
        ("/v1/admin/fund/entries?before=" + "9" * 30, "query.before"),
        ("/v1/reports/platforms/demo/compliance?month=9999-12", "query.month"),
        ("/v1/reports/platforms/demo/compliance?month=0000-01", "query.month"),
    ],
)
def test_a_number_or_month_past_what_the_database_holds_is_a_422(
    path: str, location: str, platform: PlatformHandle, staff: dict[str, str], client: TestClient
) -> None:
    r = client.get(path, headers=staff)
    assert r.status_code == 422, r.text
    assert location in [e["location"] for e in r.json()["errors"]]


@pytest.mark.parametrize("since", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00"])
def test_a_replay_range_past_what_an_instant_holds_is_a_422(
    since: str, staff: dict[str, str], client: TestClient
) -> None:
    # A time at the edge of the calendar overflowed when it was moved to UTC for the query: a 500 before.
    r = client.post("/v1/admin/outbox/replay", json={"since": since}, headers=staff)
    assert r.status_code == 422, r.text
    assert "body.since" in [e["location"] for e in r.json()["errors"]]
