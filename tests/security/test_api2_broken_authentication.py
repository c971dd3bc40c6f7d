"""OWASP API2:2023 Broken Authentication: tokens that are expired, forged, for another audience or unsigned
are refused; the OAuth2 token endpoint follows RFC 6749; revoked clients and credentials stop working; a
rider's access link works once and is never written to a log."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from gateway.agreements.loader import AgreementBook
from gateway.cli import app as cli
from gateway.db.engine import engine_for
from gateway.db.migrate import upgrade
from gateway.domains.auth import tokens
from gateway.domains.auth.credentials import revoke_credential
from gateway.domains.auth.oauth import revoke_client
from gateway.domains.platforms.service import create_platform, get_platform
from gateway.domains.riders.access import issue_link
from gateway.domains.riders.models import Rider
from gateway.domains.staff.service import audit_log
from gateway.settings import Settings, get_settings
from tests.conftest import TEST_NOW, Clock, PlatformHandle, count_rows
from tests.faults.server import free_port


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
        shown = client.get(f"/r/{bad}", follow_redirects=False)
        assert shown.status_code == 401 and "rider_session" not in shown.cookies
        used = client.post("/r", data={"token": bad}, follow_redirects=False)
        assert used.status_code == 401 and "rider_session" not in used.cookies
        # A refused link's problem does not echo the token (as `instance`) to whoever logs response bodies.
        problem = client.get(f"/r/{bad}", headers={"accept": "application/json"}, follow_redirects=False)
        assert problem.status_code == 401 and bad not in problem.text


CONTRACT = "/v1/platforms/demo/shifts/S-1/contract"


def _token_for(client: TestClient, cid: str, secret: str) -> str:
    r = client.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=(cid, secret))
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def test_a_client_revoked_through_the_staff_api_gets_no_token_and_its_tokens_are_refused_at_once(
    client: TestClient,
    platform: PlatformHandle,
    oauth_client: Callable[..., tuple[str, str]],
    staff_token: Callable[..., str],
    engine: Engine,
) -> None:
    cid, secret = oauth_client("demo")
    kept_cid, kept_secret = oauth_client("demo")
    token, kept = _token_for(client, cid, secret), _token_for(client, kept_cid, kept_secret)
    bearer, kept_bearer = {"Authorization": f"Bearer {token}"}, {"Authorization": f"Bearer {kept}"}
    assert client.get(CONTRACT, headers=bearer).status_code == 404  # accepted (and its client now cached as live)
    ops = {"Authorization": f"Bearer {staff_token('omar', 'platforms')}"}
    listed = client.get("/v1/admin/platforms/demo/oauth-clients", headers=ops)
    assert listed.status_code == 200 and {c["client_id"] for c in listed.json()} == {cid, kept_cid}
    assert all(set(c) == {"client_id", "scopes", "created_at", "revoked_at"} for c in listed.json())
    assert secret not in listed.text
    revoked = client.delete(f"/v1/admin/platforms/demo/oauth-clients/{cid}", headers=ops)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    r = client.get(CONTRACT, headers=bearer)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert r.headers["content-type"] == "application/problem+json"
    again = client.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=(cid, secret))
    assert again.status_code == 401 and again.json()["error"] == "invalid_client"
    assert client.get(CONTRACT, headers=kept_bearer).status_code == 404  # the other client is untouched
    assert client.delete(f"/v1/admin/platforms/demo/oauth-clients/{cid}", headers=ops).status_code == 409
    assert client.delete("/v1/admin/platforms/demo/oauth-clients/nope", headers=ops).status_code == 404
    assert client.delete(f"/v1/admin/platforms/ghost/oauth-clients/{cid}", headers=ops).status_code == 404
    with Session(engine) as session:
        entry = audit_log(session, 1)[0]
    assert (entry.actor, entry.action, entry.target) == ("staff:omar", "oauth_client.revoked", "platform:demo")
    assert entry.detail == {"client_id": cid}


def test_a_revocation_made_elsewhere_is_honoured_once_the_cache_ttl_has_passed(
    client: TestClient,
    platform: PlatformHandle,
    oauth_client: Callable[..., tuple[str, str]],
    engine: Engine,
    clock: Clock,
    settings: Settings,
) -> None:
    cid, secret = oauth_client("demo")
    bearer = {"Authorization": f"Bearer {_token_for(client, cid, secret)}"}
    assert client.get(CONTRACT, headers=bearer).status_code == 404
    with Session(engine) as session:  # as the CLI or another gateway process would
        p = get_platform(session, "demo")
        assert p is not None
        revoke_client(session, p, cid, TEST_NOW)
        session.commit()
    clock.fixed = TEST_NOW + timedelta(seconds=settings.platform_cache_seconds)
    r = client.get(CONTRACT, headers=bearer)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_without_a_cache_a_revocation_made_elsewhere_is_honoured_at_the_next_request(
    app: FastAPI,
    client: TestClient,
    platform: PlatformHandle,
    oauth_client: Callable[..., tuple[str, str]],
    engine: Engine,
    settings: Settings,
) -> None:
    app.state.settings = settings.model_copy(update={"platform_cache_seconds": 0})
    cid, secret = oauth_client("demo")
    bearer = {"Authorization": f"Bearer {_token_for(client, cid, secret)}"}
    assert client.get(CONTRACT, headers=bearer).status_code == 404
    with Session(engine) as session:
        p = get_platform(session, "demo")
        assert p is not None
        revoke_client(session, p, cid, TEST_NOW)
        session.commit()
    assert client.get(CONTRACT, headers=bearer).status_code == 401


def test_a_revoked_api_credential_is_refused_at_once(
    client: TestClient, platform: PlatformHandle, staff_token: Callable[..., str], engine: Engine
) -> None:
    ops = {"Authorization": f"Bearer {staff_token('omar', 'platforms')}"}
    assert client.get(CONTRACT, headers=platform.auth).status_code == 404
    listed = client.get("/v1/admin/platforms/demo/api-credentials", headers=ops)
    assert listed.status_code == 200
    (row,) = listed.json()
    assert row["prefix"] == platform.api_key[:12] and row["revoked_at"] is None
    assert set(row) == {"prefix", "label", "created_at", "revoked_at"} and platform.api_key not in listed.text
    revoked = client.delete(f"/v1/admin/platforms/demo/api-credentials/{row['prefix']}", headers=ops)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    r = client.get(CONTRACT, headers=platform.auth)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert client.delete(f"/v1/admin/platforms/demo/api-credentials/{row['prefix']}", headers=ops).status_code == 409
    assert client.delete("/v1/admin/platforms/demo/api-credentials/gwk_nothing", headers=ops).status_code == 404
    with Session(engine) as session:
        entry = audit_log(session, 1)[0]
    assert (entry.action, entry.detail) == ("api_credential.revoked", {"prefix": row["prefix"]})


def test_an_api_credential_revoked_elsewhere_is_refused_once_the_cache_ttl_has_passed(
    client: TestClient, platform: PlatformHandle, engine: Engine, clock: Clock, settings: Settings
) -> None:
    """A proven API credential is not read again for `platform_cache_seconds` (the contract-read path): a
    revocation made by another process (here: straight in the database, as the CLI does) bites within that."""
    assert client.get(CONTRACT, headers=platform.auth).status_code == 404  # proven, and remembered
    with Session(engine) as session:
        p = get_platform(session, "demo")
        assert p is not None
        revoke_credential(session, p, platform.api_key[:12], TEST_NOW)
        session.commit()
    clock.fixed = TEST_NOW + timedelta(seconds=settings.platform_cache_seconds)
    r = client.get(CONTRACT, headers=platform.auth)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    clock.fixed = TEST_NOW  # the clock going back does not bring the old answer back either
    assert client.get(CONTRACT, headers=platform.auth).status_code == 401


def test_a_wrong_api_credential_is_never_remembered(app: FastAPI, client: TestClient, platform: PlatformHandle) -> None:
    """Only keys that matched a live credential are kept: a flood of made-up keys adds no entry."""
    for n in range(20):
        assert client.get(CONTRACT, headers={"Authorization": f"Bearer gwk_made-up-{n}"}).status_code == 401
    assert client.get(CONTRACT, headers=platform.auth).status_code == 404
    assert len(app.state.live_credentials._proven) == 1


def test_revocation_needs_the_platforms_role(
    client: TestClient, platform: PlatformHandle, staff_token: Callable[..., str]
) -> None:
    fund = {"Authorization": f"Bearer {staff_token('fatima', 'fund')}"}
    prefix = platform.api_key[:12]
    assert client.delete(f"/v1/admin/platforms/demo/api-credentials/{prefix}", headers=fund).status_code == 403
    assert client.get("/v1/admin/platforms/demo/api-credentials", headers=fund).status_code == 403
    assert client.get(CONTRACT, headers=platform.auth).status_code == 404


@pytest.fixture
def cli_env(database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_an_operator_finds_and_revokes_clients_and_credentials_from_the_cli(
    cli_env: None,
    app: FastAPI,
    client: TestClient,
    platform: PlatformHandle,
    oauth_client: Callable[..., tuple[str, str]],
    engine: Engine,
    settings: Settings,
) -> None:
    app.state.settings = settings.model_copy(update={"platform_cache_seconds": 0})  # another process: no cache
    runner = CliRunner()
    cid, secret = oauth_client("demo", ["contracts:read"])
    bearer = {"Authorization": f"Bearer {_token_for(client, cid, secret)}"}
    prefix = platform.api_key[:12]
    listed = runner.invoke(cli, ["platforms", "credentials", "demo"])
    assert listed.exit_code == 0, listed.output
    assert f"oauth-client\t{cid}\tscopes=contracts:read\t" in listed.output
    assert f"api-credential\t{prefix}\tlabel=-\t" in listed.output and "active" in listed.output
    assert secret not in listed.output and platform.api_key not in listed.output
    done = runner.invoke(cli, ["platforms", "revoke-client", "demo", cid])
    assert done.exit_code == 0 and "revoked" in done.output
    assert runner.invoke(cli, ["platforms", "revoke-credential", "demo", prefix]).exit_code == 0
    assert client.get(CONTRACT, headers=bearer).status_code == 401
    assert client.get(CONTRACT, headers=platform.auth).status_code == 401
    assert "revoked=" in runner.invoke(cli, ["platforms", "credentials", "demo"]).output
    twice = runner.invoke(cli, ["platforms", "revoke-client", "demo", cid])
    assert twice.exit_code == 1 and "already revoked" in twice.output
    assert runner.invoke(cli, ["platforms", "revoke-credential", "demo", "gwk_nothing"]).exit_code == 1
    assert runner.invoke(cli, ["platforms", "revoke-client", "ghost", cid]).exit_code == 1
    with Session(engine) as session:
        entries = list(reversed(audit_log(session, 2)))
    assert [(e.action, e.detail) for e in entries] == [
        ("oauth_client.revoked", {"client_id": cid}),
        ("api_credential.revoked", {"prefix": prefix}),
    ]
    assert all(e.actor.startswith("cli:") for e in entries)


# --- rider access links: once, and never in a log line ---------------------------------------------------------


def _link_path(client: TestClient, access_token: Callable[..., str], p: PlatformHandle) -> str:
    token = access_token(p.slug)
    r = client.post(f"/v1/platforms/{p.slug}/riders/r-1/access-links", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    return "/r/" + str(r.json()["url"]).rsplit("/r/", 1)[1]


def _use(client: TestClient, path: str, **headers: str) -> httpx.Response:
    """What the link page's button does: post the link's token as a form."""
    r: httpx.Response = client.post(
        "/r", data={"token": path.removeprefix("/r/")}, headers=headers, follow_redirects=False
    )
    return r


def test_an_access_link_opens_a_session_once(
    client: TestClient, enrolled: PlatformHandle, access_token: Callable[..., str]
) -> None:
    path = _link_path(client, access_token, enrolled)
    first = _use(TestClient(client.app), path)
    assert first.status_code == 303 and first.headers["location"] == "/rider" and "rider_session" in first.cookies
    assert first.headers["referrer-policy"] == "no-referrer" and first.headers["cache-control"] == "no-store"
    again = _use(TestClient(client.app), path)
    assert again.status_code == 401 and "rider_session" not in again.cookies
    assert again.headers["content-type"] == "application/problem+json"
    assert "already used" in again.json()["detail"] and "new one" in again.json()["detail"]
    shown = TestClient(client.app).get(path, headers={"accept": "application/json"}, follow_redirects=False)
    assert shown.status_code == 401 and shown.headers["content-type"] == "application/problem+json"
    assert "already used" in shown.json()["detail"]


def test_previewers_fetching_the_link_leave_it_working(
    client: TestClient, enrolled: PlatformHandle, access_token: Callable[..., str], engine: Engine
) -> None:
    """A chat app's preview, a mail scanner, an app's prefetch: each GETs the link before the rider does."""
    path = _link_path(client, access_token, enrolled)
    previewer = TestClient(client.app)
    for accept in ("*/*", "text/html", "application/json"):
        shown = previewer.get(path, headers={"accept": accept}, follow_redirects=False)
        assert shown.status_code == 200 and "rider_session" not in shown.cookies
    assert count_rows(engine, "rider_link_use") == 0
    opened = _use(TestClient(client.app), path)
    assert opened.status_code == 303 and "rider_session" in opened.cookies


def test_the_links_page_posts_the_token_and_leaks_it_nowhere(
    client: TestClient, enrolled: PlatformHandle, access_token: Callable[..., str]
) -> None:
    path = _link_path(client, access_token, enrolled)
    r = TestClient(client.app).get(path, headers={"accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["referrer-policy"] == "no-referrer" and r.headers["cache-control"] == "no-store"
    assert r.headers["x-robots-tag"] == "noindex, nofollow" and '<meta name="robots" content="noindex">' in r.text
    assert "form-action 'self'" in r.headers["content-security-policy"] and "<script" not in r.text
    token = path.removeprefix("/r/")
    form = r.text.split('<form method="post" action="/r"', 1)[1].split("</form>", 1)[0]
    assert f'<input type="hidden" name="token" value="{token}">' in form
    assert '<button type="submit" class="button">Open my contracts</button>' in form
    assert r.text.count(token) == 1  # only in the form: not in a link the page shows


def test_a_link_posted_twice_opens_one_session(
    client: TestClient, enrolled: PlatformHandle, access_token: Callable[..., str], engine: Engine
) -> None:
    path = _link_path(client, access_token, enrolled)
    browser = TestClient(client.app)
    assert browser.get(path, headers={"accept": "text/html"}).status_code == 200
    assert _use(browser, path, accept="text/html").status_code == 303
    twice = _use(TestClient(client.app), path, accept="text/html")  # a double click, a resent form, another hand
    assert twice.status_code == 401 and "rider_session" not in twice.cookies
    assert twice.headers["content-type"].startswith("text/html") and "ask it for a new link" in twice.text
    assert count_rows(engine, "rider_link_use") == 1


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/x-www-form-urlencoded", b"", 422),
        ("application/x-www-form-urlencoded", b"token=a&token=b", 422),
        ("application/x-www-form-urlencoded", b"token=" + b"a" * 2001, 422),
        ("application/x-www-form-urlencoded", b"token=" + b"a" * 5000, 413),
        ("application/x-www-form-urlencoded", b"token=\xff", 422),
        ("application/json", b'{"token": "x"}', 415),
    ],
)
def test_a_malformed_link_form_is_a_problem(
    client: TestClient, content_type: str, body: bytes, status: int, engine: Engine
) -> None:
    r = client.post("/r", content=body, headers={"content-type": content_type}, follow_redirects=False)
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"
    assert "rider_session" not in r.cookies and count_rows(engine, "rider_link_use") == 0


def test_a_used_link_opened_in_a_browser_says_to_ask_the_app_for_a_new_one(
    client: TestClient, enrolled: PlatformHandle, access_token: Callable[..., str]
) -> None:
    path = _link_path(client, access_token, enrolled)
    assert _use(TestClient(client.app), path).status_code == 303
    page = TestClient(client.app).get(path, headers={"accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    assert "already used" in page.text and "ask it for a new link" in page.text
    assert 'action="/r"' not in page.text  # no button that could only fail
    fr = TestClient(client.app).get(f"{path}?lang=fr", headers={"accept": "text/html"}, follow_redirects=False)
    assert fr.status_code == 401 and "nouveau lien" in fr.text


def test_used_links_are_forgotten_once_expired(
    client: TestClient,
    enrolled: PlatformHandle,
    access_token: Callable[..., str],
    engine: Engine,
    run_job: Callable[..., int],
    settings: Settings,
) -> None:
    path = _link_path(client, access_token, enrolled)
    assert _use(TestClient(client.app), path).status_code == 303
    assert count_rows(engine, "rider_link_use") == 1
    run_job("privacy.purge", TEST_NOW + timedelta(seconds=settings.rider_link_ttl_seconds - 60))
    assert count_rows(engine, "rider_link_use") == 1  # still refusable by its record: kept
    run_job("privacy.purge", TEST_NOW + timedelta(seconds=settings.rider_link_ttl_seconds + 60))
    assert count_rows(engine, "rider_link_use") == 0  # refused by its expiry alone from now on


def _serve(port: int, database_url: str, log: Path) -> subprocess.Popen[bytes]:
    """`gateway serve` as an operator starts it (info-level access log), in test mode on this database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(
        GATEWAY_ENV="test",
        GATEWAY_DATABASE_URL=database_url,
        GATEWAY_PUBLIC_URL=f"http://127.0.0.1:{port}",
        GATEWAY_SCHEDULER="false",
        PYTHONUNBUFFERED="1",
    )
    gateway = Path(sys.executable).parent / "gateway"
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own command
            [str(gateway), "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _wait_until_up(proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
    for _ in range(600):
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the gateway did not start")


def test_no_link_token_appears_in_the_real_servers_log(tmp_path: Path, book: AgreementBook) -> None:
    url = f"sqlite:///{tmp_path / 'gw.db'}"
    upgrade(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with Session(engine_for(url), expire_on_commit=False) as session:
        p, _ = create_platform(
            session, book, slug="demo", name="Demo", adapter="standard", agreement="be-delivery-2016"
        )
        assert p.id is not None
        rider = Rider(platform_id=p.id, external_id="r-1", name="Amina", email="amina@example.org")
        session.add(rider)
        session.commit()
    link = issue_link(Settings(env="test", database_url=url, public_url=base), rider, datetime.now(UTC))
    secrets = [link.token, "OIDC-CODE-0123456789", "OIDC-STATE-0123456789"]
    log = tmp_path / "gateway.log"
    proc = _serve(port, url, log)
    try:
        _wait_until_up(proc, base, log)
        assert httpx.get(link.url, follow_redirects=False).status_code == 200  # the page: the link is not used
        used = httpx.post(f"{base}/r", data={"token": link.token}, follow_redirects=False)
        assert used.status_code == 303
        assert httpx.post(f"{base}/r", data={"token": link.token}, follow_redirects=False).status_code == 401  # once
        assert httpx.get(link.url, headers={"accept": "text/html"}).status_code == 401
        httpx.get(f"{base}/rider/oidc/callback?code={secrets[1]}&state={secrets[2]}")
        httpx.get(f"{base}/v1/rider/contracts?token={link.token}")
    finally:
        proc.send_signal(signal.SIGINT)  # a clean stop flushes every log line
        proc.wait(30)
    output = log.read_text()
    assert '"GET /r/[redacted] HTTP/1.1" 200' in output  # the access log is there, and the link in it redacted
    assert '"POST /r HTTP/1.1" 303' in output  # the token travelled in the body
    for line in output.splitlines():
        for secret in secrets:
            assert secret not in line, line


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("GET /r/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl?lang=fr HTTP/1.1", "eyJhbGciOiJIUzI1NiJ9"),
        ("GET /rider/oidc/callback?state=S3CR3T-state&code=S3CR3T-code HTTP/1.1", "S3CR3T"),
        ("GET /v1/rider/view?access_token=abc123def456 HTTP/1.1", "abc123def456"),
        ("a token pasted in a message: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "eyJzdWIiOiIxIn0"),
    ],
)
def test_credentials_are_redacted_from_request_lines(line: str, secret: str) -> None:
    from gateway.logredact import redact

    assert secret not in redact(line) and "[redacted]" in redact(line)
    assert redact("GET /rider/contracts/1234?lang=fr HTTP/1.1") == "GET /rider/contracts/1234?lang=fr HTTP/1.1"


def test_a_link_posted_from_another_site_is_refused_and_left_unused(
    client: TestClient, enrolled: PlatformHandle, access_token: Callable[..., str], engine: Engine
) -> None:
    # Login CSRF: a form on another site posting someone's own unused link would sign the visitor in as that rider.
    path = _link_path(client, access_token, enrolled)
    token = path.removeprefix("/r/")
    forged = TestClient(client.app).post(
        "/r",
        data={"token": token},
        headers={"accept": "text/html", "sec-fetch-site": "cross-site"},
        follow_redirects=False,
    )
    assert forged.status_code == 401 and "rider_session" not in forged.cookies
    assert count_rows(engine, "rider_link_use") == 0
    # The rider's own press of the button, from the link's page, still works.
    own = TestClient(client.app).post(
        "/r", data={"token": token}, headers={"sec-fetch-site": "same-origin"}, follow_redirects=False
    )
    assert own.status_code == 303 and "rider_session" in own.cookies
