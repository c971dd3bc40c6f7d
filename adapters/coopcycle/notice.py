"""The body of a CoopCycle webhook: `{"data": {"object": "/api/deliveries/1", "event": "delivery.completed"}}`.

It names the delivery and what happened to it, nothing more (coopcycle-web: src/MessageHandler/
WebhookHandler.php). PHP's json_encode escapes slashes (`"\\/api\\/deliveries\\/1"`); any JSON spelling is read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

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
# The IRI ends up in a URL the gateway calls: only this exact shape is accepted.
DELIVERY_IRI = re.compile(r"^/api/deliveries/[1-9][0-9]{0,17}$")


@dataclass(frozen=True, slots=True)
class Notice:
    event: str
    delivery: str  # the delivery's IRI, e.g. /api/deliveries/1


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
    if not isinstance(event, str) or event not in DELIVERY_EVENTS:
        errors.append({"location": "data.event", "message": f"expected one of {', '.join(sorted(DELIVERY_EVENTS))}"})
    if not isinstance(iri, str) or not DELIVERY_IRI.match(iri):
        errors.append({"location": "data.object", "message": "expected a delivery IRI such as /api/deliveries/1"})
    if errors:
        raise PayloadError("; ".join(f"{e['location']}: {e['message']}" for e in errors), errors=errors)
    assert isinstance(event, str) and isinstance(iri, str)
    return Notice(event, iri)


def message_id(body: bytes) -> str:
    """CoopCycle sends no webhook id; its retries resend the same bytes, so the id is derived from them.

    `delivery.completed:/api/deliveries/1:<16 hex of SHA-256>` when the body names a delivery, else
    `sha256:<hex>` (such a body is refused later as malformed or invalid, and nothing is stored).
    """
    digest = hashlib.sha256(body).hexdigest()
    try:
        notice = parse(body)
    except PayloadError:
        return f"sha256:{digest}"
    return f"{notice.event}:{notice.delivery}:{digest[:16]}"
