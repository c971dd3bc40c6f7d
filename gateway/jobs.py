"""Periodic jobs: declared beside their domain with @job, listed and run by hand from the CLI, scheduled by
APScheduler inside the gateway process.

Every job must be idempotent and safe with several gateway processes on one database: it claims its work
with `claim_due` (FOR UPDATE SKIP LOCKED on PostgreSQL), so two schedulers never take the same row.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, SQLModel, select

from gateway.agreements.loader import AgreementBook
from gateway.settings import Settings

log = logging.getLogger("gateway.jobs")

# Modules whose @job declarations make up the registry; a domain adds its module here.
JOB_MODULES: list[str] = [
    "gateway.domains.outbox.dispatch",
    "gateway.domains.settlement.jobs",
    "gateway.domains.payouts.service",
    "gateway.domains.privacy.jobs",
    "adapters.coopcycle.jobs",
]


@dataclass
class JobContext:
    engine: Engine
    settings: Settings
    book: AgreementBook
    clock: Callable[[], datetime]
    # Injected dependencies for jobs that call out (HTTP clients, connectors); tests replace them.
    services: dict[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()


JobFunc = Callable[[JobContext], int]


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunc
    every_seconds: int
    description: str


_REGISTRY: dict[str, Job] = {}


def job(name: str, every_seconds: int) -> Callable[[JobFunc], JobFunc]:
    """Declare a periodic job named `domain.verb`; it returns how many items it processed."""

    def register(func: JobFunc) -> JobFunc:
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise ValueError(f"job {name!r} is declared twice")
        _REGISTRY[name] = Job(name, func, every_seconds, (func.__doc__ or "").strip().split("\n")[0])
        return func

    return register


def registry() -> dict[str, Job]:
    for module in JOB_MODULES:
        importlib.import_module(module)
    return dict(sorted(_REGISTRY.items()))


def run_job(name: str, ctx: JobContext) -> int:
    jobs = registry()
    if name not in jobs:
        raise KeyError(f"no job {name!r}; known: {', '.join(jobs)}")
    return jobs[name].func(ctx)


def start_scheduler(ctx: JobContext) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    for j in registry().values():
        scheduler.add_job(
            _safe(j, ctx),
            "interval",
            seconds=ctx.settings.job_intervals.get(j.name, j.every_seconds),
            id=j.name,
            name=j.name,
            max_instances=1,
            coalesce=True,
            next_run_time=ctx.now(),
        )
    scheduler.start()
    return scheduler


def _safe(j: Job, ctx: JobContext) -> Callable[[], None]:
    def run() -> None:
        try:
            n = j.func(ctx)
            if n:
                log.info("job %s processed %d item(s)", j.name, n)
        except Exception:
            # A failing run must not stop the schedule; the next run retries what is still due.
            log.exception("job %s failed", j.name)

    return run


M = TypeVar("M", bound=SQLModel)


def claim_due(
    session: Session, model: type[M], where: Sequence[ColumnElement[bool]], order_by: Any, limit: int
) -> list[M]:
    """Lock up to `limit` due rows for this transaction. On PostgreSQL rows locked by another process are
    skipped, not waited for; SQLite has one writer at a time, which gives the same guarantee."""
    order = order_by if isinstance(order_by, tuple) else (order_by,)
    stmt = select(model).where(*where).order_by(*order).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.exec(stmt).all())


def drain(
    ctx: JobContext,
    model: type[M],
    where: Callable[[datetime], Sequence[ColumnElement[bool]]],
    order_by: Any,
    handle: Callable[[Session, M, datetime], bool | None],
    batch: int = 50,
) -> int:
    """Claim due rows a batch at a time (one transaction a batch) and handle each, until the work is done.

    `handle` may return False for a row it leaves for later (not due yet): it is not counted, and a full batch
    of such rows ends the run rather than claiming them again forever.
    """
    done = 0
    while True:
        now = ctx.now()
        with Session(ctx.engine, expire_on_commit=False) as session:
            rows = claim_due(session, model, where(now), order_by, batch)
            handled = sum(1 for row in rows if handle(session, row, now) is not False)
            session.commit()
        done += handled
        if len(rows) < batch or handled == 0:
            return done
