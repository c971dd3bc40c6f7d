"""The CoopCycle jobs: fetch notified deliveries from the API, sweep for what no webhook said, close sessions.

The webhook request only queued the delivery (DESIGN.md: no outbound HTTP inside it). `coopcycle.fetch`
leases due deliveries in one short transaction, reads each from the API outside any transaction, then
applies what it read in a transaction of its own, feeding canonical events to the inbox. Several gateway
processes can run it: leases are claimed with FOR UPDATE SKIP LOCKED, and a crashed lease expires.

CoopCycle gives up on a webhook after three retries within seconds, so a webhook is an accelerator, not the only
source: `coopcycle.sweep` lists each store account's recent deliveries and queues any it has not seen as they
are now. A session closes only once every swept account of its platform has been read past its closing time,
so a gateway that was down closes nothing on what it missed.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session, col, exists, or_, select, update

from adapters.coopcycle import sessions
from adapters.coopcycle.api import NOT_MINE, TERMINAL, ApiError, CoopCycleApi, DeliveryFacts
from adapters.coopcycle.models import CoopCycleAccount, CoopCycleDelivery, CoopCycleSession
from adapters.coopcycle.queue import enqueue_listed
from adapters.coopcycle.settings import settings_of
from adapters.coopcycle.shifts import mode_of
from gateway.host import (
    ClientCredentials,
    JobContext,
    claim_due,
    drain,
    intake_target,
    job,
    not_set_aside,
    set_aside_now,
)
from gateway.problems import Problem

log = logging.getLogger("gateway.coopcycle")

BATCH = 20
LEASE = timedelta(minutes=5)
FETCH, CLOSE = "coopcycle.fetch", "coopcycle.close_sessions"
CLIENTS = "coopcycle.clients"  # ctx.services key: API clients (and their cached tokens) by account


@dataclass(frozen=True, slots=True)
class Claim:
    id: int
    platform_id: int
    iri: str
    notices: int
    attempts: int
    account_id: int | None


@job("coopcycle.fetch", every_seconds=30)
def fetch_deliveries(ctx: JobContext) -> int:
    """Read notified CoopCycle deliveries from the API and turn them into worked time."""
    done = 0
    while True:
        claims = _lease(ctx)
        for claim in claims:
            try:
                _fetch(ctx, claim)
            except (OperationalError, InterfaceError):
                raise  # the database failing is not this delivery's fault: its lease ends and it is fetched again
            except Exception as exc:
                # An answer or a row this code cannot handle: set aside, so it does not end every run here.
                set_aside_now(ctx, FETCH, CoopCycleDelivery, claim.id, claim.platform_id, exc)
                continue
            done += 1
        if len(claims) < BATCH:
            return done


@job("coopcycle.close_sessions", every_seconds=60)
def close_sessions(ctx: JobContext) -> int:
    """End CoopCycle work sessions idle for longer than the idle gap (shift.ended at the last activity)."""

    def close(session: Session, ws: CoopCycleSession, now: datetime) -> None:
        try:
            with session.begin_nested():
                sessions.close(session, _intake(session, ctx, ws.platform_id, now), ws, now)
        except Problem as exc:
            _close_refused(ws, exc, now)  # anything else raised sets the session aside (gateway.jobs.drain)

    hard_limit = sessions.SessionTerms.of(settings_of(ctx), ctx.settings).hard_limit
    return drain(
        ctx,
        CLOSE,
        CoopCycleSession,
        lambda now: [
            col(CoopCycleSession.status) == "open",
            col(CoopCycleSession.closes_at) <= now,
            # Not on what a missed webhook may still change; at the hard limit, whatever the sweep knows.
            or_(_swept_past_close(), col(CoopCycleSession.started_at) <= now - hard_limit),
        ],
        col(CoopCycleSession.closes_at),
        close,
        batch=BATCH,
    )


def _swept_past_close() -> Any:
    """No swept account of the session's platform is behind its closing time."""
    return ~exists().where(
        col(CoopCycleAccount.platform_id) == col(CoopCycleSession.platform_id),
        col(CoopCycleAccount.store).is_not(None),
        or_(
            col(CoopCycleAccount.swept_until).is_(None),
            col(CoopCycleAccount.swept_until) < col(CoopCycleSession.closes_at),
        ),
    )


