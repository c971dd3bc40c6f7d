"""The reusable OAuth2 client-credentials client, in its client-secret form (as for a platform's API)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from pydantic import SecretStr

from gateway.domains.outbox.delivery import SendError
from gateway.domains.outbox.oauth import ClientCredentials

TOKEN_URL = "https://coopcycle.example/oauth2/token"
API = "https://coopcycle.example/api/deliveries/1"


def test_a_client_secret_token_is_fetched_with_basic_auth_cached_and_refreshed_before_expiry(
    respx_mock: respx.MockRouter,
) -> None:
    issued = iter(["a", "b"])
    token = respx_mock.post(TOKEN_URL).mock(
        side_effect=lambda _: httpx.Response(200, json={"access_token": next(issued), "expires_in": 3600})
    )
    api = respx_mock.get(API).mock(return_value=httpx.Response(200, json={}))
    now = datetime(2026, 11, 26, 10, tzinfo=UTC)
    with httpx.Client() as http:
        oauth = ClientCredentials(
            http, TOKEN_URL, "gateway", clock=lambda: now, client_secret=SecretStr("s3cret"), scope="deliveries"
        )
        oauth.request("GET", API)
        oauth.request("GET", API)
        now += timedelta(seconds=3600 - 10)  # inside the leeway before expiry
        oauth.request("GET", API)
    basic = base64.b64encode(b"gateway:s3cret").decode()
    assert token.calls[0].request.headers["authorization"] == f"Basic {basic}"
    assert b"scope=deliveries" in token.calls[0].request.content
    assert [c.request.headers["authorization"] for c in api.calls] == ["Bearer a", "Bearer a", "Bearer b"]


def test_a_refused_token_request_is_an_error_that_names_the_status_not_the_secret(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.post(TOKEN_URL).mock(return_value=httpx.Response(401, json={"error": "invalid_client"}))
    with httpx.Client() as http:
        oauth = ClientCredentials(
            http, TOKEN_URL, "gateway", clock=lambda: datetime.now(UTC), client_secret=SecretStr("s3cret")
        )
        with pytest.raises(SendError, match="HTTP 401") as caught:
            oauth.access_token()
    assert "s3cret" not in str(caught.value)


def test_the_client_needs_exactly_one_way_to_authenticate() -> None:
    with httpx.Client() as http, pytest.raises(ValueError, match="either"):
        ClientCredentials(http, TOKEN_URL, "gateway", clock=lambda: datetime.now(UTC))
