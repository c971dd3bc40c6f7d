"""Every automated decision about a rider is recorded once, in the transaction that takes it; a rider may ask a
person to review one (once); a reviewer answers, and an overturn makes the correction it implies (issue 20)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from gateway.domains.contracts.models import Contract
from gateway.domains.decisions import reviews
from gateway.domains.decisions.models import Decision, DecisionReview
from gateway.domains.payouts.models import Payout
from gateway.problems import Conflict
from gateway.settings import Settings
from tests.conftest import TEST_NOW, Clock, PlatformHandle, as_it_happens, count_rows, event, fund_opening_balance

Send = Callable[..., Any]
Run = Callable[..., int]
REVIEWER = {"Authorization": "Bearer reviewer-secret"}


@pytest.fixture
def live(send: Send, clock: Clock) -> Send:
    """Shift events sent as they happen (the clock moves to each event's time)."""
    return as_it_happens(send, clock)


def at(s: str) -> datetime:
    return datetime.fromisoformat(s)


def decisions(engine: Engine) -> list[Decision]:
    with Session(engine) as session:
        return list(session.exec(select(Decision).order_by(Decision.id)).all())  # type: ignore[arg-type]


def two_hours(code: str = "S-1") -> bytes:
    return event(
        "shift.booked",
        shift_code=code,
        rider_id="r-1",
        starts_at="2026-12-01T10:00:00+01:00",
        ends_at="2026-12-01T12:00:00+01:00",
        pay={"hourly_gross": "14.00", "currency": "EUR"},
    )


def test_a_corrected_booking_is_one_decision_with_its_clause_parameters_and_data_even_when_replayed(
    enrolled: PlatformHandle, send: Send, engine: Engine
) -> None:
    first = send(enrolled, two_hours(), "msg-1")
    assert send(enrolled, two_hours(), "msg-1").status_code == first.status_code == 200
    [d] = decisions(engine)
    assert (d.kind, d.outcome, d.decided_by) == (
        "booking_corrected",
        "shift_shorter_than_minimum",
        "gateway:agreement-engine",
    )
    assert d.clause and d.contract_id == uuid.UUID(first.json()["contract"]["id"])
    assert d.parameters["applied"] == "3.0000" and d.parameters["unit"] == "hours"
    assert d.facts["offered"] == "2.0000" and d.facts["starts_at"] == "2026-12-01T09:00:00+00:00"
    assert d.status == "in_effect" and d.decided_at == TEST_NOW


def test_a_booking_a_term_refuses_is_a_decision_recorded_once_per_delivery(
    make_platform: Callable[..., PlatformHandle], send: Send, engine: Engine
) -> None:
    p = make_platform("coop", agreement="be-delivery-coop-2027")
    send(p, event("rider.enrolled", rider_id="r-1", name="Amina", email="amina@example.org"))
    long_day = event(
        "shift.booked",
        shift_code="L-1",
        rider_id="r-1",
        starts_at="2027-01-05T07:00:00+01:00",
        ends_at="2027-01-05T19:00:00+01:00",
    )
    refused = [send(p, long_day, "msg-long") for _ in range(2)]
    assert [r.status_code for r in refused] == [422, 422], refused[0].text
    assert count_rows(engine, "contract") == 0
    [d] = decisions(engine)
    assert (d.kind, d.outcome, d.contract_id) == ("booking_refused", refused[0].json()["code"], None)
    assert d.parameters["enforcement"] == "reject" and d.facts["shift_code"] == "L-1"


def test_what_a_cancellation_pays_is_a_decision(
    enrolled: PlatformHandle, send: Send, live: Send, engine: Engine, run_job: Run
) -> None:
    send(enrolled, two_hours())
    live(enrolled, event("shift.cancelled", shift_code="S-1", at="2026-12-01T09:00:00+01:00"))
    run_job("contracts.settle", at("2026-12-01T12:00:00+01:00"))
    run_job("contracts.settle", at("2026-12-01T12:00:00+01:00"))
    cancellation = [d for d in decisions(engine) if d.kind == "cancellation_paid"]
    assert [(d.outcome, d.facts["paid_hours"], d.facts["notice_hours"]) for d in cancellation] == [
        ("paid", "3.00", "1.00")
    ]
    assert cancellation[0].parameters["minimum_paid_hours"] == "3" and cancellation[0].clause


@pytest.fixture
def reviewer(settings: Settings) -> Settings:
    settings.admin_token = SecretStr("reviewer-secret")
    return settings


def _ask(engine: Engine, decision: Decision, comment: str = "I was there for 3 hours") -> DecisionReview:
    with Session(engine, expire_on_commit=False) as session:
        assert decision.id is not None
        review = reviews.request(session, [decision.rider_id], decision.id, comment, TEST_NOW, 14)
        session.commit()
    return review


def _held_payout(enrolled: PlatformHandle, send: Send, engine: Engine, run_job: Run) -> Decision:
    """A shift worked and settled while the fund has no cash: its payout is set aside, a decision."""
    send(enrolled, two_hours())
    send(enrolled, event("shift.started", shift_code="S-1", at="2026-12-01T10:00:00+01:00"))
    send(enrolled, event("shift.ended", shift_code="S-1", at="2026-12-01T12:00:00+01:00"))
    run_job("contracts.settle", at("2026-12-01T13:00:00+01:00"))
    day = at("2026-12-31T12:00:00+01:00")
    run_job("payouts.execute", day)
    run_job("payouts.execute", day)  # a set-aside row is not claimed again: one decision
    [held] = [d for d in decisions(engine) if d.kind == "payout_held"]
    assert held.outcome == "held_fund_short" and held.facts["currency"] == "EUR"
    return held


def test_overturning_a_held_payout_pays_it_on_the_reviewers_decision(
    enrolled: PlatformHandle, live: Send, engine: Engine, run_job: Run, client: TestClient, reviewer: Settings
) -> None:
    held = _held_payout(enrolled, live, engine, run_job)
    review = _ask(engine, held)
    with Session(engine) as session, pytest.raises(Conflict):  # a second request: a conflict, not a second entry
        reviews.request(session, [held.rider_id], held.id or 0, "again", TEST_NOW, 14)
    queue = client.get("/v1/admin/decision-reviews", headers=REVIEWER).json()
    assert (queue["open"], queue["overdue"]) == (1, 0)
    assert queue["reviews"][0]["comment"] == "I was there for 3 hours"
    assert queue["reviews"][0]["due_at"].startswith("2026-12-10")
    r = client.post(
        f"/v1/admin/decision-reviews/{review.id}/answer",
        json={"outcome": "overturned", "reasons": "The fund pays riders first."},
        headers=REVIEWER,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["effect"], r.json()["decision_status"]) == ("payout_paid", "overturned")
    with Session(engine) as session:
        payout = session.exec(select(Payout)).one()
        assert (payout.status, payout.funded_by) == ("paid", "guarantee_fund")
    assert count_rows(engine, "job_failure") == 0
    again = client.post(
        f"/v1/admin/decision-reviews/{review.id}/answer", json={"outcome": "upheld", "reasons": "x"}, headers=REVIEWER
    )
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    with engine.connect() as conn:
        actions = conn.execute(text("SELECT action FROM audit_entry")).scalars().all()
    assert "decisions.review_overturned" in actions


def test_overturning_an_unpaid_cancellation_pays_the_amount_granted_through_a_payout(
    enrolled: PlatformHandle,
    send: Send,
    live: Send,
    engine: Engine,
    run_job: Run,
    reviewer: Settings,
    client: TestClient,
) -> None:
    send(enrolled, two_hours())
    live(enrolled, event("shift.cancelled", shift_code="S-1", at="2026-11-28T10:00:00+01:00"))
    run_job("contracts.settle", at("2026-12-01T12:00:00+01:00"))
    [d] = [d for d in decisions(engine) if d.kind == "cancellation_paid"]
    assert d.outcome == "unpaid"
    review = _ask(engine, d, "They cancelled by text message an hour before.")
    url = f"/v1/admin/decision-reviews/{review.id}/answer"
    too_much = client.post(url, json={"outcome": "overturned", "reasons": "ok", "amount": "500.00"}, headers=REVIEWER)
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["location"] == "amount"
    missing = client.post(url, json={"outcome": "overturned", "reasons": "ok"}, headers=REVIEWER)
    assert missing.status_code == 422
    r = client.post(
        url, json={"outcome": "overturned", "reasons": "Short notice.", "amount": "38.49"}, headers=REVIEWER
    )
    assert r.status_code == 200 and r.json()["effect"] == "payout_scheduled" and r.json()["granted"] == "38.49"
    fund_opening_balance(engine)
    assert run_job("payouts.execute", at("2026-12-01T13:00:00+01:00")) == 1
    with Session(engine) as session:
        payout = session.exec(select(Payout)).one()
        assert (payout.amount, payout.status) == (Decimal("38.49"), "paid")


def test_overturning_an_identity_block_opens_the_contract_and_a_release_is_a_decision(
    platform: PlatformHandle, send: Send, engine: Engine, settings: Settings, reviewer: Settings, client: TestClient
) -> None:
    from tests.domains.test_identity_block import add_member, complete_identity

    settings.identity_required = True
    add_member(engine, settings, "M-1", complete=False)
    send(platform, event("rider.enrolled", rider_id="r-1", name="Amina", email="a@example.org", member_id="M-1"))
    send(platform, two_hours("S-1"))
    send(platform, two_hours("S-2").replace(b"2026-12-01", b"2026-12-02"))
    blocked = [d for d in decisions(engine) if d.kind == "contract_blocked"]
    assert [(d.outcome, d.facts["missing"][:2]) for d in blocked] == [
        ("blocked_identity_incomplete", ["birth_date", "ssin"])
    ] * 2
    review = _ask(engine, blocked[0], "My identity was given at the office.")
    r = client.post(
        f"/v1/admin/decision-reviews/{review.id}/answer",
        json={"outcome": "overturned", "reasons": "The office has it on paper."},
        headers=REVIEWER,
    )
    assert r.json()["effect"] == "contract_unblocked"
    with Session(engine) as session:
        statuses = {c.shift_code: c.status for c in session.exec(select(Contract)).all()}
        kinds = session.exec(text("SELECT kind FROM outbox_message ORDER BY id")).scalars().all()  # type: ignore[call-overload]
    assert statuses == {"S-1": "open", "S-2": "blocked"}
    # The contract declared, the platform told, and the rider e-mailed that a person answered.
    assert kinds[-3:] == ["declaration.in", "callback.contract.unblocked", "notification.review_answered"]
    # The identity completed: the other contract is released, a decision of its own; the overturned one untouched.
    assert len(complete_identity(engine, settings, "M-1", TEST_NOW)) == 1
    released = [d for d in decisions(engine) if d.outcome == "released"]
    assert [(d.kind, d.contract_id, d.decided_by) for d in released] == [
        ("contract_blocked", blocked[1].contract_id, "gateway:identity-check")
    ]


def test_unanswered_reviews_past_their_due_date_are_overdue_in_the_queue_and_in_metrics(
    enrolled: PlatformHandle, send: Send, engine: Engine, client: TestClient, reviewer: Settings, clock: Clock
) -> None:
    send(enrolled, two_hours())
    [d] = decisions(engine)
    _ask(engine, d)
    clock.fixed = TEST_NOW + timedelta(days=15)
    queue = client.get("/v1/admin/decision-reviews", headers=REVIEWER).json()
    assert (queue["open"], queue["overdue"], queue["reviews"][0]["overdue"]) == (1, 1, True)
    metrics = client.get("/metrics").text
    assert "gateway_decision_reviews_overdue 1.0" in metrics and "gateway_decision_reviews_open 1.0" in metrics
    assert client.get("/v1/admin/decision-reviews").status_code == 401


def test_a_reviewer_lists_reads_and_answers_reviews_from_the_command_line(
    enrolled: PlatformHandle, send: Send, engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from gateway.cli import app as cli
    from gateway.settings import get_settings

    send(enrolled, two_hours())
    [d] = decisions(engine)
    review = _ask(engine, d, "Trois heures d'attente.")
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        listed = runner.invoke(cli, ["decisions", "reviews"])
        assert listed.exit_code == 0 and "1 open review(s), 0 overdue" in listed.output
        assert f"{review.id}\tdue 2026-12-10" in listed.output and "booking_corrected:shift_shorter" in listed.output
        shown = runner.invoke(cli, ["decisions", "show", str(review.id)])
        assert "comment: Trois heures d'attente." in shown.output and '"applied": "3.0000"' in shown.output
        blank = runner.invoke(cli, ["decisions", "answer", str(review.id), "--outcome", "upheld", "--reasons", " "])
        assert blank.exit_code == 1 and "reasons are required" in blank.output
        answer = ["decisions", "answer", str(review.id), "--outcome", "upheld", "--reasons", "Le contrat paie 3 h."]
        assert runner.invoke(cli, answer).exit_code == 0
        assert runner.invoke(cli, answer).exit_code == 1  # answered once
    finally:
        get_settings.cache_clear()
    with engine.connect() as conn:
        actor = conn.execute(
            text("SELECT actor FROM audit_entry WHERE action = 'decisions.review_upheld'")
        ).scalar_one()
    assert actor.startswith("cli:")
