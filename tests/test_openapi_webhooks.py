"""The OpenAPI document is the contract a platform integrates from: the webhook body it posts, the callbacks it
receives, public component names, and examples that the schemas and the running gateway both accept."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis.specs.openapi.definitions import OPENAPI_31
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from gateway.canonical import DATA_MODELS, PayOffer
from gateway.domains.callbacks import service as callbacks
from gateway.domains.callbacks.schemas import CALLBACKS
from gateway.domains.contracts import identity
from gateway.domains.declarations.connectors import DeclarationRequest, DeclarationResult
from gateway.domains.members import service as members
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.vault import vault_of
from gateway.domains.outbox.models import OutboxMessage
from gateway.event_types import EVENT_TYPES
from gateway.openapi_doc import render
from gateway.settings import Settings
from tests.conftest import Clock, PlatformHandle, as_it_happens, event, fund_opening_balance

Send = Callable[..., Any]
DOC: dict[str, Any] = json.loads(render())
URI = "urn:gateway:openapi"
REGISTRY: Registry[Any] = Registry().with_resource(URI, Resource.from_contents(DOC, DRAFT202012))
WEBHOOK = DOC["paths"]["/v1/platforms/{platform}/webhooks"]["post"]
OAS_31 = Draft202012Validator(OPENAPI_31)  # the OpenAPI 3.1 meta-schema, as schemathesis ships it
EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _validator(*schema_at: str) -> Draft202012Validator:
    """A validator for the schema at this place in the document; its `#/components/...` refs resolve there."""
    return Draft202012Validator(
        {"$ref": URI + "#" + _pointer(*schema_at)},
        registry=REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _examples_in(node: Any, at: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, ...], Any]]:
    """(where, the schema's place, the example) for every example the document holds next to a schema."""
    if isinstance(node, dict):
        if "schema" in node:
            if "example" in node:
                yield _pointer(*at, "example"), (*at, "schema"), node["example"]
            for name, ex in node.get("examples", {}).items():
                yield _pointer(*at, "examples", name), (*at, "schema"), ex["value"]
        for key, value in node.items():
            if key != "schema":
                yield from _examples_in(value, (*at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _examples_in(value, (*at, str(i)))


def _all_examples() -> list[tuple[str, tuple[str, ...], Any]]:
    found = list(_examples_in(DOC["paths"], ("paths",))) + list(_examples_in(DOC["webhooks"], ("webhooks",)))
    for name, schema in DOC["components"]["schemas"].items():
        for i, ex in enumerate(schema.get("examples", [])):
            found.append((f"/components/schemas/{name}/examples/{i}", ("components", "schemas", name), ex))
    return found


def test_the_document_is_valid_openapi_3_1() -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"[:300] for e in OAS_31.iter_errors(DOC)]
    assert not errors, errors


def test_no_component_name_leaks_a_module_path() -> None:
    names = list(DOC["components"]["schemas"])
    leaked = [n for n in names if "__" in n or "." in n or not re.fullmatch(r"[A-Z][A-Za-z0-9]*", n)]
    assert not leaked, f"component names must be public names, not module paths: {leaked}"


def test_every_example_in_the_document_validates_against_its_schema() -> None:
    examples = _all_examples()
    # The canonical events, their headers and every callback carry one at least: the check is not vacuous.
    assert len(examples) >= len(DATA_MODELS) + len(CALLBACKS) + 3 * (1 + len(CALLBACKS))
    failures = {
        where: "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
        for where, schema_at, example in examples
        if (errors := list(_validator(*schema_at).iter_errors(example)))
    }
    assert not failures, failures


def test_the_webhook_body_is_one_schema_per_event_type_discriminated_by_type() -> None:
    body = WEBHOOK["requestBody"]["content"]["application/json"]
    union = DOC["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    mapping = union["discriminator"]["mapping"]
    assert union["discriminator"]["propertyName"] == "type"
    assert sorted(mapping) == sorted(DATA_MODELS) == sorted(body["examples"])
    assert sorted(s["$ref"] for s in union["oneOf"]) == sorted(mapping.values())
    for event_type, ref in mapping.items():
        schema = DOC["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert schema["properties"]["type"]["const"] == event_type
        assert set(schema["required"]) == {"type", "timestamp", "data"}
    wrong = {**body["examples"]["shift.started"]["value"], "type": "shift.booked"}
    assert not _validator("components", "schemas", "WebhookEvent").is_valid(wrong)


@pytest.mark.parametrize(
    "offer",
    [
        {"hourly_gross": "12.00"},
        {"per_trip": "4.50", "currency": "EUR"},
        {"hourly_gross": None, "per_trip": "4.50"},
        {"hourly_gross": "12.00", "per_trip": "4.50"},
        {"currency": "EUR"},
    ],
)
def test_the_documented_pay_offer_accepts_what_the_parser_accepts(offer: dict[str, Any]) -> None:
    try:
        PayOffer.model_validate(offer)
        parsed = True
    except ValidationError:
        parsed = False
    assert _validator("components", "schemas", "PayOffer").is_valid(offer) == parsed


def test_the_webhook_route_documents_the_signature_headers_as_required() -> None:
    headers = {p["name"]: p for p in WEBHOOK["parameters"] if p["in"] == "header"}
    assert sorted(headers) == ["webhook-id", "webhook-signature", "webhook-timestamp"]
    assert all(h["required"] for h in headers.values())
    assert "401" in WEBHOOK["responses"]  # an unsigned body (what a generated client sends untouched) is refused


def test_the_demo_files_are_the_documented_examples() -> None:
    files = sorted(EXAMPLES_DIR.glob("*.json"))
    assert files
    for path in files:
        body = json.loads(path.read_text(encoding="utf-8"))
        assert body == EVENT_TYPES[body["type"]].example, path.name


BEFORE = {
    "rider.enrolled": [],
    "shift.booked": ["rider.enrolled"],
    "shift.started": ["rider.enrolled", "shift.booked"],
    "shift.ended": ["rider.enrolled", "shift.booked", "shift.started"],
    "shift.cancelled": ["rider.enrolled", "shift.booked"],
    "rider.decision": ["rider.enrolled"],
}


@pytest.mark.parametrize("event_type", list(DATA_MODELS))
def test_each_documented_event_example_is_accepted_by_the_route_when_signed(
    event_type: str, platform: PlatformHandle, send: Send, clock: Clock
) -> None:
    post = as_it_happens(send, clock)
    documented = WEBHOOK["requestBody"]["content"]["application/json"]["examples"]
    for earlier in BEFORE[event_type]:
        r = post(platform, json.dumps(documented[earlier]["value"]).encode())
        assert r.status_code == 200, (earlier, r.text)
    example = documented[event_type]["value"]
    if event_type == "rider.decision":
        clock.fixed = at(example["timestamp"])  # reported when it is decided (its time may not be ahead)
    r = post(platform, json.dumps(example).encode())
    assert r.status_code == 200, r.text
    assert r.json()["type"] == event_type
    assert str(r.status_code) in WEBHOOK["responses"]


def at(text_: str) -> datetime:
    return datetime.fromisoformat(text_).astimezone(UTC)


class RefusesOne:
    """The embedded connector's behaviour, except that one contract's declaration is refused."""

    name = "local"
    identifies_worker = False

    def __init__(self, refused: uuid.UUID) -> None:
        self.refused = refused

    def submit(self, request: DeclarationRequest) -> str:
        return f"test-{request.operation}-{request.contract_id}"

    def result(self, reference: str) -> DeclarationResult | None:
        if reference.endswith(str(self.refused)):
            return DeclarationResult(
                "B", ({"code": "", "description": "the rider's social security number is unknown"},)
            )
        return DeclarationResult("A")


def _callbacks_queued(engine: Engine) -> list[OutboxMessage]:
    """The callbacks as the domains queued them (before the fan-out to each endpoint)."""
    with Session(engine) as session:
        stmt = select(OutboxMessage).where(
            col(OutboxMessage.kind).startswith("callback."), col(OutboxMessage.endpoint_id).is_(None)
        )
        return list(session.exec(stmt.order_by(col(OutboxMessage.id))).all())


def _documented_properties(schema_name: str) -> set[str]:
    data = DOC["components"]["schemas"][schema_name]["properties"]["data"]
    return set(DOC["components"]["schemas"][data["$ref"].rsplit("/", 1)[1]]["properties"])


def test_every_callback_the_gateway_sends_validates_against_its_documented_schema(
    enrolled: PlatformHandle,
    send: Send,
    clock: Clock,
    run_job: Callable[..., int],
    engine: Engine,
    settings: Settings,
) -> None:
    fund_opening_balance(engine)
    post = as_it_happens(send, clock)
    bookings = {}
    for code, day in (("S-1", "01"), ("S-2", "02")):
        r = post(
            enrolled,
            event(
                "shift.booked",
                shift_code=code,
                rider_id="r-1",
                starts_at=f"2026-12-{day}T10:00:00+01:00",
                ends_at=f"2026-12-{day}T12:00:00+01:00",
            ),
        )
        assert r.status_code == 200, r.text
        bookings[code] = uuid.UUID(r.json()["contract"]["id"])
    # S-1 is declared, S-2's declaration refused; S-1 is then worked, settled, invoiced and paid.
    run_job("outbox.dispatch", at("2026-11-30T09:00:00+01:00"), declaration_connector=RefusesOne(bookings["S-2"]))
    assert post(enrolled, event("shift.started", shift_code="S-1", at="2026-12-01T10:00:00+01:00")).status_code == 200
    assert post(enrolled, event("shift.ended", shift_code="S-1", at="2026-12-01T12:05:00+01:00")).status_code == 200
    assert run_job("contracts.settle", at("2026-12-01T13:00:00+01:00")) == 1
    assert run_job("invoices.issue", at("2026-12-01T14:00:00+01:00")) == 1
    assert run_job("payouts.execute", at("2026-12-10T00:01:00+01:00")) == 1
    # S-3 is booked for a member whose identity is incomplete (blocked), then released once it is complete.
    settings.identity_required = True
    vault = vault_of(settings)
    with Session(engine) as session:
        members.create(session, vault, IdentityIn(first_name="Amina", last_name="Diallo"), clock(), number="M-3")
        session.commit()
    enrol = event("rider.enrolled", rider_id="r-3", name="Amina", email="a@example.org", member_id="M-3")
    assert post(enrolled, enrol).status_code == 200
    s3 = event(
        "shift.booked",
        shift_code="S-3",
        rider_id="r-3",
        starts_at="2026-12-03T10:00:00+01:00",
        ends_at="2026-12-03T12:00:00+01:00",
    )
    assert post(enrolled, s3).json()["contract"]["status"] == "blocked"
    with Session(engine) as session:
        member = members.by_number(session, "M-3")
        assert member is not None
        members.update(session, vault, member, IdentityIn(birth_date=date(1985, 7, 30), ssin="85073003328"), clock())
        assert len(identity.release(session, "M-3", clock())) == 1
        session.commit()

    queued = _callbacks_queued(engine)
    assert {m.kind.removeprefix("callback.") for m in queued} == set(CALLBACKS) == set(DOC["webhooks"])
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # any endpoint's secret: the body does not depend on it
    for m in queued:
        # The body exactly as the dispatcher signs and posts it to each endpoint.
        envelope = callbacks.envelope(m.kind, m.payload, m.created_at)
        sent = json.loads(callbacks.signed_request(secret, envelope, m.created_at).body)
        event_type = sent["type"]
        schema_at = ("webhooks", event_type, "post", "requestBody", "content", "application/json", "schema")
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator(*schema_at).iter_errors(sent)
        ]
        assert not errors, (event_type, errors, sent)
        model = CALLBACKS[event_type].__name__
        undocumented = set(sent["data"]) - _documented_properties(model)
        assert not undocumented, f"{event_type} sends fields its schema does not name: {undocumented}"
