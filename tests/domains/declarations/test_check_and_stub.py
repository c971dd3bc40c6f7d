"""`gateway declarations check` and `list`, and the Dimona stub served over HTTP (as the worked example uses it)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
import respx
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from gateway.cli import app as cli_app
from gateway.domains.declarations import dimona
from gateway.domains.declarations.connectors import DeclarationRequest, dimona_connector
from gateway.settings import Settings, get_settings
from tests.conftest import Clock, PlatformHandle
from tests.domains.declarations.conftest import (
    EXPEDITOR,
    REGISTRATION,
    SSIN,
    KeyPair,
    book,
    http_settings,
    local_day,
    new_key_pair,
)
from tests.domains.declarations.dimona_stub import DimonaStub, asgi_app
from tests.domains.outbound.conftest import Dispatcher


@pytest.fixture
def configured(
    keys: KeyPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> Iterator[Callable[..., Result]]:
    """The CLI with the http connector configured from the environment, as an operator would."""
    private, public = tmp_path / "dimona.key", tmp_path / "dimona.pub"
    private.write_text(keys.private_pem)
    public.write_text(keys.public_pem)
    env = {
        "GATEWAY_DATABASE_URL": database_url,
        "GATEWAY_DECLARATION_CONNECTOR": "http",
        "GATEWAY_DECLARATION_EXPEDITOR_NUMBER": EXPEDITOR,
        "GATEWAY_DECLARATION_REGISTRATION_NUMBER": REGISTRATION,
        "GATEWAY_DECLARATION_PRIVATE_KEY_FILE": str(private),
        "GATEWAY_DECLARATION_PUBLIC_KEY_FILE": str(public),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()

    def invoke(*args: str) -> Result:
        get_settings.cache_clear()
        return CliRunner().invoke(cli_app, ["declarations", *args])

    yield invoke
    get_settings.cache_clear()


def test_check_obtains_a_token_for_each_scope_and_matches_the_key_without_declaring(
    configured: Callable[..., Result], stub: DimonaStub, now: datetime
) -> None:
    out = configured("check")
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == "Dimona simulation: https://services-sim.socialsecurity.be/REST/dimona/v1"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "ok      key pair",
        "ok      token scope",
        "ok      token scope",
    ]
    assert "scope:dimona:declaration:declarant" in lines[2] and "scope:dimona:declaration:consult" in lines[3]
    assert stub.filed == {} and len(stub.tokens) == 2


def test_check_fails_when_the_key_does_not_match_the_registered_one(
    configured: Callable[..., Result], stub: DimonaStub, now: datetime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other.pub"
    other.write_text(new_key_pair().public_pem)
    monkeypatch.setenv("GATEWAY_DECLARATION_PUBLIC_KEY_FILE", str(other))
    out = configured("check")
    assert out.exit_code == 1
    assert "FAILED  key pair: the private key does NOT match the registered certificate or public key" in out.output


def test_check_fails_when_the_token_server_refuses_the_assertion(
    configured: Callable[..., Result], clock: Clock, respx_mock: respx.MockRouter, now: datetime
) -> None:
    # The service knows another key for this expeditor: every assertion is refused.
    DimonaStub(new_key_pair().public_pem, EXPEDITOR, clock=clock).mount(respx_mock)
    out = configured("check")
    assert out.exit_code == 1
    assert out.output.count("FAILED  token scope") == 2 and "HTTP 400" in out.output
    assert "PRIVATE KEY" not in out.output


def test_list_shows_the_anomalies_of_a_warning(
    configured: Callable[..., Result],
    rider_of: Callable[..., PlatformHandle],
    send: Callable[..., Any],
    dimona: Dispatcher,
    stub: DimonaStub,
    engine: Engine,
    now: datetime,
) -> None:
    p = rider_of()
    stub.then(("W", [{"code": "00913-355", "description": "Late declaration."}]))
    contract_id = book(send, p, local_day(now), time(10), 4)
    dimona.run()
    out = configured("list", "--state", "accepted_with_warning")
    assert out.exit_code == 0, out.output
    assert f"{contract_id}\tdemo\tS-1\taccepted_with_warning\tin:accepted_with_warning" in out.output
    assert out.output.rstrip().endswith("00913-355 Late declaration.")


def test_the_stub_served_over_http_accepts_a_valid_declaration_after_one_poll(keys: KeyPair) -> None:
    """What `python -m tests.domains.declarations.dimona_stub` serves, driven by the gateway's own connector."""
    base = "http://testserver/REST/dimona/v1"
    stub = DimonaStub(keys.public_pem, EXPEDITOR, base_url=base)
    settings = http_settings(Settings(env="test"), keys).model_copy(
        update={"declaration_base_url": base, "declaration_token_url": "http://testserver/REST/oauth/v3/token"}
    )
    start = datetime(2030, 6, 3, 8, tzinfo=UTC)
    period = dimona.period(start, start.replace(hour=12), "Europe/Brussels", "OTH")
    body = dimona.dimona_in(REGISTRATION, {"ssin": SSIN}, period, "XXX", "OTH")
    with TestClient(asgi_app(stub)) as http:
        connector = dimona_connector(http, settings, lambda: datetime.now(UTC))
        number = connector.submit(DeclarationRequest("in", uuid.UUID(int=1), body))
        assert connector.result(number) is None  # not processed yet
        result = connector.result(number)
    assert result is not None and result.code == "A"
    assert stub.bodies() == [body]
