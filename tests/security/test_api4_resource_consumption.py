"""OWASP API4:2023 Unrestricted Resource Consumption: body size limit, a per-platform rate limit, a rate limit
on the token endpoint per client and per address, and no blocking database call on the event loop."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event as sa_event
from starlette.types import Message, Receive, Scope, Send

from gateway.bodylimit import BodyLimit
from gateway.db.engine import settings_engine
from gateway.domains.auth import credentials, oauth
from gateway.settings import Settings
from tests.conftest import PlatformHandle, event, signed_headers
from tests.faults.server import free_port, gateway
from tests.security.conftest import book
from tests.security.test_rider_login_oidc import _login, oidc_app  # noqa: F401 - a fixture, used by name

ENROL = event("rider.enrolled", rider_id="r", name="R", email="r@example.org")


def test_a_platform_over_its_rate_gets_429_with_retry_after(
    app: FastAPI, settings: Settings, platform: PlatformHandle, send: Callable[..., Any], client: TestClient
) -> None:
    app.state.settings = settings.model_copy(update={"rate_limit_per_minute": 3})
    codes = [send(platform, ENROL).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = send(platform, ENROL)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.headers["content-type"] == "application/problem+json"
    # The API counts against the same allowance.
    assert client.get("/v1/platforms/demo/shifts/X/contract", headers=platform.auth).status_code == 429


def test_unsigned_requests_do_not_consume_a_platforms_allowance(
    app: FastAPI, settings: Settings, platform: PlatformHandle, send: Callable[..., Any], client: TestClient
) -> None:
    app.state.settings = settings.model_copy(update={"rate_limit_per_minute": 2})
    for _ in range(10):
        assert client.post("/v1/platforms/demo/webhooks", content=ENROL).status_code == 401
    assert send(platform, ENROL).status_code == 200


def test_limits_are_per_platform(
    app: FastAPI, settings: Settings, make_platform: Callable[..., PlatformHandle], send: Callable[..., Any]
) -> None:
    app.state.settings = settings.model_copy(update={"rate_limit_per_minute": 1})
    alpha, beta = make_platform("alpha"), make_platform("beta")
    assert send(alpha, ENROL).status_code == 200
    assert send(alpha, ENROL).status_code == 429
    assert send(beta, ENROL).status_code == 200


def test_oversized_body_is_refused_before_it_is_read_whole(platform: PlatformHandle, send: Callable[..., Any]) -> None:
    r = send(platform, b"{" + b" " * 400_000 + b"}")
    assert r.status_code == 413


# One body limit on every route, before routing and authentication (gateway/bodylimit.py).

LIMIT = 4096


@pytest.fixture
def small_limit(app: FastAPI, settings: Settings) -> int:
    app.state.settings = settings.model_copy(update={"max_body_bytes": LIMIT})
    return LIMIT


def _is_413_problem(r: Any) -> None:
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/payload-too-large")


@pytest.mark.parametrize(
    "path",
    ["/v1/admin/staff", "/v1/platforms/demo/callback-endpoints", "/oauth2/token", "/rider/logout", "/no/such/route"],
)
def test_a_body_declared_over_the_limit_is_refused_before_routing_and_authentication(
    client: TestClient, small_limit: int, path: str
) -> None:
    # No credential, and for the last path no route at all: the size is refused first.
    r = client.post(path, content=b"{" + b" " * small_limit + b"}", headers={"content-type": "application/json"})
    _is_413_problem(r)
    assert str(small_limit) in r.json()["detail"]
    assert r.headers["connection"] == "close"  # the sender cannot go on with the rest


def test_a_chunked_body_over_the_limit_is_refused(client: TestClient, small_limit: int) -> None:
    # The test client gathers a streamed body before it sends it: that the rest is never read is shown below,
    # on the middleware itself and on a real server.
    chunks = (b" " * 1024 for _ in range(2 * small_limit // 1024))
    r = client.post("/v1/admin/staff", content=chunks, headers={"content-type": "application/json"})
    _is_413_problem(r)


def test_bodies_within_the_limit_are_untouched(
    client: TestClient, small_limit: int, platform: PlatformHandle, send: Callable[..., Any]
) -> None:
    assert send(platform, ENROL).status_code == 200
    chunked = client.post(
        "/v1/platforms/demo/webhooks", content=iter([ENROL]), headers=signed_headers(platform.secret, ENROL)
    )
    assert chunked.status_code == 200, chunked.text


class _Recorder:
    """An ASGI app and the client side of one request, recording what the middleware let through."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.pulled = 0
        self.app_called = False
        self.sent: list[Message] = []
        self.state = SimpleNamespace(settings=SimpleNamespace(max_body_bytes=LIMIT))

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.app_called = True
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read"})

    async def receive(self) -> Message:
        self.pulled += 1
        more = self.pulled < len(self.chunks)
        return {"type": "http.request", "body": self.chunks[self.pulled - 1], "more_body": more}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    def scope(self, headers: list[tuple[bytes, bytes]]) -> Scope:
        return {"type": "http", "http_version": "1.1", "method": "POST", "path": "/x", "headers": headers, "app": self}


