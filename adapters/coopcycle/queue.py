"""Queueing a notified delivery for `coopcycle.fetch`, in the webhook request's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select, update

from adapters.coopcycle.api import Listed
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


def enqueue_listed(session: Session, platform_id: int, account_id: int, listed: list[Listed], now: datetime) -> int:
    """Queue what the sweep listed, unless it is exactly as last listed: as a notification would, read it now."""
    table = CoopCycleDelivery.__table__  # type: ignore[attr-defined]
    queued = 0
    # Oldest first (the listing is newest first): rows due at the same instant are read in id order, and a
    # courier's deliveries are placed in the order they were worked, so an earlier one extends a session before
    # a later one is judged against it.
    iris = [item.iri for item in listed]
    seen = dict(
        session.execute(
            select(CoopCycleDelivery.iri, CoopCycleDelivery.listed).where(
                col(CoopCycleDelivery.platform_id) == platform_id, col(CoopCycleDelivery.iri).in_(iris)
            )
        ).all()
    )
    for item in sorted(listed, key=lambda i: int(i.iri.rsplit("/", 1)[1])):
        if item.iri in seen and seen[item.iri] == item.digest:
            continue  # exactly as last listed: nothing new to read
        stmt = insert_for(session, table).values(
            platform_id=platform_id,
            iri=item.iri,
            last_event="sweep",
            notices=1,
            received_at=now,
            fetch_due_at=now,
            fetch_attempts=0,
            status="todo",
            account_id=account_id,
            listed=item.digest,
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["platform_id", "iri"],
                set_={
                    "notices": table.c.notices + 1,
                    "fetch_due_at": now,
                    "account_id": account_id,
                    "listed": item.digest,
                },
                # Another sweep may have listed it meanwhile: the digest compared in the statement decides.
                where=table.c.listed.is_distinct_from(item.digest),
            )
        )
        queued += 1
    return queued
