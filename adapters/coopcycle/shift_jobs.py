"""The planned-shifts mode's jobs: poll each platform's planning, then end the shifts that are over.

Shifts send no webhook, so `coopcycle.poll_shifts` reads the planning of every platform in that mode: it
leases the platform's row in one short transaction (FOR UPDATE SKIP LOCKED: one poller a platform however
many processes run), reads the API outside any transaction, then applies what it read in a transaction of
its own. Ending a shift needs no API call: it runs even while CoopCycle is unreachable, with the last times read.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session, col, or_, select

from adapters.coopcycle import shifts
from adapters.coopcycle.api import ApiError
from adapters.coopcycle.models import CoopCycleAccount
from adapters.coopcycle.planning import DispatcherSession, PlannedAssignment, read_shifts
from adapters.coopcycle.settings import settings_of
from adapters.coopcycle.shift_models import CoopCyclePlanning, CoopCycleShiftAssignment
from gateway.host import JobContext, claim_due, drain, intake_target, job

log = logging.getLogger("gateway.coopcycle")

POLL, SETTLE = "coopcycle.poll_shifts", "coopcycle.end_shifts"
LEASE = timedelta(minutes=5)
BATCH = 20
DISPATCHERS = "coopcycle.dispatchers"  # ctx.services key: logged-in dispatcher sessions by account


@dataclass(frozen=True, slots=True)
class Claim:
    platform_id: int
    username: str
    password: str


@job(POLL, every_seconds=300)
def poll_shifts(ctx: JobContext) -> int:
    """Read the shift planning of CoopCycle platforms in shifts mode; book, move and cancel their contracts."""
    done = 0
    for claim in _lease(ctx):
        terms = shifts.ShiftTerms.of(settings_of(ctx), ctx.settings)
        first, last = terms.days(ctx.now())
        try:
            planned = read_shifts(_dispatcher(ctx, claim), first, last)
        except ApiError as exc:
            _failed(ctx, claim, str(exc))
            continue
        try:
            _apply(ctx, claim, planned, terms)
        except (OperationalError, InterfaceError):
            raise  # the database failing is no platform's fault: the lease expires and the next run reads again
        except Exception as exc:
            # A planning this code cannot apply: said on the platform's row, and the other platforms go on.
            log.exception("coopcycle shift planning of platform %s could not be applied", claim.platform_id)
            _failed(ctx, claim, f"the planning read could not be applied: {exc!r}")
            continue
        done += 1
    return done + end_shifts(ctx)


def _apply(ctx: JobContext, claim: Claim, planned: list[PlannedAssignment], terms: shifts.ShiftTerms) -> None:
    now = ctx.now()
    with Session(ctx.engine, expire_on_commit=False) as session:
        target = intake_target(session, claim.platform_id, now)
        if not target.insolvent:
            shifts.poll(session, shifts.Feed(target, ctx.book, ctx.settings), claim.platform_id, planned, terms, now)
        _polled(session, claim.platform_id, now, None if not target.insolvent else "the platform is insolvent")
        session.commit()


@job(SETTLE, every_seconds=60)
def end_shifts(ctx: JobContext) -> int:
    """End the contracts of planned CoopCycle shifts that are over (at the coop's adjusted times, if any)."""

    def end(session: Session, row: CoopCycleShiftAssignment, now: datetime) -> bool:
        feed = shifts.Feed(intake_target(session, row.platform_id, now), ctx.book, ctx.settings)
        return shifts.settle(session, feed, row, now, reports_first_delivery=first_delivery)

    first_delivery = settings_of(ctx).shift_reports_first_delivery

    return drain(
        ctx,
        SETTLE,
        CoopCycleShiftAssignment,
        lambda now: [
            col(CoopCycleShiftAssignment.status) == "booked",
            col(CoopCycleShiftAssignment.ends_due_at) <= now,
        ],
        col(CoopCycleShiftAssignment.ends_due_at),
        end,
        batch=BATCH,
    )


def _lease(ctx: JobContext) -> list[Claim]:
    now = ctx.now()
    with Session(ctx.engine, expire_on_commit=False) as session:
        rows = claim_due(
            session,
            CoopCyclePlanning,
            [
                col(CoopCyclePlanning.mode) == "shifts",
                or_(col(CoopCyclePlanning.poll_due_at).is_(None), col(CoopCyclePlanning.poll_due_at) <= now),
            ],
            (col(CoopCyclePlanning.id),),
            BATCH,
        )
        claims = []
        for row in rows:
            row.poll_due_at = now + LEASE  # a crashed poller's lease expires
            session.add(row)
            claims.append(Claim(row.platform_id, row.username, row.password))
        session.commit()
    return claims


def _polled(session: Session, platform_id: int, now: datetime, error: str | None) -> None:
    row = session.exec(select(CoopCyclePlanning).where(CoopCyclePlanning.platform_id == platform_id)).one()
    row.poll_due_at, row.last_error = now, error
    if error is None:
        row.polled_at = now
    session.add(row)


def _failed(ctx: JobContext, claim: Claim, error: str) -> None:
    # Nothing is lost meanwhile: booked shifts still end on time, and the next run reads the planning again.
    log.warning("coopcycle shift planning of platform %s: %s", claim.platform_id, error)
    with Session(ctx.engine) as session:
        _polled(session, claim.platform_id, ctx.now(), error[:500])
        session.commit()


def _dispatcher(ctx: JobContext, claim: Claim) -> DispatcherSession:
    with Session(ctx.engine) as session:
        account = session.exec(
            select(CoopCycleAccount).where(CoopCycleAccount.platform_id == claim.platform_id)
        ).first()
    if account is None:
        raise ApiError("no CoopCycle instance for this platform: run `gateway coopcycle connect`")
    sessions: dict[str, DispatcherSession] = ctx.services.setdefault(DISPATCHERS, {})
    key = hashlib.sha256(f"{account.base_url}\0{claim.username}\0{claim.password}".encode()).hexdigest()
    found = sessions.get(key)
    if found is None:
        password = claim.password
        found = sessions[key] = DispatcherSession(_http(ctx), account.base_url, claim.username, lambda: password)
    return found


def _http(ctx: JobContext) -> httpx.Client:
    client: Any = ctx.services.get("http")
    if client is None:
        client = ctx.services["http"] = httpx.Client(timeout=ctx.settings.outbox_http_timeout_seconds)
    assert isinstance(client, httpx.Client)
    return client
