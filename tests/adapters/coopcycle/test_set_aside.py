"""A CoopCycle work session that cannot be closed is set aside with its reason; the other couriers' sessions close."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from adapters.coopcycle.models import CoopCycleSession
from gateway.domains.jobs import service as failures
from tests.adapters.coopcycle.conftest import CoopCyclePlatform, FakeCoopCycle
from tests.adapters.coopcycle.test_sessions import deliver

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
Jobs = Callable[[str, datetime], int]


def m(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_session_that_cannot_be_closed_is_set_aside_and_the_others_close(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app = coop_platform(couriers=("amina", "bilal"))
    deliver(coopcycle, app, 1, start=0, end=20, courier="amina")
    deliver(coopcycle, app, 2, start=0, end=20, courier="bilal")
    jobs("coopcycle.fetch", m(21))
    with Session(engine) as s:
        bad = s.exec(select(CoopCycleSession).where(CoopCycleSession.courier == "amina")).one()
        bad.shift_code = "cc amina written by an older version"  # no canonical event accepts spaces in a code
        s.add(bad)
        s.commit()
        bad_id = bad.id

    assert jobs("coopcycle.close_sessions", m(180)) == 1  # the end of their paid windows
    with Session(engine) as s:
        by_courier = {
            ws.courier: ws.status for ws in s.exec(select(CoopCycleSession).order_by(col(CoopCycleSession.id)))
        }
        [failure] = failures.failures(s)
    assert by_courier == {"amina": "open", "bilal": "closed"}
    assert (failure.job, failure.table, failure.row_key) == (
        "coopcycle.close_sessions",
        "coopcycle_session",
        str(bad_id),
    )
    assert failure.platform == "coop-bxl" and failure.error_type == "ValidationError"
    assert "cc amina" not in failure.message  # the first line only: pydantic's next lines quote the input
    assert jobs("coopcycle.close_sessions", m(185)) == 0  # not tried again until staff retry it
