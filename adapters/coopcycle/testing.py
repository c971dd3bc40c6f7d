"""Acting as CoopCycle in tests: bodies as PHP's json_encode writes them, signed as WebhookHandler signs them.

Also the adapter's kit for the contract suite every adapter passes (tests/adapters/test_adapter_contract.py).
"""

from __future__ import annotations

import json
from datetime import datetime

from adapters.coopcycle.signature import sign


def php_json(payload: object) -> bytes:
    """json_encode's default spelling: compact, slashes escaped (so the signed bytes are CoopCycle's)."""
    return json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()


def notification(delivery: str, event: str) -> bytes:
    return php_json({"data": {"object": delivery, "event": event}})


def signed_headers(secret: str, body: bytes) -> dict[str, str]:
    return {"content-type": "application/json", "X-CoopCycle-Signature": sign(secret, body)}


class Kit:
    """What the adapter contract suite needs to act as this platform."""

    signature_headers: tuple[str, ...] = ("X-CoopCycle-Signature",)

    def valid_body(self) -> bytes:
        return notification("/api/deliveries/1", "delivery.completed")

    def invalid_body(self) -> bytes:
        return php_json({"data": {"object": "https://evil.example/api/deliveries/1", "event": "delivery.completed"}})

    def sign(self, secret: str, body: bytes, now: datetime) -> dict[str, str]:
        return signed_headers(secret, body)


KIT = Kit()
