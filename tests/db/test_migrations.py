"""The schema comes from the migrations, and the migrations agree with the models on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine.reflection import Inspector

from gateway.db.migrate import alembic_config, check, upgrade


@contextmanager
def inspector(url: str) -> Iterator[Inspector]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            yield inspect(conn)
    finally:
        engine.dispose()


def test_models_and_migrations_agree(database_url: str) -> None:
    check(database_url)  # raises when autogenerate would find a difference


def test_migrations_go_down_to_nothing_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    with inspector(url) as insp:
        assert set(insp.get_table_names()) == {"alembic_version"}
    upgrade(url)
    with inspector(url) as insp:
        assert {"contract", "inbox_message", "violation", "outbox_message"} <= set(insp.get_table_names())


def test_the_unique_keys_that_make_idempotency_exist(database_url: str) -> None:
    with inspector(database_url) as insp:
        uniques = {
            t: {tuple(u["column_names"]) for u in insp.get_unique_constraints(t)} for t in ("contract", "inbox_message")
        }
    assert ("platform_id", "shift_code") in uniques["contract"]
    assert ("platform_id", "message_id") in uniques["inbox_message"]
