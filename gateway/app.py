"""The app factory. Agreements are loaded here: an invalid one stops the gateway, naming the error."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from gateway.agreements.endpoints import router as agreements_router
from gateway.agreements.loader import AgreementBook
from gateway.db.engine import engine_for
from gateway.deps import utcnow
from gateway.domains.callbacks.endpoints import router as callbacks_router
from gateway.domains.contracts.endpoints import router as contracts_router
from gateway.domains.declarations.endpoints import router as declarations_router
from gateway.domains.fund.endpoints import router as staff_router
from gateway.domains.health.endpoints import router as health_router
from gateway.domains.inbox.endpoints import router as inbox_router
from gateway.domains.outbox.endpoints import router as outbox_router
from gateway.jobs import JobContext, start_scheduler
from gateway.problems import install_problem_handlers
from gateway.settings import Settings, get_settings

DESCRIPTION = """
Platforms post signed shift webhooks; the gateway opens the rider's employment contract at once and
enforces the negotiated agreement (minimum paid hours, hourly floor, no per-trip pay), recording every
correction with its term and clause. Errors are RFC 9457 problem details (`application/problem+json`).
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    scheduler = None
    if settings.scheduler:
        engine = engine_for(settings.database_url, settings.db_pool_size)
        scheduler = start_scheduler(JobContext(engine, settings, app.state.book, app.state.clock))
    try:
        yield
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)


def create_app(
    settings: Settings | None = None,
    book: AgreementBook | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Gig-platform gateway", version="0.1.0", description=DESCRIPTION, lifespan=_lifespan)
    app.state.settings = settings
    app.state.book = book or AgreementBook.load(settings.agreements_dir)
    app.state.clock = clock
    install_problem_handlers(app)
    app.include_router(health_router)
    app.include_router(inbox_router)
    app.include_router(contracts_router)
    app.include_router(callbacks_router)
    app.include_router(outbox_router)
    app.include_router(declarations_router)
    app.include_router(staff_router)
    app.include_router(agreements_router)
    return app
