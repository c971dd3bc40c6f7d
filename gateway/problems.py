"""One exception family, rendered as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://gig-gateway.dev/problems/"


class ProblemOut(BaseModel):
    """RFC 9457 problem details. Extension members (`errors`, `term`, `clause`...) may follow."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class Problem(Exception):
    """An error with a type and a status. Raise it anywhere; the app renders it."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions

    def body(self, instance: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            out["instance"] = instance
        out.update(self.extensions)
        return out


class MalformedBody(Problem):
    status, slug, title = 400, "malformed-body", "The body is not JSON the gateway reads"


class BadSignature(Problem):
    status, slug, title = 401, "bad-signature", "Webhook signature not verified"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Missing or invalid API credential"


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Body too large"


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class InvalidPayload(Problem):
    status, slug, title = 422, "invalid-payload", "The body does not describe a valid event"


class InvalidRequest(Problem):
    """A request refused by the route's declared parameters and body model (FastAPI's validation)."""

    status, slug, title = 422, "invalid-request", "Invalid request"


class InvalidBody(InvalidRequest):
    slug, title = "invalid-body", "Invalid request body"


class InvalidQuery(InvalidRequest):
    slug, title = "invalid-query", "Invalid query parameter"


class InvalidPath(InvalidRequest):
    slug, title = "invalid-path", "Invalid path parameter"


class InvalidHeader(InvalidRequest):
    slug, title = "invalid-header", "Invalid header"


# The first element of a validation error's location names the part of the request it is in.
_INVALID_PART: dict[str, type[InvalidRequest]] = {
    "body": InvalidBody,
    "query": InvalidQuery,
    "path": InvalidPath,
    "header": InvalidHeader,
}


def invalid_request(errors: list[dict[str, str]], parts: set[str]) -> InvalidRequest:
    """The problem for validation errors in `parts` of the request: titled by the part when there is one."""
    kind = _INVALID_PART.get(next(iter(parts)), InvalidRequest) if len(parts) == 1 else InvalidRequest
    return kind("; ".join(f"{e['location']}: {e['message']}" for e in errors), errors=errors)


class TermViolationRejected(Problem):
    status, slug, title = 422, "term-violation", "The offer breaks a term the agreement enforces by rejection"


class ServiceUnavailable(Problem):
    status, slug, title = 503, "unavailable", "Temporarily unavailable"


def _instance(path: str) -> str:
    """The request path as a problem names it; a rider access link's path is its secret token, never echoed."""
    return "/r/[redacted]" if path.startswith("/r/") else path


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    instance = _instance(str(request.url.path)) if request is not None else None
    return JSONResponse(
        problem.body(instance), status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE, headers=problem.headers
    )


def problem_responses(*problems: type[Problem]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route: each listed problem, documented as application/problem+json."""
    out: dict[int | str, dict[str, Any]] = {}
    for p in problems:
        entry = out.setdefault(p.status, {"description": p.title, "model": ProblemOut})
        if p.title not in entry["description"]:
            entry["description"] += f"; {p.title}"
        entry["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}}
    return out


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        found = exc.errors()
        errors = [{"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")} for e in found]
        parts = {str(e["loc"][0]) for e in found if e.get("loc")}
        return problem_response(invalid_request(errors, parts), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        p = Problem(str(exc.detail), headers=dict(exc.headers or {}))
        p.status, p.slug, p.title = exc.status_code, f"http-{exc.status_code}", str(exc.detail)
        return problem_response(p, request)

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError) -> JSONResponse:
        # The database is unreachable or restarting: tell the sender to come back, never a 500.
        return problem_response(
            ServiceUnavailable("the database is unreachable; retry later", headers={"Retry-After": "5"}), request
        )
