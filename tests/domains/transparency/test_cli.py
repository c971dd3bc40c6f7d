"""`gateway transparency` and `gateway portability export`, as an operator uses them (SQLite)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from gateway.cli import app
from gateway.db.engine import engine_for
from gateway.db.migrate import upgrade
from gateway.domains.platforms.models import Platform
from gateway.domains.riders.models import Rider
from gateway.settings import get_settings

runner = CliRunner()


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade(url)
    yield url
    get_settings.cache_clear()


def test_an_operator_publishes_the_notice_and_exports_a_riders_data(sqlite_env: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["platforms", "create", "acme", "--name", "Acme"]).exit_code == 0
    first = runner.invoke(app, ["transparency", "publish"])
    assert first.exit_code == 0 and "published version 1" in first.output, first.output
    assert "nothing to publish" in runner.invoke(app, ["transparency", "publish"]).output
    shown = runner.invoke(app, ["transparency", "show", "--lang", "nl"])
    assert shown.exit_code == 0 and "Platform Acme" in shown.output and "Groepeert" not in shown.output
    content = json.loads(runner.invoke(app, ["transparency", "show", "1", "--json"]).output)
    assert [p["slug"] for p in content["platforms"]] == ["acme"]

    # Staff export a platform rider's data, and never overwrite a file (one test: one migrated database).
    out = tmp_path / "data.zip"
    missing = runner.invoke(app, ["portability", "export", "--platform", "acme", "--rider", "r-9", "--out", str(out)])
    assert missing.exit_code == 1 and "no rider 'r-9'" in missing.output
    assert runner.invoke(app, ["portability", "export", "--out", str(out)]).exit_code == 1  # whose?
    assert not out.exists()
    out.write_bytes(b"kept")
    r = runner.invoke(app, ["portability", "export", "--member", "M-404", "--out", str(out)])
    assert r.exit_code == 1 and out.read_bytes() == b"kept"

    with Session(engine_for(sqlite_env)) as session:
        platform = session.exec(select(Platform).where(Platform.slug == "acme")).one()
        assert platform.id is not None
        session.add(Rider(platform_id=platform.id, external_id="r-1", name="Ana", email="ana@example.org"))
        session.commit()
    written = tmp_path / "r-1.zip"
    ok = runner.invoke(app, ["portability", "export", "--platform", "acme", "--rider", "r-1", "--out", str(written)])
    assert ok.exit_code == 0, ok.output
    assert written.stat().st_mode & 0o777 == 0o600
    doc = json.loads(zipfile.ZipFile(written).read("data.json"))
    assert doc["riders"][0]["rider_id"] == "r-1" and doc["tables"]["contracts"] == []
