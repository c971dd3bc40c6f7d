"""OWASP API3:2023 Broken Object Property Level Authorization: responses carry no internal or personal field."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock, PlatformHandle, as_it_happens, event
from tests.security.conftest import book

FORBIDDEN_KEYS = {
    "key_hash",
    "secret_hash",
    "token_hash",
    "platform_id",
    "email",
    "name",
    "password",
    "secret",
    "client_secret",
    "explanation_internal",
    "opened_by_message",
    "rider_pk",
}


@pytest.fixture
def send(send: Callable[..., Any], clock: Clock) -> Callable[..., Any]:
    # Each shift event is posted when it happens (an event's time may not be ahead of the gateway's clock).
    return as_it_happens(send, clock)


def _keys(doc: Any) -> Iterator[str]:
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield k
            yield from _keys(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _keys(v)


def test_no_response_of_a_whole_flow_leaks_internal_or_personal_fields(
    client: TestClient,
    platform: PlatformHandle,
    send: Callable[..., Any],
    run_job: Callable[..., int],
    rider_session: Callable[..., TestClient],
) -> None:
    answers = [book(platform, send, "amina", "S-1")]
    answers.append(send(platform, event("shift.ended", shift_code="S-1", at="2026-12-01T12:00:00+01:00")).json())
    run_job("contracts.settle", datetime(2026, 12, 2, tzinfo=UTC))
    answers.append(client.get("/v1/platforms/demo/shifts/S-1/contract", headers=platform.auth).json())
    rider = rider_session(platform, "amina")
    answers.append(rider.get("/v1/rider/contracts").json())
    enrolled = send(platform, event("rider.enrolled", rider_id="x", name="Xavier", email="x@example.org")).json()
    answers.append(enrolled)
    leaked = {k for a in answers for k in _keys(a)} & FORBIDDEN_KEYS
    assert leaked == set()
    assert "Xavier" not in str(enrolled) and "x@example.org" not in str(enrolled)


def test_the_rider_view_leaves_out_the_platform_invoice(
    platform: PlatformHandle,
    send: Callable[..., Any],
    run_job: Callable[..., int],
    rider_session: Callable[..., TestClient],
) -> None:
    book(platform, send, "amina", "S-1")
    send(platform, event("shift.ended", shift_code="S-1", at="2026-12-01T12:00:00+01:00"))
    run_job("contracts.settle", datetime(2026, 12, 2, tzinfo=UTC))
    mine = rider_session(platform, "amina").get("/v1/rider/contracts").json()[0]
    assert mine["statement"] is not None and mine["invoice"] is None