@job("coopcycle.sweep", every_seconds=300)
def sweep(ctx: JobContext) -> int:
    """List each store account's recent deliveries, queue any change no webhook told of, and read them."""
    now = ctx.now()
    since = now - timedelta(seconds=settings_of(ctx).sweep_lookback_seconds)
    with Session(ctx.engine, expire_on_commit=False) as session:
        accounts = session.exec(
            select(CoopCycleAccount).where(col(CoopCycleAccount.store).is_not(None)).order_by(col(CoopCycleAccount.id))
        ).all()
    queued, swept = 0, []
    for account in accounts:
        assert account.id is not None and account.store is not None
        try:
            listed = _api(ctx, account).store_deliveries(account.store, since)
        except ApiError as exc:
            log.warning("coopcycle sweep of %s failed: %s", account.store, exc)  # tried again next run
            continue
        with Session(ctx.engine) as session:
            queued += enqueue_listed(session, account.platform_id, account.id, listed, now)
            session.commit()
        swept.append(account.id)
    fetch_deliveries(ctx)  # what was queued is read and placed before the sweep counts as done
    if swept:
        with Session(ctx.engine) as session:
            session.execute(update(CoopCycleAccount).where(col(CoopCycleAccount.id).in_(swept)).values(swept_until=now))
            session.commit()
    return queued


def _close_refused(ws: CoopCycleSession, exc: Problem, now: datetime) -> None:
    ws.note = f"shift.ended refused ({exc.status}): {exc.detail}"[:500]
    if exc.status == 409:
        ws.status, ws.closed_at = "closed", now  # the contract is past changing (e.g. closed as booked)
    else:
        ws.closes_at = now + timedelta(minutes=5)  # e.g. the agreement is not loaded: try again
    log.warning("coopcycle session %s: %s", ws.id, exc.detail)


def _intake(session: Session, ctx: JobContext, platform_id: int, now: datetime) -> sessions.Intake:
    terms = sessions.SessionTerms.of(settings_of(ctx), ctx.settings)
    return sessions.Intake(intake_target(session, platform_id, now), ctx.book, ctx.settings, terms)


def _lease(ctx: JobContext) -> list[Claim]:
    now = ctx.now()
    with Session(ctx.engine, expire_on_commit=False) as session:
        rows = claim_due(
            session,
            CoopCycleDelivery,
            [col(CoopCycleDelivery.fetch_due_at) <= now, not_set_aside(FETCH, CoopCycleDelivery)],
            (col(CoopCycleDelivery.fetch_due_at), col(CoopCycleDelivery.id)),
            BATCH,
        )
        claims = []
        for d in rows:
            assert d.id is not None
            d.fetch_due_at = now + LEASE
            d.fetch_attempts += 1
            session.add(d)
            claims.append(Claim(d.id, d.platform_id, d.iri, d.notices, d.fetch_attempts, d.account_id))
        session.commit()
    return claims


def _read(ctx: JobContext, claim: Claim) -> tuple[int, DeliveryFacts]:
    """The delivery as the store account that can read it sees it (each store's API app sees only its own)."""
    with Session(ctx.engine, expire_on_commit=False) as session:
        accounts = list(
            session.exec(
                select(CoopCycleAccount)
                .where(CoopCycleAccount.platform_id == claim.platform_id)
                .order_by(col(CoopCycleAccount.id))
            ).all()
        )
    if not accounts:
        raise ApiError("no CoopCycle API account for this platform: run `gateway coopcycle connect`")
    accounts.sort(key=lambda a: a.id != claim.account_id)  # the account that read it before, first
    for account in accounts:
        assert account.id is not None
        try:
            return account.id, _api(ctx, account).delivery(claim.iri)
        except ApiError as exc:
            if exc.status not in NOT_MINE or len(accounts) == 1:
                raise
    raise ApiError(f"none of the platform's {len(accounts)} store accounts may read {claim.iri} (HTTP 403/404)")


def _fetch(ctx: JobContext, claim: Claim) -> None:
    try:
        account_id, facts = _read(ctx, claim)
    except ApiError as exc:
        _retry_later(ctx, claim, str(exc))
        return
    now = ctx.now()
    with Session(ctx.engine, expire_on_commit=False) as session:
        d = session.exec(select(CoopCycleDelivery).where(CoopCycleDelivery.id == claim.id).with_for_update()).one()
        _merge(d, facts)
        d.fetched_at, d.last_error, d.fetch_attempts, d.account_id = now, None, 0, account_id
        if d.notices > claim.notices:
            d.fetch_due_at = now  # notified again while it was being read: read it again
        elif d.status == "in_progress":
            # If the last notification never comes, polling still sees the delivery end.
            d.fetch_due_at = now + timedelta(seconds=settings_of(ctx).idle_gap_seconds / 3)
        else:
            d.fetch_due_at = None
        session.add(d)
        intake = _intake(session, ctx, d.platform_id, now)
        if intake.target.insolvent:
            d.last_error = "the platform is insolvent: its deliveries open no more contracts"
            session.commit()
            return
        if mode_of(session, d.platform_id) == "shifts":
            session.commit()  # planned shifts book this platform's contracts; deliveries are evidence (shifts.py)
            return
        try:
            for handover in _handovers(session, d, facts):
                sessions.place(session, intake, handover, now)
            sessions.place(session, intake, d, now)
        except sessions.SessionError as exc:
            # Nothing was written but the facts, which are kept: the courier is known by name meanwhile.
            _hold(d, claim, str(exc), settings_of(ctx).retry_schedule, now)
        except Problem as exc:
            session.rollback()
            _retry_later(ctx, claim, exc.detail)
            return
        session.commit()


