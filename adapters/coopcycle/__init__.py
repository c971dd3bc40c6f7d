"""The `coopcycle` adapter: CoopCycle's `delivery.*` webhooks, signed `X-CoopCycle-Signature`.

A CoopCycle webhook only names a delivery (`{"data": {"object": "/api/deliveries/1", "event": ...}}`), so
this adapter is deferred: the request verifies the signature and queues the delivery (`defer`); the job
`coopcycle.fetch` reads it from CoopCycle's API (OAuth2 client credentials) and turns the courier's
deliveries into work sessions, each one contract (see sessions.py); `coopcycle.close_sessions` ends them.
`coopcycle.sweep` lists each store account's recent deliveries, so a lost webhook loses no worked time.
Couriers are riders enrolled with their CoopCycle username as rider id (`gateway coopcycle enrol`), one rider
per platform whichever of its stores they deliver for. docs/adapters.md, "Deliveries mode", has the rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from adapters.base import Deferred, PayloadError, VerifiedMessage
from adapters.coopcycle import notice, signature
from gateway.canonical import CanonicalEvent
from gateway.plugins import Plugin

if TYPE_CHECKING:
    from sqlmodel import Session


class CoopCycleAdapter:
    slug = "coopcycle"

    def verify(
        self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: datetime, tolerance_seconds: int
    ) -> VerifiedMessage:
        # CoopCycle signs no timestamp, so there is no tolerance window: a replay is answered from the
        # inbox (the id is derived from the body) and changes nothing.
        signature.verify(headers, body, secrets)
        return VerifiedMessage(notice.message_id(body, now))

    def parse(self, body: bytes) -> CanonicalEvent:
        notice.parse(body)
        raise PayloadError("a CoopCycle notification names a delivery; the gateway fetches its facts later (defer)")

    def defer(self, session: Session, platform_id: int, message_id: str, body: bytes, now: datetime) -> Deferred:
        from adapters.coopcycle.queue import enqueue  # the database side, imported only when used

        n = notice.parse(body)
        if not n.ignored:  # an ignored event is recorded by the intake (its 202 answer) and queues nothing
            enqueue(session, platform_id, n, now)
        return Deferred(n.event)

    def validate_secret(self, secret: str) -> None:
        signature.validate_secret(secret)

    def new_secret(self) -> str:
        return signature.new_secret()

    def sign_test(self, secret: str, body: bytes, now: datetime, message_id: str | None = None) -> dict[str, str]:
        # CoopCycle sends no id and no timestamp: the message id is derived from the body (notice.message_id).
        return {"content-type": "application/json", signature.HEADER_NAME: signature.sign(secret, body)}


ADAPTER = CoopCycleAdapter()
# Everything CoopCycle adds to the gateway, found by gateway.plugins: nothing outside this package names it.
PLUGIN = Plugin(
    __name__,
    adapter=ADAPTER,
    models=(".models", ".shift_models"),
    jobs=(".jobs", ".shift_jobs"),
    cli=".cli:coopcycle_app",
    settings=".settings:CoopCycleSettings",
    migrations="migrations",
)
