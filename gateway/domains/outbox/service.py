"""Writing to the outbox (in the caller's transaction, so a rollback takes the message back too), and the
cooperative's view of it: dead letters, attempts, replay."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from gateway.domains.outbox.models import OutboxAttempt, OutboxMessage, OutboxStatus

FINISHED = (OutboxStatus.sent, OutboxStatus.skipped, OutboxStatus.dead)


class ReplayError(ValueError):
    """A replay request that selects nothing sensible; the message says why."""


def messages(kinds: Sequence[str], payload: Any, now: datetime, contract_id: uuid.UUID | None) -> list[dict[str, Any]]:
    """The outbox rows for one event: one message per kind (e.g. declaration.in, callback.contract.opened), all with
    the same payload. The one place an enqueued message's columns are set (`enqueue`, and the booking statement)."""
    return [
        {
            "kind": kind,
            "contract_id": contract_id,
            "payload": payload,
            "status": OutboxStatus.pending,
            "attempts": 0,
            "failures": 0,
            "created_at": now,
            "next_attempt_at": now,
        }
        for kind in kinds
    ]


def enqueue(
    session: Session, kinds: Sequence[str], payload: dict[str, Any], now: datetime, contract_id: uuid.UUID | None
) -> None:
    """Queue one message per kind with the same payload."""
    session.execute(OutboxMessage.__table__.insert(), messages(kinds, payload, now, contract_id))  # type: ignore[attr-defined]


def list_messages(
    session: Session, status: str | None = OutboxStatus.dead, kind: str | None = None, limit: int = 100
) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(OutboxMessage.status == status)
    if kind is not None:
        stmt = stmt.where(col(OutboxMessage.kind).startswith(kind))
    return list(session.exec(stmt).all())


def attempts_of(session: Session, message_id: int) -> list[OutboxAttempt]:
    return list(
        session.exec(
            select(OutboxAttempt).where(OutboxAttempt.message_id == message_id).order_by(col(OutboxAttempt.id))
        ).all()
    )


def replay(
    session: Session,
    now: datetime,
    *,
    ids: Sequence[int] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    include_sent: bool = False,
) -> list[int]:
    """Send finished messages again, now, with a fresh retry schedule; return the ids replayed.

    By id: any finished message (dead, sent, skipped). By time range (of creation): dead letters only,
    unless `include_sent`. Pending messages are left alone: they are on their way already.
    """
    if not ids and since is None:
        raise ReplayError("name message ids, or a time range with at least its start")
    if since is not None and until is not None and until <= since:
        raise ReplayError("the end of the time range must come after its start")
    stmt = select(OutboxMessage.id)
    if ids:
        stmt = stmt.where(col(OutboxMessage.id).in_(list(ids)), col(OutboxMessage.status).in_(FINISHED))
    else:
        statuses = FINISHED if include_sent else (OutboxStatus.dead,)
        stmt = stmt.where(col(OutboxMessage.status).in_(statuses), col(OutboxMessage.created_at) >= since)
        if until is not None:
            stmt = stmt.where(col(OutboxMessage.created_at) < until)
    chosen = [i for i in session.exec(stmt.order_by(col(OutboxMessage.id))).all() if i is not None]
    if chosen:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(chosen))
            .values(
                status=OutboxStatus.pending,
                next_attempt_at=now,
                failures=0,
                lease_token=None,
                last_error=None,
                finished_at=None,
            )
        )
        session.flush()
    return chosen
