"""The working-time limits breached by the work itself are recorded when the contract is settled (be-delivery-coop-2027:
at most 10 h a day, 11 h of rest between working days): a rider who stayed an hour past the day's maximum, then came
back after 9 h of rest, is paid every hour, and both breaches are on record once, for the compliance report, the
platform's contract and the rider's page, however often the contract is settled."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from gateway.agreements.engine import evaluate_shift
from gateway.agreements.loader import AgreementBook
from gateway.domains.contracts import service as contracts
from gateway.domains.contracts.models import Contract, Violation
from gateway.domains.settlement import service as settlement
from gateway.reports.compliance import compliance
from tests.conftest import Clock, PlatformHandle, as_it_happens, event
from tests.security.conftest import access_token, oauth_client, rider_session

__all__ = ["access_token", "oauth_client", "rider_session"]

Send = Callable[..., Any]
Run = Callable[..., int]
COOP = "be-delivery-coop-2027"
LIMITS = "working_time_limits"


def at(text_: str) -> datetime:
    return datetime.fromisoformat(text_).astimezone(UTC)


@pytest.fixture
def coop(make_platform: Callable[..., PlatformHandle], send: Send, clock: Clock) -> PlatformHandle:
    clock.fixed = at("2027-01-18T09:00:00+01:00")
    p = make_platform("coop", COOP)
    r = send(p, event("rider.enrolled", rider_id="r-1", name="Amina", email="amina@example.org"))
    assert r.status_code == 200, r.text
    return p


def _shift(p: PlatformHandle, send: Send, code: str, start: str, end: str) -> None:
    booked = event(
        "shift.booked",
        shift_code=code,
        rider_id="r-1",
        starts_at=start,
        ends_at=end,
        pay={"hourly_gross": "14.00", "currency": "EUR"},
    )
    r = send(p, booked)
    assert r.status_code == 200, r.text
    # As booked, each shift keeps within the limits: nothing to correct or report at booking.
    assert r.json()["contract"]["corrections"] == []


def _work(p: PlatformHandle, send: Send, code: str, start: str, end: str) -> None:
    assert send(p, event("shift.started", shift_code=code, at=start)).status_code == 200
    r = send(p, event("shift.ended", shift_code=code, at=end, deliveries=5))
    assert r.status_code == 200, r.text


@pytest.fixture
def settled(coop: PlatformHandle, send: Send, clock: Clock, run_job: Run) -> PlatformHandle:
    """A-1 booked 13:00-22:00 on Monday (9 h) and B-1 09:00-13:00 on Tuesday (11 h of rest after A-1's booked end).
    The rider worked A-1 until midnight (11 h, past the 10 h a day) and B-1 as booked (9 h of rest, not 11)."""
    live = as_it_happens(send, clock)
    _shift(coop, live, "A-1", "2027-01-18T13:00:00+01:00", "2027-01-18T22:00:00+01:00")
    _shift(coop, live, "B-1", "2027-01-19T09:00:00+01:00", "2027-01-19T13:00:00+01:00")
    _work(coop, live, "A-1", "2027-01-18T13:00:00+01:00", "2027-01-19T00:00:00+01:00")
    _work(coop, live, "B-1", "2027-01-19T09:00:00+01:00", "2027-01-19T13:00:00+01:00")
    assert run_job("contracts.settle", at("2027-01-19T14:00:00+01:00")) == 2
    return coop


def _breaches(engine: Engine, code: str) -> list[Violation]:
    with Session(engine) as session:
        found = session.exec(
            select(Violation)
            .join(Contract, col(Contract.id) == col(Violation.contract_id))
            .where(Contract.shift_code == code)
            .order_by(col(Violation.id))
        ).all()
        return list(found)


def _contract(client: TestClient, p: PlatformHandle, code: str) -> dict[str, Any]:
    r = client.get(f"/v1/platforms/{p.slug}/shifts/{code}/contract", headers=p.auth)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_hours_worked_past_the_limits_are_recorded_as_reported_at_settlement(
    settled: PlatformHandle, engine: Engine, client: TestClient
) -> None:
    [day] = _breaches(engine, "A-1")
    assert (day.term, day.clause, day.code, day.action, day.stage) == (
        LIMITS,
        "Art. 7 Working time",
        "day_hours_over_limit",
        "reported",
        "settlement",
    )
    assert (day.unit, day.offered_value, day.applied_value) == ("hours", Decimal(11), Decimal(10))
    [rest] = _breaches(engine, "B-1")
    assert (rest.term, rest.code, rest.action, rest.stage) == (
        LIMITS,
        "rest_shorter_than_minimum",
        "reported",
        "settlement",
    )
    assert (rest.unit, rest.offered_value, rest.applied_value) == ("hours", Decimal(9), Decimal(11))
    assert (rest.offered, rest.applied) == ("9.00 h", "11.00 h")
    # Reported, not corrected: every hour worked is paid.
    assert Decimal(_contract(client, settled, "A-1")["statement"]["paid_hours"]) == Decimal(11)


def test_the_platform_reads_the_breach_on_its_contract(settled: PlatformHandle, client: TestClient) -> None:
    corrections = _contract(client, settled, "B-1")["corrections"]
    assert [(c["code"], c["action"], c["stage"], c["offered_value"], c["applied_value"]) for c in corrections] == [
        ("rest_shorter_than_minimum", "reported", "settlement", "9.0000", "11.0000")
    ]
    assert "all hours worked are paid" in corrections[0]["detail"]


def _statement_again(session: Session, book: AgreementBook, code: str) -> tuple[Contract, list[Any]]:
    """What settling the contract again finds: the same statement, from the same recorded facts."""
    contract = session.exec(select(Contract).where(Contract.shift_code == code)).one()
    agreement = settlement.agreement_for(book, contract)
    result = evaluate_shift(
        agreement,
        settlement.outcome_of(contract, settlement.worker_of(session, contract, agreement.timezone)),
        worked_before=settlement.worked_before_of(session, agreement, contract),
    )
    return contract, settlement.recorded_at_settlement(result.corrections, proposed=contract.proposed_pay is not None)


def test_settling_again_records_no_second_breach(settled: PlatformHandle, engine: Engine, book: AgreementBook) -> None:
    first = _breaches(engine, "B-1")
    with Session(engine) as session:
        contract, found = _statement_again(session, book, "B-1")
        assert [c.code for c in found] == ["rest_shorter_than_minimum"]
        contracts.record_at_settlement(session, contract.id, found, at("2027-01-20T10:00:00+01:00"))
        session.commit()
    again = _breaches(engine, "B-1")
    assert [(v.id, v.code, v.created_at) for v in again] == [(v.id, v.code, v.created_at) for v in first]


@pytest.mark.postgres_only
def test_two_settlers_racing_record_one_breach(
    settled: PlatformHandle, engine: Engine, book: AgreementBook, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("two writers at once on one unique index is what is tested; SQLite has a single writer")
    # Start from no record, as two workers settling the contract at once would.
    with Session(engine) as session:
        for v in session.exec(select(Violation)).all():
            session.delete(v)
        session.commit()
    now = at("2027-01-20T10:00:00+01:00")
    first = Session(engine)
    contract, found = _statement_again(first, book, "B-1")
    contracts.record_at_settlement(first, contract.id, found, now)
    first.flush()  # written, not committed: the second writer waits on the unique index
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with Session(engine) as session:
                c, f = _statement_again(session, book, "B-1")
                contracts.record_at_settlement(session, c.id, f, now)
                session.commit()
        except BaseException as exc:  # reported to the test below
            failures.append(exc)

    racer = threading.Thread(target=second)
    racer.start()
    racer.join(0.5)
    assert racer.is_alive(), "the second writer should wait for the first one's transaction"
    first.commit()
    first.close()
    racer.join(30)
    assert failures == []
    assert [v.code for v in _breaches(engine, "B-1")] == ["rest_shorter_than_minimum"]


def test_the_compliance_report_counts_each_breach(settled: PlatformHandle, engine: Engine, book: AgreementBook) -> None:
    with Session(engine) as session:
        report = compliance(session, book, "coop", "2027-01", at("2027-02-01T12:00:00+01:00"))
    [limits] = [v for v in report.violations if v.term == LIMITS]
    assert limits.term_type == LIMITS and limits.clause == "Art. 7 Working time"
    assert limits.codes == ["day_hours_over_limit", "rest_shorter_than_minimum"]
    assert (limits.contracts, limits.attempts) == (2, 2)


def test_a_breach_reported_at_booking_and_again_at_settlement_counts_once(
    coop: PlatformHandle, send: Send, clock: Clock, run_job: Run, engine: Engine, book: AgreementBook
) -> None:
    """48 h a week is enforced by report: a booking past it opens and is recorded; settled, the same breach is
    recorded again on the hours worked (what the rider sees), and the report counts one bad booking, once."""
    live = as_it_happens(send, clock)
    for n, day in enumerate(("18", "19", "20", "21", "22")):
        start, end = f"2027-01-{day}T08:00:00+01:00", f"2027-01-{day}T17:00:00+01:00"
        _shift(coop, live, f"A-{n}", start, end)
    r = live(
        coop,
        event(
            "shift.booked",
            shift_code="S-1",
            rider_id="r-1",
            starts_at="2027-01-23T09:00:00+01:00",
            ends_at="2027-01-23T13:00:00+01:00",
            pay={"hourly_gross": "14.00", "currency": "EUR"},
        ),
    )
    assert [c["code"] for c in r.json()["contract"]["corrections"]] == ["week_hours_over_limit"]
    _work(coop, live, "S-1", "2027-01-23T09:00:00+01:00", "2027-01-23T13:00:00+01:00")
    assert run_job("contracts.settle", at("2027-01-23T14:00:00+01:00")) >= 1
    stored = [(v.code, v.action, v.stage) for v in _breaches(engine, "S-1")]
    assert stored == [
        ("week_hours_over_limit", "reported", "booking"),
        ("week_hours_over_limit", "reported", "settlement"),
    ]
    with Session(engine) as session:
        report = compliance(session, book, "coop", "2027-01", at("2027-02-01T12:00:00+01:00"))
    [limits] = [v for v in report.violations if v.term == LIMITS]
    assert (limits.codes, limits.contracts, limits.attempts) == (["week_hours_over_limit"], 1, 1)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "You started work after only 9 h of rest"),
        ("fr", "Tu as repris le travail après seulement 9 h de repos"),
        ("nl", "Je begon te werken na maar 9 u rust"),
    ],
)
def test_the_rider_reads_the_rest_cut_short_in_their_language(
    settled: PlatformHandle, rider_session: Callable[..., TestClient], engine: Engine, lang: str, words: str
) -> None:
    with Session(engine) as session:
        contract_id = session.exec(select(Contract.id).where(Contract.shift_code == "B-1")).one()
    rider = rider_session(settled, "r-1")
    r = rider.get(f"/v1/rider/contracts/{contract_id}/view", params={"lang": lang})
    assert r.status_code == 200, r.text
    [shown] = r.json()["corrections"]
    assert shown["code"] == "rest_shorter_than_minimum" and shown["action"] == "reported"
    text = shown["text"].replace("\u00a0", " ")  # hours are never split across lines
    assert text.startswith(words), text
    assert "at least 11 h" in text or "au moins 11 h" in text or "minstens 11 u" in text


def test_pay_the_platform_proposes_at_the_end_is_recorded_when_it_breaks_a_term(
    make_platform: Callable[..., PlatformHandle], send: Send, clock: Clock, run_job: Run, engine: Engine
) -> None:
    """Booked by the hour, then proposed per trip with the shift's end (be-delivery-2016 forbids pay per trip): the
    booking had nothing to record; settlement records the proposal's breach once, beside the hours it pays."""
    clock.fixed = at("2026-03-02T09:00:00+01:00")
    p = make_platform("trips", "be-delivery-2016")
    assert send(p, event("rider.enrolled", rider_id="r-1", name="Amina", email="amina@example.org")).status_code == 200
    live = as_it_happens(send, clock)
    booked = event(
        "shift.booked",
        shift_code="T-1",
        rider_id="r-1",
        starts_at="2026-03-02T18:00:00+01:00",
        ends_at="2026-03-02T21:00:00+01:00",
        pay={"hourly_gross": "14.00", "currency": "EUR"},
    )
    assert live(p, booked).json()["contract"]["corrections"] == []
    assert live(p, event("shift.started", shift_code="T-1", at="2026-03-02T18:00:00+01:00")).status_code == 200
    ended = event(
        "shift.ended",
        shift_code="T-1",
        at="2026-03-02T21:00:00+01:00",
        deliveries=4,
        pay={"per_trip": "5.00", "currency": "EUR"},
    )
    assert live(p, ended).status_code == 200
    assert run_job("contracts.settle", at("2026-03-02T22:00:00+01:00")) == 1
    [found] = _breaches(engine, "T-1")
    assert (found.code, found.stage, found.action) == ("per_trip_pay_forbidden", "settlement", "amended")
