"""Where a new event type goes: one row of `gateway.event_types`. Every canonical type has exactly one, its example
is what the document shows and what its schema and the inbox's `handle` accept, and its checks are reached
through the row."""

from __future__ import annotations

import json
import types
import uuid
from datetime import datetime
from typing import Any, get_args

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import Engine
from sqlmodel import Session

from adapters.standard import parse_envelope
from gateway.agreements.loader import AgreementBook
from gateway.canonical import DATA_MODELS, EventData, EventType
from gateway.domains.contracts import bounds
from gateway.domains.inbox import service as inbox
from gateway.domains.platforms.service import webhook_target
from gateway.event_types import EVENT_TYPES, ROWS, BookingRow, ContractRow, DecisionRow, RiderRow, Row
from gateway.openapi_doc import render
from gateway.settings import Settings
from gateway.webhooks_doc import ENVELOPES
from tests.conftest import Clock, PlatformHandle, as_it_happens, count_rows, event

DOC: dict[str, Any] = json.loads(render())
URI = "urn:gateway:openapi"
REGISTRY: Registry[Any] = Registry().with_resource(URI, Resource.from_contents(DOC, DRAFT202012))
BODY = DOC["paths"]["/v1/platforms/{platform}/webhooks"]["post"]["requestBody"]["content"]["application/json"]


def _documented(schema_name: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"{URI}#/components/schemas/{schema_name}"},
        registry=REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def test_every_event_type_has_exactly_one_row() -> None:
    types_ = [row.type for row in ROWS]
    assert sorted(types_) == sorted(set(types_)) == sorted(get_args(EventType))
    assert list(EVENT_TYPES) == types_


def test_each_row_names_the_data_model_the_adapters_parse_with() -> None:
    assert {t: row.model for t, row in EVENT_TYPES.items()} == DATA_MODELS
    union = get_args(EventData)
    assert isinstance(EventData, types.UnionType) and sorted(m.__name__ for m in union) == sorted(
        m.__name__ for m in DATA_MODELS.values()
    )


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.type)
def test_each_row_example_is_its_type_and_validates_against_its_schema(row: Row[Any]) -> None:
    assert row.example["type"] == row.type
    # The model the gateway parses with, the envelope it documents, and the document's own JSON Schema.
    assert isinstance(parse_envelope(dict(row.example)).data, row.model)
    ENVELOPES[row.type].model_validate(row.example)
    errors = [e.message for e in _documented("WebhookEvent").iter_errors(dict(row.example))]
    assert not errors, errors
    assert BODY["examples"][row.type]["value"] == row.example


def test_the_document_shows_one_example_and_one_schema_per_row() -> None:
    assert sorted(BODY["examples"]) == sorted(EVENT_TYPES)
    mapping = DOC["components"]["schemas"]["WebhookEvent"]["discriminator"]["mapping"]
    assert mapping == {t: f"#/components/schemas/{row.model.__name__}Event" for t, row in EVENT_TYPES.items()}
    for t, row in EVENT_TYPES.items():
        assert DOC["components"]["schemas"][f"{row.model.__name__}Event"]["description"] == row.summary, t


def test_every_fact_about_a_contract_or_a_decision_is_checked_against_the_time_bounds() -> None:
    for row in ROWS:
        if isinstance(row, ContractRow | DecisionRow):
            assert any(check.__module__ == bounds.__name__ for check in row.checks), row.type


def _at(example: dict[str, Any]) -> datetime:
    """When the event is handled: as it happens (its own time, when it states one), as a platform posts."""
    stated = [example["timestamp"], *([example["data"]["at"]] if "at" in example["data"] else [])]
    return max(datetime.fromisoformat(s.replace("Z", "+00:00")) for s in stated)


def _before(row: Row[Any]) -> list[Row[Any]]:
    """What must have happened before this row's example: its rider enrolled, and for a shift's fact the booking."""
    kinds: tuple[type, ...] = {
        RiderRow: (),
        BookingRow: (RiderRow,),
        ContractRow: (RiderRow, BookingRow),
        DecisionRow: (RiderRow,),
    }[type(row)]
    return [r for kind in kinds for r in ROWS if isinstance(r, kind)]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.type)
def test_each_row_example_is_accepted_by_handle(
    row: Row[Any], platform: PlatformHandle, engine: Engine, book: AgreementBook, settings: Settings
) -> None:
    sequence = [*_before(row), row]
    with Session(engine, expire_on_commit=False) as session:
        for i, earlier in enumerate(sequence):
            example = dict(earlier.example)
            now = max(_at(dict(r.example)) for r in sequence[: i + 1])  # the clock never goes back
            target = webhook_target(session, platform.slug, now)
            assert target is not None
            answer = inbox.handle(
                session, target, book, settings, f"msg_{uuid.uuid4().hex}", parse_envelope(example), now
            )
            session.commit()
            body = json.loads(answer.content)
            assert (answer.status_code, answer.event_type, body["type"]) == (200, earlier.type, earlier.type)
    # The answer carries what the row's kind says: the rider as enrolled, or the shift's contract.
    data = row.example["data"]
    if isinstance(row, RiderRow):
        assert body["rider"]["rider_id"] == data["rider_id"] and body["contract"] is None
    elif isinstance(row, DecisionRow):
        assert body["decision"]["decision_id"] == data["decision_id"] and body["contract"] is None
    else:
        assert body["contract"]["shift_code"] == data["shift_code"] and body["rider"] is None


def test_an_end_in_another_currency_is_refused_for_it_before_its_times_are_checked(
    enrolled: PlatformHandle, send: Any, clock: Clock, engine: Engine
) -> None:
    """The row's checks run in the order it lists them, as the isinstance chain they replace did."""
    post = as_it_happens(send, clock)
    booked = event(
        "shift.booked",
        shift_code="S-1",
        rider_id="r-1",
        starts_at="2026-12-01T10:00:00+01:00",
        ends_at="2026-12-01T12:00:00+01:00",
    )
    assert post(enrolled, booked).status_code == 200
    events = count_rows(engine, "contract_event")
    # Ahead of the clock (a time-bounds refusal) and paid in USD: the currency is what is named.
    r = send(
        enrolled,
        event(
            "shift.ended",
            shift_code="S-1",
            at="2026-12-01T12:00:00+01:00",
            pay={"hourly_gross": "15", "currency": "USD"},
        ),
    )
    assert r.status_code == 422, r.text
    assert [e["location"] for e in r.json()["errors"]] == ["data.pay.currency"]
    r = send(enrolled, event("shift.ended", shift_code="S-1", at="2026-12-01T12:00:00+01:00"))
    assert r.status_code == 422, r.text
    assert [e["location"] for e in r.json()["errors"]] == ["data.at"] and "in the future" in r.text
    assert count_rows(engine, "contract_event") == events
