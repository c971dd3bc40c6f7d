"""Personal data is kept no longer than needed: the retention job purges old webhook answers and erases riders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from tests.conftest import TEST_NOW, PlatformHandle, count_rows, event


def test_purge_deletes_old_webhook_answers_and_erases_idle_riders(
    platform: PlatformHandle, send: Callable[..., Any], run_job: Callable[..., int], engine: Engine
) -> None:
    send(platform, event("rider.enrolled", rider_id="old", name="Olga", email="olga@example.org"))
    send(
        platform,
        event(
            "shift.booked",
            shift_code="S-1",
            rider_id="old",
            starts_at="2026-12-01T10:00:00+01:00",
            ends_at="2026-12-01T13:00:00+01:00",
        ),
    )
    assert run_job("privacy.purge", TEST_NOW + timedelta(days=10)) == 0  # nothing is old yet
    assert run_job("privacy.purge", TEST_NOW + timedelta(days=31)) == 2  # the two webhook answers
    assert count_rows(engine, "inbox_message") == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM rider")).scalar_one() == "Olga"  # worked recently: kept
    assert run_job("privacy.purge", datetime(2026, 12, 1, tzinfo=UTC) + timedelta(days=1900)) == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name, email FROM rider")).one() == ("(erased)", "erased@invalid")
        assert conn.execute(text("SELECT count(*) FROM contract")).scalar_one() == 1  # the pay record stays
