"""The adapter interface. An adapter turns one platform's webhooks into canonical events.

To add a platform, write one package under adapters/ whose __init__ exposes `ADAPTER`, an object with
the two methods below. Nothing else in the gateway changes: the registry finds it by its slug.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from adapters.canonical import CanonicalEvent


class SignatureError(Exception):
    """The request is not proven to come from the platform. Rendered as 401; nothing is stored."""


class PayloadError(Exception):
    """The body is not a valid event. `malformed` is True when it is not even UTF-8 JSON (400), else 422."""

    def __init__(self, detail: str, *, malformed: bool = False, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.malformed = malformed
        self.errors = errors or []


@dataclass(frozen=True, slots=True)
class VerifiedMessage:
    """What verification proved: the platform's id for this delivery (stable across its retries)."""

    message_id: str


class Adapter(Protocol):
    slug: str

    def verify(
        self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: datetime, tolerance_seconds: int
    ) -> VerifiedMessage:
        """Check the signature over the exact body bytes; raise SignatureError if none of `secrets` signed it."""
        ...

    def parse(self, body: bytes) -> CanonicalEvent:
        """Turn a verified body into a canonical event; raise PayloadError naming what is wrong."""
        ...

    def validate_secret(self, secret: str) -> None:
        """Raise ValueError if `secret` is not a valid signing secret for this adapter."""
        ...

    def new_secret(self) -> str:
        """A fresh random signing secret in this adapter's format."""
        ...
