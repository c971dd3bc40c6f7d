"""Standard Webhooks v1 signatures, parsed strictly: the scheme the gateway signs its own callbacks with, and the
`standard` adapter verifies platforms' webhooks with.

Written here rather than wrapping the `standardwebhooks` package because that package lets a malformed
signature entry hide a later valid one, raises on a non-UTF-8 body, accepts a bad secret silently and
fixes the tolerance at 5 minutes (see shared/FACTS.md). The tests cross-check against it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets as _random
from collections.abc import Mapping, Sequence
from datetime import datetime

from adapters.base import SignatureError

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format prefix, not a secret
_ID = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces: it is part of the signed content
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")


def decode_secret(secret: str) -> bytes:
    """The key bytes of `whsec_<base64>`; ValueError unless it is exactly that, with 24 to 64 bytes."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a signing secret starts with 'whsec_'")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as exc:
        raise ValueError("a signing secret is 'whsec_' followed by standard base64") from exc
    if not 24 <= len(key) <= 64:
        raise ValueError(f"a signing secret holds 24 to 64 bytes; this one holds {len(key)}")
    return key


def new_secret(nbytes: int = 32) -> str:
    return SECRET_PREFIX + base64.b64encode(_random.token_bytes(nbytes)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = decode_secret(secret)
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def verify(
    headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: datetime, tolerance_seconds: int
) -> str:
    """Return the webhook-id when one of the `v1` signatures matches one of `secrets`; else SignatureError."""
    message_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    missing = [
        n
        for n, v in (("webhook-id", message_id), ("webhook-timestamp", timestamp), ("webhook-signature", signatures))
        if not v
    ]
    if missing:
        raise SignatureError(f"missing header(s): {', '.join(missing)}")
    assert message_id and timestamp and signatures
    if not _ID.match(message_id):
        raise SignatureError("webhook-id must be 1 to 200 printable ASCII characters without spaces")
    if not _TIMESTAMP.match(timestamp):
        raise SignatureError("webhook-timestamp must be an integer number of seconds since the epoch")
    skew = int(now.timestamp()) - int(timestamp)
    if abs(skew) > tolerance_seconds:
        when = "old" if skew > 0 else "far in the future"
        raise SignatureError(f"webhook-timestamp is too {when} ({abs(skew)} s; tolerance {tolerance_seconds} s)")
    content = f"{message_id}.{timestamp}.".encode() + body
    expected = [hmac.new(decode_secret(s), content, hashlib.sha256).digest() for s in secrets]
    for entry in signatures.split():
        version, sep, encoded = entry.partition(",")
        if version != "v1" or not sep:
            continue  # another scheme (e.g. v1a) or a malformed entry: it must not hide a valid one
        try:
            candidate = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            continue
        if any(hmac.compare_digest(candidate, e) for e in expected):
            return message_id
    raise SignatureError("no signature in webhook-signature matches an active secret of this platform")
