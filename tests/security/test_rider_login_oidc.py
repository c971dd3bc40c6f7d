"""Riders log in with the cooperative's OpenID Connect provider; discovery, JWKS and token endpoints are mocked."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import respx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from pydantic import SecretStr

from gateway.settings import Settings
from tests.conftest import PlatformHandle
from tests.security.conftest import book

ISSUER = "https://id.coop.example"
CLIENT_ID = "gateway"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})


@pytest.fixture
def oidc_app(app: FastAPI, settings: Settings) -> FastAPI:
    app.state.settings = settings.model_copy(
        update={
            "oidc_discovery_url": f"{ISSUER}/.well-known/openid-configuration",
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SecretStr("s3cret"),
        }
    )
    return app


def _provider(nonce_box: dict[str, str], claims: dict[str, Any]) -> respx.MockRouter:
    router = respx.mock(assert_all_called=False)
    router.get(f"{ISSUER}/.well-known/openid-configuration").respond(
        json={
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token",
            "jwks_uri": f"{ISSUER}/jwks",
            "id_token_signing_alg_values_supported": ["RS256"],
        }
    )
    router.get(f"{ISSUER}/jwks").respond(json={"keys": [KEY.as_dict(private=False)]})

    def token(request: httpx.Request) -> httpx.Response:
        now = int(time.time())
        id_token = jwt.encode(
            {"alg": "RS256", "kid": "k1"},
            {
                "iss": ISSUER,
                "aud": CLIENT_ID,
                "sub": "person-1",
                "iat": now,
                "exp": now + 300,
                "nonce": nonce_box["nonce"],
                **claims,
            },
            KEY,
        )
        return httpx.Response(
            200, json={"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token}
        )

    router.post(f"{ISSUER}/token").mock(side_effect=token)
    return router


def _login(client: TestClient, claims: dict[str, Any]) -> httpx.Response:
    box: dict[str, str] = {}
    with _provider(box, claims):
        start = client.get("/rider/login", follow_redirects=False)
        assert start.status_code == 302
        q = parse_qs(urlparse(start.headers["location"]).query)
        assert q["client_id"] == [CLIENT_ID] and "openid" in q["scope"][0]
        box["nonce"] = q["nonce"][0]
        done: httpx.Response = client.get(
            f"/rider/oidc/callback?code=abc&state={q['state'][0]}", follow_redirects=False
        )
        return done


def test_member_logs_in_and_sees_only_their_contracts(
    oidc_app: FastAPI, client: TestClient, platform: PlatformHandle, send: Callable[..., Any]
) -> None:
    book(platform, send, "amina", "S-A")  # member id M-amina
    book(platform, send, "bilal", "S-B")
    done = _login(client, {"member_id": "M-amina"})
    assert done.status_code == 303 and "rider_session" in done.cookies
    assert [c["shift_code"] for c in client.get("/v1/rider/contracts").json()] == ["S-A"]


def test_a_login_without_a_linked_rider_is_refused(
    oidc_app: FastAPI, client: TestClient, platform: PlatformHandle
) -> None:
    r = _login(client, {"member_id": "M-nobody"})
    assert r.status_code == 401 and "rider_session" not in r.cookies


def test_a_forged_state_is_refused(oidc_app: FastAPI, client: TestClient, platform: PlatformHandle) -> None:
    with _provider({"nonce": "x"}, {}):
        client.get("/rider/login", follow_redirects=False)
        r = client.get("/rider/oidc/callback?code=abc&state=forged", follow_redirects=False)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


def test_login_is_404_when_no_provider_is_configured(client: TestClient) -> None:
    assert client.get("/rider/login", follow_redirects=False).status_code == 404
