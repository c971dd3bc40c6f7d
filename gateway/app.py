"""The app factory. Agreements are loaded here: an invalid one stops the gateway, naming the error."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway import logredact, webhooks_doc
from gateway.agreements.endpoints import router as agreements_router
from gateway.agreements.loader import AgreementBook
from gateway.bodylimit import BodyLimit
from gateway.db.engine import settings_engine
from gateway.deps import utcnow
from gateway.domains.auth.endpoints import router as auth_router
from gateway.domains.callbacks.endpoints import router as callbacks_router
from gateway.domains.contracts.endpoints import router as blocked_contracts_router
from gateway.domains.decisions.endpoints import router as decision_reviews_router
from gateway.domains.decisions.platform_endpoints import router as platform_decisions_router
from gateway.domains.declarations.endpoints import router as declarations_router
from gateway.domains.fund.endpoints import router as staff_router
from gateway.domains.health.endpoints import router as health_router
from gateway.domains.inbox.endpoints import router as inbox_router
from gateway.domains.inbox.secrets import router as platforms_router
from gateway.domains.insolvency.endpoints import router as insolvency_router
from gateway.domains.invoicing.endpoints import router as invoice_documents_router
from gateway.domains.invoicing.endpoints import staff_router as staff_invoice_documents_router
from gateway.domains.jobs.endpoints import router as jobs_router
from gateway.domains.members.endpoints import router as members_router
from gateway.domains.outbox.endpoints import router as outbox_router
from gateway.domains.payouts.endpoints import router as payout_batches_router
from gateway.domains.portability.endpoints import router as portability_router
from gateway.domains.readmodel.endpoints import rider_router as rider_contracts_router
from gateway.domains.readmodel.endpoints import router as contracts_router
from gateway.domains.representatives.endpoints import router as representatives_router
from gateway.domains.riders.endpoints import router as riders_router
from gateway.domains.riders.oidc import router as oidc_router
from gateway.domains.settlement.endpoints import router as invoices_router
from gateway.domains.staff.endpoints import router as staff_admin_router
from gateway.jobs import JobContext, start_scheduler
from gateway.plugins import check_settings
from gateway.problems import PROBLEM_MEDIA_TYPE, ProblemOut, install_problem_handlers
from gateway.reports.endpoints import router as reports_router
from gateway.settings import Settings, get_settings
from gateway.web.representatives import router as representatives_page_router
from gateway.web.routes import install as install_rider_pages
from gateway.web.transparency_routes import publish_at_start
from gateway.web.transparency_routes import router as transparency_router

DESCRIPTION = """
Platforms post signed shift webhooks; the gateway opens the rider's employment contract at once and
enforces the negotiated agreement (minimum paid hours, hourly floor, no per-trip pay), recording every
correction with its term and clause. Errors are RFC 9457 problem details (`application/problem+json`).
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    # Fail closed: whatever serves the app (`gateway serve`, uvicorn on gateway.main:app), it does not start with
    # a published placeholder secret outside development. Here rather than in create_app, which also renders
    # the OpenAPI document (no secret needed).
    settings.require_secrets()
    # Each package's own settings (GATEWAY_INVOICING_..., GATEWAY_COOPCYCLE_...) are read where first needed;
    # built here too, so that a wrong value (an example seller in production) stops the process at start.
    check_settings()
    # Sync handlers run on this event loop's worker threads: bounded by the setting, not anyio's default of 40.
    to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
    scheduler = None
    if settings.scheduler:
        engine = settings_engine(settings)
        # The process that runs the jobs publishes the transparency notice the agreements just loaded make
        # (a version taking effect later is announced now); readers publish too, whichever comes first.
        publish_at_start(engine, app.state.book, settings, app.state.clock())
        scheduler = start_scheduler(JobContext(engine, settings, app.state.book, app.state.clock))
    try:
        yield
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)


class OIDCStateMiddleware:
    """Starlette's SessionMiddleware, on the rider login paths only: the webhook and API hot paths carry no
    session and should not pay for one."""

    def __init__(self, app: ASGIApp, secret_key: str, https_only: bool) -> None:
        self.app = app
        self.sessions = SessionMiddleware(
            app,
            secret_key=secret_key,
            session_cookie="oidc_state",
            max_age=600,
            same_site="lax",
            https_only=https_only,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/rider/"):
            await self.sessions(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _truthful_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """FastAPI documents request-validation errors as application/json HTTPValidationError; this gateway answers
    them (and every error) as application/problem+json. Make the document say what the gateway does."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}}
        for item in schema.get("paths", {}).values():
            for op in item.values():
                for code, response in op.get("responses", {}).items():
                    if not code.startswith(("4", "5")):
                        continue
                    content = response.setdefault("content", {})
                    if "HTTPValidationError" in str(content):
                        response["description"] = "Invalid request: a problem naming each field (`errors`)"
                        response["content"] = dict(problem)
                    else:
                        content.pop("application/json", None)
                        content.update(problem)
        components = schema.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        components.setdefault("ProblemOut", ProblemOut.model_json_schema())
        webhooks_doc.complete(schema)
        app.openapi_schema = schema
        return schema

    return openapi


def create_app(
    settings: Settings | None = None,
    book: AgreementBook | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    settings = settings or get_settings()
    logredact.install()
    app = FastAPI(title="Gig-platform gateway", version="0.1.0", description=DESCRIPTION, lifespan=_lifespan)
    app.state.settings = settings
    app.state.book = book or AgreementBook.load(settings.agreements_dir)
    app.state.clock = clock
    install_problem_handlers(app)
    app.openapi = _truthful_openapi(app)  # type: ignore[method-assign]
    # Only the OIDC login keeps state (state and nonce) across the provider's redirect; signed, short-lived.
    app.add_middleware(
        OIDCStateMiddleware,
        secret_key=settings.token_signing_key.get_secret_value(),
        https_only=settings.public_url.startswith("https"),
    )
    # Added last, so outermost: a body over the limit is refused before the session, routing and authentication.
    app.add_middleware(BodyLimit)
    # Requests are matched against the routers in this order, one by one: the hot paths (webhooks, contract
    # reads) first. No two routers share a path, so the order changes nothing else.
    app.include_router(inbox_router)
    app.include_router(contracts_router)
    app.include_router(auth_router)
    app.include_router(platforms_router)
    app.include_router(riders_router)
    app.include_router(rider_contracts_router)
    app.include_router(oidc_router)
    app.include_router(staff_admin_router)
    app.include_router(health_router)
    app.include_router(callbacks_router)
    app.include_router(outbox_router)
    app.include_router(declarations_router)
    app.include_router(members_router)
    app.include_router(blocked_contracts_router)
    app.include_router(invoice_documents_router)
    app.include_router(staff_invoice_documents_router)
    app.include_router(staff_router)
    app.include_router(invoices_router)
    app.include_router(insolvency_router)
    app.include_router(decision_reviews_router)
    app.include_router(payout_batches_router)
    app.include_router(agreements_router)
    app.include_router(reports_router)
    app.include_router(representatives_router)  # issue 20: the representatives' figures
    app.include_router(representatives_page_router)
    app.include_router(jobs_router)
    app.include_router(platform_decisions_router)  # issue 20: platforms' decisions, confirmed by a person
    install_rider_pages(app)
    app.include_router(transparency_router)
    app.include_router(portability_router)
    return app
