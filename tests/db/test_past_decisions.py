"""Migration 0020 derives the decisions taken before they were recorded, under the keys the live code uses: a
database upgraded from 0019 holds the same decisions the live code would have written, and nothing twice."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from alembic import command
from sqlalchemy import Engine, text

from gateway.db.migrate import alembic_config, upgrade
from gateway.settings import Settings
from tests.conftest import Clock, PlatformHandle, as_it_happens, event

Send = Callable[..., Any]


def _decisions(engine: Engine) -> dict[str, tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT key, kind, outcome, decided_by, clause, rider_id, platform_id, contract_id FROM decision")
        ).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def _facts(engine: Engine, kind: str) -> list[Any]:
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT CAST(facts AS TEXT) FROM decision WHERE kind = :k ORDER BY key"), {"k": kind}
        ).scalars()
        return [json.loads(x) for x in found]


def test_upgrading_from_0019_derives_past_decisions_under_the_live_keys(
    enrolled: PlatformHandle,
    send: Send,
    clock: Clock,
    engine: Engine,
    settings: Settings,
    database_url: str,
    run_job: Callable[..., int],
) -> None:
    live = as_it_happens(send, clock)

    def booked(code: str, start: str, end: str, rider: str = "r-1", **more: Any) -> None:
        r = send(enrolled, event("shift.booked", shift_code=code, rider_id=rider, starts_at=start, ends_at=end, **more))
        assert r.status_code == 200, r.text

    booked(
        "A", "2026-12-01T10:00:00+01:00", "2026-12-01T12:00:00+01:00", pay={"hourly_gross": "9.00", "currency": "EUR"}
    )
    booked("B", "2026-12-02T10:00:00+01:00", "2026-12-02T14:00:00+01:00")
    send(enrolled, event("shift.cancelled", shift_code="B", at="2026-11-26T12:00:00+00:00"))
    booked("C", "2026-12-03T10:00:00+01:00", "2026-12-03T13:00:00+01:00")
    live(enrolled, event("shift.started", shift_code="C", at="2026-12-03T10:00:00+01:00"))
    live(enrolled, event("shift.ended", shift_code="C", at="2026-12-03T13:00:00+01:00"))
    run_job("contracts.settle", datetime.fromisoformat("2026-12-03T14:00:00+01:00"))
    run_job("payouts.execute", datetime.fromisoformat("2026-12-31T12:00:00+01:00"))  # the fund has no cash: held
    settings.identity_required = True
    send(enrolled, event("rider.enrolled", rider_id="r-2", name="Jo", email="jo@example.org"))
    booked("D", "2026-12-04T10:00:00+01:00", "2026-12-04T14:00:00+01:00", rider="r-2")

    recorded = _decisions(engine)
    kinds = sorted((kind, outcome) for kind, outcome, *_ in recorded.values())
    assert kinds == [
        ("booking_corrected", "hourly_pay_below_floor"),
        ("booking_corrected", "hourly_pay_below_floor"),
        ("booking_corrected", "shift_shorter_than_minimum"),
        ("cancellation_paid", "unpaid"),
        ("contract_blocked", "blocked_identity_incomplete"),
        ("payout_held", "held_fund_short"),
    ]
    corrected = _facts(engine, "booking_corrected")

    # The database as it was before the decisions were recorded: 0019's empty tables.
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM decision"))
    engine.dispose()
    command.downgrade(alembic_config(database_url), "0019")
    upgrade(database_url)

    derived = _decisions(engine)
    # A cancellation's clause is derived only when the booking's explanation stated the minimum-engagement term.
    assert {k: (v[:3], v[4:]) for k, v in derived.items()} == {k: (v[:3], v[4:]) for k, v in recorded.items()}
    assert {k: v[3] for k, v in derived.items() if v[0] != "cancellation_paid"} == {
        k: v[3] for k, v in recorded.items() if v[0] != "cancellation_paid"
    }
    assert _facts(engine, "booking_corrected") == corrected
    # The live code meets the derived decisions: a replayed booking and a second payout run add nothing.
    booked(
        "A", "2026-12-01T10:00:00+01:00", "2026-12-01T12:00:00+01:00", pay={"hourly_gross": "9.00", "currency": "EUR"}
    )
    run_job("payouts.execute", datetime.fromisoformat("2026-12-31T12:00:00+01:00"))
    assert _decisions(engine) == derived
