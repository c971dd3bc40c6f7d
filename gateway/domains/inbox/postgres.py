"""PostgreSQL: the webhook hot path in two statements, sent straight to the driver.

A new booking writes four tables: the contract, its corrections, its outbox rows and the inbox answer. Sent one
by one that is five round trips; on PostgreSQL, data-modifying CTEs put them in one statement, atomic on its own.
The contract's INSERT ... SELECT finds the rider and stops at the (platform, shift code) key, and every other
insert reads from it, so when no contract was inserted nothing at all was written and the general path
(`contracts.existing_contract`) tells an unknown rider from a shift already booked. The inbox row has no ON
CONFLICT: if another delivery of the webhook-id recorded its answer first, the unique key fails the whole
statement and nothing of it is written either. So the statement needs no surrounding transaction: a new booking
(`service.book_at_once`) is the lookup and this statement in autocommit, two round trips, no BEGIN or COMMIT.
The answer's JSON is serialised once: it is the inbox's stored answer, the HTTP body, and (its `contract` member)
the outbox payload.

Both statements go to psycopg on the session's own connection and transaction: SQLAlchemy's execution machinery
cost more per request than the statements themselves (profiled). Values are converted by the columns' own
SQLAlchemy types, so they are stored exactly as the ORM stores them (a test compares the rows of both paths).
SQLite, which has no data-modifying CTEs, takes the general path (`service.lookup`, `contracts.insert_contract`).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from gateway.domains.contracts.models import Contract, Violation
from gateway.domains.contracts.service import OPENED_KINDS, NewContract

_CONTRACT = Contract.__table__  # type: ignore[attr-defined]
_DIALECT = PGDialect_psycopg()  # type: ignore[no-untyped-call]  # bind processors depend on the dialect only
# Contract columns bound from NewContract.row, each through its column type; JSON documents are bound as text.
_VALUES = (
    "id", "platform_id", "shift_code", "status", "starts_at", "ends_at", "zone", "agreement", "agreement_version",
    "timezone", "currency", "minimum_paid_hours", "guaranteed_paid_hours", "pay_basis", "hourly_gross", "hourly_net",
    "opened_by_message", "opened_at",
)  # fmt: skip

# A correction's numbers, in the scaled integer units their column stores (as the ORM binds them).
_SCALED = {k: Violation.__table__.c[k].type.bind_processor(_DIALECT) for k in ("offered_value", "applied_value")}  # type: ignore[attr-defined]


def _correction_json(c: dict[str, Any]) -> dict[str, Any]:
    return {k: v if v is None or k not in _SCALED else _SCALED[k](v) for k, v in c.items()}


_BOOK = """
WITH c AS (
    INSERT INTO contract (id, platform_id, shift_code, status, starts_at, ends_at, zone, agreement,
        agreement_version, timezone, currency, minimum_paid_hours, guaranteed_paid_hours, pay_basis, hourly_gross,
        hourly_net, opened_by_message, opened_at, status_changed_at, sent_home_early, offered_pay, explanation,
        rider_id)
    SELECT %(id)s, %(platform_id)s, %(shift_code)s, %(status)s, %(starts_at)s, %(ends_at)s, %(zone)s, %(agreement)s,
        %(agreement_version)s, %(timezone)s, %(currency)s, %(minimum_paid_hours)s, %(guaranteed_paid_hours)s,
        %(pay_basis)s, %(hourly_gross)s, %(hourly_net)s, %(opened_by_message)s, %(opened_at)s, %(opened_at)s, false,
        CAST(%(offered_pay)s AS json), CAST(%(explanation)s AS json), rider.id
    FROM rider WHERE rider.platform_id = %(platform_id)s AND rider.external_id = %(rider_external_id)s
    ON CONFLICT (platform_id, shift_code) DO NOTHING
    RETURNING id
), v AS (
    INSERT INTO violation (contract_id, term, clause, code, action, detail, offered, applied, unit, offered_value,
                           applied_value, created_at)
    SELECT c.id, e.v->>'term', e.v->>'clause', e.v->>'code', e.v->>'action', e.v->>'detail', e.v->>'offered',
           e.v->>'applied', e.v->>'unit', CAST(e.v->>'offered_value' AS bigint),
           CAST(e.v->>'applied_value' AS bigint), %(opened_at)s
    FROM c CROSS JOIN jsonb_array_elements(CAST(%(corrections)s AS jsonb)) WITH ORDINALITY AS e(v, n)
    ORDER BY e.n
), o AS (
    INSERT INTO outbox_message (kind, contract_id, payload, status, attempts, failures, created_at, next_attempt_at)
    SELECT k.kind, c.id, CAST(%(answer)s AS json) -> 'contract', 'pending', 0, 0, %(opened_at)s, %(opened_at)s
    FROM c CROSS JOIN unnest(CAST(%(kinds)s AS text[])) WITH ORDINALITY AS k(kind, n)
    ORDER BY k.n
), i AS (
    INSERT INTO inbox_message (platform_id, message_id, event_type, received_at, status_code, response)
    SELECT %(platform_id)s, %(message_id)s, %(event_type)s, %(opened_at)s, 200, CAST(%(answer)s AS json) FROM c
    RETURNING id
)
SELECT count(*) FROM i
"""

_LOOKUP = """
SELECT platform.insolvent_at, inbox_message.status_code, inbox_message.event_type,
       CAST(inbox_message.response AS text)
