"""The `standard` adapter: the canonical webhook format of DESIGN.md, signed per Standard Webhooks v1."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import TypeAdapter, ValidationError

from adapters.base import PayloadError, VerifiedMessage
from adapters.canonical import DATA_MODELS, CanonicalEvent, Instant
from adapters.standard import signature

_INSTANT: TypeAdapter[datetime] = TypeAdapter(Instant)


def decode_json(body: bytes) -> object:
    """Strict UTF-8 JSON; PayloadError(malformed=True) naming the position of the first problem."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"the body is not UTF-8 (byte {exc.start})", malformed=True) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayloadError(
            f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", malformed=True
        ) from exc


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


ADAPTER = StandardAdapter()
