"""Periodic jobs: declared beside their domain with @job (in a module its package's `PLUGIN` names, found by
gateway.plugins), listed and run by hand from the CLI, scheduled by APScheduler inside the gateway process.

Every job must be idempotent and safe with several gateway processes on one database: it claims its work
with `claim_due` (FOR UPDATE SKIP LOCKED on PostgreSQL), so two schedulers never take the same row. `drain`
handles each claimed row in a savepoint of its own and sets aside a row that raises, with its reason, for staff to
see and retry (`gateway jobs failures`, /v1/admin/jobs/failures): the rest of the work goes on.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, SQLModel, select

from gateway.agreements.loader import AgreementBook
from gateway.domains.jobs import service as failures
from gateway.domains.jobs.metrics import ROW_FAILURES
from gateway.plugins import Automated, load_all
from gateway.settings import Settings

log = logging.getLogger("gateway.jobs")


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
    # The automated decisions about riders this job takes, for the transparency notice (directive art. 9).
    decides: tuple[Automated, ...] = ()


_REGISTRY: dict[str, Job] = {}


def job(name: str, every_seconds: int, decides: tuple[Automated, ...] = ()) -> Callable[[JobFunc], JobFunc]:
    """Declare a periodic job named `domain.verb`; it returns how many items it processed. `decides` declares
    the automated decisions about riders it takes (the public transparency notice lists them)."""

    def register(func: JobFunc) -> JobFunc:
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise ValueError(f"job {name!r} is declared twice")
        _REGISTRY[name] = Job(name, func, every_seconds, (func.__doc__ or "").strip().split("\n")[0], decides)
        return func

    return register


def registry() -> dict[str, Job]:
    """Every job: the modules that packages declare as `jobs` in their `PLUGIN` (gateway.plugins) are imported,
    and their @job declarations register."""
    load_all("jobs")
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
        # OF: only the claimed rows are locked, never those a condition's subquery reads (set-aside rows).
        stmt = stmt.with_for_update(skip_locked=True, of=model)
    return list(session.exec(stmt).all())


RowHandler = Callable[[Session, M, datetime], bool | None]


class Outcome(enum.Enum):
    HANDLED = "handled"
    LEFT = "left for later"
    SET_ASIDE = "set aside"


def drain(
    ctx: JobContext,
    job_name: str,
    model: type[M],
    where: Callable[[datetime], Sequence[ColumnElement[bool]]],
    order_by: Any,
    handle: RowHandler[M],
    batch: int = 50,
    platform_of: Callable[[Session, M], int | None] | None = None,
    on_set_aside: Callable[[Session, M, BaseException, datetime], None] | None = None,
) -> int:
    """Claim due rows a batch at a time (one transaction a batch) and handle each, until the work is done.

    Each row is handled in a savepoint of its own: a row whose handling raises is rolled back alone and set
    aside with its reason (gateway.domains.jobs), and the rest of the batch goes on and commits. A set-aside row
    is not claimed again by this job until staff retry it, so one bad row cannot stall the work of every platform.

    `handle` may return False for a row it leaves for later (not due yet): it is not counted, and a full batch
    of such rows ends the run rather than claiming them again forever. `platform_of` names a row's platform for
    staff when the row has no `platform_id`. `on_set_aside` records what setting a row aside means to the domain
    (a payout held: a decision about its rider), in the same transaction.
    """
    done = 0
    while True:
        now = ctx.now()
        with Session(ctx.engine, expire_on_commit=False) as session:
            _begin_batch(session)
            claimable = [*where(now), failures.not_set_aside(job_name, model)]
            rows = claim_due(session, model, claimable, order_by, batch)
            outcomes = [
                _handle_one(session, job_name, model, row, now, handle, platform_of, on_set_aside) for row in rows
            ]
            session.commit()
        done += outcomes.count(Outcome.HANDLED)
        # Set-aside rows are progress too: they are not claimed again, so the next batch holds other rows.
        if len(rows) < batch or all(o is Outcome.LEFT for o in outcomes):
            return done


def _begin_batch(session: Session) -> None:
    """On SQLite, begin the batch's write transaction at once. pysqlite begins one lazily, at the first write, so
    the first row's SAVEPOINT would open the transaction and its RELEASE commit it, out of the batch. Taking the
    write lock before the claim also makes the claim exclusive between processes, as SKIP LOCKED does on
    PostgreSQL."""
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    if not getattr(connection.connection.dbapi_connection, "in_transaction", False):  # a driver that began one
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _handle_one(
    session: Session,
    job_name: str,
    model: type[M],
    row: M,
    now: datetime,
    handle: RowHandler[M],
    platform_of: Callable[[Session, M], int | None] | None,
    on_set_aside: Callable[[Session, M, BaseException, datetime], None] | None = None,
) -> Outcome:
    key = sa_inspect(row).identity[0]  # read now: a failure expires what the savepoint changed
    platform_id = getattr(row, "platform_id", None)
    try:
        with session.begin_nested():
            result = handle(session, row, now)
    except (OperationalError, InterfaceError):
        # The database failing (connection lost, a lock or statement timeout, a deadlock) is not this row's
        # fault: the batch rolls back as a whole and the next run claims it all again.
        raise
    except Exception as exc:
        log.exception("job %s: %s row %s raised; it is set aside until staff retry it", job_name, model.__name__, key)
        if platform_of is not None:
            platform_id = _platform_or_none(session, row, platform_of)
        failures.set_aside(session, job_name, model, key, platform_id, exc, now)
        if on_set_aside is not None:
            on_set_aside(session, row, exc, now)
        ROW_FAILURES.labels(job_name).inc()
        return Outcome.SET_ASIDE
    return Outcome.LEFT if result is False else Outcome.HANDLED


def set_aside_now(
    ctx: JobContext, job_name: str, model: type[M], key: Any, platform_id: int | None, exc: BaseException
) -> None:
    """Set a row aside in a transaction of its own: for jobs that lease their rows and handle each outside the
    claim's transaction (the row's own transaction has rolled back already)."""
    log.error(
        "job %s: %s row %s raised; it is set aside until staff retry it", job_name, model.__name__, key, exc_info=exc
    )
    with Session(ctx.engine) as session:
        failures.set_aside(session, job_name, model, key, platform_id, exc, ctx.now())
        session.commit()
    ROW_FAILURES.labels(job_name).inc()


def _platform_or_none(session: Session, row: M, platform_of: Callable[[Session, M], int | None]) -> int | None:
    try:
        with session.begin_nested():
            return platform_of(session, row)
    except Exception:
        # Naming the platform is a courtesy to staff; it must not keep the row from being set aside.
        log.warning("job row's platform could not be read", exc_info=True)
        return None
