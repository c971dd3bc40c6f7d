"""A rider with contracts at every stage, and another rider, for the pages' tests (HTTP and browser)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.conftest import PlatformHandle, event
from tests.security.conftest import access_token, oauth_client, rider_session

__all__ = ["access_token", "oauth_client", "rider_session"]

Send = Callable[..., Any]
Run = Callable[..., int]


@dataclass
class Scenario:
    platform: PlatformHandle
    paid: str  # Sunday 03:00-05:00, a per-trip offer, worked 2 h 10 with the 3-hour minimum, paid by the fund
    open: str  # booked for next week at 11.00 gross an hour, below the floor
    other: str  # another rider's contract


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _book(p: PlatformHandle, send: Send, rider: str, code: str, start: str, end: str, **extra: Any) -> str:
    r = send(p, event("shift.booked", shift_code=code, rider_id=rider, starts_at=start, ends_at=end, **extra))
    assert r.status_code == 200, r.text
    return str(r.json()["contract"]["id"])


def _enrol(p: PlatformHandle, send: Send, rider: str, name: str) -> None:
    r = send(p, event("rider.enrolled", rider_id=rider, name=name, email=f"{rider}@example.org"))
    assert r.status_code == 200, r.text


def build_scenario(p: PlatformHandle, send: Send, run_job: Run) -> Scenario:
    _enrol(p, send, "r-1", "Amina")
    _enrol(p, send, "r-2", "Bram")
    paid = _book(
        p, send, "r-1", "SUN-0300", "2026-11-29T03:00:00+01:00", "2026-11-29T05:00:00+01:00",
        zone="Brussels centre", pay={"per_trip": "4.50", "currency": "EUR"},
    )  # fmt: skip
    assert send(p, event("shift.started", shift_code="SUN-0300", at="2026-11-29T03:00:00+01:00")).status_code == 200
    ended = event("shift.ended", shift_code="SUN-0300", at="2026-11-29T05:10:00+01:00", deliveries=3)
    assert send(p, ended).status_code == 200
    assert run_job("contracts.settle", at("2026-11-29T06:00:00+01:00")) == 1
    assert run_job("payouts.execute", at("2026-12-08T10:00:00+01:00")) == 1
    opened = _book(
        p, send, "r-1", "MON-1800", "2030-12-02T18:00:00+01:00", "2030-12-02T22:00:00+01:00",
        pay={"hourly_gross": "11.00", "currency": "EUR"},
    )  # fmt: skip
    other = _book(p, send, "r-2", "OTHER-1", "2026-12-03T12:00:00+01:00", "2026-12-03T15:00:00+01:00")
    # The declarations of employment go out (the embedded connector accepts them): the contracts show "declared".
    with httpx.Client(timeout=5) as http:
        run_job("outbox.dispatch", datetime.now(UTC), http=http, random=random.Random(0))
    return Scenario(p, paid, opened, other)


@pytest.fixture
def scenario(platform: PlatformHandle, send: Send, run_job: Run) -> Scenario:
    return build_scenario(platform, send, run_job)
