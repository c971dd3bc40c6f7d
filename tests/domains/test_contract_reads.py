"""Platforms read back the contracts of their own riders, by id or by shift code, with their API credential."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from gateway.domains.contracts.models import ContractEvent, Violation
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


def test_a_read_shows_every_correction_and_later_event_in_the_order_written(
    client: TestClient, platform: PlatformHandle, send: Send, engine: Engine
) -> None:
    send(platform, event("rider.enrolled", rider_id="r-1", name="Amina", email="amina@example.org"))
    body = event(
        "shift.booked",
        shift_code="S-1",
        rider_id="r-1",
        starts_at="2026-12-01T10:00:00+01:00",
        ends_at="2026-12-01T13:00:00+01:00",
        pay={"hourly_gross": "16.00", "currency": "EUR"},
    )
    opened = send(platform, body).json()["contract"]
    cid = uuid.UUID(opened["id"])
    at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    with Session(engine) as session:
        session.add(
            Violation(
                contract_id=cid, term="minimum_engagement", clause="art. 5", code="shift_shorter_than_minimum",
                action="amended", detail="paid 3 h", offered="2 h", applied="3 h", unit="hours",
                offered_value=Decimal("2"), applied_value=Decimal("3"),
            )
        )  # fmt: skip
        session.add(
            Violation(
                contract_id=cid, term="t", clause="c", code="k", action="reported", detail="d", stage="settlement"
            )
        )
        session.add(ContractEvent(contract_id=cid, kind="started", to_status="started", at=at, source="test"))
        session.add(
            ContractEvent(
                contract_id=cid, kind="cancelled", from_status="started", to_status="cancelled", at=at,
                recorded_at=at, source="test", detail="why",
            )
        )  # fmt: skip
        session.commit()
    r = client.get("/v1/platforms/demo/shifts/S-1/contract", headers=platform.auth)
    assert r.status_code == 200, r.text
    read = r.json()
    assert {k: v for k, v in read.items() if k not in ("corrections", "history")} == {
        k: v for k, v in opened.items() if k not in ("corrections", "history")
    }
    assert read["corrections"] == [
        {
            "term": "minimum_engagement", "clause": "art. 5", "code": "shift_shorter_than_minimum",
            "action": "amended", "detail": "paid 3 h", "offered": "2 h", "applied": "3 h", "unit": "hours",
            "offered_value": "2.0000", "applied_value": "3.0000", "stage": "booking",
        },
        {
            "term": "t", "clause": "c", "code": "k", "action": "reported", "detail": "d", "offered": None,
            "applied": None, "unit": None, "offered_value": None, "applied_value": None, "stage": "settlement",
        },
    ]  # fmt: skip
    assert [e["kind"] for e in read["history"]] == ["opened", "started", "cancelled"]
    assert read["history"][0] == opened["history"][0]
    assert read["history"][2] == {
        "kind": "cancelled", "from_status": "started", "to_status": "cancelled",
        "at": "2026-12-01T09:30:00Z", "recorded_at": "2026-12-01T09:30:00Z", "detail": "why",
    }  # fmt: skip
