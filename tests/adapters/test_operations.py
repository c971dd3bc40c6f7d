"""Operating adapters: `gateway webhook send` signs in each adapter's scheme, `platforms add-secret` takes the
secret formats platforms really issue, and a webhook for a platform whose adapter this process has not loaded
is refused with a status the platform retries (503 + Retry-After), never one it files as failed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
import respx
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from adapters.coopcycle.testing import notification, signed_headers
from gateway.cli import app as cli
from gateway.domains.platforms.models import Platform, WebhookSecret
from gateway.settings import REPO_ROOT, Settings, get_settings
from tests.conftest import Clock, count_rows

runner = CliRunner()
GATEWAY = "http://gateway.test"


@pytest.fixture
def same_database(settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI reads the test's database, as an operator's shell reads the gateway's."""
    monkeypatch.setenv("GATEWAY_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def gateway(client: TestClient) -> Iterator[respx.MockRouter]:
    """`webhook send` posts over HTTP; the request is handed to the app as it was sent."""

    def forward(request: httpx.Request) -> httpx.Response:
        answer = client.post(request.url.path, content=request.content, headers=dict(request.headers))
        return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)

    with respx.mock(assert_all_called=True) as router:
        router.post(url__startswith=GATEWAY).mock(side_effect=forward)
        yield router


def _cli(*args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.usefixtures("same_database")
def test_webhook_send_signs_for_coopcycle_with_a_plain_secret_and_is_accepted(
    gateway: respx.MockRouter, engine: Engine
) -> None:
    _cli("platforms", "create", "coop", "--adapter", "coopcycle")
    # coopcycle-web's own fixtures hold plain strings (fixtures/ORM/webhooks.yml): the newest secret signs.
    _cli("platforms", "add-secret", "coop", "--secret", "123456789")
    out = _cli(
        "webhook", "send", "coop", str(REPO_ROOT / "examples/coopcycle/delivery-completed.json"), "--url", GATEWAY
    )
    assert out.startswith("HTTP 202  webhook-id delivery.completed:/api/deliveries/1:"), out
    sent = gateway.calls.last.request
    assert "x-coopcycle-signature" in sent.headers and "webhook-signature" not in sent.headers
    assert count_rows(engine, "coopcycle_delivery") == 1


@pytest.mark.usefixtures("same_database")
def test_webhook_send_still_signs_standard_webhooks_for_the_standard_adapter(
    gateway: respx.MockRouter, clock: Clock
) -> None:
    clock.fixed = datetime.now(UTC)  # the signed timestamp is the CLI's wall clock
    _cli("platforms", "create", "acme")
    out = _cli(
        "webhook", "send", "acme", str(REPO_ROOT / "examples/rider-enrolled.json"), "--url", GATEWAY, "--id", "m-1"
    )
    assert out.startswith("HTTP 200  webhook-id m-1")
    assert gateway.calls.last.request.headers["webhook-signature"].startswith("v1,")


@pytest.mark.usefixtures("same_database")
@pytest.mark.parametrize(
    ("adapter", "secret", "says"),
    [
        ("coopcycle", "short", "invalid secret for a coopcycle platform: a CoopCycle webhook secret is 8 to 200"),
        ("coopcycle", "two words", "no spaces"),
        ("standard", "123456789", "invalid secret for a standard platform: a signing secret starts with 'whsec_'"),
    ],
)
def test_add_secret_checks_the_format_of_the_platforms_adapter(adapter: str, secret: str, says: str) -> None:
    _cli("platforms", "create", "p", "--adapter", adapter)
    refused = runner.invoke(cli, ["platforms", "add-secret", "p", "--secret", secret])
    assert refused.exit_code == 1 and says in refused.output


def test_a_webhook_for_an_adapter_this_process_has_not_loaded_is_retryable(client: TestClient, engine: Engine) -> None:
    # A platform created by a process that has the adapter, while this one runs older code (a rolling restart).
    with Session(engine) as session:
        platform = Platform(slug="newco", name="newco", adapter="newco", agreement="be-delivery-2016")
        session.add(platform)
        session.flush()
        assert platform.id is not None
        session.add(WebhookSecret(platform_id=platform.id, secret="123456789"))
        session.commit()
    body = notification("/api/deliveries/1", "delivery.completed")
    answer = client.post("/v1/platforms/newco/webhooks", content=body, headers=signed_headers("123456789", body))
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert 0 < int(answer.headers["Retry-After"]) <= 300
    assert "not installed" in answer.json()["detail"]
    assert count_rows(engine, "inbox_message") == 0
