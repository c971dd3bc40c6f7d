"""OWASP API2:2023 Broken Authentication: tokens that are expired, forged, for another audience or unsigned
are refused; the OAuth2 token endpoint follows RFC 6749."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.domains.auth import tokens
from gateway.settings import Settings
from tests.conftest import TEST_NOW, Clock, PlatformHandle


def _b64(d: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()


def _claims(settings: Settings, **over: object) -> dict[str, object]:
    now = int(datetime.now(UTC).timestamp())
    return {
        "iss": settings.public_url,
        "aud": tokens.AUD_PLATFORM_API,
        "sub": "x",
        "iat": now,
        "exp": now + 600,
        "scope": "contracts:read",
        "plt": "demo",
        "pid": 1,
        **over,
    }


def _get(client: TestClient, token: str) -> int:
    return int(
        client.get("/v1/platforms/demo/shifts/S-1/contract", headers={"Authorization": f"Bearer {token}"}).status_code
    )


def test_a_valid_access_token_is_accepted(
    client: TestClient, platform: PlatformHandle, access_token: Callable[..., str]
) -> None:
    assert _get(client, access_token("demo")) == 404  # authenticated; there is just no such shift


def test_expired_token_is_refused(
    client: TestClient, platform: PlatformHandle, access_token: Callable[..., str], clock: Clock
) -> None:
    token = access_token("demo")
    clock.fixed = TEST_NOW + timedelta(minutes=16)
    r = client.get("/v1/platforms/demo/shifts/S-1/contract", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_wrong_audience_is_refused(client: TestClient, platform: PlatformHandle, settings: Settings) -> None:
    key = settings.token_signing_key.get_secret_value()
    now = TEST_NOW
    rider_link = tokens.issue(
        key,
        issuer=settings.public_url,
        audience=tokens.AUD_RIDER_LINK,
        subject="1",
        ttl=timedelta(minutes=5),
        now=now,
        plt="demo",
        pid=1,
        scope="contracts:read",
    )
    assert _get(client, rider_link) == 401


def test_wrong_signature_is_refused(client: TestClient, platform: PlatformHandle, settings: Settings) -> None:
    forged = tokens.issue(
        "another-key-of-enough-length-0123456789",
        issuer=settings.public_url,
        audience=tokens.AUD_PLATFORM_API,
        subject="x",
        ttl=timedelta(minutes=5),
        now=TEST_NOW,
        plt="demo",
        pid=1,
        scope="contracts:read",
    )
    assert _get(client, forged) == 401


def test_alg_none_is_refused(client: TestClient, platform: PlatformHandle, settings: Settings) -> None:
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(settings))}."
    assert _get(client, unsigned) == 401


def test_tampered_claims_are_refused(
    client: TestClient, platform: PlatformHandle, access_token: Callable[..., str], settings: Settings
) -> None:
    header, _, sig = access_token("demo").split(".")
    tampered = f"{header}.{_b64(_claims(settings, scope='contracts:read riders:links callbacks:manage'))}.{sig}"
    assert _get(client, tampered) == 401


def test_rider_session_is_not_a_platform_token(
    client: TestClient, platform: PlatformHandle, settings: Settings
) -> None:
    from gateway.domains.riders.access import session_token

    assert _get(client, session_token(settings, [1], "link", TEST_NOW)) == 401


def test_a_token_without_the_scope_is_forbidden(
    client: TestClient, enrolled: PlatformHandle, access_token: Callable[..., str]
) -> None:
    token = access_token("demo", ["contracts:read"])
    r = client.post("/v1/platforms/demo/riders/r-1/access-links", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403 and "riders:links" in r.json()["detail"]


@pytest.mark.parametrize(
    ("data", "auth", "status", "error"),
    [
        ({"grant_type": "client_credentials"}, ("nobody", "nothing"), 401, "invalid_client"),
        ({"grant_type": "password", "username": "u", "password": "p"}, None, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "scope": "everything"}, "good", 400, "invalid_scope"),
        ({"grant_type": "client_credentials"}, "wrong-secret", 401, "invalid_client"),
    ],
)
def test_token_endpoint_errors_follow_rfc_6749(
    client: TestClient,
    platform: PlatformHandle,
    oauth_client: Callable[..., tuple[str, str]],
    data: dict[str, str],
    auth: object,
    status: int,
    error: str,
) -> None:
    cid, secret = oauth_client("demo")
    basic = (
        {"good": (cid, secret), "wrong-secret": (cid, secret + "x")}.get(auth, auth) if isinstance(auth, str) else auth
    )
    r = client.post("/oauth2/token", data=data, auth=basic)
    assert r.status_code == status
    assert r.json()["error"] == error and r.headers["cache-control"] == "no-store"


def test_retired_api_keys_are_refused_when_turned_off(
    app: FastAPI, client: TestClient, platform: PlatformHandle, settings: Settings
) -> None:
    assert client.get("/v1/platforms/demo/shifts/S-1/contract", headers=platform.auth).status_code == 404
    app.state.settings = settings.model_copy(update={"api_keys_enabled": False})
    r = client.get("/v1/platforms/demo/shifts/S-1/contract", headers=platform.auth)
    assert r.status_code == 401 and "retired" in r.json()["detail"]


def test_forged_or_expired_rider_links_do_not_open_a_session(client: TestClient, settings: Settings) -> None:
    now = TEST_NOW
    key = settings.token_signing_key.get_secret_value()
    expired = tokens.issue(
        key, issuer=settings.public_url, audience=tokens.AUD_RIDER_LINK, subject="1", ttl=timedelta(seconds=-1), now=now
    )
    api = tokens.issue(
        key,
        issuer=settings.public_url,
        audience=tokens.AUD_PLATFORM_API,
        subject="1",
        ttl=timedelta(minutes=5),
        now=now,
    )
    for bad in (expired, api, "not-a-token"):
        r = client.get(f"/r/{bad}", follow_redirects=False)
        assert r.status_code == 401 and "rider_session" not in r.cookies
