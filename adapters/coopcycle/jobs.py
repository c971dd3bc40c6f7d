"""The CoopCycle jobs: fetch notified deliveries from the API, and close idle work sessions.

The webhook request only queued the delivery (DESIGN.md: no outbound HTTP inside it). `coopcycle.fetch`
leases due deliveries in one short transaction, reads each from the API outside any transaction, then
applies what it read in a transaction of its own, feeding canonical events to the inbox. Several gateway
processes can run it: leases are claimed with FOR UPDATE SKIP LOCKED, and a crashed lease expires.
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
from sqlmodel import Session, col, select

from adapters.coopcycle import sessions
from adapters.coopcycle.api import TERMINAL, ApiError, CoopCycleApi, DeliveryFacts
from adapters.coopcycle.models import CoopCycleAccount, CoopCycleDelivery, CoopCycleSession
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

    return drain(
        ctx,
        CLOSE,
        CoopCycleSession,
        lambda now: [col(CoopCycleSession.status) == "open", col(CoopCycleSession.closes_at) <= now],
        col(CoopCycleSession.closes_at),
        close,
        batch=BATCH,
    )


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
            claims.append(Claim(d.id, d.platform_id, d.iri, d.notices, d.fetch_attempts))
        session.commit()
    return claims


def _fetch(ctx: JobContext, claim: Claim) -> None:
    try:
        facts = _api(ctx, claim.platform_id).delivery(claim.iri)
    except ApiError as exc:
        _retry_later(ctx, claim, str(exc))
        return
    now = ctx.now()
    with Session(ctx.engine, expire_on_commit=False) as session:
        d = session.exec(select(CoopCycleDelivery).where(CoopCycleDelivery.id == claim.id).with_for_update()).one()
        _merge(d, facts)
        d.fetched_at, d.last_error, d.fetch_attempts = now, None, 0
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
    if d.session_id is None or d.courier is None:
        d.courier = facts.courier
    d.status = facts.status
    if facts.started_at is not None:
        # A start, once seen, only moves earlier (a task restored and redone keeps its first start).
        d.started_at = min(d.started_at, facts.started_at) if d.started_at else facts.started_at
    d.finished_at = facts.finished_at if facts.status in TERMINAL else None


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


def _api(ctx: JobContext, platform_id: int) -> CoopCycleApi:
    with Session(ctx.engine) as session:
        account = session.exec(select(CoopCycleAccount).where(CoopCycleAccount.platform_id == platform_id)).first()
    if account is None:
        raise ApiError("no CoopCycle API account for this platform: run `gateway coopcycle connect`")
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
