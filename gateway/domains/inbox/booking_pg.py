"""PostgreSQL: a new booking's writes in one statement.

A booking writes four tables: the contract, its corrections, its outbox rows and the inbox answer. Sent one by
one that is five round trips and as many trips through the driver; on PostgreSQL, data-modifying CTEs put them in
one statement, inside the request's transaction as before (the route still commits). The contract's INSERT ...
SELECT finds the rider and stops at the (platform, shift code) key, and every other insert reads from it, so
when no contract was inserted nothing at all was written and the general path (`contracts.existing_contract`)
tells an unknown rider from a shift already booked. The answer's JSON is serialised once: it is the inbox's
stored answer, the HTTP body, and (its `contract` member) the outbox payload.

Measured by `./dev bench booking`; SQLite, which has no data-modifying CTEs, takes the general path.
"""

from __future__ import annotations

import enum
import json
from typing import Any

from sqlalchemy import String, Text, bindparam, text
from sqlmodel import Session

from gateway.domains.contracts.models import Contract
from gateway.domains.contracts.service import OPENED_KINDS, NewContract
from gateway.domains.inbox.models import InboxMessage

_CONTRACT = Contract.__table__  # type: ignore[attr-defined]
_INBOX = InboxMessage.__table__  # type: ignore[attr-defined]
# Contract columns bound from NewContract.row with their own column types; JSON documents are bound as text.
_VALUES = (
    "id", "platform_id", "shift_code", "status", "starts_at", "ends_at", "zone", "agreement", "agreement_version",
    "timezone", "currency", "minimum_paid_hours", "guaranteed_paid_hours", "pay_basis", "hourly_gross", "hourly_net",
    "opened_by_message", "opened_at",
)  # fmt: skip
_SQL = """
WITH c AS (
    INSERT INTO contract (id, platform_id, shift_code, status, starts_at, ends_at, zone, agreement,
        agreement_version, timezone, currency, minimum_paid_hours, guaranteed_paid_hours, pay_basis, hourly_gross,
        hourly_net, opened_by_message, opened_at, status_changed_at, offered_pay, explanation, rider_id)
    SELECT :id, :platform_id, :shift_code, :status, :starts_at, :ends_at, :zone, :agreement,
        :agreement_version, :timezone, :currency, :minimum_paid_hours, :guaranteed_paid_hours, :pay_basis, :hourly_gross,
        :hourly_net, :opened_by_message, :opened_at, :opened_at, CAST(:offered_pay AS json), CAST(:explanation AS json), rider.id
    FROM rider WHERE rider.platform_id = :platform_id AND rider.external_id = :rider_external_id
    ON CONFLICT (platform_id, shift_code) DO NOTHING
    RETURNING id
), v AS (
    INSERT INTO violation (contract_id, term, clause, code, action, detail, offered, applied, created_at)
    SELECT c.id, e.v->>'term', e.v->>'clause', e.v->>'code', e.v->>'action', e.v->>'detail', e.v->>'offered',
           e.v->>'applied', :opened_at
    FROM c CROSS JOIN jsonb_array_elements(CAST(:corrections AS jsonb)) WITH ORDINALITY AS e(v, n)
    ORDER BY e.n
), o AS (
    INSERT INTO outbox_message (kind, contract_id, payload, status, attempts, failures, created_at, next_attempt_at)
    SELECT k.kind, c.id, CAST(:answer AS json) -> 'contract', 'pending', 0, 0, :opened_at, :opened_at
    FROM c CROSS JOIN unnest(CAST(:kinds AS text[])) WITH ORDINALITY AS k(kind, n)
    ORDER BY k.n
), i AS (
    INSERT INTO inbox_message (platform_id, message_id, event_type, received_at, status_code, response)
    SELECT :platform_id, :message_id, :event_type, :opened_at, 200, CAST(:answer AS json) FROM c
    ON CONFLICT (platform_id, message_id) DO NOTHING
    RETURNING id
)
SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM i)
"""

_STATEMENT = text(_SQL).bindparams(
    *(bindparam(v, type_=_CONTRACT.c[v].type) for v in _VALUES),
    bindparam("rider_external_id", type_=String),
    bindparam("offered_pay", type_=Text),
    bindparam("explanation", type_=Text),
    bindparam("corrections", type_=Text),
    bindparam("answer", type_=Text),
    bindparam("kinds", type_=Text),
    bindparam("message_id", type_=_INBOX.c.message_id.type),
    bindparam("event_type", type_=_INBOX.c.event_type.type),
)
# The outbox kinds as a PostgreSQL array literal (constant: no user input reaches it).
_KINDS = "{" + ",".join(OPENED_KINDS) + "}"


class Opened(enum.Enum):
    OPENED = "opened"  # the contract, its corrections, outbox rows and the answer are written
    NOT_OPENED = "not-opened"  # nothing written: the shift has a contract already, or the rider is unknown
    DUPLICATE = "duplicate"  # another delivery of this webhook-id recorded its answer first


def applies(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def open_and_answer(session: Session, new: NewContract, message_id: str, event_type: str, answer: str) -> Opened:
    """Write the booking and its answer (JSON text) in one statement. Flushes nothing else; the caller commits."""
    params: dict[str, Any] = {v: new.row[v] for v in _VALUES}
    params.update(
        rider_external_id=new.row["rider_external_id"],
        offered_pay=json.dumps(new.row["offered_pay"]),  # JSON null when none, as the JSON column type stores it
        explanation=json.dumps(new.row["explanation"]),
        corrections=json.dumps(new.corrections),
        answer=answer,
        kinds=_KINDS,
        message_id=message_id,
        event_type=event_type,
    )
    row = session.connection().execute(_STATEMENT, params).one()
    if row[0] == 0:
        return Opened.NOT_OPENED
    return Opened.OPENED if row[1] == 1 else Opened.DUPLICATE
