"""Reviews of decisions in /metrics: open, and overdue (unanswered past their due date). Read from the table at
scrape time (at most every few seconds), so every process reports the same figures."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from anyio import CapacityLimiter, move_on_after, to_thread
from prometheus_client import Gauge
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from gateway.domains.decisions import reviews

log = logging.getLogger("gateway.decisions")

REVIEWS_OPEN = Gauge("gateway_decision_reviews_open", "Reviews of decisions riders asked for, not answered yet")
REVIEWS_OVERDUE = Gauge(
    "gateway_decision_reviews_overdue",
    "Reviews of decisions not answered by their due date (the request plus the review period: two weeks by default)",
)
REFRESH_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 2.0


def read_counts(engine: Engine, now: datetime) -> None:
    try:
        with Session(engine) as session:
            total, overdue = reviews.counts(session, now)
    except SQLAlchemyError:
        log.warning("decision reviews could not be counted; /metrics keeps the last figures", exc_info=True)
        return
    REVIEWS_OPEN.set(total)
    REVIEWS_OVERDUE.set(overdue)


async def refresh(state: Any, engine: Engine, clock: Callable[[], datetime]) -> None:
    """Count again when the last count is older than REFRESH_SECONDS, in a thread, with a timeout (as the jobs'
    set-aside gauge does)."""
    if time.monotonic() - getattr(state, "reviews_read_at", float("-inf")) < REFRESH_SECONDS:
        return
    limiter: CapacityLimiter | None = getattr(state, "reviews_limiter", None)
    if limiter is None:
        limiter = state.reviews_limiter = CapacityLimiter(1)
    with move_on_after(READ_TIMEOUT_SECONDS):
        await to_thread.run_sync(read_counts, engine, clock(), limiter=limiter, abandon_on_cancel=True)
        state.reviews_read_at = time.monotonic()
