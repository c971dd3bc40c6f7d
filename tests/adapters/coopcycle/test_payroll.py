"""CoopCycle safe for payroll (issue 19): each way worked time was lost or paid to the wrong person, reproduced
with the fake CoopCycle, then the behaviour that fixes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from adapters.coopcycle.models import CoopCycleDelivery
from adapters.coopcycle.testing import notification, signed_headers
from gateway.domains.contracts.models import Contract
from tests.adapters.coopcycle.conftest import CoopCyclePlatform, FakeCoopCycle
from tests.adapters.coopcycle.test_sessions import all_sessions, delivery, m
from tests.conftest import count_rows

Jobs = Callable[[str, datetime], int]
T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def contracts(engine: Engine) -> list[Contract]:
    with Session(engine) as s:
        return list(s.exec(select(Contract).order_by(col(Contract.starts_at))).all())


# --- 6. Events the adapter does not use ----------------------------------------------------------------------


def test_an_order_created_notification_is_accepted_and_recorded_as_ignored(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], engine: Engine
) -> None:
    app = coop_platform()
    body = notification("/api/orders/12", "order.created")
    r = app.client.post(
        f"/v1/platforms/{app.slug}/webhooks",
        content=body,
        headers=signed_headers(app.secrets["delivery.completed"], body),
    )
    # Anything but 2xx makes CoopCycle retry three times and file the webhook as failed.
    assert r.status_code == 202, r.text
    assert r.json()["webhook_id"].startswith("ignored:order.created:/api/orders/12:")
    assert count_rows(engine, "inbox_message") == 1
    assert count_rows(engine, "coopcycle_delivery") == 0  # nothing to fetch, nobody called
    assert coopcycle.api_calls == 0


# --- 2. A second real event is not a replay -----------------------------------------------------------------


def test_a_delivery_failed_again_after_a_restore_is_news_not_a_replay(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], jobs: Jobs, engine: Engine
) -> None:
    app, cc = coop_platform(), coopcycle
    cc.create(1, m(0))
    cc.assign(1, "amina", m(0))
    cc.task_event(cc.pickup(1), "task:started", m(5))
    cc.task_event(cc.pickup(1), "task:done", m(10))
    cc.task_event(cc.dropoff(1), "task:failed", m(30), reason="absent")
    first = app.notify(1, "delivery.failed", at=m(30))
    assert first.status_code == 202
    jobs("coopcycle.fetch", m(31))
    assert delivery(engine, 1).finished_at == m(30)
    # The dispatcher restores the task; the courier goes back and fails again at 12:10: the same bytes.
    cc.task_event(cc.dropoff(1), "task:restored", m(40))
    cc.task_event(cc.dropoff(1), "task:failed", m(70), reason="still absent")
    second = app.notify(1, "delivery.failed", at=m(70))
    assert second.status_code == 202 and second.headers.get("Webhook-Replayed") is None
    assert second.json()["webhook_id"] != first.json()["webhook_id"]
    jobs("coopcycle.fetch", m(71))
    assert delivery(engine, 1).finished_at == m(70)
    jobs("coopcycle.close_sessions", m(70 + 180))
    [ws] = all_sessions(engine)
    assert (ws.status, ws.ended_at) == ("closed", m(70))  # the second attempt's time is worked time


def test_coopcycles_own_retry_within_seconds_is_still_a_replay(
    coopcycle: FakeCoopCycle, coop_platform: Callable[..., CoopCyclePlatform], engine: Engine
) -> None:
    app = coop_platform()
    first = app.notify(1, "delivery.completed", at=m(0))
    again = app.notify(1, "delivery.completed", at=m(0) + timedelta(seconds=7))  # 1 s, 2 s, 4 s
    assert again.headers.get("Webhook-Replayed") == "true" and again.json() == first.json()
    with Session(engine) as s:
        assert s.exec(select(CoopCycleDelivery)).one().notices == 1
