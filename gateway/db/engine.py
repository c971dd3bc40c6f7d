"""Engines and sessions. One engine per process and URL; the request or job owns each session's transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any

from anyio import CapacityLimiter, to_thread
from fastapi import Request
from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from gateway.files import private_sqlite
from gateway.settings import Settings, get_settings


def make_engine(url: str, pool_size: int = 10, max_overflow: int | None = None, pre_ping: bool = True) -> Engine:
    """`max_overflow` defaults to `pool_size`. Overflow connections are closed as soon as they are returned, so
    under a steady load above `pool_size` every request would open a fresh PostgreSQL backend: size the pool
    for the load (docs/production.md) and keep the overflow for bursts."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        private_sqlite(url)
        # Threads of one process share the file; the busy timeout makes concurrent writers wait, not fail.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        overflow = pool_size if max_overflow is None else max_overflow
        kwargs.update(pool_size=pool_size, max_overflow=overflow, pool_pre_ping=pre_ping)
    # hide_parameters: a statement that fails is logged (jobs log their tracebacks) without its values, which
    # carry riders' personal data.
    engine = create_engine(url, hide_parameters=True, **kwargs)
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
def engine_for(url: str, pool_size: int = 10, max_overflow: int | None = None, pre_ping: bool = True) -> Engine:
    return make_engine(url, pool_size, max_overflow, pre_ping)


def settings_engine(s: Settings) -> Engine:
    """The process's engine for these settings (one pool per process and URL)."""
    return engine_for(s.database_url, s.db_pool_size, s.db_max_overflow, s.db_pool_pre_ping)


def get_engine() -> Engine:
    return settings_engine(get_settings())


async def get_session(request: Request) -> AsyncIterator[Session]:
    """FastAPI dependency. The route commits; anything not committed is rolled back on exit.

    Async so that opening costs no thread hop (a Session connects lazily, in the route's thread). Closing a
    session still in a transaction talks to the database (rollback), so that runs in the threadpool; a route
    that committed or rolled back itself saves the hop.
    """
    session = Session(settings_engine(request.app.state.settings), expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            # Not on the request threads: a request waiting for one of those while it holds a connection could
            # wait on requests that hold the threads and wait for a connection.
            await to_thread.run_sync(session.close, limiter=_closing_limiter(request))
        else:
            session.close()  # nothing to roll back: no database round trip


def _closing_limiter(request: Request) -> CapacityLimiter:
    """Threads that only close sessions (one per connection the pool may lend), made once per app."""
    state = request.app.state
    limiter: CapacityLimiter | None = getattr(state, "closing_limiter", None)
    if limiter is None:
        s: Settings = state.settings
        overflow = s.db_pool_size if s.db_max_overflow is None else s.db_max_overflow
        limiter = state.closing_limiter = CapacityLimiter(s.db_pool_size + overflow)
    return limiter
