"""The outbox dispatcher: claim due messages by lease, send each, record every attempt.

Why a lease and not a row lock held through the send: a send can take the whole HTTP timeout, and a batch
many of them. Holding `FOR UPDATE` that long would keep a database connection and transaction open per
dispatcher for minutes and, on SQLite, block every writer (webhook bookings included) meanwhile. Instead the
claim commits at once: `next_attempt_at` moves to the end of the lease and a fresh `lease_token` is written.
Other dispatchers skip the row until the lease ends. If this process dies between claim and send (or before
recording the result), the row is simply due again when the lease ends and is sent again: at least once,
never dropped. A result is recorded only by the lease's holder, so a dispatcher that overran its lease
cannot overwrite the newer attempt's outcome.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from datetime import datetime, timedelta

from sqlalchemy import and_, or_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from gateway.domains.outbox.delivery import Claimed, Handler, Outcome, claimable, decide, handler_for, handlers
from gateway.domains.outbox.models import OutboxAttempt, OutboxMessage, OutboxStatus
from gateway.jobs import JobContext, claim_due, job
from gateway.plugins import load_all

log = logging.getLogger("gateway.outbox")

LOST = "lease expired before a result was recorded (the dispatcher stopped or overran its lease)"
MAX_BATCHES_PER_RUN = 50
CALLS_PER_MESSAGE = 5


def load_handlers() -> dict[str, Handler]:
    """The handlers of every package that declares `outbox_handlers` in its `PLUGIN` (they register on import)."""
    load_all("outbox_handlers")
    return handlers()


def rng_of(ctx: JobContext) -> random.Random:
    rng = ctx.services.get("random")
    return rng if isinstance(rng, random.Random) else random.Random()  # noqa: S311 - jitter, not security


@job("outbox.dispatch", every_seconds=5)
def dispatch(ctx: JobContext) -> int:
    """Send due outbox messages (declarations, platform callbacks): retries with backoff, dead letters."""
    prefixes = list(load_handlers())
    started = time.monotonic()
    # Stop starting sends well before the lease ends (one message may take a few calls: token, POST, GET,
    # a retry after 401), so that no message is sent by two dispatchers because this one was slow; what is
    # left is handed back at once. The settings keep the lease at least 10 timeouts long.
    budget = ctx.settings.outbox_lease_seconds - CALLS_PER_MESSAGE * ctx.settings.outbox_http_timeout_seconds
    done = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        batch = claim(ctx, prefixes)
        for i, msg in enumerate(batch):
            if time.monotonic() - started > budget:
                release(ctx, batch[i:])
                return done
            deliver(ctx, msg)
            done += 1
        # Sending creates work that is due at once (a fan-out, the callback a declaration's result
        # causes): claim again until nothing is due, within the run's bounds.
        if not batch:
            break
    return done


def claim(ctx: JobContext, prefixes: list[str]) -> list[Claimed]:
    """Lease up to a batch of due messages in one short committed transaction."""
    if not prefixes:
        return []
    now = ctx.now()
    lease_end = now + timedelta(seconds=ctx.settings.outbox_lease_seconds)
    where = [
        col(OutboxMessage.status) == OutboxStatus.pending,
        col(OutboxMessage.next_attempt_at) <= now,
        or_(*[_kind(p) for p in prefixes]),
    ]
    out: list[Claimed] = []
    with Session(ctx.engine, expire_on_commit=False) as session:
        # Oldest due first, and first queued first among equals, so deliveries keep their causal order.
        order = (col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        rows = claim_due(session, OutboxMessage, where, order, ctx.settings.outbox_batch_size)
        for row in rows:
            assert row.id is not None
            if row.lease_token is not None and _lost(session, ctx, row, now):
                continue
            row.lease_token = secrets.token_hex(16)
            row.attempts += 1
            row.next_attempt_at = lease_end
            session.add(row)
            out.append(_snapshot(row))
        session.commit()
    return out


def _kind(prefix: str) -> ColumnElement[bool]:
    """Messages of this handler's kinds that it lets be claimed now (e.g. a disabled callback endpoint's wait)."""
    kind = col(OutboxMessage.kind).startswith(prefix)
    extra = claimable(prefix)
    return kind if extra is None else and_(kind, extra)


def _lost(session: Session, ctx: JobContext, row: OutboxMessage, now: datetime) -> bool:
    """A previous lease ended without a result: count it as a failed attempt, so that a message that kills
    its dispatcher every time still ends as a dead letter instead of looping forever. True if it is dead."""
    assert row.id is not None
    row.failures += 1
    session.add(
        OutboxAttempt(message_id=row.id, number=row.attempts, started_at=now, latency_ms=0, outcome="lost", error=LOST)
    )
    if row.failures > len(ctx.settings.outbox_retry_schedule):
        row.status, row.last_error, row.finished_at, row.lease_token = OutboxStatus.dead, LOST, now, None
        session.add(row)
        return True
    return False


def _snapshot(row: OutboxMessage) -> Claimed:
    assert row.id is not None and row.lease_token is not None
    return Claimed(
        id=row.id,
        kind=row.kind,
        payload=dict(row.payload),
        contract_id=row.contract_id,
        endpoint_id=row.endpoint_id,
        external_ref=row.external_ref,
        attempts=row.attempts,
        failures=row.failures,
        created_at=row.created_at,
        lease_token=row.lease_token,
    )


def release(ctx: JobContext, msgs: list[Claimed]) -> None:
    """Hand back leased messages that were not sent: due now, no attempt counted."""
    with Session(ctx.engine) as session:
        for msg in msgs:
            row = session.get(OutboxMessage, msg.id, with_for_update=True)
            if row is not None and row.lease_token == msg.lease_token:
                row.lease_token, row.next_attempt_at, row.attempts = None, ctx.now(), row.attempts - 1
                session.add(row)
        session.commit()


def deliver(ctx: JobContext, msg: Claimed) -> Outcome:
    handler = handler_for(msg.kind)
    assert handler is not None  # claim only takes kinds with a handler
    started_at, t0 = ctx.now(), time.monotonic()
    try:
        outcome = handler.send(ctx, msg)
    except Exception as exc:
        # A bug in a handler must not stop the batch; it is a failed attempt like any other, retried later.
        log.exception("outbox message %s (%s): handler failed", msg.id, msg.kind)
        outcome = Outcome("failed", error=f"internal error: {type(exc).__name__}")
    latency_ms = int((time.monotonic() - t0) * 1000)
    try:
        record(ctx, msg, handler, outcome, started_at, latency_ms)
    except Exception:
        # Nothing was committed: the lease stays and the message is due again when it ends (at least once).
        log.exception("outbox message %s (%s): recording the result failed", msg.id, msg.kind)
    return outcome


def record(
    ctx: JobContext, msg: Claimed, handler: Handler, outcome: Outcome, started_at: datetime, latency_ms: int
) -> None:
    """Log the attempt; if this dispatcher still holds the lease, set the next step and apply its effects."""
    now = ctx.now()
    with Session(ctx.engine, expire_on_commit=False) as session:
        session.add(
            OutboxAttempt(
                message_id=msg.id,
                number=msg.attempts,
                started_at=started_at,
                latency_ms=latency_ms,
                outcome=outcome.result,
                status_code=outcome.status_code,
                error=outcome.error,
                target=outcome.target,
            )
        )
        row = session.get(OutboxMessage, msg.id, with_for_update=True)
        if row is None or row.lease_token != msg.lease_token:
            log.warning("outbox message %s: lease lost before its result was recorded; result kept in the log", msg.id)
            session.commit()
            return
        nxt = decide(msg, outcome, ctx.settings, now, rng_of(ctx))
        row.status, row.next_attempt_at, row.failures = nxt.status, nxt.next_attempt_at, nxt.failures
        row.last_error, row.lease_token = nxt.error, None
        if outcome.external_ref is not None:
            row.external_ref = outcome.external_ref
        if nxt.status != OutboxStatus.pending:
            row.finished_at = now
        session.add(row)
        session.flush()
        handler.record(session, msg, outcome, nxt.status, now)
        session.commit()
    if nxt.status == OutboxStatus.dead:
        log.warning("outbox message %s (%s) is a dead letter: %s", msg.id, msg.kind, nxt.error)