def _merge(d: CoopCycleDelivery, facts: DeliveryFacts) -> None:
    last = facts.pieces[-1] if facts.pieces else None
    if last is not None and d.session_id is not None and last.courier != d.courier:
        # Reassigned while under way: the new courier's part is placed in their session (the earlier part
        # stays with whoever did it: a handover row, see _handovers).
        d.session_id = None
    if last is not None:
        d.courier, d.started_at = last.courier, last.started_at
    else:
        if d.session_id is None or d.courier is None:
            d.courier = facts.courier
        if facts.started_at is not None:
            # A start, once seen, only moves earlier (a task restored and redone keeps its first start).
            d.started_at = min(d.started_at, facts.started_at) if d.started_at else facts.started_at
    d.status = facts.status
    d.finished_at = facts.finished_at if facts.status in TERMINAL else None


HANDED_OVER = "handed_over"


def _handovers(session: Session, d: CoopCycleDelivery, facts: DeliveryFacts) -> list[CoopCycleDelivery]:
    """The parts of a reassigned delivery done by earlier couriers, one row each (`<iri>#<n>`): worked time of
    the courier assigned when it was done. Never fetched themselves (no due time); not a delivery made."""
    rows = []
    for n, piece in enumerate(facts.pieces[:-1], 1):
        iri = f"{d.iri}#{n}"
        row = session.exec(
            select(CoopCycleDelivery).where(
                CoopCycleDelivery.platform_id == d.platform_id, CoopCycleDelivery.iri == iri
            )
        ).first()
        row = row or CoopCycleDelivery(
            platform_id=d.platform_id, iri=iri, last_event=HANDED_OVER, received_at=d.received_at
        )
        if row.courier != piece.courier:
            row.session_id = None
        row.courier, row.status = piece.courier, HANDED_OVER
        row.started_at, row.finished_at, row.account_id = piece.started_at, piece.finished_at, d.account_id
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def _retry_later(ctx: JobContext, claim: Claim, error: str) -> None:
    with Session(ctx.engine) as session:
        d = session.exec(select(CoopCycleDelivery).where(CoopCycleDelivery.id == claim.id).with_for_update()).one()
        _hold(d, claim, error, settings_of(ctx).retry_schedule, ctx.now())
        session.add(d)
        session.commit()


def _hold(d: CoopCycleDelivery, claim: Claim, error: str, schedule: list[int], now: datetime) -> None:
    """Try again later. Worked time must not be lost: no dead letter, the last wait repeats, the error shows."""
    wait = schedule[min(claim.attempts, len(schedule)) - 1]
    d.fetch_due_at = now if d.notices > claim.notices else now + timedelta(seconds=wait)
    d.fetch_attempts = claim.attempts
    d.last_error = error[:500]
    log.warning("coopcycle fetch of %s failed (attempt %d): %s", claim.iri, claim.attempts, error)


def _api(ctx: JobContext, account: CoopCycleAccount) -> CoopCycleApi:
    clients: dict[str, CoopCycleApi] = ctx.services.setdefault(CLIENTS, {})
    key = hashlib.sha256(
        f"{account.base_url}\0{account.client_id}\0{account.client_secret}\0{account.scope}".encode()
    ).hexdigest()
    api = clients.get(key)
    if api is None:
        credentials = ClientCredentials(
            _http(ctx),
            account.base_url.rstrip("/") + "/oauth2/token",
            account.client_id,
            clock=ctx.clock,
            client_secret=SecretStr(account.client_secret),
            scope=account.scope or None,
        )
        api = clients[key] = CoopCycleApi(credentials, account.base_url)
    api.credentials.clock = ctx.clock  # the token's expiry is judged by this run's clock
    return api


def _http(ctx: JobContext) -> httpx.Client:
    client: Any = ctx.services.get("http")
    if client is None:
        client = ctx.services["http"] = httpx.Client(timeout=ctx.settings.outbox_http_timeout_seconds)
    assert isinstance(client, httpx.Client)
    return client
