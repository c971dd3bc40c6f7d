"""Alembic, driven from code: `gateway migrate` and the tests use the same path."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config

from gateway.files import private_sqlite
from gateway.plugins import plugins

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # The gateway's revisions and those a package ships in its own folder (a platform adapter's tables), declared
    # as `migrations` in its PLUGIN: one history, so a revision keeps its id and place wherever its file lives.
    cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in version_locations()))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_path_separator", "os")  # its name before Alembic 1.16
    # ConfigParser interpolation: a literal % in a URL (an escaped password) must be doubled.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    # The file is created owner-only before Alembic's connection would create it with the umask's mode.
    private_sqlite(url)
    command.upgrade(alembic_config(url), revision)


def check(url: str) -> None:
    """Raise if the models and the migrations disagree (alembic check)."""
    command.check(alembic_config(url))


def version_locations() -> list[Path]:
    found = [p.migrations_dir() for p in plugins()]
    return [MIGRATIONS / "versions", *(p for p in found if p is not None)]