FROM platform LEFT OUTER JOIN inbox_message
    ON inbox_message.platform_id = platform.id AND inbox_message.message_id = %(message_id)s
WHERE platform.id = %(platform_id)s
"""

# The outbox kinds as a PostgreSQL array literal (constant: no user input reaches it).
_KINDS = "{" + ",".join(OPENED_KINDS) + "}"


class Opened(enum.Enum):
    OPENED = "opened"  # the contract, its corrections, outbox rows and the answer are written
    NOT_OPENED = "not-opened"  # nothing written: the shift has a contract already, or the rider is unknown
    DUPLICATE = "duplicate"  # nothing written: another delivery of this webhook-id recorded its answer first


def applies(bind: Session | Engine) -> bool:
    """PostgreSQL through psycopg 3 (the statements go to that driver directly)."""
    dialect = (bind.get_bind() if isinstance(bind, Session) else bind).dialect
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


@contextmanager
def _speaking(connection: Connection) -> Iterator[psycopg.Connection[Any]]:
    """The psycopg connection under `connection`; driver errors come out as SQLAlchemy's (so a database that went
    away is a 503, as everywhere else) and a broken connection leaves the pool."""
    driver: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
    try:
        yield driver
    except psycopg.Error as exc:
        if driver.broken or driver.closed:
            connection.invalidate(exc)
        raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc


@contextmanager
def in_session(session: Session) -> Iterator[psycopg.Connection[Any]]:
    """The driver in the session's transaction (the caller commits)."""
    with _speaking(session.connection()) as driver:
        yield driver


@contextmanager
def autocommit(engine: Engine) -> Iterator[psycopg.Connection[Any]]:
    """A driver connection in autocommit: each statement is its own transaction (for `book_at_once`)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection, _speaking(connection) as d:
        yield d


_converters: dict[str, Callable[[Any], Any] | None] = {}


def _bound(name: str, value: Any) -> Any:
    """`value` as the column's SQLAlchemy type binds it (e.g. a Decimal in scaled integer units)."""
    if name not in _converters:
        _converters[name] = _CONTRACT.c[name].type.bind_processor(_DIALECT)
    convert = _converters[name]
    return value if convert is None or value is None else convert(value)


def lookup(driver: psycopg.Connection[Any], platform_id: int, message_id: str) -> tuple[Any, ...] | None:
    """(insolvent_at, status_code, event_type, response text) as `service.lookup` reads them; None: no platform."""
    return driver.execute(_LOOKUP, {"platform_id": platform_id, "message_id": message_id}).fetchone()


def open_and_answer(
    driver: psycopg.Connection[Any], new: NewContract, message_id: str, event_type: str, answer: str
) -> Opened:
    """Write the booking and its answer (JSON text) in one statement, atomic on its own: in autocommit it is its
    own transaction; in the session's, the caller commits (or rolls back after DUPLICATE)."""
    params: dict[str, Any] = {v: _bound(v, new.row[v]) for v in _VALUES}
    params.update(
        rider_external_id=new.row["rider_external_id"],
        offered_pay=json.dumps(new.row["offered_pay"]),  # JSON null when none, as the JSON column type stores it
        explanation=json.dumps(new.row["explanation"]),
        corrections=json.dumps([_correction_json(c) for c in new.corrections]),
        answer=answer,
        kinds=_KINDS,
        message_id=message_id,
        event_type=event_type,
    )
    try:
        row = driver.execute(_BOOK, params).fetchone()
    except psycopg.errors.UniqueViolation as exc:
        if exc.diag.table_name != "inbox_message":
            raise
        return Opened.DUPLICATE  # the statement failed whole: nothing of it was written
    assert row is not None
    return Opened.OPENED if row[0] == 1 else Opened.NOT_OPENED
