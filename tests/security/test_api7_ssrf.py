"""OWASP API7:2023 Server Side Request Forgery.

A platform chooses where its callbacks go. It must not be able to make the gateway call the cloud's metadata
service, the private network or the gateway's own machine: not by the address in any spelling, not by a name
that resolves there, not by a name that resolves to a public address when checked and to a private one when
called (DNS rebinding). DNS is faked here (`netguard.resolve`); no test touches the network.
"""

from __future__ import annotations

import ipaddress
import json
import ssl
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpcore
import httpx
import pytest
import respx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from gateway import netguard
from gateway.cli import app as cli_app
from gateway.domains.callbacks.models import CallbackEndpoint
from gateway.domains.outbox.models import OutboxStatus
from gateway.settings import Settings, get_settings
from tests.conftest import FAKE_PUBLIC_ADDRESS, Clock, PlatformHandle
from tests.domains.outbound.conftest import Dispatcher, add_endpoint, attempts, book_shift, child

ENDPOINTS = "/v1/platforms/demo/callback-endpoints"
HOST = "callbacks.platform.example"
URL = f"https://{HOST}/gateway"

REFUSED_URLS = [
    "https://127.0.0.1/cb",
    "https://127.0.0.1./cb",  # trailing dot
    "https://127.1/cb",  # short form
    "https://0x7f000001/cb",  # hex
    "https://0x7f.1/cb",
    "https://2130706433/cb",  # decimal
    "https://017700000001/cb",  # octal
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata
    "https://10.0.0.8/cb",
    "https://172.16.5.4/cb",
    "https://192.168.1.1/cb",
    "https://100.64.0.1/cb",  # shared address space (carrier-grade NAT)
    "https://0.0.0.0/cb",
    "https://224.0.0.251/cb",  # multicast
    "https://240.0.0.1/cb",  # reserved
    "https://255.255.255.255/cb",
    "https://localhost/cb",
    "https://LOCALHOST./cb",
    "https://api.localhost/cb",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://intranet/cb",  # one label: the local search domain
    "https://[::1]/cb",
    "https://[::]/cb",
    "https://[::ffff:127.0.0.1]/cb",  # IPv4-mapped
    "https://[::ffff:a9fe:a9fe]/cb",  # 169.254.169.254, mapped
    "https://[64:ff9b::a9fe:a9fe]/cb",  # NAT64 to the metadata service
    "https://[2002:7f00:1::]/cb",  # 6to4 of 127.0.0.1
    "https://[fe80::1%25eth0]/cb",  # link-local with a zone
    "https://[fd00::1]/cb",  # unique local
    "https://[ff02::1]/cb",  # multicast
    "https://good.example@127.0.0.1/cb",  # userinfo trick
    "https://127.0.0.1\\@good.example/cb",  # backslash: parsers disagree
    "https://ｌｏｃａｌｈｏｓｔ/cb",  # fullwidth (IDNA)
    "https://１２７.０.０.１/cb",
]


# --- registration -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_a_callback_url_to_a_non_public_address_is_refused_at_registration(
    url: str, platform: PlatformHandle, client: TestClient
) -> None:
    r = client.post(ENDPOINTS, json={"url": url}, headers=platform.auth)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    assert [e["location"] for e in problem["errors"]] == ["body.url"]
    assert client.get(ENDPOINTS, headers=platform.auth).json() == []


@pytest.mark.parametrize("url", [URL, "https://93.184.215.14/cb", "https://[2606:4700::1111]:8443/cb"])
def test_a_public_callback_url_is_accepted(url: str, platform: PlatformHandle, client: TestClient) -> None:
    r = client.post(ENDPOINTS, json={"url": url}, headers=platform.auth)
    assert r.status_code == 200, r.text


def test_staff_cannot_register_a_private_callback_url_from_the_cli_either(
    platform: PlatformHandle, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(cli_app, ["callbacks", "add", platform.slug, "https://169.254.169.254/"])
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 1 and "169.254.169.254" in r.output


def test_development_may_allow_private_callbacks_for_local_testing(
    platform: PlatformHandle, client: TestClient, app: FastAPI
) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"callback_allow_private": True, "callback_require_https": False}
    )
    r = client.post(ENDPOINTS, json={"url": "http://127.0.0.1:9000/cb"}, headers=platform.auth)
    assert r.status_code == 200, r.text


# --- send time: the resolved address ----------------------------------------------------------------------------


def resolving_to(monkeypatch: pytest.MonkeyPatch, *answers: list[str]) -> list[str]:
    """`netguard.resolve` answers each lookup with the next list of addresses (the last one repeats)."""
    asked: list[str] = []
    queue = list(answers)

    def resolve(host: str, port: int) -> list[netguard.Address]:
        asked.append(host)
        current = queue.pop(0) if len(queue) > 1 else queue[0]
        return [ipaddress.ip_address(a) for a in current]

    monkeypatch.setattr(netguard, "resolve", resolve)
    return asked


