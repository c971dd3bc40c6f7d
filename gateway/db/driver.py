"""Hot statements built from SQLAlchemy Core, compiled once for psycopg and run on the driver connection.

On the webhook hot path SQLAlchemy's execution machinery (connection wrapper, execution context, result) cost more
per request than the statements themselves (profiled). The statement is still built from the tables (one place per
fact); it is compiled once, and its values are converted by the bind processors of its own columns' types, so they
are stored exactly as SQLAlchemy stores them through the ORM or Core (a test compares the rows of both paths).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import JSON, Engine, Table
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement
from sqlmodel import Session

DIALECT = PGDialect_psycopg()  # type: ignore[no-untyped-call]  # bind processors depend on the dialect only
_POSITIONAL = PGDialect_psycopg(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]  # as psycopg's raw cursor


def applies(bind: Session | Engine) -> bool:
    """PostgreSQL through psycopg 3: the driver these statements are compiled for."""
    dialect = (bind.get_bind() if isinstance(bind, Session) else bind).dialect
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


class DriverStatement:
    """A Core statement as psycopg runs it: its SQL text with positional placeholders ($1, $2 ...), and per
    placeholder the bound name and its converter.

    Run on a raw cursor: psycopg then sends the text as it is, where a statement with named placeholders is parsed
    again on every execution once it is longer than 4 kB or has more than 50 values (the booking's is; profiled)."""

    __slots__ = ("_query", "_slots", "sql")

    def __init__(self, statement: ClauseElement) -> None:
        compiled: SQLCompiler = statement.compile(dialect=_POSITIONAL)  # type: ignore[assignment]
        self.sql = compiled.string
        self._query = self.sql.encode()
        convert: dict[str, Callable[[Any], Any] | None] = {}
        fixed: dict[str, Any] = {}  # values the statement carries itself (e.g. a JSON member's name)
        for bind, name in compiled.bind_names.items():
            processor = convert[name] = bind.type.dialect_impl(DIALECT).bind_processor(DIALECT)
            if bind.value is not None:
                fixed[name] = processor(bind.value) if processor is not None else bind.value
        assert compiled.positiontup is not None
        # Per placeholder, in order: the name of the value it takes, its converter, or the value it carries.
        self._slots: list[tuple[str, Callable[[Any], Any] | None, bool, Any]] = [
            (name, convert[name], name in fixed, fixed.get(name)) for name in compiled.positiontup
        ]

    def params(self, values: Mapping[str, Any]) -> list[Any]:
        """The statement's values in placeholder order, converted as their columns bind them (e.g. a Decimal in
        scaled integer units; None too: JSON binds it as the document `null`, as SQLAlchemy does)."""
        return [
            value if is_fixed else values[name] if convert is None else convert(values[name])
            for name, convert, is_fixed, value in self._slots
        ]

    def execute(self, driver: psycopg.Connection[Any], values: Mapping[str, Any]) -> psycopg.RawCursor[Any]:
        return psycopg.RawCursor(driver).execute(self._query, self.params(values))


_record_converters: dict[str, dict[str, Callable[[Any], Any] | None]] = {}


def records(table: Table, rows: Sequence[Mapping[str, Any]], leave_out: Collection[str] = ()) -> str:
    """`rows` of `table` as one JSON array, for `json_populate_recordset(NULL::<table>, ...)`: one value however
    many rows. Each value is first converted as its column binds it (a JSON column's document is nested as it is);
    what JSON has no type for (an instant, a UUID) is written as PostgreSQL reads it back, as text."""
    converters = _record_converters.get(table.name)
    if converters is None:
        converters = _record_converters[table.name] = {
            c.key: None if isinstance(c.type, JSON) else c.type.dialect_impl(DIALECT).bind_processor(DIALECT)
            for c in table.c
        }
    converted = [
        {k: v if (convert := converters[k]) is None else convert(v) for k, v in row.items() if k not in leave_out}
        for row in rows
    ]
    return json.dumps(converted, default=str, separators=(",", ":"))


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
