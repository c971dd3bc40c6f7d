"""Hot statements built from SQLAlchemy Core, compiled once for psycopg and run on the driver connection.

On the webhook hot path SQLAlchemy's execution machinery (connection wrapper, execution context, result) cost more
per request than the statements themselves (profiled). The statement is still built from the tables (one place per
fact); it is compiled once, and its values are converted by the bind processors of its own columns' types, so they
are stored exactly as SQLAlchemy stores them through the ORM or Core (a test compares the rows of both paths).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import Engine, Table
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement
from sqlmodel import Session

DIALECT = PGDialect_psycopg()  # type: ignore[no-untyped-call]  # bind processors depend on the dialect only


def applies(bind: Session | Engine) -> bool:
    """PostgreSQL through psycopg 3: the driver these statements are compiled for."""
    dialect = (bind.get_bind() if isinstance(bind, Session) else bind).dialect
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


class DriverStatement:
    """A Core statement as psycopg runs it: its SQL text and one converter per bound name."""

    __slots__ = ("_convert", "_fixed", "sql")

    def __init__(self, statement: ClauseElement) -> None:
        compiled: SQLCompiler = statement.compile(dialect=DIALECT)  # type: ignore[assignment]
        self.sql = compiled.string
        self._convert: dict[str, Callable[[Any], Any]] = {}
        self._fixed: dict[str, Any] = {}  # values the statement carries itself (e.g. a JSON member's name)
        for bind, name in compiled.bind_names.items():
            convert = bind.type.dialect_impl(DIALECT).bind_processor(DIALECT)
            if convert is not None:
                self._convert[name] = convert
            if bind.value is not None:
                self._fixed[name] = bind.value
        self._fixed = self.params(self._fixed)

    def params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """`values` converted as their columns bind them (e.g. a Decimal in scaled integer units; None too: JSON
        binds it as the document `null`, as SQLAlchemy does)."""
        convert = self._convert
        converted = {k: convert[k](v) if k in convert else v for k, v in values.items()}
        return {**self._fixed, **converted} if self._fixed else converted

    def execute(self, driver: psycopg.Connection[Any], values: Mapping[str, Any]) -> psycopg.Cursor[Any]:
        return driver.execute(self.sql, self.params(values))


_defaults: dict[str, dict[str, Any]] = {}


def with_defaults(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """`row` with the scalar defaults of `table`'s columns it leaves out, as SQLAlchemy fills them when it
    executes an INSERT (a statement sent to the driver, or an INSERT ... SELECT, gets none of them)."""
    defaults = _defaults.get(table.name)
    if defaults is None:
        defaults = _defaults[table.name] = {
            c.key: c.default.arg  # type: ignore[attr-defined]  # a scalar default holds its value
            for c in table.c
            if c.default is not None and c.default.is_scalar
        }
    return {**defaults, **row}


@contextmanager
def _speaking(pooled: Any, driver: psycopg.Connection[Any]) -> Iterator[psycopg.Connection[Any]]:
    """Driver errors come out as SQLAlchemy's (a database that went away is a 503, as everywhere else); a broken
    connection leaves the pool."""
    try:
        yield driver
    except psycopg.Error as exc:
        if driver.broken or driver.closed:
            pooled.invalidate(exc)
        raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc


@contextmanager
def in_session(session: Session) -> Iterator[psycopg.Connection[Any]]:
    """The driver in the session's transaction (the caller commits)."""
    connection = session.connection()
    with _speaking(connection, connection.connection.driver_connection) as driver:  # type: ignore[arg-type]
        yield driver


@contextmanager
def autocommit(engine: Engine) -> Iterator[psycopg.Connection[Any]]:
    """A pooled driver connection in autocommit, each statement its own transaction. Taken from the pool as it is:
    SQLAlchemy's Connection and its isolation-level switch cost more than the statements run on it (profiled).
    Errors as `_speaking`."""
    pooled = engine.raw_connection()
    driver: psycopg.Connection[Any] = pooled.driver_connection  # type: ignore[assignment]
    try:
        driver.autocommit = True
        with _speaking(pooled, driver):
            yield driver
    finally:
        if not (driver.broken or driver.closed):
            driver.autocommit = False  # idle between statements: no round trip
        pooled.close()
