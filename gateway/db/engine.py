"""Engines and sessions. One engine per process and URL; the request or job owns each session's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from fastapi import Request
from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from gateway.settings import get_settings


def make_engine(url: str, pool_size: int = 10) -> Engine:
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        # Threads of one process share the file; the busy timeout makes concurrent writers wait, not fail.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


@lru_cache
def engine_for(url: str, pool_size: int = 10) -> Engine:
    return make_engine(url, pool_size)


def get_engine() -> Engine:
    s = get_settings()
    return engine_for(s.database_url, s.db_pool_size)


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency. The route commits; anything not committed is rolled back on exit."""
    s = request.app.state.settings
    with Session(engine_for(s.database_url, s.db_pool_size), expire_on_commit=False) as session:
        yield session
