"""Rows set aside by jobs: recorded when a row's handling raises, listed for staff, released by a staff retry.

A row is named by (job, table, key), the key being its primary key as the database itself casts it to text. The
claim queries compare with the same cast, so the two always agree whatever the dialect stores (a UUID is 32 hex
digits on SQLite, the dashed form on PostgreSQL).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, String, cast, delete, exists, func, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, SQLModel, col, select

from gateway.db.upsert import insert_for
from gateway.domains.jobs.models import JobFailure
from gateway.domains.platforms.models import Platform
from gateway.domains.staff.service import audit
from gateway.problems import Problem

MESSAGE_CHARS = 300
# Credentials the gateway hands out or receives, and URL passwords: never copied into what staff read.
_SECRETS = re.compile(r"(whsec_|gwk_|gws_|Bearer\s+)[^\s'\"]+|(://[^/\s:@]*:)[^\s/@'\"]+(?=@)", re.IGNORECASE)


def primary_key(model: type[SQLModel]) -> Column[Any]:
    keys = inspect(model).primary_key
    if len(keys) != 1:
        raise TypeError(f"{model.__name__}: rows are set aside by a single-column primary key")
    key: Column[Any] = keys[0]
    return key


def table_of(model: type[SQLModel]) -> str:
    return str(inspect(model).local_table.name)


def _row_key(model: type[SQLModel]) -> ColumnElement[str]:
    return cast(primary_key(model), String)


def not_set_aside(job: str, model: type[SQLModel]) -> ColumnElement[bool]:
    """The claim condition: the row is not set aside for this job. An anti-join probing the unique key, so it
    stays cheap on a large table while only a few rows are set aside."""
    return ~exists().where(
        col(JobFailure.job) == job,
        col(JobFailure.table_name) == table_of(model),
        col(JobFailure.row_key) == _row_key(model),
    )


def row_key_of(session: Session, model: type[SQLModel], key: Any) -> str:
    """The key as the claim queries see it (asked of the database: only on the failure path)."""
    found = session.scalar(select(_row_key(model)).where(primary_key(model) == key))
    return str(key) if found is None else str(found)


def safe_message(exc: BaseException) -> str:
    """One line staff can read: a Problem's detail, the driver's own first line for a database error (the
    statement and its parameters, which may hold personal data, stay in the log), else the exception's text."""
    if isinstance(exc, Problem):
        text = exc.detail
    elif isinstance(exc, DBAPIError) and exc.orig is not None:
        text = str(exc.orig)
    else:
        text = str(exc)
    lines = text.strip().splitlines()
    first = lines[0] if lines else type(exc).__name__
    return _SECRETS.sub(lambda m: (m[1] or m[2]) + "[redacted]", first)[:MESSAGE_CHARS]


def set_aside(
    session: Session,
    job: str,
    model: type[SQLModel],
    key: Any,
    platform_id: int | None,
    exc: BaseException,
    now: datetime,
) -> None:
    """Record that `job` could not handle this row, in the caller's transaction. Idempotent on (job, table,
    key): setting a row aside again keeps one entry, with the latest reason."""
    values = {
        "job": job,
        "table_name": table_of(model),
        "row_key": row_key_of(session, model, key),
        "platform_id": platform_id,
        "error_type": type(exc).__name__[:120],
        "message": safe_message(exc),
        "failed_at": now,
    }
    stmt = insert_for(session, JobFailure.__table__).values(**values)  # type: ignore[attr-defined]
    latest = {k: stmt.excluded[k] for k in ("platform_id", "error_type", "message", "failed_at")}
    session.execute(stmt.on_conflict_do_update(index_elements=["job", "table_name", "row_key"], set_=latest))


@dataclass(frozen=True, slots=True)
class SetAside:
    """A set-aside row as staff see it (also once released: the entry itself is gone then)."""

    id: int
    job: str
    table: str
    row_key: str
    platform: str | None
    error_type: str
    message: str
    failed_at: datetime


def _listing() -> Any:
    return select(JobFailure, Platform.slug).outerjoin(Platform, col(Platform.id) == col(JobFailure.platform_id))


def _view(f: JobFailure, platform: str | None) -> SetAside:
    assert f.id is not None
    return SetAside(f.id, f.job, f.table_name, f.row_key, platform, f.error_type, f.message, f.failed_at)


def failures(
    session: Session, job: str | None = None, limit: int = 100, before_id: int | None = None
) -> list[SetAside]:
    """Set-aside rows, newest first, with their platform's slug when known."""
    stmt = _listing().order_by(col(JobFailure.id).desc()).limit(limit)
    if job is not None:
        stmt = stmt.where(col(JobFailure.job) == job)
    if before_id is not None:
        stmt = stmt.where(col(JobFailure.id) < before_id)
    return [_view(f, slug) for f, slug in session.exec(stmt).all()]


def retry(
    session: Session, actor: str, now: datetime, failure_id: int | None = None, job: str | None = None
) -> list[SetAside]:
    """Release one set-aside row (by id) or every row one job set aside: the job claims them again on its next
    run, and sets a row aside again, with the new reason, if it still fails. Audited in the caller's transaction:
    the entry is deleted, the audit log keeps what it said."""
    if (failure_id is None) == (job is None):
        raise ValueError("retry one row by id, or every row of one job")
    stmt = _listing().with_for_update(of=JobFailure)  # two staff retrying at once: one releases, one finds nothing
    if failure_id is not None:
        stmt = stmt.where(col(JobFailure.id) == failure_id)
    if job is not None:
        stmt = stmt.where(col(JobFailure.job) == job)
    released = [_view(f, slug) for f, slug in session.exec(stmt).all()]
    if not released:
        return []
    session.execute(delete(JobFailure).where(col(JobFailure.id).in_([r.id for r in released])))
    if failure_id is not None:
        detail = asdict(released[0]) | {"failed_at": released[0].failed_at.isoformat()}
        audit(session, actor, "job.row_retried", f"job:{released[0].job}", now, **detail)
    else:
        rows = [f"{r.table}:{r.row_key}" for r in released]
        audit(session, actor, "job.rows_retried", f"job:{job}", now, count=len(rows), rows=rows[:100])
    session.flush()
    return released


def clear(session: Session, job: str, model: type[SQLModel], key: Any) -> bool:
    """Forget that `job` set this row aside, once staff have handled the row another way (paid a payout by hand,
    say); the caller audits why. True if there was an entry."""
    gone = session.execute(
        delete(JobFailure).where(
            col(JobFailure.job) == job,
            col(JobFailure.table_name) == table_of(model),
            col(JobFailure.row_key) == row_key_of(session, model, key),
        )
    )
    return bool(getattr(gone, "rowcount", 0))


def counts(session: Session) -> dict[str, int]:
    """How many rows each job has set aside."""
    rows = session.exec(select(JobFailure.job, func.count()).group_by(col(JobFailure.job))).all()
    return {job: int(n) for job, n in rows}
