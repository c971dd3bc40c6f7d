"""The standard adapter's signature scheme is the gateway's own: Standard Webhooks v1 (gateway.signing)."""

from gateway.signing import SECRET_PREFIX, decode_secret, new_secret, sign, verify

__all__ = ["SECRET_PREFIX", "decode_secret", "new_secret", "sign", "verify"]
