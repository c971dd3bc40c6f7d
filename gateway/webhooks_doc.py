"""The webhook contract in the OpenAPI document, both ways.

In: the canonical events a platform posts to `POST /v1/platforms/{platform}/webhooks`. The route reads the raw
body itself (the signature is over the exact bytes, and parsing it twice would cost the hot path), so FastAPI
does not know its shape: the route declares it through `openapi_extra` (`WEBHOOK_OPERATION`), and `complete`
adds the schemas it refers to. Both are built from the event table (`gateway.event_types`): one envelope schema
and one example per row. Out: the callbacks the gateway posts to a platform's callback endpoints, in the
OpenAPI 3.1 `webhooks` section, one entry per event type, with the answers the dispatcher acts on.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from gateway.canonical import Instant
from gateway.domains.callbacks.examples import CALLBACK_EXAMPLES
from gateway.domains.callbacks.schemas import CALLBACKS
from gateway.event_types import EVENT_TYPES, Row
from gateway.settings import Settings

REF = "#/components/schemas/{model}"
BODY = "WebhookEvent"
_DEFAULTS = Settings.model_fields


class _Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    timestamp: Instant = Field(description="When the event happened at the platform (ISO-8601 with an offset).")


def _envelope(row: Row[Any]) -> type[BaseModel]:
    """The published shape of one event type, `{type, timestamp, data}` with `type` fixed: built from its row.
    The standard adapter reads the envelope by hand (`parse_envelope`), so these classes only document it."""
    return create_model(
        f"{row.model.__name__}Event",
        __base__=_Envelope,
        __doc__=row.summary,
        type=(cast(Any, Literal)[row.type], ...),
        data=(row.model, ...),
    )


ENVELOPES: dict[str, type[BaseModel]] = {t: _envelope(row) for t, row in EVENT_TYPES.items()}


def _header(name: str, description: str, schema: dict[str, Any], example: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": True,
        "description": description,
        "schema": {"type": "string", **schema},
        "example": example,
    }


_EXAMPLE_SIGNATURE = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="
_ID_SCHEMA = {"minLength": 1, "maxLength": 200, "pattern": "^[\\x21-\\x7e]+$"}
_TIMESTAMP_SCHEMA = {"pattern": "^[0-9]{1,12}$"}

SIGNATURE_HEADERS = [
    _header(
        "webhook-id",
        "The message's id (printable ASCII, no spaces). Send the same id when you retry: a replay gets the first "
        "answer back unchanged, with `Webhook-Replayed: true`, and changes nothing.",
        _ID_SCHEMA,
        "msg_2Kq4b5TQmZ8rW3x",
    ),
    _header(
        "webhook-timestamp",
        "When you signed, in Unix seconds. Refused (401) when further than "
        f"{_DEFAULTS['webhook_tolerance_seconds'].default} seconds from the gateway's clock, either way "
        "(`GATEWAY_WEBHOOK_TOLERANCE_SECONDS`).",
        _TIMESTAMP_SCHEMA,
        "1795683900",
    ),
    _header(
        "webhook-signature",
        "Standard Webhooks v1: `v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` (the "
        "exact bytes sent), keyed by the base64-decoded part of the platform's `whsec_` secret. Several signatures "
        "may be sent, separated by spaces (while rotating secrets); one that verifies is enough.",
        {"minLength": 1},
        _EXAMPLE_SIGNATURE,
    ),
]

WEBHOOK_OPERATION: dict[str, Any] = {
    "parameters": SIGNATURE_HEADERS,
    "requestBody": {
        "required": True,
        "description": "A canonical event, `{type, timestamp, data}`; the body is read as sent and verified "
        "before it is parsed. Unknown fields are ignored; amounts are decimal strings; instants carry an offset. "
        "Platforms on another adapter (e.g. CoopCycle) post their own format, mapped onto these events.",
        "content": {
            "application/json": {
                "schema": {"$ref": REF.format(model=BODY)},
                "examples": {t: {"summary": t, "value": row.example} for t, row in EVENT_TYPES.items()},
            }
        },
    },
}
"""The webhook route's `openapi_extra`: its body and its signature headers, documented, not parsed by FastAPI."""