def _run(recorder: _Recorder, headers: list[tuple[bytes, bytes]]) -> int:
    anyio.run(BodyLimit(recorder.app), recorder.scope(headers), recorder.receive, recorder.send)
    return int(recorder.sent[0]["status"])


def test_a_declared_oversize_body_is_refused_without_reading_a_byte_or_calling_the_app() -> None:
    r = _Recorder([b"x" * 1024] * 100)
    assert _run(r, [(b"content-length", str(100 * 1024).encode())]) == 413
    assert r.pulled == 0 and not r.app_called
    assert json.loads(r.sent[1]["body"])["status"] == 413


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit() -> None:
    r = _Recorder([b"x" * 1024] * 100)
    assert _run(r, [(b"transfer-encoding", b"chunked")]) == 413
    assert r.pulled == LIMIT // 1024 + 1  # the chunk that passed the limit, and not one more
    assert len(r.sent) == 2  # the 413 only: what the app would answer after the cut is dropped


def test_a_small_content_length_beside_chunked_framing_does_not_hide_a_large_body() -> None:
    # Transfer-Encoding wins over Content-Length (RFC 9112 §6.3): a server that reads the chunks (h11) would pass
    # the whole body on, so it is counted whatever length was declared.
    r = _Recorder([b"x" * 1024] * 100)
    assert _run(r, [(b"content-length", b"10"), (b"transfer-encoding", b"chunked")]) == 413
    assert r.pulled == LIMIT // 1024 + 1


def test_a_body_within_its_declared_length_is_passed_through_unwrapped() -> None:
    r = _Recorder([b"x" * 1024])
    assert _run(r, [(b"content-length", b"1024")]) == 200
    assert r.app_called and r.sent[1]["body"] == b"read"


