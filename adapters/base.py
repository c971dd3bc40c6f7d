"""The adapter interface. An adapter turns one platform's webhooks into canonical events.

To add a platform, write one package under adapters/ whose __init__ declares `PLUGIN = Plugin(__name__,
adapter=ADAPTER, ...)` (gateway.plugins), `ADAPTER` an object with the methods of `Adapter` below. Nothing else in
the gateway changes: the registry finds it by its slug.
An adapter whose webhooks only name what changed (the facts must be fetched from the platform's API)
also implements `DeferredAdapter.defer`; see docs/adapters.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, cast

from adapters.jsonbody import JSONRefused
from gateway.canonical import CanonicalEvent

if TYPE_CHECKING:
    from sqlmodel import Session


class SignatureError(Exception):
    """The request is not proven to come from the platform. Rendered as 401; nothing is stored."""


class PayloadError(Exception):
    """The body is not a valid event. `malformed` is True when it is not JSON the gateway reads (400), else 422."""

    def __init__(self, detail: str, *, malformed: bool = False, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.malformed = malformed
        self.errors = errors or []


def refused_json(exc: JSONRefused) -> PayloadError:
    """What the gateway's JSON reader refused, as an adapter reports it."""
    errors = [] if exc.malformed else [{"location": exc.location, "message": exc.detail}]
    where = f"{exc.location}: " if exc.location else ""
    return PayloadError(where + exc.detail, malformed=exc.malformed, errors=errors)


@dataclass(frozen=True, slots=True)
class VerifiedMessage:
    """What verification proved: the platform's id for this delivery (stable across its retries)."""

    message_id: str


class Adapter(Protocol):
    slug: str

    def verify(
        self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: datetime, tolerance_seconds: int
    ) -> VerifiedMessage:
        """Check the signature over the exact body bytes; raise SignatureError if none of `secrets` signed it."""
        ...

    def parse(self, body: bytes) -> CanonicalEvent:
        """Turn a verified body into a canonical event; raise PayloadError naming what is wrong."""
        ...

    def validate_secret(self, secret: str) -> None:
        """Raise ValueError if `secret` is not a valid signing secret for this adapter."""
        ...

    def new_secret(self) -> str:
        """A fresh random signing secret in this adapter's format."""
        ...


@dataclass(frozen=True, slots=True)
class Deferred:
    """What a deferred adapter accepted: `type` names the notification (e.g. "delivery.completed")."""

    type: str


class DeferredAdapter(Adapter, Protocol):
    """An adapter whose webhooks name a resource instead of carrying the facts (e.g. CoopCycle).

    The webhook request never calls out (DESIGN.md): after verification the intake calls `defer` instead
    of `parse`. `defer` stores what must be fetched in the request's transaction (flush, never commit) and
    returns at once; the intake records the answer (202) under the message id, so a replay changes nothing.
    The adapter's own job (declared with @job, in a module its `PLUGIN` names as `jobs`) fetches the facts later
    and feeds canonical events to `gateway.domains.inbox.service.handle`, where every agreement term applies.
    """

    def defer(self, session: Session, platform_id: int, message_id: str, body: bytes, now: datetime) -> Deferred:
        """Validate the body and store the notification; raise PayloadError naming what is wrong."""
        ...


class WebhookSigner(Protocol):
    """Optional: sign a body as the platform would, for `gateway webhook send` and the adapter's tests.

    Returns the headers the platform sends with that body. `message_id` is used by schemes that carry one
    (Standard Webhooks' `webhook-id`); a scheme whose id is derived from the body (CoopCycle) ignores it.
    """

    def sign_test(self, secret: str, body: bytes, now: datetime, message_id: str | None = None) -> dict[str, str]: ...


def signer_of(adapter: Adapter) -> WebhookSigner | None:
    """The adapter as a WebhookSigner when it offers one."""
    return cast(WebhookSigner, adapter) if callable(getattr(adapter, "sign_test", None)) else None


def deferred(adapter: Adapter) -> DeferredAdapter | None:
    """The adapter as a DeferredAdapter when it defers its webhooks (an attribute check: the hot path)."""
    return cast(DeferredAdapter, adapter) if callable(getattr(adapter, "defer", None)) else None