def _schemas(models: list[type[BaseModel]], mode: JsonSchemaMode) -> dict[str, Any]:
    _, top = models_json_schema([(m, mode) for m in models], ref_template=REF)
    defs: dict[str, Any] = top.get("$defs", {})
    if mode == "serialization":
        # As FastAPI documents its answers: a serialised field is always present, so no `"default": null`.
        for schema in defs.values():
            for prop in schema.get("properties", {}).values():
                if "default" in prop and prop["default"] is None:
                    del prop["default"]
    return defs


def _add(components: dict[str, Any], schemas: dict[str, Any]) -> None:
    for name, schema in schemas.items():
        present = components.setdefault(name, schema)
        # The same model seen twice is the same schema; two different ones under one name would be a lie.
        assert present == schema, f"two different schemas are named {name} in the OpenAPI document"


def _event_union() -> dict[str, Any]:
    mapping = {t: REF.format(model=m.__name__) for t, m in ENVELOPES.items()}
    return {
        "title": BODY,
        "description": "A canonical event: one schema per `type`.",
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": "type", "mapping": mapping},
    }


_CALLBACK_HEADERS = [
    _header(
        "webhook-id",
        "The event's id: the same on every retry of this event, and for each of the platform's endpoints. "
        "Deduplicate on it: delivery is at least once.",
        _ID_SCHEMA,
        "msg_4f1c2b7e9a0d4c3b8e6f5a2d1c0b9e8f",
    ),
    _header(
        "webhook-timestamp",
        "When this attempt was signed, in Unix seconds (a retry is signed anew).",
        _TIMESTAMP_SCHEMA,
        "1796857260",
    ),
    _header(
        "webhook-signature",
        "Standard Webhooks v1: `v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`, "
        "keyed by the endpoint's `whsec_` secret (given once, when the endpoint was added). Verify it over the "
        "exact bytes received, and refuse a timestamp far from your clock.",
        {"minLength": 1},
        _EXAMPLE_SIGNATURE,
    ),
]


def _callback_responses() -> dict[str, Any]:
    waits: list[int] = _DEFAULTS["outbox_retry_schedule"].default
    return {
        "2XX": {"description": "Delivered: recorded, the endpoint's failure count starts over. The body is ignored."},
        "410": {
            "description": "Gone: never retried. The message becomes a dead letter and the endpoint is disabled; "
            "its other callbacks are held, not dropped, until it is enabled again "
            "(`POST /v1/platforms/{platform}/callback-endpoints/{endpoint_id}/enable`)."
        },
        "default": {
            "description": "Any other status (a redirect is not followed), a timeout "
            f"({_DEFAULTS['outbox_http_timeout_seconds'].default:g} s) or a connection error: retried, "
            f"{len(waits)} times, after {', '.join(f'{w} s' for w in waits)} (each ±"
            f"{_DEFAULTS['outbox_retry_jitter'].default:.0%}), never sooner than a `Retry-After` asks (seconds "
            "or an HTTP date; honoured up to a day). A failure after the last retry makes the message a dead "
            "letter and disables the endpoint, as a 410 does; the cooperative can replay dead letters."
        },
    }


def _callbacks() -> dict[str, Any]:
    responses = _callback_responses()
    return {
        event_type: {
            "post": {
                "operationId": "callback_" + event_type.replace(".", "_"),
                "summary": (model.__doc__ or "").strip().split("\n")[0],
                "description": f"Sent to each enabled callback endpoint of the platform, as a signed POST of "
                f"`{{type, timestamp, data}}` with `type` = `{event_type}`.",
                "tags": ["callbacks"],
                "parameters": _CALLBACK_HEADERS,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": REF.format(model=model.__name__)},
                            "example": CALLBACK_EXAMPLES[event_type],
                        }
                    },
                },
                "responses": responses,
            }
        }
        for event_type, model in CALLBACKS.items()
    }


def complete(schema: dict[str, Any]) -> None:
    """Add the canonical events' schemas (the webhook route's body) and the callbacks (`webhooks`) to `schema`."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    _add(components, _schemas(list(ENVELOPES.values()), "validation"))
    _add(components, {BODY: _event_union()})
    # Serialization: the callbacks carry what the gateway's models dump (amounts as text), like its answers.
    _add(components, _schemas(list(CALLBACKS.values()), "serialization"))
    schema["webhooks"] = _callbacks()
