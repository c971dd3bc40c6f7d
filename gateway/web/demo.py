"""Contracts at every stage for one rider (and one contract of another rider), made the way a platform makes
them: signed webhooks, then the settlement and payout jobs. The screenshots command and the tests share it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

# When the demo's platform books its shifts; the pages are read at that instant (the screenshots' app clock stands
# still there). Work is reported as it happens, at the events' own times: the gateway takes no event from the future.
BOOKED_AT = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
RIDER, OTHER_RIDER = "r-1", "r-2"


@dataclass(frozen=True)
class DemoContracts:
    paid: str  # Sunday 03:00-05:00, a per-trip offer, worked 2 h 10: the 3-hour minimum, paid by the fund
    settled: str  # Tuesday 12:00-15:00 at 13.50 gross an hour, worked 3 h 05, settled, payment scheduled
    open: str  # a week later, offered 11.00 gross an hour (below the floor), not worked yet
    other: str  # another rider's contract


def event(type_: str, when: datetime, **data: Any) -> bytes:
    return json.dumps({"type": type_, "timestamp": when.isoformat(), "data": data}).encode()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def populate(send: Callable[[bytes, datetime], Any], run: Callable[[str, datetime], int]) -> DemoContracts:
    """`send` posts a signed webhook body as sent at an instant (the app's clock then) and returns the response;
    `run` runs a job at an instant."""

    def post(type_: str, **data: Any) -> dict[str, Any]:
        when = at(data["at"]) if "at" in data else BOOKED_AT
        r = send(event(type_, when, **data), when)
        if r.status_code != 200:
            raise RuntimeError(f"{type_} refused: {r.status_code} {r.text}")
        return dict(r.json())

    def booked(code: str, rider: str, start: str, end: str, **extra: Any) -> str:
        answer = post("shift.booked", shift_code=code, rider_id=rider, starts_at=start, ends_at=end, **extra)
        return str(answer["contract"]["id"])

    post("rider.enrolled", rider_id=RIDER, name="Amina", email="amina@example.org")
    post("rider.enrolled", rider_id=OTHER_RIDER, name="Bram", email="bram@example.org")
    paid = booked(
        "SUN-0300", RIDER, "2026-11-29T03:00:00+01:00", "2026-11-29T05:00:00+01:00",
        zone="Brussels centre", pay={"per_trip": "4.50", "currency": "EUR"},
    )  # fmt: skip
    settled = booked(
        "TUE-1200", RIDER, "2026-12-01T12:00:00+01:00", "2026-12-01T15:00:00+01:00",
        zone="Ixelles", pay={"hourly_gross": "13.50", "currency": "EUR"},
    )  # fmt: skip
    opened = booked(
        "MON-1800", RIDER, "2026-12-07T18:00:00+01:00", "2026-12-07T22:00:00+01:00",
        pay={"hourly_gross": "11.00", "currency": "EUR"},
    )  # fmt: skip
    other = booked("OTHER-1", OTHER_RIDER, "2026-12-03T12:00:00+01:00", "2026-12-03T15:00:00+01:00")
    post("shift.started", shift_code="SUN-0300", at="2026-11-29T03:00:00+01:00")
    post("shift.ended", shift_code="SUN-0300", at="2026-11-29T05:10:00+01:00", deliveries=3)
    post("shift.started", shift_code="TUE-1200", at="2026-12-01T12:00:00+01:00")
    post("shift.ended", shift_code="TUE-1200", at="2026-12-01T15:05:00+01:00", deliveries=7)
    run(
        "outbox.dispatch", BOOKED_AT + timedelta(minutes=1)
    )  # the declarations of employment (the embedded connector accepts them)
    run("contracts.settle", at("2026-12-01T16:00:00+01:00"))
    run("payouts.execute", at("2026-12-08T10:00:00+01:00"))  # the Sunday's due date; the platform has not paid
    return DemoContracts(paid=paid, settled=settled, open=opened, other=other)
