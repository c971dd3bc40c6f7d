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
HEADER_NAME = "X-CoopCycle-Signature"
# The secret is used as text, never decoded, so any printable ASCII works: since 2021 coopcycle-web issues
# `base64_encode(random_bytes(32))`, but older instances and its own fixtures hold plain strings ('123456789').
# Below 8 characters it is a typo more likely than a secret; 200 is the column's size.
_PLAIN = re.compile(r"^[\x21-\x7e]{8,200}$")


def validate_secret(secret: str) -> None:
    """ValueError unless `secret` is 8 to 200 printable ASCII characters without spaces, used as CoopCycle
    gave it (`POST /api/webhooks` answers base64 of 32 random bytes; older instances gave plain strings)."""
    if not secret:
        raise ValueError("a CoopCycle webhook secret is the `secret` POST /api/webhooks answered; it is empty")
    if any(c.isspace() for c in secret):
        raise ValueError("a CoopCycle webhook secret has no spaces or line breaks (copy it without quotes)")
    if secret.startswith("whsec_"):
        raise ValueError(
            "this is a Standard Webhooks secret (whsec_...); a CoopCycle platform's secret is the `secret` "
            "POST /api/webhooks answered"
        )
    if not _PLAIN.match(secret):
        raise ValueError(
            f"a CoopCycle webhook secret is 8 to 200 printable ASCII characters; this one has {len(secret)}"
            + ("" if secret.isascii() else " and characters outside ASCII")
        )


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
