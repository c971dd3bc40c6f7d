"""Declarations of employment: the local connector, and the http one (private_key_jwt, POST, poll)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from pydantic import SecretStr, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from gateway.cli import app as cli_app
from gateway.domains.declarations.service import declaration_view
from gateway.domains.outbox import service as outbox
from gateway.domains.outbox.models import OutboxStatus
from gateway.settings import Settings, get_settings
from tests.conftest import PlatformHandle
from tests.domains.outbound.conftest import Dispatcher, attempts, messages

BASE = "https://dimona.example/REST/v2"
TOKEN_URL = "https://auth.dimona.example/oauth/token"
CLIENT_ID = "coop-0123456789"
STAFF = {"Authorization": "Bearer staff-secret"}


@pytest.fixture(scope="module")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def http_dispatcher(dispatcher: Dispatcher, private_key_pem: str) -> Dispatcher:
    dispatcher.settings = dispatcher.settings.model_copy(
        update={
            "declaration_connector": "http",
            "declaration_base_url": BASE,
            "declaration_token_url": TOKEN_URL,
            "declaration_client_id": CLIENT_ID,
            "declaration_private_key": SecretStr(private_key_pem),
            "declaration_employer_id": "0123456789",
        }
    )
    return dispatcher


class TokenServer:
    """A token endpoint that checks the private_key_jwt assertion and hands out tok-1, tok-2..."""

    def __init__(self, public_pem: str, expires_in: int = 600) -> None:
        self.key = RSAKey.import_key(public_pem)
        self.expires_in = expires_in
        self.issued = 0
        self.claims: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form["grant_type"] == "client_credentials"
        assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        token = jwt.decode(form["client_assertion"], self.key, algorithms=["RS256"])
        assert token.header["alg"] == "RS256"
        self.claims.append(dict(token.claims))
        self.issued += 1
        return httpx.Response(
            200, json={"access_token": f"tok-{self.issued}", "token_type": "Bearer", "expires_in": self.expires_in}
        )


@pytest.fixture
def tokens(private_key_pem: str, respx_mock: respx.MockRouter) -> Iterator[TokenServer]:
    public = RSAKey.import_key(private_key_pem).as_pem(private=False).decode()
    server = TokenServer(public)
    respx_mock.post(TOKEN_URL).mock(side_effect=server)
    yield server


def submitted(ref: str = "REF-1", status: int = 201) -> httpx.Response:
    return httpx.Response(status, headers={"Location": f"{BASE}/declarations/{ref}"})


def result(code: str, **extra: Any) -> httpx.Response:
    return httpx.Response(200, json={"declarationStatus": {"result": code, **extra}})


def state(engine: Engine, contract_id: uuid.UUID) -> str:
    with Session(engine) as session:
        return declaration_view(session, contract_id).state.value


def in_message(engine: Engine) -> Any:
    [m] = messages(engine, "declaration.in")
    return m


def test_the_local_connector_accepts_and_the_contract_read_shows_queued_then_accepted(
    booked: uuid.UUID, enrolled: PlatformHandle, client: TestClient, dispatcher: Dispatcher
) -> None:
    url = f"/v1/platforms/demo/contracts/{booked}"
    assert client.get(url, headers=enrolled.auth).json()["declaration"]["state"] == "queued"
    dispatcher.run()
    declaration = client.get(url, headers=enrolled.auth).json()["declaration"]
    assert (declaration["state"], declaration["connector"], declaration["result_code"]) == ("accepted", "local", "A")
    assert declaration["reference"] == f"local-in-{booked}"


def test_http_declaration_is_posted_with_a_private_key_jwt_token_and_accepted(
    booked: uuid.UUID,
    engine: Engine,
    http_dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    tokens: TokenServer,
    now: datetime,
) -> None:
    post = respx_mock.post(f"{BASE}/declarations").mock(return_value=submitted())
    get = respx_mock.get(f"{BASE}/declarations/REF-1").mock(return_value=result("A"))
    http_dispatcher.run()
    [claims] = tokens.claims
    assert claims["iss"] == claims["sub"] == CLIENT_ID and claims["aud"] == TOKEN_URL
    assert claims["exp"] - claims["iat"] == 300 and claims["iat"] == int(now.timestamp()) and claims["jti"]
    sent = post.calls[0].request
    assert sent.headers["authorization"] == "Bearer tok-1" == get.calls[0].request.headers["authorization"]
    body = json.loads(sent.content)
    assert body["type"] == "IN" and body["employer_reference"] == str(booked)
    assert body["employer"] == {"enterprise_number": "0123456789"}
    assert state(engine, booked) == "accepted"
    assert in_message(engine).external_ref == "REF-1"
    [declared] = messages(engine, "callback.contract.declared")
    assert declared.payload["declaration"]["state"] == "accepted"


def test_a_refused_declaration_blocks_the_contract_tells_the_platform_and_is_listed(
    booked: uuid.UUID,
    enrolled: PlatformHandle,
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    http_dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    tokens: TokenServer,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    respx_mock.post(f"{BASE}/declarations").mock(return_value=submitted())
    respx_mock.get(f"{BASE}/declarations/REF-1").mock(
        return_value=result("B", anomalies=[{"code": "00913-355", "label": "worker SSIN unknown"}])
    )
    http_dispatcher.run()
    contract = client.get(f"/v1/platforms/demo/contracts/{booked}", headers=enrolled.auth).json()
    assert contract["status"] == "blocked"
    assert contract["declaration"]["state"] == "refused"
    assert contract["declaration"]["detail"] == "worker SSIN unknown"
    [why] = [c for c in contract["corrections"] if c["code"] == "declaration_refused"]
    assert "worker SSIN unknown" in why["detail"]
    [refused] = messages(engine, "callback.contract.refused")
    assert refused.payload["reason"] == "worker SSIN unknown" and refused.payload["status"] == "blocked"
    assert not messages(engine, "callback.contract.declared")

    app.state.settings = app.state.settings.model_copy(update={"admin_token": SecretStr("staff-secret")})
    listed = client.get("/v1/admin/declarations", headers=STAFF)
    assert listed.status_code == 200
    assert [(d["contract_id"], d["state"], d["shift_code"]) for d in listed.json()] == [(str(booked), "refused", "S-1")]
    assert client.get("/v1/admin/declarations", headers=enrolled.auth).status_code == 401

    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(cli_app, ["declarations", "list"])
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 0, out.output
    assert f"{booked}\tdemo\tS-1\trefused" in out.output


def test_a_declaration_pending_then_accepted_is_polled_with_backoff_and_posted_once(
    booked: uuid.UUID,
    engine: Engine,
    http_dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    tokens: TokenServer,
    now: datetime,
) -> None:
    post = respx_mock.post(f"{BASE}/declarations").mock(return_value=submitted(status=202))
    get = respx_mock.get(f"{BASE}/declarations/REF-1").mock(
        side_effect=[httpx.Response(404), result("S"), result("W", anomalies=[{"label": "late declaration"}])]
    )
    http_dispatcher.run()
    m = in_message(engine)
    assert (m.status, m.failures, m.next_attempt_at) == (OutboxStatus.pending, 0, now + timedelta(seconds=30))
    assert state(engine, booked) == "submitted"
    http_dispatcher.advance(30)
    http_dispatcher.run()
    assert in_message(engine).next_attempt_at == now + timedelta(seconds=30 + 60)
    http_dispatcher.advance(60)
    http_dispatcher.run()
    assert state(engine, booked) == "accepted_with_warning"
    assert post.call_count == 1 and get.call_count == 3
    assert [a.outcome for a in attempts(engine, m.id or 0)] == ["pending", "pending", "delivered"]


def test_an_expired_token_is_fetched_again_before_the_next_call(
    booked: uuid.UUID,
    engine: Engine,
    http_dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    tokens: TokenServer,
) -> None:
    tokens.expires_in = 300
    respx_mock.post(f"{BASE}/declarations").mock(return_value=submitted())
    get = respx_mock.get(f"{BASE}/declarations/REF-1").mock(
        side_effect=[httpx.Response(404), httpx.Response(404), result("A")]
    )
    http_dispatcher.run()
    http_dispatcher.advance(30)
    http_dispatcher.run()  # the cached token is still good
    http_dispatcher.advance(600)
    http_dispatcher.run()  # it has expired: a new one is fetched first
    assert [c.request.headers["authorization"] for c in get.calls] == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]
    assert tokens.issued == 2 and state(engine, booked) == "accepted"


def test_a_401_fetches_a_new_token_and_retries_once(
    booked: uuid.UUID,
    engine: Engine,
    http_dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    tokens: TokenServer,
) -> None:
    post = respx_mock.post(f"{BASE}/declarations").mock(side_effect=[httpx.Response(401), submitted()])
    respx_mock.get(f"{BASE}/declarations/REF-1").mock(return_value=result("A"))
    http_dispatcher.run()
    assert [c.request.headers["authorization"] for c in post.calls] == ["Bearer tok-1", "Bearer tok-2"]
    assert state(engine, booked) == "accepted"


def test_500s_on_submit_then_success_retry_on_the_schedule(
    booked: uuid.UUID,
    engine: Engine,
    http_dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    tokens: TokenServer,
    now: datetime,
) -> None:
    respx_mock.post(f"{BASE}/declarations").mock(side_effect=[httpx.Response(500), httpx.Response(502), submitted()])
    respx_mock.get(f"{BASE}/declarations/REF-1").mock(return_value=result("A"))
    http_dispatcher.run()
    assert in_message(engine).next_attempt_at == now + timedelta(seconds=30)
    http_dispatcher.advance(30)
    http_dispatcher.run()
    assert in_message(engine).next_attempt_at == now + timedelta(seconds=150)
    http_dispatcher.advance(120)
    http_dispatcher.run()
    m = in_message(engine)
    assert (m.status, m.failures) == (OutboxStatus.sent, 2)
    assert [a.status_code for a in attempts(engine, m.id or 0)] == [500, 502, None]


def test_a_429_on_the_result_keeps_the_reference_and_waits_as_asked(
    booked: uuid.UUID,
    engine: Engine,
    http_dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    tokens: TokenServer,
    now: datetime,
) -> None:
    post = respx_mock.post(f"{BASE}/declarations").mock(return_value=submitted())
    respx_mock.get(f"{BASE}/declarations/REF-1").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "120"}), result("A")]
    )
    http_dispatcher.run()
    m = in_message(engine)
    assert (m.external_ref, m.next_attempt_at) == ("REF-1", now + timedelta(seconds=120))
    http_dispatcher.advance(120)
    http_dispatcher.run()
    assert post.call_count == 1 and state(engine, booked) == "accepted"


def test_a_timeout_at_the_token_endpoint_is_a_failed_attempt_retried_later(
    booked: uuid.UUID,
    engine: Engine,
    http_dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    private_key_pem: str,
) -> None:
    public = RSAKey.import_key(private_key_pem).as_pem(private=False).decode()
    server = TokenServer(public)
    calls = iter([httpx.ConnectTimeout("no route")])

    def token(request: httpx.Request) -> httpx.Response:
        for exc in calls:
            raise exc
        return server(request)

    respx_mock.post(TOKEN_URL).mock(side_effect=token)
    respx_mock.post(f"{BASE}/declarations").mock(return_value=submitted())
    respx_mock.get(f"{BASE}/declarations/REF-1").mock(return_value=result("A"))
    http_dispatcher.run()
    m = in_message(engine)
    assert m.status == OutboxStatus.pending and m.last_error == "token endpoint: timeout (ConnectTimeout)"
    http_dispatcher.advance(30)
    http_dispatcher.run()
    assert state(engine, booked) == "accepted"


def test_a_declaration_refused_as_malformed_is_a_dead_letter_and_listed_as_failed(
    booked: uuid.UUID,
    engine: Engine,
    http_dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    tokens: TokenServer,
) -> None:
    respx_mock.post(f"{BASE}/declarations").mock(return_value=httpx.Response(422, json={"error": "bad SSIN"}))
    http_dispatcher.run()
    m = in_message(engine)
    assert m.status == OutboxStatus.dead and "HTTP 422" in (m.last_error or "")
    assert state(engine, booked) == "failed"


def test_an_out_after_the_shift_closes_the_declaration_and_names_the_in(
    booked: uuid.UUID,
    engine: Engine,
    http_dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    tokens: TokenServer,
) -> None:
    post = respx_mock.post(f"{BASE}/declarations").mock(side_effect=[submitted("REF-IN"), submitted("REF-OUT")])
    respx_mock.get(f"{BASE}/declarations/REF-IN").mock(return_value=result("A"))
    respx_mock.get(f"{BASE}/declarations/REF-OUT").mock(return_value=result("A"))
    http_dispatcher.run()
    with Session(engine) as session:
        ended = "2030-12-06T20:30:00+00:00"
        outbox.enqueue(session, ("declaration.out",), {"ended_at": ended}, http_dispatcher.clock(), booked)
        session.commit()
    http_dispatcher.run()
    body = json.loads(post.calls[1].request.content)
    assert (body["type"], body["in_reference"], body["ends_at"]) == ("OUT", "REF-IN", ended)
    with Session(engine) as session:
        view = declaration_view(session, booked)
    assert (view.state.value, view.last_operation, view.reference) == ("ended", "out", "REF-IN")


def test_the_http_connector_refuses_to_start_without_its_settings() -> None:
    with pytest.raises(ValidationError, match="GATEWAY_DECLARATION_BASE_URL"):
        Settings(declaration_connector="http", declaration_token_url=TOKEN_URL)
