"""Queueing a notified delivery for `coopcycle.fetch`, in the webhook request's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, update

from adapters.coopcycle.models import CoopCycleDelivery
from adapters.coopcycle.notice import Notice
from gateway.db.upsert import insert_for


def enqueue(session: Session, platform_id: int, notice: Notice, now: datetime) -> None:
    """One round trip: a new delivery is inserted due now; a known one is made due now again."""
    table = CoopCycleDelivery.__table__  # type: ignore[attr-defined]
    stmt = insert_for(session, table).values(
        platform_id=platform_id,
        iri=notice.delivery,
        last_event=notice.event,
        notices=1,
        received_at=now,
        fetch_due_at=now,
        fetch_attempts=0,
        status="todo",
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["platform_id", "iri"],
            set_={
                "last_event": notice.event,
                "notices": table.c.notices + 1,
                "received_at": now,
                "fetch_due_at": now,
            },
        )
    )


def requeue_held(session: Session, platform_id: int, courier: str, now: datetime) -> int:
    """Read again the courier's deliveries held for want of a session (e.g. before the courier was enrolled)."""
    result = session.execute(
        update(CoopCycleDelivery)
        .where(
            col(CoopCycleDelivery.platform_id) == platform_id,
            col(CoopCycleDelivery.courier) == courier,
            col(CoopCycleDelivery.session_id).is_(None),
            col(CoopCycleDelivery.last_error).is_not(None),
        )
        .values(fetch_due_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
