"""Setting up a CoopCycle platform from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from adapters.coopcycle.models import CoopCycleAccount
from adapters.coopcycle.signature import new_secret
from gateway.cli import app
from gateway.db.engine import engine_for
from gateway.domains.riders.models import Rider
from gateway.settings import get_settings

runner = CliRunner()


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    engine_for(url).dispose()


def test_connect_and_enrol_a_coopcycle_platform(sqlite_env: str) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    created = runner.invoke(app, ["platforms", "create", "coop", "--adapter", "coopcycle"])
    assert created.exit_code == 0, created.output
    secret = new_secret()
    assert runner.invoke(app, ["platforms", "add-secret", "coop", "--secret", secret]).exit_code == 0
    assert runner.invoke(app, ["platforms", "add-secret", "coop", "--secret", "whsec_nope"]).exit_code == 1
    args = ["--base-url", "https://coop.example/", "--client-id", "app", "--client-secret", "s3cret"]
    r = runner.invoke(app, ["coopcycle", "connect", "coop", *args])
    assert r.exit_code == 0, r.output
    assert "s3cret" not in r.output
    r = runner.invoke(app, ["coopcycle", "enrol", "coop", "amina", "--name", "Amina", "--email", "amina@example.org"])
    assert r.exit_code == 0, r.output
    assert "courier amina enrolled; 0 held deliveries queued again" in r.output
    with Session(engine_for(sqlite_env)) as s:
        account = s.exec(select(CoopCycleAccount)).one()
        assert (account.base_url, account.client_id, account.scope) == (
            "https://coop.example",
            "app",
            "tasks deliveries",
        )
        assert s.exec(select(Rider.external_id)).all() == ["amina"]


def test_each_stores_api_app_is_connected_to_the_one_platform(sqlite_env: str) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    assert runner.invoke(app, ["platforms", "create", "coop", "--adapter", "coopcycle"]).exit_code == 0
    for client, store in (("app-1", "/api/stores/1"), ("app-2", "/api/stores/2"), ("app-2", "/api/stores/2")):
        args = ["--base-url", "https://coop.example", "--client-id", client, "--client-secret", "s", "--store", store]
        r = runner.invoke(app, ["coopcycle", "connect", "coop", *args])
        assert r.exit_code == 0 and f"store {store} swept" in r.output, r.output
    bad = ["--base-url", "https://coop.example", "--client-id", "a", "--client-secret", "s", "--store", "1"]
    assert runner.invoke(app, ["coopcycle", "connect", "coop", *bad]).exit_code == 1
    with Session(engine_for(sqlite_env)) as s:
        accounts = s.exec(select(CoopCycleAccount).order_by(col(CoopCycleAccount.id))).all()
        assert [(a.client_id, a.store) for a in accounts] == [("app-1", "/api/stores/1"), ("app-2", "/api/stores/2")]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["connect", "ghost", "--base-url", "https://x.example", "--client-id", "a", "--client-secret", "b"],
            "no platform",
        ),
        (["connect", "ghost", "--base-url", "http://x.example", "--client-id", "a", "--client-secret", "b"], "https"),
        (["enrol", "ghost", "amina", "--name", "A", "--email", "a@example.org"], "no platform"),
        (["enrol", "ghost", "amina", "--name", "A", "--email", "not-an-email"], "invalid rider"),
    ],
)
def test_coopcycle_commands_explain_what_is_wrong(sqlite_env: str, args: list[str], says: str) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    r = runner.invoke(app, ["coopcycle", *args])
    assert r.exit_code == 1 and says in r.output
