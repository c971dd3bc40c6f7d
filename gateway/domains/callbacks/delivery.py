"""Delivering `callback.<event>` outbox messages to platforms' callback endpoints.

The message a domain enqueues (no endpoint) is fanned out to one message per endpoint of the platform;
each of those is signed and POSTed with its own retries, so one slow endpoint never holds back another.
"""

from __future__ import annotations

from datetime import datetime

import httpx
from sqlalchemy import or_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from gateway import netguard
from gateway.domains.callbacks import service as callbacks
from gateway.domains.callbacks.models import CallbackEndpoint
from gateway.domains.outbox.delivery import (
    Claimed,
    Outcome,
    describe_response,
    describe_transport_error,
    register,
    retry_after,
)
from gateway.domains.outbox.models import OutboxMessage, OutboxStatus
from gateway.jobs import JobContext

UNSAFE = "unsafe_address"


def callback_client(ctx: JobContext) -> httpx.Client:
    """Platforms' URLs get their own client, connecting to checked public addresses only (declarations and
    other staff-configured services may be on the private network, so they keep the ordinary one)."""
    client = ctx.services.get("callback_http")
    if client is None:
        client = netguard.public_client(
            ctx.settings.outbox_http_timeout_seconds, allow_private=ctx.settings.callback_allow_private
        )
        ctx.services["callback_http"] = client
    assert isinstance(client, httpx.Client)
    return client


class CallbackHandler:
    def send(self, ctx: JobContext, msg: Claimed) -> Outcome:
        if msg.endpoint_id is None:
            return self._plan_fan_out(ctx, msg)
        with Session(ctx.engine) as session:
            endpoint = session.get(CallbackEndpoint, msg.endpoint_id)
        if endpoint is None:
            return Outcome("skipped", error="the callback endpoint was deleted")
        if not endpoint.enabled:
            # Disabled after this message was claimed: it waits for the endpoint to be enabled again.
            return Outcome("pending", error="the callback endpoint is disabled", target=endpoint.url)
        allow_private = ctx.settings.callback_allow_private
        try:
            # Resolved and checked now, whatever was checked at registration: DNS may answer differently today.
            target = netguard.public_target(endpoint.url, allow_private=allow_private)
        except netguard.UnsafeURL as exc:
            # Retrying cannot help until the platform fixes its URL or DNS: a dead letter (replayable), and the
            # endpoint is disabled with this reason so that its other callbacks wait instead of failing too.
            return Outcome("rejected", error=f"not sent: {exc}", target=endpoint.url, detail={UNSAFE: True})
        except netguard.Unresolvable as exc:
            return Outcome("failed", error=str(exc), target=endpoint.url)
        request = callbacks.signed_request(endpoint.secret, msg.payload, ctx.now())
        try:
            with netguard.pinned(target):
                response = callback_client(ctx).post(endpoint.url, content=request.body, headers=request.headers)
        except httpx.HTTPError as exc:
            return Outcome("failed", error=describe_transport_error(exc), target=endpoint.url)
        if response.is_success:
            return Outcome("delivered", status_code=response.status_code, target=endpoint.url)
        # Standard Webhooks: retry on anything but 2xx; 410 means the endpoint is gone for good.
        return Outcome(
            "gone" if response.status_code == 410 else "failed",
            status_code=response.status_code,
            error=describe_response(response),
            retry_after=retry_after(response, ctx.now()),
            target=endpoint.url,
        )

    def _plan_fan_out(self, ctx: JobContext, msg: Claimed) -> Outcome:
        with Session(ctx.engine) as session:
            platform_id = callbacks.platform_of(session, msg.contract_id, msg.payload)
            endpoints = [] if platform_id is None else callbacks.list_endpoints(session, platform_id)
        if platform_id is None:
            return Outcome("skipped", error="no platform found for this callback")
        if not endpoints:
            return Outcome("skipped", error="the platform has no callback endpoint")
        return Outcome(
            "delivered", target=f"fan-out to {len(endpoints)} endpoint(s)", detail={"platform_id": platform_id}
        )

    def record(self, session: Session, msg: Claimed, outcome: Outcome, status: str, now: datetime) -> None:
        if msg.endpoint_id is None:
            if status == OutboxStatus.sent:
                # Re-read in this transaction: an endpoint added or removed since the plan is taken into account.
                ids = [e.id for e in callbacks.list_endpoints(session, outcome.detail["platform_id"]) if e.id]
                callbacks.fan_out(session, msg, ids, callbacks.envelope(msg.kind, msg.payload, msg.created_at), now)
            return
        if outcome.result == "delivered":
            callbacks.note_success(session, msg.endpoint_id, now)
        elif outcome.result in ("failed", "gone", "rejected"):
            callbacks.note_failure(session, msg.endpoint_id, now)
            if outcome.result == "gone":
                callbacks.disable(
                    session, msg.endpoint_id, f"the endpoint answered 410 Gone at {now:%Y-%m-%d %H:%M} UTC", now
                )
            elif outcome.detail.get(UNSAFE):
                # The platform reads this reason: it says why, not which internal address its name resolved to
                # (that would map the cooperative's network for it). Staff see the detail on the message.
                callbacks.disable(
                    session,
                    msg.endpoint_id,
                    f"refused at {now:%Y-%m-%d %H:%M} UTC: the URL's host is not on a public address",
                    now,
                )
            elif status == OutboxStatus.dead:
                callbacks.disable(
                    session,
                    msg.endpoint_id,
                    f"persistent failure: message {msg.id} failed {msg.failures + 1} times; last: {outcome.error}",
                    now,
                )


def _endpoint_enabled() -> ColumnElement[bool]:
    # Messages for a disabled endpoint wait, untouched, until it is enabled again (the fan-out has none).
    disabled = select(CallbackEndpoint.id).where(col(CallbackEndpoint.enabled).is_(False))
    return or_(col(OutboxMessage.endpoint_id).is_(None), col(OutboxMessage.endpoint_id).not_in(disabled))


register("callback.", CallbackHandler(), claimable=_endpoint_enabled)
