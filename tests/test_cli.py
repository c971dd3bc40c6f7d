"""The `gateway` command, as an operator uses it."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from gateway.cli import app
from gateway.db.migrate import upgrade
from gateway.settings import get_settings

runner = CliRunner()


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_migrate_then_create_platform_prints_secret_and_credential_once(sqlite_env: str) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    r = runner.invoke(app, ["platforms", "create", "acme", "--name", "Acme"])
    assert r.exit_code == 0, r.output
    assert "webhook secret : whsec_" in r.output and "API credential : gwk_" in r.output
    listed = runner.invoke(app, ["platforms", "list"])
    assert "acme\tadapter=standard\tagreement=be-delivery-2016" in listed.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["platforms", "create", "x", "--adapter", "nope"], "unknown adapter 'nope'"),
        (["platforms", "create", "x", "--agreement", "nope"], "unknown agreement 'nope'"),
        (["platforms", "add-secret", "ghost"], "no platform 'ghost'"),
    ],
)
def test_platform_commands_explain_what_is_wrong(sqlite_env: str, args: list[str], says: str) -> None:
    upgrade(sqlite_env)
    r = runner.invoke(app, args)
    assert r.exit_code == 1 and says in r.output


def test_add_secret_refuses_a_malformed_secret_and_accepts_a_valid_one(sqlite_env: str) -> None:
    upgrade(sqlite_env)
    runner.invoke(app, ["platforms", "create", "acme"])
    bad = runner.invoke(app, ["platforms", "add-secret", "acme", "--secret", "whsec_short"])
    assert bad.exit_code == 1 and "invalid secret" in bad.output
    good = runner.invoke(app, ["platforms", "add-secret", "acme"])
    assert good.exit_code == 0 and "whsec_" in good.output


def test_webhook_send_says_when_the_gateway_is_not_running(sqlite_env: str, tmp_path: Path) -> None:
    upgrade(sqlite_env)
    runner.invoke(app, ["platforms", "create", "acme"])
    body = tmp_path / "e.json"
    body.write_text("{}")
    r = runner.invoke(app, ["webhook", "send", "acme", str(body), "--url", "http://127.0.0.1:9"])
    assert r.exit_code == 1 and "cannot reach the gateway" in r.output


def test_the_commands_serve_demo_prints_reach_the_port_it_serves_on(
    sqlite_env: str, monkeypatch: pytest.MonkeyPatch, respx_mock: respx.MockRouter
) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: None)
    printed = runner.invoke(app, ["serve", "--demo", "--port", "8123"])
    assert printed.exit_code == 0, printed.output
    sends = [shlex.split(line) for line in printed.output.splitlines() if " webhook send " in line]
    curls = [line for line in printed.output.splitlines() if line.strip().startswith("curl ")]
    assert len(sends) == 2 and len(curls) == 1
    served = respx_mock.post("http://127.0.0.1:8123/v1/platforms/demo/webhooks").mock(
        return_value=httpx.Response(200, json={"ok": True})
    )
    for words in sends:
        r = runner.invoke(app, words[words.index("webhook") :])  # as printed, after the program's path
        assert r.exit_code == 0, r.output
    assert served.call_count == 2
    assert "http://127.0.0.1:8123/v1/platforms/demo/shifts/" in curls[0]
