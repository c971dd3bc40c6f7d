"""The gateway's routes: a sync route ends its database transaction in its own thread.

FastAPI runs a sync route in one threadpool turn and validates its answer in another. A route that returned with
its transaction open would keep its connection while it waits for that second turn, and when the threads with
turns all wait for a connection, every request waits for the pool timeout. So the transaction ends where it was
used: whatever the route did not commit is rolled back, as the session's teardown would have done, before the
thread is given back. Dependencies that read the database (`deps.platform_principal`, `deps.staff_role`) end their
reads with the same `end_transaction` before the route's turn.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from sqlmodel import Session


def end_transaction(session: Session) -> None:
    """Give the connection back now. Loaded objects stay readable (detached), so the answer can still be built."""
    if session.in_transaction():
        session.expunge_all()
        session.rollback()


def _ending_transactions(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)  # FastAPI reads the signature (and its annotations) through __wrapped__
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Session):
                    end_transaction(value)

    run.ends_transactions = True  # type: ignore[attr-defined]
    return run


def _plain_sync(endpoint: Callable[..., Any]) -> bool:
    """A function that does its work when called (a generator's body would run after the wrapper's `finally`)."""
    call = inspect.unwrap(endpoint)
    return not (
        inspect.iscoroutinefunction(call) or inspect.isgeneratorfunction(call) or inspect.isasyncgenfunction(call)
    )


class GatewayRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        # include_router makes each route again from its (already wrapped) endpoint: wrap once.
        if _plain_sync(endpoint) and not getattr(endpoint, "ends_transactions", False):
            endpoint = _ending_transactions(endpoint)
        super().__init__(path, endpoint, **kwargs)


def api_router(**kwargs: Any) -> APIRouter:
    """An APIRouter whose routes are GatewayRoutes (every router of the gateway is made here)."""
    return APIRouter(route_class=GatewayRoute, **kwargs)