@pytest.fixture
def dispatcher(engine: Engine, settings: Settings, book: Any, clock: Clock) -> Iterator[Dispatcher]:
    with httpx.Client(timeout=5) as http:
        yield Dispatcher(engine, settings, book, clock, http)


@pytest.fixture
def booked(enrolled: PlatformHandle, send: Callable[..., Any], clock: Clock) -> uuid.UUID:
    # book_shift books a few days ahead of the wall clock: the app's clock is set to it.
    clock.fixed = datetime.now(UTC).replace(microsecond=0)
    return book_shift(send, enrolled)


@pytest.mark.parametrize(
    "resolved",
    [["127.0.0.1"], ["169.254.169.254"], ["10.1.2.3"], ["::1"], [str(FAKE_PUBLIC_ADDRESS), "192.168.0.10"]],
)
def test_a_name_that_resolves_to_a_non_public_address_at_send_time_is_never_called(
    resolved: list[str],
    booked: uuid.UUID,
    engine: Engine,
    dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    endpoint_id, _ = add_endpoint(engine, url=URL)  # registered while the name looked public
    asked = resolving_to(monkeypatch, resolved)  # DNS rebinding: now it answers a private address
    route = respx_mock.post(URL).mock(return_value=httpx.Response(200))
    dispatcher.run()
    assert route.calls.call_count == 0
    assert HOST in asked
    refused = child(engine)
    assert refused.status == OutboxStatus.dead  # not retried forever; staff can replay it once fixed
    [attempt] = attempts(engine, refused.id or 0)
    assert attempt.outcome == "rejected" and attempt.error is not None
    assert "public addresses only" in attempt.error and any(a in attempt.error for a in resolved[-1:])
    with Session(engine) as session:
        endpoint = session.get(CallbackEndpoint, endpoint_id)
        assert endpoint is not None and not endpoint.enabled
        # The platform is told why, but not which internal address its name resolved to.
        reason = endpoint.disabled_reason
        assert reason is not None and "not on a public address" in reason
        assert not any(a in reason for a in resolved)


def test_a_name_that_resolves_to_a_public_address_is_called(
    booked: uuid.UUID,
    engine: Engine,
    dispatcher: Dispatcher,
    respx_mock: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_endpoint(engine, url=URL)
    asked = resolving_to(monkeypatch, [str(FAKE_PUBLIC_ADDRESS)])
    route = respx_mock.post(URL).mock(return_value=httpx.Response(204))
    dispatcher.run()
    opened = [c for c in route.calls if json.loads(c.request.content)["type"] == "contract.opened"]
    assert len(opened) == 1 and HOST in asked
    assert child(engine).status == OutboxStatus.sent


# --- the connection goes to the address that was checked ---------------------------------------------------------


class RecordingNetwork(httpcore.NetworkBackend):
    """A fake network: records where each connection goes and the TLS name, answers 200 to every request."""

    def __init__(self) -> None:
        self.connected: list[tuple[str, int]] = []
        self.tls_names: list[str | None] = []
        self.sent = b""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[netguard.SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        self.connected.append((host, port))
        return RecordingStream(self)

    def sleep(self, seconds: float) -> None:
        pass


class RecordingStream(httpcore.NetworkStream):
    def __init__(self, network: RecordingNetwork) -> None:
        self.network = network
        self.answer = [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.answer.pop(0) if self.answer else b""

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.network.sent += buffer

    def close(self) -> None:
        pass

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        self.network.tls_names.append(server_hostname)
        return self

    def get_extra_info(self, info: str) -> Any:
        return None


def test_the_connection_goes_to_the_checked_address_with_tls_and_host_for_the_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Checked: public. Any later lookup would answer the metadata service; none may be used.
    asked = resolving_to(monkeypatch, [str(FAKE_PUBLIC_ADDRESS)], ["169.254.169.254"])
    network = RecordingNetwork()
    with netguard.public_client(5, network=network) as client:
        target = netguard.public_target(URL)
        with netguard.pinned(target):
            assert client.post(URL, content=b"{}").status_code == 200
    assert asked == [HOST]  # one lookup: the one that was checked
    assert network.connected == [(str(FAKE_PUBLIC_ADDRESS), 443)]
    assert network.tls_names == [HOST]  # certificate verified for the name, not the address
    assert f"Host: {HOST}".encode() in network.sent


def test_a_connection_outside_a_checked_send_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    resolving_to(monkeypatch, ["10.0.0.5"])
    network = RecordingNetwork()
    with (
        netguard.public_client(5, network=network) as client,
        pytest.raises(httpx.ConnectError, match=r"10\.0\.0\.5"),
    ):
        client.get(URL)
    assert network.connected == []


def test_the_callback_client_follows_no_redirect_and_no_proxy_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://10.0.0.1:3128")
    client = netguard.public_client(5)
    assert client.follow_redirects is False and client.trust_env is False
