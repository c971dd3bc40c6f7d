"""CoopCycle's webhook signature: `X-CoopCycle-Signature: base64(HMAC-SHA256(body, secret))`.

As coopcycle-web's WebhookHandler computes it: the key is the secret *string* CoopCycle returned when the
webhook was registered (`base64_encode(random_bytes(32))`), used as is, not base64-decoded; the MAC covers
the exact body bytes. CoopCycle registers one webhook per event, each with its own secret, so a platform
typically holds several active secrets: any of them may sign.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets as _random
from collections.abc import Mapping, Sequence

from adapters.base import SignatureError

HEADER = "x-coopcycle-signature"
_B64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


def validate_secret(secret: str) -> None:
    """ValueError unless `secret` is standard base64 of 16 to 64 bytes (CoopCycle's are 32)."""
    if not _B64.match(secret) or len(secret) % 4:
        raise ValueError("a CoopCycle webhook secret is standard base64, as POST /api/webhooks returned it")
    try:
        size = len(base64.b64decode(secret, validate=True))
    except binascii.Error as exc:
        raise ValueError("a CoopCycle webhook secret is standard base64") from exc
    if not 16 <= size <= 64:
        raise ValueError(f"a CoopCycle webhook secret encodes 16 to 64 bytes; this one encodes {size}")


def new_secret() -> str:
    return base64.b64encode(_random.token_bytes(32)).decode()


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify(headers: Mapping[str, str], body: bytes, secrets: Sequence[str]) -> None:
    """Return when one of `secrets` signed `body`; else SignatureError (the message names no secret)."""
    # Starlette's headers are case-insensitive; a plain mapping (a test, a replay tool) may not be.
    header = headers.get(HEADER) or next((v for k, v in headers.items() if k.lower() == HEADER), None)
    if not header:
        raise SignatureError("missing header X-CoopCycle-Signature")
    try:
        candidate = base64.b64decode(header.strip(), validate=True)
    except binascii.Error as exc:
        raise SignatureError("X-CoopCycle-Signature is not base64") from exc
    # Every secret is tried (no early exit) so the time taken says nothing about which one matched.
    matched = False
    for secret in secrets:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        matched |= hmac.compare_digest(candidate, expected)
    if not matched:
        raise SignatureError("X-CoopCycle-Signature matches no active secret of this platform")
