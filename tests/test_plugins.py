"""One discovery mechanism: adapters, jobs, outbox handlers, an adapter's tables and CLI group are all found through
the `PLUGIN` a package declares in its `__init__`, and nothing in the gateway names a contributing module."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.registry import registry as adapters
from gateway import plugins
from gateway.db.base import metadata
from gateway.jobs import registry as jobs
from gateway.plugins import Plugin


def test_every_declared_module_imports() -> None:
    for plugin in plugins.plugins():
        for kind in ("jobs", "outbox_handlers", "models"):
            for module in getattr(plugin, kind):
                assert plugin.load(module).__name__.startswith(plugin.package + "."), (plugin.package, module)
        if plugin.cli is not None:
            assert plugin.attribute(plugin.cli) is not None
        if plugin.migrations is not None:
            folder = plugin.migrations_dir()
            assert folder is not None and any(folder.glob("*.py")), folder


def test_adapters_jobs_and_handlers_are_found_through_the_plugins() -> None:
    found = {p.package: p for p in plugins.plugins()}
    assert sorted(adapters()) == ["coopcycle", "standard"]
    assert adapters()["coopcycle"] is found["adapters.coopcycle"].adapter
    # Every job the gateway had when they were listed by hand (gateway.jobs.JOB_MODULES), and no other.
    assert sorted(jobs()) == [
        "contracts.close_stale",
        "contracts.settle",
        "coopcycle.close_sessions",
        "coopcycle.end_shifts",
        "coopcycle.fetch",
        "coopcycle.poll_shifts",
        "coopcycle.sweep",
        "invoices.issue",
        "outbox.dispatch",
        "payouts.execute",
        "privacy.purge",
    ]
    from gateway.domains.outbox.dispatch import load_handlers

    assert sorted(load_handlers()) == ["callback.", "declaration.", "notification."]


def test_an_adapters_tables_and_cli_group_come_from_its_package() -> None:
    import gateway.db.models  # noqa: F401 - the table registry Alembic reads
    from gateway.cli import app

    assert {"coopcycle_account", "coopcycle_delivery", "coopcycle_session"} <= set(metadata.tables)
    result = CliRunner().invoke(app, ["coopcycle", "--help"])
    assert result.exit_code == 0 and "enrol" in result.output


def test_a_package_is_found_by_scanning_and_a_misdeclared_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "fakeroot"
    (root / "good").mkdir(parents=True)
    (root / "bad").mkdir()
    (root / "plain").mkdir()
    (root / "__init__.py").write_text("")
    (root / "plain" / "__init__.py").write_text("")
    (root / "good" / "__init__.py").write_text(
        "from gateway.plugins import Plugin\nPLUGIN = Plugin(__name__, jobs=('.jobs',))\n"
    )
    (root / "good" / "jobs.py").write_text("LOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(plugins, "ROOTS", ("fakeroot",))
    plugins.plugins.cache_clear()
    try:
        assert [p.package for p in plugins.plugins()] == ["fakeroot.good"]
        [module] = plugins.load_all("jobs")
        assert module.LOADED is True
        (root / "bad" / "__init__.py").write_text("from gateway.plugins import Plugin\nPLUGIN = Plugin('elsewhere')\n")
        plugins.plugins.cache_clear()
        with pytest.raises(TypeError, match=r"fakeroot\.bad\.PLUGIN must be Plugin\(__name__"):
            plugins.plugins()
    finally:
        plugins.plugins.cache_clear()
        for name in [n for n in sys.modules if n == "fakeroot" or n.startswith("fakeroot.")]:
            del sys.modules[name]


def test_a_plugin_is_named_after_its_package() -> None:
    assert Plugin("adapters.acme").name == "acme"


def test_an_adapters_migrations_live_in_its_package_in_the_one_history() -> None:
    from alembic.script import ScriptDirectory

    from gateway.db.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    coopcycle = script.get_revision("0005")
    assert coopcycle is not None and Path(coopcycle.path).parent.parent.name == "coopcycle"
    # Ids and order unchanged: a database migrated before the file moved upgrades as before.
    assert coopcycle.down_revision == "0003"
    assert script.get_revision("0006").down_revision == "0005"
    assert len(script.get_heads()) == 1


def test_an_adapters_settings_are_its_own_and_checked_before_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.coopcycle.settings import CoopCycleSettings
    from gateway.settings import Settings

    monkeypatch.setenv("GATEWAY_COOPCYCLE_IDLE_GAP_SECONDS", "600")
    assert CoopCycleSettings().idle_gap_seconds == 600
    assert not any(name.startswith("coopcycle") for name in Settings.model_fields)
    plugins.check_settings()
    monkeypatch.setenv("GATEWAY_COOPCYCLE_IDLE_GAP_SECONDS", "5")  # below the minimum of 60
    with pytest.raises(ValueError, match="idle_gap_seconds"):
        plugins.check_settings()


def test_serve_refuses_to_start_with_a_wrong_adapter_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.cli import app
    from gateway.settings import get_settings

    monkeypatch.setenv("GATEWAY_COOPCYCLE_RETRY_SCHEDULE", "[]")  # at least one wait is required
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["serve"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "invalid settings" in result.output and "retry_schedule" in result.output
