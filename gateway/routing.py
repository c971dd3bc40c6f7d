"""The gateway's routes: a sync route ends its database transaction in its own thread.

FastAPI runs a sync route in one threadpool turn and validates its answer in another. A route that returned with
its transaction open would keep its connection while it waits for that second turn, and when the threads with
turns all wait for a connection, every request waits for the pool timeout. So the transaction ends where it was
used: whatever the route did not commit is rolled back, as the session's teardown would have done, before the
thread is given back. Dependencies that read the database (`auth.deps.platform_principal`, `staff.deps.staff_role`) end their
reads with the same `end_transaction` before the route's turn.

A route also refuses, before FastAPI reads anything, what no route can take: a JSON body that the gateway's one
JSON reader (adapters/jsonbody.py) refuses, and a path or query parameter holding a NUL. FastAPI would answer the
first with an undocumented 400 (or pass a huge number or a NUL on), and PostgreSQL raises on the second.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, params
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from adapters import jsonbody
from gateway.problems import MalformedBody, PayloadTooLarge, Problem, problem_responses

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
# Methods whose requests carry a body: each may be refused by the app's body limit (gateway/bodylimit.py).
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_NUL = "must not contain a NUL character"


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


class _JSONRequest(Request):
    """A request whose JSON body is read by the gateway's reader; FastAPI then gets the document read here."""

    async def json(self) -> Any:
        if not hasattr(self, "_document"):
            self._document = _read_json(await self.body())
        return self._document


def _read_json(body: bytes) -> object:
    try:
        return jsonbody.loads(body)
    except jsonbody.JSONRefused as exc:
        if exc.malformed:
            raise MalformedBody(exc.detail) from exc
        loc = ("body", *exc.location.split(".")) if exc.location else ("body",)
        raise RequestValidationError([{"type": "value_error", "loc": loc, "msg": exc.detail, "input": None}]) from exc


def _declares_json(content_type: str | None) -> bool:
    """Whether FastAPI reads this body as JSON (fastapi.routing.get_request_handler: application/json or +json)."""
    if not content_type:
        return False
    maintype, _, subtype = content_type.partition(";")[0].strip().lower().partition("/")
    return maintype == "application" and (subtype == "json" or subtype.endswith("+json"))


def _reads_query(dependant: Dependant) -> bool:
    return bool(dependant.query_params) or any(_reads_query(d) for d in dependant.dependencies)


def _refuse_nul(request: Request, has_query: bool) -> None:
    """A path or query parameter holding a NUL is refused (422) naming it; PostgreSQL cannot compare or store it."""
    errors: list[dict[str, Any]] = []
    if "\x00" in request.scope["path"]:
        errors += [
            {"type": "string_nul", "loc": ("path", name), "msg": _NUL, "input": None}
            for name, value in request.path_params.items()
            if isinstance(value, str) and "\x00" in value
        ]
    if has_query and b"%00" in request.scope["query_string"]:
        errors += [
            {"type": "string_nul", "loc": ("query", name), "msg": _NUL, "input": None}
            for name, value in request.query_params.multi_items()
            if "\x00" in value
        ]
    if errors:
        raise RequestValidationError(errors)


def _declaring(
    responses: dict[int | str, dict[str, Any]], problems: dict[int | str, dict[str, Any]]
) -> dict[int | str, dict[str, Any]]:
    """The route's `responses` with each problem added (beside what the route already declares at its status)."""
    out = dict(responses)
    for status, entry in problems.items():
        mine = out.get(status) or out.get(str(status))
        if mine is None:
            out[status] = entry
        elif entry["description"] not in mine.get("description", ""):
            out[status] = {**mine, "description": f"{mine.get('description', '')}; {entry['description']}"}
    return out


class GatewayRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        # include_router makes each route again from its (already wrapped) endpoint: wrap once.
        if _plain_sync(endpoint) and not getattr(endpoint, "ends_transactions", False):
            endpoint = _ending_transactions(endpoint)
        super().__init__(path, endpoint, **kwargs)
        # What the route's own refusals below and the body limit answer is declared, so the OpenAPI document says it.
        refusals: list[type[Problem]] = [MalformedBody] if self._reads_json() else []
        if (self.methods or set()) & _BODY_METHODS:
            refusals.append(PayloadTooLarge)
        self.responses = _declaring(self.responses, problem_responses(*refusals))

    def _reads_json(self) -> bool:
        return self.body_field is not None and not isinstance(self.body_field.field_info, params.Form)

    def get_route_handler(self) -> Handler:
        handle = super().get_route_handler()
        reads_json = self._reads_json()
        has_query = _reads_query(self.dependant)
        if not (reads_json or has_query or self.param_convertors):
            return handle

        async def refusing(request: Request) -> Response:
            _refuse_nul(request, has_query)
            if reads_json and _declares_json(request.headers.get("content-type")):
                # Read here, outside FastAPI's reading, which answers any reader's error with an undeclared 400.
                request = _JSONRequest(request.scope, request.receive)
                if await request.body():
                    await request.json()
            return await handle(request)

        return refusing


def api_router(**kwargs: Any) -> APIRouter:
    """An APIRouter whose routes are GatewayRoutes (every router of the gateway is made here)."""
    return APIRouter(route_class=GatewayRoute, **kwargs)
