"""INSERT ... ON CONFLICT for both dialects: idempotency is decided by the database's unique keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def insert_for(session: Session, table: Table) -> Any:
    """The dialect's INSERT, which has on_conflict_do_nothing / on_conflict_do_update."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for dialect {dialect}")
