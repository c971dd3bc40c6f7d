"""One bad row stalls nothing: each row is handled in a savepoint of its own, a row that raises is set aside with
its reason for staff (API, CLI, /metrics), the rest of the batch settles, and only a staff retry brings it back."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from gateway.agreements.loader import AgreementBook
from gateway.cli import app as cli
from gateway.domains.contracts.models import Contract
from gateway.domains.jobs import service as failures
from gateway.domains.payouts.models import Payout
from gateway.domains.payouts.service import settle_and_schedule
from gateway.jobs import JobContext, drain
from gateway.settings import Settings, get_settings
from tests.conftest import PlatformHandle, event, fund_opening_balance

Send = Callable[..., Any]
Run = Callable[..., int]
STAFF = {"Authorization": "Bearer staff-secret-token"}
FIRST_SHIFT = datetime(2026, 11, 20, 6, tzinfo=UTC)
SETTLE_AT = datetime(2026, 11, 26, 13, tzinfo=UTC)  # past every settle_after (the webhooks came at 12:00)
# A real bad row: an end the platform reported at the very end of the calendar (what issue 14 found on main).
END_OF_TIME = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)


@pytest.fixture
def staff_app(app: FastAPI, settings: Settings) -> FastAPI:
    app.state.settings = settings.model_copy(update={"admin_token": SecretStr("staff-secret-token")})
    return app


@pytest.fixture
def three(make_platform: Callable[..., PlatformHandle], send: Send) -> list[PlatformHandle]:
    platforms = [make_platform(slug) for slug in ("alpha", "beta", "gamma")]
    for p in platforms:
        r = send(p, event("rider.enrolled", rider_id="r-1", name="Amina", email="amina@example.org"))
        assert r.status_code == 200, r.text
    return platforms


def worked_shifts(platforms: list[PlatformHandle], send: Send, n: int) -> dict[str, str]:
    """n shifts worked as booked, round robin over the platforms, earliest first; shift code -> platform."""
    owners = {}
    for i in range(n):
        p, code = platforms[i % len(platforms)], f"S-{i:03d}"
        start = FIRST_SHIFT + timedelta(hours=i)
        end = start + timedelta(hours=3)
        booked = event(
            "shift.booked", shift_code=code, rider_id="r-1", starts_at=start.isoformat(), ends_at=end.isoformat()
        )
        assert send(p, booked).status_code == 200
        assert send(p, event("shift.ended", shift_code=code, at=end.isoformat())).status_code == 200
        owners[code] = p.slug
    return owners


def contract(engine: Engine, code: str) -> Contract:
    with Session(engine, expire_on_commit=False) as session:
        return session.exec(select(Contract).where(Contract.shift_code == code)).one()


def set_actual_end(engine: Engine, code: str, at: datetime) -> None:
    """Write the row directly, as a bad import or a bug upstream would have left it."""
    with Session(engine) as session:
        c = session.exec(select(Contract).where(Contract.shift_code == code)).one()
        c.actual_end = at
        session.add(c)
        session.commit()


def statuses(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        return Counter(session.exec(select(Contract.status)).all())


def listed(client: TestClient, **params: str) -> list[dict[str, Any]]:
    r = client.get("/v1/admin/jobs/failures", headers=STAFF, params=params)
    assert r.status_code == 200, r.text
    return list(r.json())


def test_one_poisoned_contract_among_100_from_three_platforms_stalls_nothing(
    staff_app: FastAPI,
    client: TestClient,
    three: list[PlatformHandle],
    send: Send,
    run_job: Run,
    engine: Engine,
) -> None:
    worked_shifts(three, send, 100)
    # In a batch-wide transaction it would take the 49 others of its batch down with it, on every run.
    set_actual_end(engine, "S-000", END_OF_TIME)
    poisoned = contract(engine, "S-000")

    assert run_job("contracts.settle", SETTLE_AT) == 99
    assert statuses(engine) == {"settled": 99, "completed": 1}

    [failure] = listed(client)
    assert failure["job"] == "contracts.settle" and failure["table"] == "contract"
    assert uuid.UUID(failure["row_key"]) == poisoned.id and failure["platform"] == "alpha"
    assert failure["error_type"] and failure["message"] and "Traceback" not in failure["message"]
    assert failure["failed_at"] == "2026-11-26T13:00:00Z"

    # Not tried again: had it been, it would have failed again at this later instant.
    assert run_job("contracts.settle", SETTLE_AT + timedelta(hours=1)) == 0
    assert listed(client) == [failure]
    assert contract(engine, "S-000").status == "completed"

    set_actual_end(engine, "S-000", poisoned.ends_at)  # staff fix the row...
    r = client.post(f"/v1/admin/jobs/failures/{failure['id']}/retry", headers=STAFF)  # ...and ask for a retry
    assert r.status_code == 200, r.text
    assert r.json() == {"count": 1, "retried": [failure]}
    assert listed(client) == []
    assert run_job("contracts.settle", SETTLE_AT + timedelta(hours=2)) == 1
    assert statuses(engine) == {"settled": 100}

    audit = client.get("/v1/admin/audit", headers=STAFF).json()
    assert audit[0]["action"] == "job.row_retried" and audit[0]["actor"] == "staff:admin-token"
    assert audit[0]["detail"]["row_key"] == failure["row_key"]


def test_a_retried_row_that_fails_again_is_set_aside_again_with_the_new_reason(
    staff_app: FastAPI, client: TestClient, three: list[PlatformHandle], send: Send, run_job: Run, engine: Engine
) -> None:
    worked_shifts(three, send, 3)
    set_actual_end(engine, "S-001", END_OF_TIME)
    assert run_job("contracts.settle", SETTLE_AT) == 2
    [first] = listed(client)
    assert client.post(f"/v1/admin/jobs/failures/{first['id']}/retry", headers=STAFF).status_code == 200
    with Session(engine) as session:  # not fixed: another bad value instead
        c = session.exec(select(Contract).where(Contract.shift_code == "S-001")).one()
        c.agreement = "be-delivery-2009-withdrawn"
        session.add(c)
        session.commit()
    assert run_job("contracts.settle", SETTLE_AT + timedelta(hours=1)) == 0
    [again] = listed(client)
    assert again["row_key"] == first["row_key"] and again["platform"] == "beta"
    assert again["error_type"] == "ServiceUnavailable"
    assert again["message"] == "agreement be-delivery-2009-withdrawn is not loaded"
    assert again["failed_at"] == "2026-11-26T14:00:00Z"


def test_payouts_set_a_bad_payout_aside_and_pay_the_others(
    staff_app: FastAPI, client: TestClient, three: list[PlatformHandle], send: Send, run_job: Run, engine: Engine
) -> None:
    fund_opening_balance(engine)
    worked_shifts(three, send, 6)
    assert run_job("contracts.settle", SETTLE_AT) == 6
    with Session(engine) as session:
        payouts = session.exec(select(Payout).order_by(col(Payout.due_on), col(Payout.id))).all()
        bad = payouts[0]
        bad.timezone = "Europe/Atlantis"  # a time zone no database knows: the due-date check raises
        session.add(bad)
        session.commit()
        bad_id, bad_contract = bad.id, bad.contract_id
    pay_day = SETTLE_AT + timedelta(days=10)

    assert run_job("payouts.execute", pay_day) == 5
    [failure] = listed(client, job="payouts.execute")
    assert failure["table"] == "payout" and uuid.UUID(failure["row_key"]) == bad_id
    with Session(engine) as session:
        owner = session.get(Contract, bad_contract)
        assert owner is not None
        slug = {0: "alpha", 1: "beta", 2: "gamma"}[int(owner.shift_code[2:]) % 3]
    assert failure["platform"] == slug  # a payout has no platform of its own: named through its contract
    assert run_job("payouts.execute", pay_day + timedelta(hours=1)) == 0

    with Session(engine) as session:
        p = session.get(Payout, bad_id)
        assert p is not None
        p.timezone = "Europe/Brussels"
        session.add(p)
        session.commit()
    r = client.post("/v1/admin/jobs/failures/retry", json={"job": "payouts.execute"}, headers=STAFF)
    assert r.status_code == 200 and r.json()["count"] == 1
    assert run_job("payouts.execute", pay_day + timedelta(hours=2)) == 1
    with Session(engine) as session:
        assert set(session.exec(select(Payout.status)).all()) == {"paid"}


def test_set_aside_rows_are_counted_in_metrics_from_the_database(
    staff_app: FastAPI, client: TestClient, three: list[PlatformHandle], send: Send, run_job: Run, engine: Engine
) -> None:
    worked_shifts(three, send, 2)
    set_actual_end(engine, "S-000", END_OF_TIME)
    assert run_job("contracts.settle", SETTLE_AT) == 1
    text = client.get("/metrics").text
    assert 'gateway_job_rows_set_aside{job="contracts.settle"} 1.0' in text
    assert 'gateway_job_rows_set_aside{job="payouts.execute"} 0.0' in text


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/v1/admin/jobs/failures", None),
        ("post", "/v1/admin/jobs/failures/1/retry", None),
        ("post", "/v1/admin/jobs/failures/retry", {"job": "contracts.settle"}),
    ],
)
def test_job_failure_routes_need_the_operations_role(
    staff_app: FastAPI, client: TestClient, engine: Engine, settings: Settings, method: str, path: str, body: Any
) -> None:
    from gateway.domains.staff.service import add_member

    with Session(engine) as session:
        pepper = settings.credential_pepper.get_secret_value()
        fund_only = add_member(session, "fiona", ["fund"], pepper)
        operator = add_member(session, "otto", ["operations"], pepper)
        session.commit()
    assert client.request(method, path, json=body).status_code == 401
    r = client.request(method, path, json=body, headers={"Authorization": f"Bearer {fund_only}"})
    assert r.status_code == 403 and "operations" in r.json()["detail"]
    r = client.request(method, path, json=body, headers={"Authorization": f"Bearer {operator}"})
    assert r.status_code == (404 if "/1/" in path else 200), r.text


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch, engine: Engine) -> Iterator[str]:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_cli_lists_set_aside_rows_and_retries_them(
    cli_db: str, three: list[PlatformHandle], send: Send, run_job: Run, engine: Engine
) -> None:
    runner = CliRunner()
    assert "no row is set aside" in runner.invoke(cli, ["jobs", "failures"]).output
    worked_shifts(three, send, 2)
    set_actual_end(engine, "S-001", END_OF_TIME)
    assert run_job("contracts.settle", SETTLE_AT) == 1
    shown = runner.invoke(cli, ["jobs", "failures"])
    assert shown.exit_code == 0 and "contracts.settle" in shown.output and "beta" in shown.output
    assert runner.invoke(cli, ["jobs", "retry"]).exit_code == 1  # neither an id nor --all
    assert runner.invoke(cli, ["jobs", "retry", "999999"]).exit_code == 1
    r = runner.invoke(cli, ["jobs", "retry", "--all", "contracts.settle"])
    assert r.exit_code == 0 and "1 row(s) released" in r.output, r.output
    assert "no row is set aside" in runner.invoke(cli, ["jobs", "failures"]).output


def test_staff_read_one_line_without_secrets_and_the_log_keeps_the_traceback(
    three: list[PlatformHandle],
    send: Send,
    engine: Engine,
    settings: Settings,
    book: AgreementBook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    worked_shifts(three, send, 2)

    def leaky(session: Session, c: Contract, now: datetime) -> None:
        if c.shift_code == "S-000":
            raise RuntimeError(
                "POST https://ops:hunter2@pay.example:8443/x with Bearer eyJabc.def and whsec_c2VjcmV0 failed\nline 2"
            )

    ctx = JobContext(engine, settings, book, lambda: SETTLE_AT)
    completed = [col(Contract.status) == "completed"]
    assert drain(ctx, "contracts.settle", Contract, lambda _: completed, col(Contract.settle_after), leaky) == 1
    with Session(engine) as session:
        [f] = failures.failures(session)
    assert f.error_type == "RuntimeError"
    assert f.message == (
        "POST https://ops:[redacted]@pay.example:8443/x with Bearer [redacted] and whsec_[redacted] failed"
    )
    assert "Traceback" in caplog.text and "set aside until staff retry it" in caplog.text


def test_a_database_failure_is_not_a_bad_row_the_batch_rolls_back_and_nothing_is_set_aside(
    three: list[PlatformHandle], send: Send, engine: Engine, settings: Settings, book: AgreementBook
) -> None:
    worked_shifts(three, send, 2)

    def lost(session: Session, c: Contract, now: datetime) -> None:
        settle_and_schedule(session, c, book, now, "test")
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    ctx = JobContext(engine, settings, book, lambda: SETTLE_AT)
    completed = [col(Contract.status) == "completed"]
    with pytest.raises(OperationalError):
        drain(ctx, "contracts.settle", Contract, lambda _: completed, col(Contract.settle_after), lost)
    with Session(engine) as session:
        assert failures.failures(session) == []
    assert statuses(engine) == {"completed": 2}
