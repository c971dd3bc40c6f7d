"""Writing a booking: the contract, its corrections (each a decision about the rider, issue 20), its outbox rows
and the caller's answer, from one builder.

Every statement here is built from the tables (SQLAlchemy Core), so a column is stated once, in its model; the
rows come from one builder each (`service.new_contract`, `corrections`, `outbox.messages`, and the caller's answer
row). Two renderings of the same rows:

- `open_at_once` (PostgreSQL): one data-modifying statement, atomic on its own. The contract's INSERT ... SELECT
  finds the rider and stops at the (platform, shift code) key; every other insert (corrections, outbox, the
  answer) reads from it, so when no contract was inserted nothing at all was written, and the statement says
  why (no such rider, or the shift has its contract). The answer row has no ON CONFLICT: if another delivery
  recorded its answer first, its unique key fails the whole statement. So it needs no surrounding transaction:
  the caller runs it in autocommit, one round trip, no BEGIN or COMMIT. It is compiled once (with and without
  corrections) and run on the driver (`gateway.db.driver`); the rows of each table travel as one value.
- `insert_contract` (any database, in the caller's transaction): the same contract INSERT ... SELECT, then the
  corrections and outbox rows; SQLite has no data-modifying CTEs. It is also the path the one statement is
  checked against (tests/domains/test_booking.py).

When the member's identity is required (`settings.requires_identity`), the one statement also reads the rider's
member (by its unique number, in the same statement) and writes only for a declarable one: a rider without one
makes it decline (`Opened.IDENTITY_INCOMPLETE`), and the general path opens the contract blocked
(`contracts.identity`), which is never the hot path's work.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import JSON, Table, Text, bindparam, cast, func, literal_column, select, true
from sqlalchemy.dialects import postgresql
from sqlmodel import Session

from gateway.db.driver import DriverStatement, records, with_defaults
from gateway.db.upsert import insert_for
from gateway.domains.contracts.models import Contract, ContractEvent, Violation
from gateway.domains.contracts.service import BLOCKED, IDENTITY_INCOMPLETE, NewContract
from gateway.domains.decisions import service as decisions
from gateway.domains.decisions.models import Decision
from gateway.domains.decisions.service import DecisionKind, Made, holds
from gateway.domains.members.models import Member
from gateway.domains.outbox import service as outbox
from gateway.domains.outbox.models import OutboxMessage
from gateway.domains.riders.models import Rider

CONTRACT: Table = Contract.__table__  # type: ignore[attr-defined]
VIOLATION: Table = Violation.__table__  # type: ignore[attr-defined]
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
EVENT: Table = ContractEvent.__table__  # type: ignore[attr-defined]
DECISION: Table = Decision.__table__  # type: ignore[attr-defined]
_RIDER: Table = Rider.__table__  # type: ignore[attr-defined]
_MEMBER: Table = Member.__table__  # type: ignore[attr-defined]
# The one key of `NewContract.row` that is not a contract column: the rider is found by it inside the INSERT.
RIDER_KEY = "rider_external_id"


class Opened(enum.Enum):
    OPENED = "opened"  # the contract, its corrections, outbox rows and the answer are written
    NO_RIDER = "no-rider"  # nothing written: the platform has no such rider
    TAKEN = "taken"  # nothing written: the shift has its contract already (this booking's, or a conflict)
    DUPLICATE = "duplicate"  # nothing written: another delivery recorded the answer's unique key first
    # Nothing written: the rider's member identity is required and cannot be declared (no member, or incomplete).
    IDENTITY_INCOMPLETE = "identity-incomplete"
    # Nothing written: the rider has a confirmed suspension or deactivation (`decisions.platform`); whether it
    # covers this shift is the general path's to read (`decisions.platform.check_not_held`), never the hot path's.
    HELD = "held"


@dataclass(frozen=True, slots=True)
class Answer:
    """The caller's answer, written with the booking and only if the contract is: its table, its row (from the
    caller's own row builder), the column that stores the answer's JSON text, and the member of that answer that
    is the outbox payload (the contract as sent out, so the document is serialised once)."""

    table: Table
    row: Mapping[str, Any]
    column: str
    text: str
    payload_member: str


def corrections(new: NewContract, now: datetime) -> list[dict[str, Any]]:
    """The correction rows of a new contract (`correction_fields` decides their columns)."""
    return [{"contract_id": new.id, "created_at": now, **c} for c in new.corrections]


# Who decides a booking's corrections, and who blocks a contract for an incomplete identity (issue 20).
AGREEMENT_ENGINE = "gateway:agreement-engine"
IDENTITY_CHECK = "gateway:identity-check"


def correction_key(contract_id: Any, term: str, code: str) -> str:
    """A booking correction's decision key: one per term and code (two floors lifting one offer are two terms).
    Migration 0020 derives past ones under the same key."""
    return f"contract:{contract_id}:{term}:{code}"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def booking_decisions(new: NewContract, rider_id: int, now: datetime) -> list[Made]:
    """The decisions a booking takes about its rider, one per correction it writes: an offer raised to a term
    (`booking_corrected`, outcome the correction's code), or the contract held for an incomplete identity
    (`contract_blocked`). Numbers as strings (a Decimal survives JSON unchanged)."""
    row = new.row
    facts_of_shift = {
        "shift_code": row["shift_code"],
        "starts_at": row["starts_at"].astimezone(UTC).isoformat(),
        "ends_at": row["ends_at"].astimezone(UTC).isoformat(),
        "agreement": row["agreement"],
        "agreement_version": row["agreement_version"],
        "currency": row["currency"],
    }
    made = []
    for c in new.corrections:
        blocked = c["action"] == BLOCKED and c["code"] == IDENTITY_INCOMPLETE
        if blocked:
            kind, by, outcome = DecisionKind.CONTRACT_BLOCKED, IDENTITY_CHECK, "blocked_identity_incomplete"
            parameters: dict[str, Any] = {"term": c["term"]}
            facts: dict[str, Any] = {**facts_of_shift, "missing": list(new.missing)}
        else:
            kind, by, outcome = DecisionKind.BOOKING_CORRECTED, AGREEMENT_ENGINE, c["code"]
            parameters = {
                "term": c["term"],
                "action": c["action"],
                "unit": c["unit"],
                "applied": _text(c["applied_value"]),
            }
            facts = {**facts_of_shift, "offered": _text(c["offered_value"]), "offered_text": c["offered"]}
        made.append(
            Made(
                key=correction_key(new.id, c["term"], c["code"]),
                rider_id=rider_id,
                platform_id=row["platform_id"],
                contract_id=new.id,
                kind=kind,
                decided_by=by,
                clause=c["clause"][:100],
                outcome=outcome,
                parameters=parameters,
                facts=facts,
                decided_at=now,
            )
        )
    return made


def _contract_columns(row: Mapping[str, Any]) -> list[str]:
    return [k for k in row if k != RIDER_KEY]


def _open_contract(insert: Any, columns: Sequence[str], riders: Any, prefix: str = "", *where: Any) -> Any:
    """INSERT INTO contract (...) SELECT <values>, rider.id FROM <riders> WHERE ... ON CONFLICT (platform, shift
    code) DO NOTHING RETURNING id. Unlisted columns take their defaults from the row (`with_defaults`), never here.
    (SQLite needs the WHERE to read ON CONFLICT as the upsert's, not a join's.)"""
    values = [bindparam(prefix + c, type_=CONTRACT.c[c].type) for c in columns]
    source = select(*values, riders.c.id).where(*where)
    return (
        insert.from_select([*columns, "rider_id"], source, include_defaults=False)
        .on_conflict_do_nothing(index_elements=["platform_id", "shift_code"])
        .returning(CONTRACT.c.id, CONTRACT.c.rider_id)
    )


def _the_rider(platform_id: Any) -> tuple[Any, Any]:
    return _RIDER.c.platform_id == platform_id, _RIDER.c.external_id == bindparam(RIDER_KEY)


_general: dict[tuple[str, tuple[str, ...], bool], Any] = {}


def _general_statement(session: Session, row: Mapping[str, Any], despite_hold: bool) -> Any:
    """The contract's INSERT ... SELECT for the session's dialect, built once per dialect and set of columns
    (building a statement costs about as much as running it)."""
    columns = tuple(_contract_columns(row))
    key = (session.get_bind().dialect.name, columns, despite_hold)
    stmt = _general.get(key)
    if stmt is None:
        where = [*_the_rider(bindparam("platform_id"))]
        if not despite_hold:
            where.append(~holds(_RIDER.c.id))
        stmt = _general[key] = _open_contract(insert_for(session, CONTRACT), columns, _RIDER, "", *where)
    return stmt


def insert_contract(
    session: Session, new: NewContract, payload: dict[str, Any], now: datetime, despite_hold: bool = False
) -> bool:
    """Insert the contract, its corrections and their decisions, its outbox rows (`payload` is the contract as sent
    out), in the session's transaction. False, with nothing written, when the shift already has a contract, the
    platform has no such rider, or the rider has a confirmed suspension or deactivation (the caller tells them
    apart: `decisions.platform.check_not_held`, `service.existing_contract`; `despite_hold` once it read that none
    covers the shift)."""
    inserted = session.connection().execute(_general_statement(session, new.row, despite_hold), new.row).first()
    if inserted is None:
        return False
    if new.corrections:
        session.execute(VIOLATION.insert(), corrections(new, now))
        decisions.record(session, *booking_decisions(new, inserted[1], now))
    if new.events:
        session.execute(EVENT.insert(), list(new.events))
    outbox.enqueue(session, new.kinds, payload, now, new.id)
    return True


_statements: dict[tuple[Any, ...], DriverStatement] = {}
# Columns of the rows written with the contract that the statement itself fills in.
_BY_STATEMENT = ("contract_id", "payload")
# Columns of the decisions written with the contract that the statement fills in: the rider is found by it.
_DECIDED_BY_STATEMENT = ("contract_id", "rider_id")


def _rows_from(source: Any, table: Table, rows: Sequence[Mapping[str, Any]], name: str, given: dict[str, Any]) -> Any:
    """INSERT INTO table (<the rows' columns>) SELECT ... FROM source, json_populate_recordset(NULL::table, :name)
    WITH ORDINALITY, in the rows' order: the rows travel as one value (`driver.records`), the columns in `given`
    are taken from the statement instead."""
    columns = list(rows[0])
    document = cast(bindparam(name, type_=Text), JSON)
    found = func.json_populate_recordset(literal_column(f"NULL::{table.name}"), document)
    # Columns are referred to by name, never renamed by position: the table's column order in the database (as
    # its migrations left it) need not be the model's. Unnamed, the ordinality is PostgreSQL's `ordinality`.
    rows_of = found.table_valued(*[c.name for c in table.c], with_ordinality="ordinality")
    values = [given[c] if c in given else rows_of.c[c] for c in columns]
    source_rows = select(*values).select_from(source).join(rows_of, true()).order_by(rows_of.c.ordinality)
    return table.insert().from_select(columns, source_rows, include_defaults=False)


def _at_once_statement(
    columns: Sequence[str],
    fixes: Sequence[Mapping[str, Any]],
    decided: Sequence[Mapping[str, Any]],
    messages: Sequence[Mapping[str, Any]],
    answer: Answer,
    answer_row: Mapping[str, Any],
    identity: bool,
) -> DriverStatement:
    platform_id = bindparam("c_platform_id", type_=CONTRACT.c.platform_id.type)
    rider, declarable = _rider_cte(platform_id, identity)
    c = _open_contract(postgresql.insert(CONTRACT), columns, rider, "c_", *declarable).cte("c")
    document = cast(bindparam("answer", type_=Text), JSON)
    contract_id = {"contract_id": c.c.id}
    later = [_rows_from(c, OUTBOX, messages, "o", {**contract_id, "payload": document[answer.payload_member]})]
    if fixes:
        later.append(_rows_from(c, VIOLATION, fixes, "v", contract_id))
    if decided:
        # One decision per correction (issue 20), its rider the one the contract's INSERT found.
        later.append(_rows_from(c, DECISION, decided, "d", {**contract_id, "rider_id": c.c.rider_id}))
    recorded = _rows_from(c, answer.table, [answer_row], "a", {answer.column: document}).returning(answer.table.c.id)
    a = recorded.cte("a")
    # What was written, and what the statement found instead: a rider, a held one, and (identity required) a
    # declarable one.
    counted = [select(func.count()).select_from(x).scalar_subquery() for x in (a, rider)]
    counted.append(select(func.count()).select_from(rider).where(rider.c.held).scalar_subquery())
    if identity:
        counted.append(select(func.count()).select_from(rider).where(*declarable[1:]).scalar_subquery())
    counts = select(*counted)
    return DriverStatement(counts.add_cte(*[x.cte(f"w{n}") for n, x in enumerate(later)]))


def _rider_cte(platform_id: Any, identity: bool) -> tuple[Any, tuple[Any, ...]]:
    """The rider, whether they are held from bookings (a confirmed suspension or deactivation: a probe of a
    partial index of the few held riders) and, when the identity is required, whether their member is declarable
    (found by the member's unique number: an index probe in the same statement); and the conditions the
    contract's INSERT adds (not held first)."""
    held = holds(_RIDER.c.id).label("held")
    if not identity:
        rider = select(_RIDER.c.id, held).where(*_the_rider(platform_id)).cte("r")
        return rider, (rider.c.held.is_(False),)
    with_member = _RIDER.outerjoin(_MEMBER, _MEMBER.c.number == _RIDER.c.member_id)
    rider = (
        select(_RIDER.c.id, held, _MEMBER.c.declarable).select_from(with_member).where(*_the_rider(platform_id))
    ).cte("r")
    return rider, (rider.c.held.is_(False), rider.c.declarable.is_(True))


def open_at_once(
    driver: psycopg.Connection[Any], new: NewContract, now: datetime, answer: Answer, identity: bool = False
) -> Opened:
    """Write the booking and its answer in one statement, atomic on its own (see the module's docstring).
    `identity`: write it only for a rider whose member's identity can be declared."""
    assert not new.events, "a contract opened with history entries (blocked) is the general path's"
    columns = _contract_columns(new.row)
    fixes = corrections(new, now)
    # rider_id 0 is a placeholder: the statement writes the rider it found (`_DECIDED_BY_STATEMENT`).
    decided = [decisions.row(m) for m in booking_decisions(new, 0, now)]
    messages = outbox.messages(new.kinds, None, now, new.id)
    answer_row = with_defaults(answer.table, {**answer.row, answer.column: None})
    messages = [with_defaults(OUTBOX, m) for m in messages]
    shape = (tuple(columns), tuple(fixes[0]) if fixes else (), bool(decided), tuple(messages[0]))
    key = (*shape, answer.table.name, tuple(answer_row), answer.column, answer.payload_member, identity)
    stmt = _statements.get(key)
    if stmt is None:
        stmt = _statements[key] = _at_once_statement(columns, fixes, decided, messages, answer, answer_row, identity)
    values: dict[str, Any] = {"answer": answer.text, RIDER_KEY: new.row[RIDER_KEY]}
    values.update((f"c_{k}", new.row[k]) for k in columns)
    values["v"] = records(VIOLATION, fixes, _BY_STATEMENT) if fixes else None
    values["d"] = records(DECISION, decided, _DECIDED_BY_STATEMENT) if decided else None
    values["o"] = records(OUTBOX, messages, _BY_STATEMENT)
    values["a"] = records(answer.table, [answer_row], (answer.column,))
    try:
        written = stmt.execute(driver, values).fetchone()
    except psycopg.errors.UniqueViolation as exc:
        if exc.diag.table_name != answer.table.name:
            raise
        return Opened.DUPLICATE  # the statement failed whole: nothing of it was written
    assert written is not None
    if written[0] == 1:
        return Opened.OPENED
    if written[1] == 0:
        return Opened.NO_RIDER
    if written[2] == 1:
        return Opened.HELD  # held (and maybe also not declarable, or the shift taken): the general path reads why
    # Not declarable, shift taken or not: the general path reads the member and answers either way.
    return Opened.IDENTITY_INCOMPLETE if identity and written[3] == 0 else Opened.TAKEN