def test_a_real_server_refuses_a_declared_100_mb_body_before_it_is_sent(database_url: str, tmp_path: Path) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the limit is the same on every database: one real server is enough")
    port = free_port()
    with gateway(database_url, port, tmp_path / "gateway.log", max_body_bytes=str(LIMIT)):
        declared = _raw_request(port, b"Content-Length: 104857600\r\n", body=b"")
        assert declared.startswith(b"HTTP/1.1 413"), declared[:200]
        # Chunked: the answer comes while the client still has 100 MB to send.
        chunk = b"400\r\n" + b" " * 1024 + b"\r\n"
        cut = _raw_request(port, b"Transfer-Encoding: chunked\r\n", body=chunk * (LIMIT // 1024 + 1))
        assert cut.startswith(b"HTTP/1.1 413"), cut[:200]
    assert b"application/problem+json" in declared and b"application/problem+json" in cut
    assert "Traceback" not in (tmp_path / "gateway.log").read_text()  # a refusal, not an error


def _raw_request(port: int, framing: bytes, body: bytes) -> bytes:
    """POST to the admin staff route (no credential) and read the answer without sending more than `body`."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(
            b"POST /v1/admin/staff HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
            + framing
            + b"\r\n"
            + body
        )
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = s.recv(65536)
            if not data:
                break
            answer += data
        return answer


GRANT = {"grant_type": "client_credentials"}


def _limit_tokens(app: FastAPI, settings: Settings, per_address: int, per_client: int) -> None:
    app.state.settings = settings.model_copy(
        update={"token_rate_limit_per_address": per_address, "token_rate_limit_per_client": per_client}
    )


def test_the_token_endpoint_limits_each_client_with_429_and_retry_after(
    app: FastAPI,
    settings: Settings,
    client: TestClient,
    platform: PlatformHandle,
    oauth_client: Callable[..., tuple[str, str]],
) -> None:
    _limit_tokens(app, settings, per_address=100, per_client=2)
    cid, secret = oauth_client("demo")
    other_cid, other_secret = oauth_client("demo")
    codes = [client.post("/oauth2/token", data=GRANT, auth=(cid, secret)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = client.post("/oauth2/token", data=GRANT, auth=(cid, secret))
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.headers["content-type"] == "application/problem+json" and "client" in r.json()["detail"]
    assert client.post("/oauth2/token", data=GRANT, auth=(other_cid, other_secret)).status_code == 200


def test_the_token_endpoint_limits_each_address_whatever_client_it_names(
    app: FastAPI, settings: Settings, client: TestClient, platform: PlatformHandle
) -> None:
    _limit_tokens(app, settings, per_address=3, per_client=100)
    codes = [client.post("/oauth2/token", data=GRANT, auth=(f"guess-{i}", "x")).status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    assert "address" in client.post("/oauth2/token", data=GRANT, auth=("another", "x")).json()["detail"]


def test_the_token_limit_is_counted_before_the_secret_is_hashed(
    app: FastAPI,
    settings: Settings,
    client: TestClient,
    platform: PlatformHandle,
    oauth_client: Callable[..., tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _limit_tokens(app, settings, per_address=100, per_client=2)
    cid, _ = oauth_client("demo")
    hashed: list[str] = []
    real = credentials.hash_key

    def counting(key: str, pepper: str) -> str:
        hashed.append(key)
        return real(key, pepper)

    monkeypatch.setattr(oauth, "hash_key", counting)
    codes = [client.post("/oauth2/token", data=GRANT, auth=(cid, f"guess-{i}")).status_code for i in range(10)]
    assert codes == [401, 401] + [429] * 8
    assert len(hashed) == 2


def test_the_token_limits_can_be_turned_off(
    app: FastAPI,
    settings: Settings,
    client: TestClient,
    platform: PlatformHandle,
    oauth_client: Callable[..., tuple[str, str]],
) -> None:
    _limit_tokens(app, settings, per_address=0, per_client=0)
    cid, secret = oauth_client("demo")
    assert {client.post("/oauth2/token", data=GRANT, auth=(cid, secret)).status_code for _ in range(5)} == {200}


@pytest.fixture
def statements_on_the_loop(app: FastAPI) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs while an event loop runs in the same thread (a blocking call
    on the loop stalls every other request of the process meanwhile)."""
    engine = settings_engine(app.state.settings)
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: fine
        seen.append(statement)

    sa_event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa_event.remove(engine, "before_cursor_execute", record)


def test_the_token_endpoint_reads_the_database_off_the_event_loop(
    client: TestClient,
    platform: PlatformHandle,
    oauth_client: Callable[..., tuple[str, str]],
    statements_on_the_loop: list[str],
) -> None:
    cid, secret = oauth_client("demo")
    assert client.post("/oauth2/token", data=GRANT, auth=(cid, secret)).status_code == 200
    assert client.post("/oauth2/token", data=GRANT, auth=(cid, "wrong")).status_code == 401
    assert statements_on_the_loop == []


@pytest.mark.usefixtures("oidc_app")
def test_the_oidc_callback_reads_the_database_off_the_event_loop(
    client: TestClient, platform: PlatformHandle, send: Callable[..., Any], statements_on_the_loop: list[str]
) -> None:
    book(platform, send, "amina", "S-A")
    statements_on_the_loop.clear()  # the webhooks above are not under test here
    done = _login(client, {"member_id": "M-amina"})
    assert done.status_code == 303 and "rider_session" in done.cookies
    assert statements_on_the_loop == []
