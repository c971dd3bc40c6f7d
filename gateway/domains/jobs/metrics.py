"""Set-aside rows in /metrics. The gauge is read from the table, so every process reports the same figure."""

from __future__ import annotations

import logging
import time
from typing import Any

from anyio import CapacityLimiter, move_on_after, to_thread
from prometheus_client import Counter, Gauge
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

log = logging.getLogger("gateway.jobs")

ROWS_SET_ASIDE = Gauge(
    "gateway_job_rows_set_aside", "Rows each job has set aside, waiting for a staff retry (from the database)", ["job"]
)
ROW_FAILURES = Counter("gateway_job_row_failures", "Rows this process set aside because their handling raised", ["job"])

# A scrape every few seconds costs at most one small GROUP BY per interval, whatever the number of scrapers.
REFRESH_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 2.0


def read_counts(engine: Engine, jobs: list[str]) -> None:
    from gateway.domains.jobs.service import counts

    try:
        with Session(engine) as session:
            found = counts(session)
    except SQLAlchemyError:
        log.warning("set-aside rows could not be counted; /metrics keeps the last figures", exc_info=True)
        return
    for job in sorted({*jobs, *found}):
        ROWS_SET_ASIDE.labels(job).set(found.get(job, 0))


async def refresh(state: Any, engine: Engine, jobs: list[str]) -> None:
    """Count again if the last count is older than REFRESH_SECONDS. In a thread of its own, with a timeout: a slow
    database must neither block the event loop nor make the scrape wait behind the request threads."""
    if time.monotonic() - getattr(state, "set_aside_read_at", float("-inf")) < REFRESH_SECONDS:
        return
    limiter: CapacityLimiter | None = getattr(state, "set_aside_limiter", None)
    if limiter is None:
        limiter = state.set_aside_limiter = CapacityLimiter(1)
    with move_on_after(READ_TIMEOUT_SECONDS):
        await to_thread.run_sync(read_counts, engine, jobs, limiter=limiter, abandon_on_cancel=True)
        state.set_aside_read_at = time.monotonic()
