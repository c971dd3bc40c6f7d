from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from gateway.db.engine import settings_engine
from gateway.deps import SessionDep
from gateway.domains.decisions import metrics as decision_metrics
from gateway.domains.jobs import metrics as job_metrics
from gateway.jobs import registry
from gateway.problems import ServiceUnavailable, problem_responses
from gateway.routing import api_router

router = api_router(tags=["operations"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str


# Liveness and metrics are async: they answer on the event loop even when every request thread is busy (a
# probe that queued behind four slow requests would get a live process restarted).
# HEAD as well as GET: load balancers and uptime checkers often probe with HEAD (one route each, so that each
# operation has its own id in the OpenAPI document).
@router.head("/healthz", response_model=Health, summary="The process is alive")
@router.get("/healthz", response_model=Health, summary="The process is alive")
async def healthz() -> Health:
    return Health(status="ok")


@router.head(
    "/readyz",
    response_model=Readiness,
    summary="The database is reachable",
    responses=problem_responses(ServiceUnavailable),
)
@router.get(
    "/readyz",
    response_model=Readiness,
    summary="The database is reachable",
    responses=problem_responses(ServiceUnavailable),
)
def readyz(session: SessionDep) -> Readiness:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise ServiceUnavailable("the database is unreachable", headers={"Retry-After": "5"}) from exc
    return Readiness(status="ready", database="ok")


@router.get(
    "/metrics",
    summary="Prometheus metrics (webhooks accepted and refused, rows the jobs set aside, overdue decision reviews)",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}, "description": "Metrics"}},
)
async def metrics(request: Request) -> Response:
    state = request.app.state
    await job_metrics.refresh(state, settings_engine(state.settings), list(registry()))
    await decision_metrics.refresh(state, settings_engine(state.settings), state.clock)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
