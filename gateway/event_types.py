"""Where a canonical event type goes: one row here.

A row names the event's data model (`gateway.canonical`), the checks that refuse it before anything changes
(`contracts.bounds`), the function that applies it in the domain that owns it, a summary and the example the
OpenAPI document shows. The inbox's `handle` looks the type up here and runs the row; `webhooks_doc` builds the
webhook route's documented body from the rows; `tests/test_event_types.py` proves every `EventType` has exactly
one row, whose example validates against its schema and is accepted by `handle`.

The kind of row says how the inbox calls its handler: a fact about a rider, a booking, a fact about a booked
shift's contract, or a platform's decision about a rider. A new event type of a kind that exists is a data model and a row; only a new kind of event needs
the inbox to learn how to call it.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from sqlmodel import Session

from gateway.canonical import (
    EventType,
    RiderDecision,
    RiderEnrolled,
    ShiftBooked,
    ShiftCancelled,
    ShiftEnded,
    ShiftStarted,
)
from gateway.domains.contracts import bounds, lifecycle
from gateway.domains.contracts.bounds import TimeBounds
from gateway.domains.contracts.models import Contract
from gateway.domains.decisions import platform as platform_decisions
from gateway.domains.decisions.platform_schemas import DecisionRecorded
from gateway.domains.platforms.service import WebhookTarget
from gateway.domains.riders import service as riders
from gateway.domains.riders.models import Rider

D = TypeVar("D")


class ShiftFact(Protocol):
    """What every fact about a booked shift names: the shift, whose contract it acts on."""

    @property
    def shift_code(self) -> str: ...


F = TypeVar("F", bound=ShiftFact)


@dataclass(frozen=True, slots=True, kw_only=True)
class Row(Generic[D]):
    """What every row says, whatever its kind: the type, how its data parses, how the document shows it."""

    type: EventType
    model: builtins.type[D]  # `type` is the row's event type here
    summary: str  # what the event means, as the OpenAPI document says it
    example: Mapping[str, Any]  # one realistic body, `{type, timestamp, data}`


@dataclass(frozen=True, slots=True, kw_only=True)
class RiderRow(Row[D]):
    """A fact about a rider: the answer carries the rider as the handler leaves them."""

    handler: Callable[[Session, int, D, datetime], Rider]  # (session, platform id, data, now)


@dataclass(frozen=True, slots=True, kw_only=True)
class BookingRow(Row[ShiftBooked]):
    """A booking opens the shift's contract: the answer carries it.

    No handler field: the booking is written by `contracts.booking` (one statement on PostgreSQL, taken before
    `handle` by `inbox.service.book_at_once`; `insert_contract` otherwise), which the inbox calls because it also
    records the answer in the same statement; its times are checked by `contracts.decide` (`bounds.check_booking`).
    """


@dataclass(frozen=True, slots=True, kw_only=True)
class ContractRow(Row[F]):
    """A fact about a booked shift: the inbox locks its contract, runs the checks in order (each refuses with a
    422 before anything changes), then the handler; the answer carries the contract as the handler leaves it."""

    checks: tuple[Callable[[Contract, F, datetime, TimeBounds], None], ...]
    # (session, contract, data, source message id, now, settle delay) -> whether anything changed
    handler: Callable[[Session, Contract, F, str, datetime, timedelta], bool]


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionRow(Row[D]):
    """A platform's decision about one of its riders: the inbox runs the checks (each refuses with a 422 before
    anything changes), then the handler records it; the answer carries the decision as recorded."""

    checks: tuple[Callable[[D, datetime, TimeBounds], None], ...]
    # (session, the platform, data, source message id, now) -> the decision as recorded
    handler: Callable[[Session, WebhookTarget, D, str, datetime], DecisionRecorded]


AnyRow = RiderRow[Any] | BookingRow | ContractRow[Any] | DecisionRow[Any]

ROWS: tuple[AnyRow, ...] = (
    RiderRow(
        type="rider.enrolled",
        model=RiderEnrolled,
        summary="A rider joined the platform: the gateway registers them before any shift is booked for them.",
        handler=riders.enrol,
        example={
            "type": "rider.enrolled",
            "timestamp": "2026-11-26T09:00:00Z",
            "data": {"rider_id": "rider-42", "name": "Amina Rider", "email": "amina@example.org"},
        },
    ),
    BookingRow(
        type="shift.booked",
        model=ShiftBooked,
        summary="A shift was booked for an enrolled rider: the gateway opens the employment contract and answers "
        "with it.",
        example={
            "type": "shift.booked",
            "timestamp": "2026-11-26T09:05:00Z",
            "data": {
                "shift_code": "DEMO-SUN-0300",
                "rider_id": "rider-42",
                "starts_at": "2027-11-21T03:00:00+01:00",
                "ends_at": "2027-11-21T05:00:00+01:00",
                "zone": "Brussels-Ixelles",
                "pay": {"per_trip": "4.50", "currency": "EUR"},
            },
        },
    ),
    ContractRow(
        type="shift.started",
        model=ShiftStarted,
        summary="The rider started the booked shift.",
        checks=(bounds.check_started,),
        handler=lifecycle.apply_started,
        example={
            "type": "shift.started",
            "timestamp": "2027-11-21T02:02:00Z",
            "data": {"shift_code": "DEMO-SUN-0300", "at": "2027-11-21T03:02:00+01:00"},
        },
    ),
    ContractRow(
        type="shift.ended",
        model=ShiftEnded,
        summary="The rider ended the shift (with the deliveries made, if the platform counts them).",
        # The currency first: an end proposing pay in another currency is refused for that, whatever its times.
        checks=(lifecycle.check_currency, bounds.check_ended),
        handler=lifecycle.apply_ended,
        example={
            "type": "shift.ended",
            "timestamp": "2027-11-21T04:10:00Z",
            "data": {
                "shift_code": "DEMO-SUN-0300",
                "at": "2027-11-21T05:10:00+01:00",
                "deliveries": 6,
                "distance_km": "14.2",
            },
        },
    ),
    ContractRow(
        type="shift.cancelled",
        model=ShiftCancelled,
        summary="The shift was cancelled; with short notice the agreement may still pay its minimum.",
        checks=(bounds.check_cancelled,),
        handler=lifecycle.apply_cancelled,
        example={
            "type": "shift.cancelled",
            "timestamp": "2027-11-20T19:00:00Z",
            "data": {"shift_code": "DEMO-SUN-0300", "at": "2027-11-20T20:00:00+01:00", "reason": "zone closed"},
        },
    ),
    DecisionRow(
        type="rider.decision",
        model=RiderDecision,
        summary="The platform restricted, suspended or deactivated one of its riders, or refused to pay for shifts, "
        "with its reasons: the rider sees it. A suspension or deactivation waits for a person at the cooperative to "
        "confirm it before it cancels any contract (directive 2024/2831 art. 10); the same decision_id sent again "
        "records nothing twice; withdrawn: true withdraws it.",
        checks=(bounds.check_decision,),
        handler=platform_decisions.apply_reported,
        example={
            "type": "rider.decision",
            "timestamp": "2027-11-22T10:00:00Z",
            "data": {
                "decision_id": "susp-2027-0042",
                "rider_id": "rider-42",
                "kind": "suspension",
                "decided_at": "2027-11-22T10:00:00+01:00",
                "reasons": "Three deliveries marked as not handed over in the last 7 days, against a limit of two.",
                "parameters": {
                    "undelivered_orders_7d": "3",
                    "limit_7d": "2",
                    "signals": {"customer_reports": "3", "gps_at_dropoff": "absent"},
                },
                "automated": True,
                "effective_from": "2027-11-23T00:00:00+01:00",
                "effective_until": "2027-11-30T00:00:00+01:00",
            },
        },
    ),
)
"""Every canonical event type, in the order the document lists them (the demo's rider and shift: examples/*.json
are the first two examples)."""

EVENT_TYPES: Mapping[str, AnyRow] = {row.type: row for row in ROWS}
