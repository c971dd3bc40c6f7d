"""Every administrative and agreement change is in the audit log (who, what, when); secrets never reach logs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from gateway.cli import app as cli
from gateway.domains.staff.service import audit_log, record_agreement_loads
from gateway.settings import REPO_ROOT, Settings, get_settings
from tests.conftest import TEST_NOW, Clock, PlatformHandle, event, signed_headers


def test_staff_actions_are_audited_with_who_what_when(
    client: TestClient, platform: PlatformHandle, staff_token: Callable[..., str], engine: Engine
) -> None:
    fund = {"Authorization": f"Bearer {staff_token('fatima', 'fund')}"}
    ops = {"Authorization": f"Bearer {staff_token('omar', 'platforms', 'insolvency')}"}
    client.post("/v1/admin/fund/deposits", json={"amount": "10.00", "memo": "seed"}, headers=fund)
    client.post("/v1/admin/platforms/demo/oauth-clients", json={"scopes": ["contracts:read"]}, headers=ops)
    client.post("/v1/admin/platforms/demo/webhook-secrets", headers=ops)
    client.post("/v1/admin/platforms/demo/insolvency", headers=ops)
    auditor = {"Authorization": f"Bearer {staff_token('ada', 'auditor')}"}
    entries = client.get("/v1/admin/audit", headers=auditor).json()
    seen = [(e["actor"], e["action"], e["target"]) for e in reversed(entries)]
    assert seen == [
        ("staff:fatima", "fund.deposit", "fund"),
        ("staff:omar", "oauth_client.created", "platform:demo"),
        ("staff:omar", "webhook_secret.rotated", "platform:demo"),
        ("staff:omar", "platform.insolvent", "platform:demo"),
    ]
    assert all(datetime.fromisoformat(e["at"]) <= datetime.now(UTC) for e in entries)


def test_an_agreement_change_is_audited_once_per_change(engine: Engine, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "agreements"
    shutil.copytree(REPO_ROOT / "agreements", copy)
    now = datetime.now(UTC)
    with Session(engine) as session:
        first = record_agreement_loads(session, copy, now)
        assert len(first) == len(list(copy.glob("*/agreement.yaml")))  # one entry per agreement
        assert record_agreement_loads(session, copy, now) == []  # unchanged: nothing new
        amendments = copy / "be-delivery-2016" / "amendments"
        amendments.mkdir(exist_ok=True)
        (amendments / "zz-test.yaml").write_text("# a new amendment file\n")
        assert len(record_agreement_loads(session, copy, now)) == 1
        session.commit()
        assert [e.action for e in audit_log(session)] == ["agreement.loaded"] * (len(first) + 1)


@pytest.fixture
def cli_env(database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_cli_administration_is_audited(cli_env: None, engine: Engine) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["platforms", "create", "acme"]).exit_code == 0
    assert runner.invoke(cli, ["platforms", "rotate-secret", "acme", "--overlap-hours", "2"]).exit_code == 0
    assert runner.invoke(cli, ["staff", "add", "zoe", "--role", "fund"]).exit_code == 0
    with Session(engine) as session:
        actions = [(e.action, e.target) for e in reversed(audit_log(session))]
    assert actions == [
        ("platform.created", "platform:acme"),
        ("webhook_secret.rotated", "platform:acme"),
        ("staff.added", "staff:zoe"),
    ]


def test_staff_add_refuses_unknown_roles(cli_env: None) -> None:
    r = CliRunner().invoke(cli, ["staff", "add", "eve", "--role", "god"])
    assert r.exit_code == 1 and "unknown or missing role" in r.output


def test_secrets_never_reach_the_logs(
    caplog: pytest.LogCaptureFixture,
    client: TestClient,
    platform: PlatformHandle,
    send: Callable[..., Any],
    oauth_client: Callable[..., tuple[str, str]],
    staff_token: Callable[..., str],
    settings: Settings,
) -> None:
    caplog.set_level(logging.DEBUG)
    cid, secret = oauth_client("demo")
    token = client.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=(cid, secret)).json()[
        "access_token"
    ]
    staff = staff_token("s", "fund")
    send(platform, event("rider.enrolled", rider_id="r", name="Rita", email="rita@example.org"))
    client.get("/v1/platforms/demo/shifts/X/contract", headers={"Authorization": f"Bearer {token}"})
    client.get("/v1/admin/fund", headers={"Authorization": f"Bearer {staff}"})
    client.get("/v1/admin/fund", headers={"Authorization": "Bearer wrong-but-secret-looking-token"})
    bad = signed_headers(platform.secret, b"{}")
    client.post("/v1/platforms/demo/webhooks", content=b"{}", headers=bad | {"webhook-signature": "v1,AAAA"})
    secrets = [
        platform.secret,
        platform.api_key,
        secret,
        token,
        staff,
        "wrong-but-secret-looking-token",
        settings.token_signing_key.get_secret_value(),
        settings.credential_pepper.get_secret_value(),
        "rita@example.org",
    ]
    assert caplog.records, "the flow logged nothing: the test would prove nothing"
    for s in secrets:
        assert s not in caplog.text


def test_error_answers_never_echo_the_credential_sent(client: TestClient, platform: PlatformHandle) -> None:
    sent = "gwk_this-is-a-leaked-looking-key"
    r = client.get("/v1/platforms/demo/shifts/X/contract", headers={"Authorization": f"Bearer {sent}"})
    assert r.status_code == 401 and sent not in r.text


def test_rotated_secret_overlap_then_expiry(
    client: TestClient, platform: PlatformHandle, access_token: Callable[..., str], clock: Clock
) -> None:
    token = access_token("demo")
    r = client.post(
        "/v1/platforms/demo/webhook-secrets", json={"overlap_hours": 1}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 201
    new = r.json()["secret"]
    body = event("rider.enrolled", rider_id="r", name="R", email="r@example.org")

    def post(secret: str, at: datetime) -> int:
        clock.fixed = at
        h = signed_headers(secret, body, ts=int(at.timestamp()))
        return int(client.post("/v1/platforms/demo/webhooks", content=body, headers=h).status_code)

    now = TEST_NOW
    assert post(platform.secret, now) == 200 and post(new, now) == 200
    later = now + timedelta(hours=1, minutes=1)
    assert post(platform.secret, later) == 401
    assert post(new, later) == 200
