"""What a delivery handler is, what it reports, and the policy that turns a report into the next step.

A handler knows one family of outbox kinds (`callback.`, `declaration.`): `send` talks to the remote (it may
read the database, never writes), `record` applies the domain consequences in the transaction that records
the result, so a message's status and its effects commit together.
"""

from __future__ import annotations

import email.utils
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

import httpx
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from gateway.domains.outbox.models import OutboxStatus
from gateway.jobs import JobContext
from gateway.settings import Settings

Result = Literal["delivered", "pending", "failed", "gone", "rejected", "skipped"]


@dataclass(frozen=True, slots=True)
class Claimed:
    """A leased message, as read when it was claimed (handlers never see a live ORM row across the send)."""

    id: int
    kind: str
    payload: dict[str, Any]
    contract_id: uuid.UUID | None
    endpoint_id: int | None
    external_ref: str | None
    attempts: int
    failures: int
    created_at: datetime
    lease_token: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to.

    delivered: done. pending: the remote took it but has no result yet (poll later, not a failure).
    failed: try again later (backoff). gone: the target no longer exists (410). rejected: the remote refused
    this message for good (retrying cannot help). skipped: there is nothing to deliver it to.
    """

    result: Result
    status_code: int | None = None
    error: str | None = None
    retry_after: timedelta | None = None
    external_ref: str | None = None
    target: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class SendError(Exception):
    """A call out that did not succeed; `permanent` when retrying cannot help."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retry_after: timedelta | None = None,
        permanent: bool = False,
        gone: bool = False,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retry_after = retry_after
        self.permanent = permanent
        self.gone = gone

    def outcome(self, target: str | None = None, external_ref: str | None = None) -> Outcome:
        result: Result = "gone" if self.gone else "rejected" if self.permanent else "failed"
        return Outcome(
            result,
            status_code=self.status_code,
            error=str(self)[:1000],
            retry_after=self.retry_after,
            external_ref=external_ref,
            target=target,
        )


class Handler(Protocol):
    def send(self, ctx: JobContext, msg: Claimed) -> Outcome: ...

    def record(self, session: Session, msg: Claimed, outcome: Outcome, status: str, now: datetime) -> None: ...


_HANDLERS: dict[str, Handler] = {}
_CLAIMABLE: dict[str, Callable[[], ColumnElement[bool]]] = {}


def register(prefix: str, handler: Handler, claimable: Callable[[], ColumnElement[bool]] | None = None) -> None:
    """Route outbox kinds starting with `prefix` (e.g. "callback.") to `handler`. Kinds nobody handles are
    never claimed, so a domain can queue messages before its handler ships. `claimable` builds a condition on
    `OutboxMessage` that such a message must also meet to be claimed: the handler's domain says what makes one
    wait (e.g. a disabled callback endpoint), so the outbox needs to know none of its tables."""
    _HANDLERS[prefix] = handler
    if claimable is not None:
        _CLAIMABLE[prefix] = claimable
    else:
        _CLAIMABLE.pop(prefix, None)


def claimable(prefix: str) -> ColumnElement[bool] | None:
    """The extra condition a message of kind `prefix...` must meet to be claimed, if its handler set one."""
    build = _CLAIMABLE.get(prefix)
    return None if build is None else build()


def handlers() -> dict[str, Handler]:
    return dict(_HANDLERS)


def handler_for(kind: str) -> Handler | None:
    matches = [p for p in _HANDLERS if kind.startswith(p)]
    return _HANDLERS[max(matches, key=len)] if matches else None


# --- policy -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Next:
    status: str
    next_attempt_at: datetime
    failures: int
    error: str | None


def jittered(seconds: float, jitter: float, rng: random.Random) -> timedelta:
    # Jitter spreads the retries of a burst of failures (a platform down for an hour) so they do not
    # all come back in the same second when it returns.
    factor = 1 + jitter * (2 * rng.random() - 1)
    return timedelta(seconds=max(1.0, seconds * factor))


def decide(msg: Claimed, outcome: Outcome, settings: Settings, now: datetime, rng: random.Random) -> Next:
    """The message's next status and due time after this attempt."""
    if outcome.result == "delivered":
        return Next(OutboxStatus.sent, now, msg.failures, None)
    if outcome.result == "skipped":
        return Next(OutboxStatus.skipped, now, msg.failures, outcome.error)
    if outcome.result in ("gone", "rejected"):
        return Next(OutboxStatus.dead, now, msg.failures + 1, outcome.error)
    if outcome.result == "pending":
        if now - msg.created_at > timedelta(hours=settings.outbox_poll_give_up_hours):
            error = f"no result after {settings.outbox_poll_give_up_hours} h of polling"
            return Next(OutboxStatus.dead, now, msg.failures, error)
        polls_before = max(0, msg.attempts - 1 - msg.failures)
        schedule = settings.outbox_poll_schedule
        wait = schedule[min(polls_before, len(schedule) - 1)]
        delay = jittered(wait, settings.outbox_retry_jitter, rng)
        if outcome.retry_after is not None:
            delay = max(delay, min(outcome.retry_after, timedelta(seconds=settings.outbox_max_retry_after_seconds)))
        return Next(OutboxStatus.pending, now + delay, msg.failures, outcome.error)
    return after_failure(msg.failures + 1, outcome.retry_after, outcome.error, settings, now, rng)


def after_failure(
    failures: int,
    retry_after: timedelta | None,
    error: str | None,
    settings: Settings,
    now: datetime,
    rng: random.Random,
) -> Next:
    schedule = settings.outbox_retry_schedule
    if failures > len(schedule):
        return Next(OutboxStatus.dead, now, failures, error)
    delay = jittered(schedule[failures - 1], settings.outbox_retry_jitter, rng)
    if retry_after is not None:
        # The remote knows best when it can take more; never come back sooner than it asked.
        delay = max(delay, min(retry_after, timedelta(seconds=settings.outbox_max_retry_after_seconds)))
    return Next(OutboxStatus.pending, now + delay, failures, error)


# --- HTTP helpers -------------------------------------------------------------------------------------------


def http_client(ctx: JobContext) -> httpx.Client:
    """The job's HTTP client: injected by tests, else made once per job context (kept for its connection pool)."""
    client = ctx.services.get("http")
    if client is None:
        client = httpx.Client(timeout=ctx.settings.outbox_http_timeout_seconds, follow_redirects=False)
        ctx.services["http"] = client
    assert isinstance(client, httpx.Client)
    return client


def retry_after(response: httpx.Response, now: datetime) -> timedelta | None:
    """Retry-After as seconds or an HTTP date; None when absent or unreadable."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(timedelta(0), when - now)


def describe_response(response: httpx.Response) -> str:
    snippet = response.text[:200].replace("\n", " ") if response.content else ""
    return f"HTTP {response.status_code}" + (f": {snippet}" if snippet else "")


def describe_transport_error(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"[:1000]
