"""The cooperative's staff API (fund, invoice payments, insolvency) and its CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from gateway.cli import app as cli
from gateway.settings import Settings, get_settings
from tests.conftest import Clock, PlatformHandle, as_it_happens, event

STAFF = {"Authorization": "Bearer staff-secret-token"}


@pytest.fixture
def send(send: Callable[..., Any], clock: Clock) -> Callable[..., Any]:
    # Each shift event is posted when it happens (an event's time may not be ahead of the gateway's clock).
    return as_it_happens(send, clock)


@pytest.fixture
def staff_app(app: FastAPI, settings: Settings) -> FastAPI:
    app.state.settings = settings.model_copy(update={"admin_token": SecretStr("staff-secret-token")})
    return app


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/v1/admin/fund"), ("get", "/v1/admin/fund/entries"), ("post", "/v1/admin/platforms/demo/insolvency")],
)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_staff_routes_refuse_without_the_staff_token(
    staff_app: FastAPI, client: TestClient, platform: PlatformHandle, method: str, path: str, headers: dict[str, str]
) -> None:
    r = client.request(method, path, headers=headers)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


def test_staff_routes_refuse_every_token_when_none_is_configured(client: TestClient, platform: PlatformHandle) -> None:
    assert client.get("/v1/admin/fund", headers=STAFF).status_code == 401


def test_a_platform_credential_is_not_a_staff_token(
    staff_app: FastAPI, client: TestClient, platform: PlatformHandle
) -> None:
    assert client.get("/v1/admin/fund", headers=platform.auth).status_code == 401


def test_deposit_and_read_the_fund(staff_app: FastAPI, client: TestClient) -> None:
    r = client.post("/v1/admin/fund/deposits", json={"amount": "1000.50", "memo": "opening"}, headers=STAFF)
    assert r.status_code == 200
    assert r.json() == {
        "cash": "1000.50",
        "levies": "0.00",
        "deposits": "1000.50",
        "platform_debts": {},
        "balanced": True,
    }
    entries = client.get("/v1/admin/fund/entries", headers=STAFF).json()
    assert sorted((e["account"], e["amount"]) for e in entries) == [
        ("fund:cash", "1000.50"),
        ("fund:equity", "-1000.50"),
    ]


@pytest.mark.parametrize("amount", ["-5", "0", "1.234", "lots"])
def test_bad_deposit_is_a_422_problem(staff_app: FastAPI, client: TestClient, amount: str) -> None:
    r = client.post("/v1/admin/fund/deposits", json={"amount": amount}, headers=STAFF)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"


def test_invoice_payment_through_the_api_and_twice_is_409(
    staff_app: FastAPI,
    client: TestClient,
    enrolled: PlatformHandle,
    send: Callable[..., Any],
    run_job: Callable[..., int],
) -> None:
    from datetime import UTC, datetime

    send(
        enrolled,
        event(
            "shift.booked",
            shift_code="S-1",
            rider_id="r-1",
            starts_at="2026-12-01T10:00:00+01:00",
            ends_at="2026-12-01T13:00:00+01:00",
        ),
    )
    send(enrolled, event("shift.ended", shift_code="S-1", at="2026-12-01T13:00:00+01:00"))
    run_job("contracts.settle", datetime(2026, 12, 2, tzinfo=UTC))
    invoice = client.get("/v1/platforms/demo/shifts/S-1/contract", headers=enrolled.auth).json()["invoice"]
    paid = client.post(f"/v1/admin/invoices/{invoice['id']}/payment", headers=STAFF)
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert client.post(f"/v1/admin/invoices/{invoice['id']}/payment", headers=STAFF).status_code == 409
    assert client.get("/v1/admin/fund", headers=STAFF).json()["levies"] == invoice["guarantee_levy"]


def test_insolvency_twice_is_409_and_unknown_platform_404(
    staff_app: FastAPI, client: TestClient, platform: PlatformHandle
) -> None:
    assert client.post("/v1/admin/platforms/demo/insolvency", headers=STAFF).status_code == 200
    assert client.post("/v1/admin/platforms/demo/insolvency", headers=STAFF).status_code == 409
    assert client.post("/v1/admin/platforms/ghost/insolvency", headers=STAFF).status_code == 404


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch, engine: Any) -> Iterator[str]:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_fund_cli_deposit_show_history(cli_db: str) -> None:
    runner = CliRunner()
    assert "fund cash is now 250.00" in runner.invoke(cli, ["fund", "deposit", "250.00", "--memo", "seed"]).output
    assert runner.invoke(cli, ["fund", "deposit", "-3"]).exit_code != 0
    shown = runner.invoke(cli, ["fund", "show"]).output
    assert "cash     250.00" in shown and "ledger balanced" in shown
    assert "deposit\tfund:cash\t250.00\tseed" in runner.invoke(cli, ["fund", "history"]).output


def test_insolvent_cli_needs_confirmation(cli_db: str, platform: PlatformHandle, tmp_path: Path) -> None:
    runner = CliRunner()
    assert "add --yes" in runner.invoke(cli, ["platforms", "insolvent", "demo"]).output
    r = runner.invoke(cli, ["platforms", "insolvent", "demo", "--yes"])
    assert r.exit_code == 0 and "demo insolvent" in r.output
    assert runner.invoke(cli, ["platforms", "insolvent", "demo", "--yes"]).exit_code == 1
