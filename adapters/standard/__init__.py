"""The `standard` adapter: the canonical webhook format of DESIGN.md, signed per Standard Webhooks v1."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import TypeAdapter, ValidationError

from adapters import jsonbody
from adapters.base import PayloadError, VerifiedMessage, refused_json
from adapters.standard import signature
from gateway.canonical import DATA_MODELS, CanonicalEvent, Instant
from gateway.plugins import Plugin

_INSTANT: TypeAdapter[datetime] = TypeAdapter(Instant)


def decode_json(body: bytes) -> object:
    """The body read by the gateway's one JSON reader; PayloadError naming the first problem."""
    try:
        return jsonbody.loads(body)
    except jsonbody.JSONRefused as exc:
        raise refused_json(exc) from exc


def _errors(exc: ValidationError, prefix: str) -> list[dict[str, str]]:
    return [
        {"location": ".".join([prefix, *(str(p) for p in e["loc"])]).strip("."), "message": e["msg"]}
        for e in exc.errors()
    ]


def parse_envelope(doc: object) -> CanonicalEvent:
    """Validate `{"type", "timestamp", "data"}`; every problem found is reported at once."""
    if not isinstance(doc, dict):
        raise PayloadError("the body must be a JSON object with type, timestamp and data")
    etype = doc.get("type")
    model = DATA_MODELS.get(etype) if isinstance(etype, str) else None
    if model is None:
        known = ", ".join(DATA_MODELS)
        raise PayloadError(
            f"unknown event type {etype!r}; expected one of {known}",
            errors=[{"location": "type", "message": f"expected one of {known}"}],
        )
    errors: list[dict[str, str]] = []
    data = None
    try:
        data = model.model_validate(doc.get("data"))
    except ValidationError as exc:
        errors += _errors(exc, "data")
    try:
        timestamp = _INSTANT.validate_python(doc.get("timestamp"))
    except ValidationError as exc:
        errors += _errors(exc, "timestamp")
    if errors or data is None:
        detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
        raise PayloadError(f"invalid {etype} event: {detail}", errors=errors)
    return CanonicalEvent.model_construct(type=etype, timestamp=timestamp, data=data)  # type: ignore[arg-type]


class StandardAdapter:
    slug = "standard"

    def verify(
        self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: datetime, tolerance_seconds: int
    ) -> VerifiedMessage:
        return VerifiedMessage(signature.verify(headers, body, secrets, now, tolerance_seconds))

    def parse(self, body: bytes) -> CanonicalEvent:
        return parse_envelope(decode_json(body))

    def validate_secret(self, secret: str) -> None:
        signature.decode_secret(secret)

    def new_secret(self) -> str:
        return signature.new_secret()

    def sign_test(self, secret: str, body: bytes, now: datetime, message_id: str | None = None) -> dict[str, str]:
        msg_id, ts = message_id or f"msg_{uuid.uuid4().hex}", int(now.timestamp())
        return {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(ts),
            "webhook-signature": signature.sign(secret, msg_id, ts, body),
        }


ADAPTER = StandardAdapter()
PLUGIN = Plugin(__name__, adapter=ADAPTER)
