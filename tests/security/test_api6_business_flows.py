"""OWASP API6:2023 Unrestricted Access to Sensitive Business Flows: event times cannot inflate pay or stall pay.

Settlement pays the time between a shift's start and end, and the guarantee fund advances it when the platform
does not pay: an end a year after the start must not be a year's pay. Each time past a bound is a 422 naming the
field, and nothing changes: no inbox row (the platform can correct and resend under the same webhook-id), no
contract change, no outbox row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from gateway.settings import Settings
from tests.conftest import Clock, PlatformHandle, count_rows, event

Send = Callable[..., Any]
Run = Callable[..., int]

START = datetime.fromisoformat("2026-12-01T10:00:00+01:00")  # booked 10:00-13:00, Brussels
END = START + timedelta(hours=3)
TABLES = ("inbox_message", "contract_event", "outbox_message", "settlement", "payout")


@pytest.fixture
def booked(enrolled: PlatformHandle, send: Send) -> PlatformHandle:
    r = send(
        enrolled,
        event("shift.booked", shift_code="S-1", rider_id="r-1", starts_at=START.isoformat(), ends_at=END.isoformat()),
    )
    assert r.status_code == 200, r.text
    return enrolled


def _state(client: TestClient, engine: Engine, p: PlatformHandle) -> tuple[dict[str, int], dict[str, Any]]:
    contract = client.get(f"/v1/platforms/{p.slug}/shifts/S-1/contract", headers=p.auth)
    assert contract.status_code == 200, contract.text
    return {t: count_rows(engine, t) for t in TABLES}, contract.json()


def _refused(
    client: TestClient, engine: Engine, send: Send, p: PlatformHandle, body: bytes, location: str
) -> dict[str, Any]:
    """Post `body`; assert a 422 problem naming `location` and that nothing was stored or changed."""
    before = _state(client, engine, p)
    r = send(p, body, msg_id="msg-out-of-bounds")
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert location in [e["location"] for e in problem["errors"]], problem
    assert _state(client, engine, p) == before
    return dict(problem)


def _at(instant: datetime) -> str:
    return instant.isoformat()


def test_an_end_a_year_after_a_three_hour_booking_is_refused_and_nothing_is_stored(
    booked: PlatformHandle, send: Send, client: TestClient, engine: Engine, clock: Clock
) -> None:
    a_year_later = END + timedelta(days=365)
    ended = event("shift.ended", shift_code="S-1", at=_at(a_year_later), deliveries=3)
    # Sent now, the end is in the future.
    clock.fixed = END
    assert "in the future" in _refused(client, engine, send, booked, ended, "data.at")["detail"]
    # Sent a year later (the shift never closed), it is a year's work: longer than the longest shift.
    clock.fixed = a_year_later
    assert "more than 16 hours" in _refused(client, engine, send, booked, ended, "data.at")["detail"]


def test_the_platform_corrects_a_refused_end_and_resends_it_under_the_same_webhook_id(
    booked: PlatformHandle, send: Send, client: TestClient, engine: Engine, clock: Clock
) -> None:
    clock.fixed = END + timedelta(minutes=10)
    wrong = event("shift.ended", shift_code="S-1", at=_at(END + timedelta(days=365)))
    _refused(client, engine, send, booked, wrong, "data.at")
    right = send(booked, event("shift.ended", shift_code="S-1", at=_at(END)), msg_id="msg-out-of-bounds")
    assert right.status_code == 200, right.text
    assert right.json()["contract"]["status"] == "completed"


def test_year_9999_is_refused_and_the_jobs_settle_the_shift_as_booked(
    booked: PlatformHandle, send: Send, client: TestClient, engine: Engine, clock: Clock, run_job: Run
) -> None:
    clock.fixed = START
    far = event("shift.started", shift_code="S-1", at="9999-12-31T23:00:00+00:00")
    _refused(client, engine, send, booked, far, "data.at")
    # 23:30 at -05:00 is past the last instant a UTC date-time can hold: refused when parsed, never a 500.
    beyond = event("shift.ended", shift_code="S-1", at="9999-12-31T23:30:00-05:00")
    assert "the instant must fall between" in _refused(client, engine, send, booked, beyond, "data.at")["detail"]
    booking = event(
        "shift.booked", shift_code="S-9", rider_id="r-1", starts_at=START.isoformat(), ends_at="9999-12-31T23:00:00Z"
    )
    _refused(client, engine, send, booked, booking, "data.ends_at")

    # Nothing extreme was stored: the jobs close the shift that never reported its end and pay it as booked.
    after = END + timedelta(hours=3)
    assert run_job("contracts.close_stale", after) == 1
    contract = client.get(f"/v1/platforms/{booked.slug}/shifts/S-1/contract", headers=booked.auth).json()
    assert contract["status"] == "settled"
    assert contract["statement"]["paid_hours"] == "3.00"


def test_a_start_three_days_from_the_booked_start_is_refused(
    booked: PlatformHandle, send: Send, client: TestClient, engine: Engine, clock: Clock
) -> None:
    clock.fixed = START + timedelta(days=3)
    late = event("shift.started", shift_code="S-1", at=_at(START + timedelta(days=3)))
    assert "from the booked start" in _refused(client, engine, send, booked, late, "data.at")["detail"]
    early = event("shift.started", shift_code="S-1", at=_at(START - timedelta(days=3)))
    _refused(client, engine, send, booked, early, "data.at")


def test_a_start_window_is_a_setting(
    app: FastAPI,
    settings: Settings,
    booked: PlatformHandle,
    send: Send,
    client: TestClient,
    engine: Engine,
    clock: Clock,
) -> None:
    app.state.settings = settings.model_copy(update={"start_window_hours": 1})
    clock.fixed = START + timedelta(hours=2)
    late = event("shift.started", shift_code="S-1", at=_at(START + timedelta(hours=2)))
    assert "1 h from the booked start" in _refused(client, engine, send, booked, late, "data.at")["detail"]


@pytest.mark.parametrize("kind", ["shift.started", "shift.ended", "shift.cancelled"])
def test_an_event_from_the_future_beyond_the_clock_skew_is_refused(
    booked: PlatformHandle, send: Send, client: TestClient, engine: Engine, clock: Clock, kind: str
) -> None:
    clock.fixed = START
    ahead = event(kind, shift_code="S-1", at=_at(START + timedelta(minutes=6)))
    problem = _refused(client, engine, send, booked, ahead, "data.at")
    assert "more than 300 s after the gateway's clock" in problem["detail"]


def test_a_first_delivery_outside_the_shift_cannot_move_the_paid_hours(
    booked: PlatformHandle, send: Send, client: TestClient, engine: Engine, clock: Clock
) -> None:
    # The 3 paid hours run from the first delivery: one claimed a week after the end would pay a week.
    clock.fixed = END
    ended = event(
        "shift.ended", shift_code="S-1", at=_at(END), deliveries=2, first_delivery_at=_at(END + timedelta(days=7))
    )
    _refused(client, engine, send, booked, ended, "data.first_delivery_at")


def test_a_late_start_cannot_stretch_a_recorded_end_past_the_longest_shift(
    booked: PlatformHandle, send: Send, client: TestClient, engine: Engine, clock: Clock
) -> None:
    clock.fixed = START + timedelta(hours=14)
    assert send(booked, event("shift.ended", shift_code="S-1", at=_at(START + timedelta(hours=14)))).status_code == 200
    # The start arrives after the end (out of order), 11 h before the booked start: 25 h of work.
    early = event("shift.started", shift_code="S-1", at=_at(START - timedelta(hours=11)))
    _refused(client, engine, send, booked, early, "data.at")


def test_cancelling_a_shift_under_way_a_month_later_is_refused(
    booked: PlatformHandle, send: Send, client: TestClient, engine: Engine, clock: Clock
) -> None:
    clock.fixed = START
    assert send(booked, event("shift.started", shift_code="S-1", at=_at(START))).status_code == 200
    # Cancelling a shift under way ends it at the cancellation: a month later would pay a month.
    clock.fixed = START + timedelta(days=30)
    cancelled = event("shift.cancelled", shift_code="S-1", at=_at(START + timedelta(days=30)))
    _refused(client, engine, send, booked, cancelled, "data.at")


def test_late_but_plausible_events_are_accepted(
    booked: PlatformHandle, send: Send, client: TestClient, clock: Clock, run_job: Run
) -> None:
    # The rider starts 40 minutes late; the platform's clock runs 4 minutes fast (within the skew).
    clock.fixed = START + timedelta(minutes=36)
    started = send(booked, event("shift.started", shift_code="S-1", at=_at(START + timedelta(minutes=40))))
    assert started.status_code == 200, started.text
    # The end, two hours past the booked end, is reported two days late.
    end = END + timedelta(hours=2)
    clock.fixed = end + timedelta(days=2)
    ended = send(booked, event("shift.ended", shift_code="S-1", at=_at(end), deliveries=9))
    assert ended.status_code == 200, ended.text
    assert run_job("contracts.settle", clock.fixed + timedelta(hours=1)) == 1
    contract = client.get(f"/v1/platforms/{booked.slug}/shifts/S-1/contract", headers=booked.auth).json()
    assert contract["statement"]["worked_hours"] == "4.33"  # 10:40 to 15:00


def test_a_shift_of_exactly_the_longest_length_is_accepted(booked: PlatformHandle, send: Send, clock: Clock) -> None:
    end = START + timedelta(hours=16)
    clock.fixed = end
    r = send(booked, event("shift.ended", shift_code="S-1", at=_at(end)))
    assert r.status_code == 200, r.text


def test_a_back_dated_cancellation_still_pays_short_notice(
    enrolled: PlatformHandle, send: Send, client: TestClient, clock: Clock, run_job: Run
) -> None:
    # Booked an hour before its start, cancelled "in 1901": the notice counts from when the booking reached the
    # gateway, an hour before the start, so the short-notice minimum is paid.
    clock.fixed = START - timedelta(hours=1)
    booking = event("shift.booked", shift_code="S-1", rider_id="r-1", starts_at=_at(START), ends_at=_at(END))
    assert send(enrolled, booking).status_code == 200
    clock.fixed = START - timedelta(minutes=30)
    r = send(enrolled, event("shift.cancelled", shift_code="S-1", at="1901-01-01T00:00:00Z"))
    assert r.status_code == 200, r.text
    assert datetime.fromisoformat(r.json()["contract"]["actual"]["cancelled_at"]) == START - timedelta(hours=1)
    run_job("contracts.settle", END + timedelta(hours=1))
    contract = client.get(f"/v1/platforms/{enrolled.slug}/shifts/S-1/contract", headers=enrolled.auth).json()
    assert contract["statement"]["outcome"] == "cancelled_paid" and contract["statement"]["paid_hours"] == "3.00"
