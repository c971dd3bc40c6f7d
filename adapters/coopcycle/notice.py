"""The body of a CoopCycle webhook: `{"data": {"object": "/api/deliveries/1", "event": "delivery.completed"}}`.

It names the delivery and what happened to it, nothing more (coopcycle-web: src/MessageHandler/
WebhookHandler.php). PHP's json_encode escapes slashes (`"\\/api\\/deliveries\\/1"`); any JSON spelling is read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from adapters import jsonbody
from adapters.base import PayloadError, refused_json

# The events coopcycle-web's TriggerWebhook sends for a delivery's tasks (src/Entity/Webhook.php::EVENTS
# also lists order.created, which names an order, not worked time).
DELIVERY_EVENTS = frozenset(
    {
        "delivery.assigned",
        "delivery.started",
        "delivery.picked",
        "delivery.in_transit",
        "delivery.completed",
        "delivery.failed",
    }
)
# Subscribable in coopcycle-web (src/Entity/Webhook.php::EVENTS) but naming no worked time: answered 2xx and
# recorded as ignored, because any other answer makes CoopCycle retry it and file it as failed.
IGNORED_EVENTS = frozenset({"order.created"})
# The IRI ends up in a URL the gateway calls: only this exact shape is accepted.
DELIVERY_IRI = re.compile(r"^/api/deliveries/[1-9][0-9]{0,17}$")
# What an ignored event names (e.g. /api/orders/1): never called, only recorded.
OTHER_IRI = re.compile(r"^/api/[a-z_]{1,40}/[1-9][0-9]{0,17}$")
# CoopCycle retries a failed webhook 3 times (1 s, 2 s, 4 s: config/packages/messenger.yaml) with the same bytes.
# Bytes alike within this window are one notification (a replay); later, the same bytes are news again.
RETRY_WINDOW_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Notice:
    event: str
    delivery: str  # the delivery's IRI, e.g. /api/deliveries/1 (or what an ignored event names)

    @property
    def ignored(self) -> bool:
        return self.event in IGNORED_EVENTS


def _json(body: bytes) -> object:
    try:
        return jsonbody.loads(body)
    except jsonbody.JSONRefused as exc:
        raise refused_json(exc) from exc


def parse(body: bytes) -> Notice:
    doc = _json(body)
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict):
        raise PayloadError(
            'the body must be {"data": {"object": ..., "event": ...}}',
            errors=[{"location": "data", "message": "expected an object"}],
        )
    event, iri = data.get("event"), data.get("object")
    errors = []
    known = DELIVERY_EVENTS | IGNORED_EVENTS
    if not isinstance(event, str) or event not in known:
        errors.append({"location": "data.event", "message": f"expected one of {', '.join(sorted(known))}"})
    if isinstance(event, str) and event in IGNORED_EVENTS:
        if not isinstance(iri, str) or not OTHER_IRI.match(iri):
            errors.append({"location": "data.object", "message": "expected an IRI such as /api/orders/1"})
    elif not isinstance(iri, str) or not DELIVERY_IRI.match(iri):
        errors.append({"location": "data.object", "message": "expected a delivery IRI such as /api/deliveries/1"})
    if errors:
        raise PayloadError("; ".join(f"{e['location']}: {e['message']}" for e in errors), errors=errors)
    assert isinstance(event, str) and isinstance(iri, str)
    return Notice(event, iri)


def message_id(body: bytes, now: datetime | None = None) -> str:
    """CoopCycle sends no webhook id; its retries resend the same bytes within seconds, so the id is derived from
    the bytes and the retry window they arrived in.

    `delivery.completed:/api/deliveries/1:<16 hex of SHA-256>:<window>` when the body names a delivery (an ignored
    event's id starts with `ignored:`), else `sha256:<hex>` (refused later as malformed or invalid; nothing is
    stored). A retry straddling two windows is accepted twice, which is harmless: the fetch reads the delivery's
    current state, so reading it twice applies each fact once. Missing the second of two real events would not be.
    """
    digest = hashlib.sha256(body).hexdigest()
    try:
        notice = parse(body)
    except PayloadError:
        return f"sha256:{digest}"
    window = "" if now is None else f":{int(now.timestamp()) // RETRY_WINDOW_SECONDS}"
    prefix = "ignored:" if notice.ignored else ""
    return f"{prefix}{notice.event}:{notice.delivery}:{digest[:16]}{window}"
