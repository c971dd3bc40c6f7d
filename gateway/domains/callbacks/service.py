"""Callback endpoints of a platform, and the signed requests sent to them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from gateway import netguard
from gateway.domains.callbacks.models import CallbackEndpoint
from gateway.domains.contracts.models import Contract
from gateway.domains.outbox.models import OutboxMessage, OutboxStatus
from gateway.domains.platforms.models import Platform
from gateway.signing import decode_secret, new_secret, sign

USER_AGENT = "gig-gateway-callbacks/1"


class EndpointError(ValueError):
    """An endpoint cannot be created or changed as asked; the message says why, `field` names the input."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def validate_url(url: str, require_https: bool, allow_private: bool = False) -> str:
    """A callback URL must be absolute, https (unless relaxed for local testing), without credentials, and
    name a public host: checked again against the resolved address at each send (netguard)."""
    try:
        netguard.check_url(url, require_https=require_https, allow_private=allow_private)
    except netguard.UnsafeURL as exc:
        raise EndpointError(f"the callback URL is refused: {exc}", "url") from exc
    return url


def create_endpoint(
    session: Session,
    platform_id: int,
    url: str,
    *,
    require_https: bool,
    allow_private: bool = False,
    description: str = "",
    secret: str | None = None,
) -> CallbackEndpoint:
    validate_url(url, require_https, allow_private)
    if secret is None:
        secret = new_secret()
    else:
        try:
            decode_secret(secret)
        except ValueError as exc:
            raise EndpointError(f"invalid secret: {exc}", "secret") from exc
    endpoint = CallbackEndpoint(platform_id=platform_id, url=url, secret=secret, description=description)
    session.add(endpoint)
    session.flush()
    return endpoint


def list_endpoints(session: Session, platform_id: int | None = None) -> list[CallbackEndpoint]:
    stmt = select(CallbackEndpoint).order_by(col(CallbackEndpoint.id))
    if platform_id is not None:
        stmt = stmt.where(CallbackEndpoint.platform_id == platform_id)
    return list(session.exec(stmt).all())


def get_endpoint(session: Session, endpoint_id: int, platform_id: int | None = None) -> CallbackEndpoint | None:
    endpoint = session.get(CallbackEndpoint, endpoint_id)
    if endpoint is None or (platform_id is not None and endpoint.platform_id != platform_id):
        return None
    return endpoint


def enable(session: Session, endpoint: CallbackEndpoint) -> CallbackEndpoint:
    """Re-enable by hand: its held messages flow again, its failure count starts over."""
    endpoint.enabled, endpoint.disabled_at, endpoint.disabled_reason = True, None, None
    endpoint.consecutive_failures = 0
    session.add(endpoint)
    session.flush()
    return endpoint


def disable(session: Session, endpoint_id: int, reason: str, now: datetime) -> None:
    session.execute(
        update(CallbackEndpoint)
        .where(col(CallbackEndpoint.id) == endpoint_id, col(CallbackEndpoint.enabled).is_(True))
        .values(enabled=False, disabled_at=now, disabled_reason=reason[:500])
    )


def delete(session: Session, endpoint: CallbackEndpoint) -> None:
    session.delete(endpoint)
    session.flush()


def note_success(session: Session, endpoint_id: int, now: datetime) -> None:
    session.execute(
        update(CallbackEndpoint)
        .where(col(CallbackEndpoint.id) == endpoint_id)
        .values(consecutive_failures=0, last_success_at=now)
    )


def note_failure(session: Session, endpoint_id: int, now: datetime) -> None:
    session.execute(
        update(CallbackEndpoint)
        .where(col(CallbackEndpoint.id) == endpoint_id)
        .values(consecutive_failures=CallbackEndpoint.consecutive_failures + 1, last_failure_at=now)
    )


# --- events -------------------------------------------------------------------------------------------------


def event_type(kind: str) -> str:
    return kind.removeprefix("callback.")


def platform_of(session: Session, contract_id: uuid.UUID | None, payload: dict[str, Any]) -> int | None:
    """The platform a callback is for: its contract's, else the `platform` slug in the payload."""
    if contract_id is not None:
        pid = session.exec(select(Contract.platform_id).where(Contract.id == contract_id)).first()
        if pid is not None:
            return pid
    slug = payload.get("platform")
    if isinstance(slug, str):
        return session.exec(select(Platform.id).where(Platform.slug == slug)).first()
    return None


def fan_out(
    session: Session, parent: OutboxMessage | Any, endpoint_ids: list[int], envelope: dict[str, Any], now: datetime
) -> int:
    """One message per endpoint, each with its own retries and dead letter; all share the webhook-id."""
    if not endpoint_ids:
        return 0
    session.execute(
        OutboxMessage.__table__.insert(),  # type: ignore[attr-defined]
        [
            {
                "kind": parent.kind,
                "contract_id": parent.contract_id,
                "endpoint_id": endpoint_id,
                "payload": envelope,
                "status": OutboxStatus.pending,
                "attempts": 0,
                "failures": 0,
                "created_at": now,
                "next_attempt_at": now,
            }
            for endpoint_id in endpoint_ids
        ],
    )
    return len(endpoint_ids)


def envelope(kind: str, data: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {
        "webhook_id": f"msg_{uuid.uuid4().hex}",
        "type": event_type(kind),
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "data": data,
    }


@dataclass(frozen=True, slots=True)
class SignedRequest:
    body: bytes
    headers: dict[str, str]


def signed_request(secret: str, env: dict[str, Any], now: datetime) -> SignedRequest:
    """Standard Webhooks v1: the webhook-id stays the same across retries, the timestamp is the send's."""
    body = json.dumps(
        {"type": env["type"], "timestamp": env["timestamp"], "data": env["data"]}, separators=(",", ":")
    ).encode()
    webhook_id = str(env["webhook_id"])
    ts = int(now.timestamp())
    return SignedRequest(
        body,
        {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": webhook_id,
            "webhook-timestamp": str(ts),
            "webhook-signature": sign(secret, webhook_id, ts, body),
        },
    )
