"""OWASP API8:2023 Security Misconfiguration: fail closed.

A deployment that forgets GATEWAY_ENV must not run with the signing key and pepper published in the source
(anyone could forge a platform's token or a rider's link). The gateway defaults to production, refuses to
serve or mint credentials with a placeholder secret and says which one; the negotiators' commands, which use
no secret, keep working without any. Files the gateway creates are readable by their owner only.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import text
from typer.testing import CliRunner

from gateway.app import create_app
from gateway.cli import app as cli
from gateway.db.engine import make_engine
from gateway.db.migrate import upgrade
from gateway.reports.files import outputs
from gateway.settings import REPO_ROOT, Settings, get_settings

runner = CliRunner()
REAL_KEY = "k" * 48
REAL_PEPPER = "p" * 32
REAL_IDENTITY_KEY = "cmVhbC1pZGVudGl0eS1rZXktb2YtMzItYnl0ZXMhIQ=="  # a Fernet key: base64 of 32 bytes


@pytest.fixture
def forgotten_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A deployment that set its database and nothing else: no GATEWAY_ENV, no secrets."""
    for name in list(os.environ):
        if name.startswith("GATEWAY_"):
            monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path / 'gw.db'}"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """`gateway serve` stops where it would hand over to uvicorn: the test sees whether it got that far."""
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append(kw))
    return calls


def test_a_deployment_that_forgets_gateway_env_runs_as_production(forgotten_env: str) -> None:
    assert Settings().env == "production"


def test_the_app_refuses_to_start_with_the_published_placeholder_secrets(forgotten_env: str) -> None:
    app = create_app(Settings(scheduler=False))
    with pytest.raises(Exception, match="GATEWAY_TOKEN_SIGNING_KEY") as refused, TestClient(app):
        pass
    assert "GATEWAY_CREDENTIAL_PEPPER" in str(refused.value)


def test_gateway_serve_refuses_placeholder_secrets_and_says_which(
    forgotten_env: str, uvicorn_calls: list[dict[str, Any]]
) -> None:
    r = runner.invoke(cli, ["serve", "--port", "8123"])
    assert r.exit_code == 1
    assert uvicorn_calls == []
    assert "GATEWAY_TOKEN_SIGNING_KEY" in r.output and "GATEWAY_CREDENTIAL_PEPPER" in r.output


def test_gateway_serve_refuses_an_empty_secret(
    forgotten_env: str, uvicorn_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_TOKEN_SIGNING_KEY", REAL_KEY)
    monkeypatch.setenv("GATEWAY_CREDENTIAL_PEPPER", "")
    r = runner.invoke(cli, ["serve", "--port", "8123"])
    assert r.exit_code == 1 and uvicorn_calls == []
    assert "GATEWAY_CREDENTIAL_PEPPER" in r.output and "GATEWAY_TOKEN_SIGNING_KEY" not in r.output


REAL_SELLER = (
    '{"name": "A Real Cooperative", "enterprise_number": "0203201340", "vat_number": "BE0203201340", '
    '"street": "Rue 1", "city": "Bruxelles", "postcode": "1000"}'
)


def test_gateway_serve_starts_with_real_secrets(
    forgotten_env: str, uvicorn_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_TOKEN_SIGNING_KEY", REAL_KEY)
    monkeypatch.setenv("GATEWAY_CREDENTIAL_PEPPER", REAL_PEPPER)
    monkeypatch.setenv("GATEWAY_IDENTITY_KEYS", REAL_IDENTITY_KEY)
    monkeypatch.setenv("GATEWAY_IDENTITY_INDEX_KEY", REAL_PEPPER)
    # Production also refuses the example seller and IBAN of the invoices (docs/invoices.md).
    monkeypatch.setenv("GATEWAY_INVOICING_SELLER", REAL_SELLER)
    monkeypatch.setenv("GATEWAY_INVOICING_IBAN", "BE71096123456769")
    r = runner.invoke(cli, ["serve", "--port", "8123"])
    assert r.exit_code == 0, r.output
    assert len(uvicorn_calls) == 1
    assert REAL_KEY not in r.output and REAL_PEPPER not in r.output and REAL_IDENTITY_KEY not in r.output


def test_development_mode_is_explicit_and_accepts_the_placeholders(
    forgotten_env: str, uvicorn_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_ENV", "development")
    assert runner.invoke(cli, ["serve", "--port", "8123"]).exit_code == 0
    assert len(uvicorn_calls) == 1
    assert 'export GATEWAY_ENV="${GATEWAY_ENV:-development}"' in (REPO_ROOT / "dev").read_text()


def test_minting_a_platform_credential_refuses_the_placeholder_pepper(forgotten_env: str) -> None:
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    r = runner.invoke(cli, ["platforms", "create", "acme"])
    assert r.exit_code == 1
    assert "GATEWAY_CREDENTIAL_PEPPER" in r.output and "gwk_" not in r.output


def test_negotiators_commands_need_no_secret(forgotten_env: str) -> None:
    from gateway.openapi_doc import render

    for args in (
        ["agreements", "validate"],
        ["agreements", "test"],
        ["agreements", "terms", "be-delivery-2016", "--at", "2026-12-01"],
        ["jobs", "list"],
    ):
        r = runner.invoke(cli, args)
        assert r.exit_code == 0, (args, r.output)
    assert '"openapi"' in render()  # the document is built from the app without serving it


def test_private_callback_addresses_are_refused_outside_development(forgotten_env: str) -> None:
    with pytest.raises(ValidationError, match="GATEWAY_CALLBACK_ALLOW_PRIVATE"):
        Settings(callback_allow_private=True)
    assert Settings(env="development", callback_allow_private=True).callback_allow_private


# --- files are the owner's only ---------------------------------------------------------------------------------


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The common default umask (files 0644): what the gateway creates must not depend on it."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_and_its_wal_files_are_readable_by_their_owner_only(
    tmp_path: Path, open_umask: None
) -> None:
    db = tmp_path / "var" / "gateway.db"
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:  # a write in WAL mode creates -wal and -shm
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        files = [db, db.with_name("gateway.db-wal"), db.with_name("gateway.db-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    engine.dispose()
    assert mode(db.parent) == 0o700


def test_an_existing_world_readable_database_is_narrowed(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "old.db"
    db.touch(mode=0o644)
    make_engine(f"sqlite:///{db}").dispose()
    assert mode(db) == 0o600


def test_the_payout_journal_and_reports_are_readable_by_their_owner_only(tmp_path: Path, open_umask: None) -> None:
    from gateway.domains.payouts.service import LocalRail

    class _Payout:
        id = __import__("uuid").uuid4()
        amount, currency, rider_id = "30.00", "EUR", 1

    journal = tmp_path / "payouts.journal"
    LocalRail(journal).transfer(_Payout())  # type: ignore[arg-type]
    with outputs(tmp_path / "reports") as out:
        report = out.write_text("riders.csv", "rider,pay\n1,30.00\n")
    assert (mode(journal), mode(report)) == (0o600, 0o600)
