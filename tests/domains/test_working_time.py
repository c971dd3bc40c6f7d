"""The time clauses on real databases: a rider's week counts every platform their member works for (overtime on the
second platform), and the working-time limits act at booking as each limit's enforcement says (be-delivery-coop-2027:
at most 10 h a day, reject; 48 h a week, report; 11 h of rest, amend)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from gateway.agreements.loader import AgreementBook
from gateway.domains.contracts.models import Contract
from gateway.domains.riders.models import Rider
from gateway.domains.settlement import service as settlement
from tests.conftest import Clock, PlatformHandle, event

Send = Callable[..., Any]
Run = Callable[..., int]
COOP = "be-delivery-coop-2027"


def at(text_: str) -> datetime:
    return datetime.fromisoformat(text_).astimezone(UTC)


@pytest.fixture
def two_platforms(
    make_platform: Callable[..., PlatformHandle], send: Send, clock: Clock
) -> tuple[PlatformHandle, PlatformHandle]:
    clock.fixed = at("2027-01-10T09:00:00+01:00")
    alpha, beta = make_platform("alpha", COOP), make_platform("beta", COOP)
    for p in (alpha, beta):
        r = send(p, event("rider.enrolled", rider_id="r-1", name="Amina", email="amina@example.org"))
        assert r.status_code == 200, r.text
    return alpha, beta


def _link_to_one_member(engine: Engine) -> None:
    """Both platforms' riders are one person: the cooperative's member M-1."""
    with Session(engine) as session:
        for rider in session.exec(select(Rider)).all():
            rider.member_id = "M-1"
            session.add(rider)
        session.commit()


def _book(p: PlatformHandle, send: Send, code: str, start: str, end: str, **extra: Any) -> Any:
    return send(
        p,
        event(
            "shift.booked",
            shift_code=code,
            rider_id="r-1",
            starts_at=start,
            ends_at=end,
            pay={"hourly_gross": "14.00", "currency": "EUR"},
            **extra,
        ),
    )


def _booked(p: PlatformHandle, send: Send, code: str, start: str, end: str) -> dict[str, Any]:
    r = _book(p, send, code, start, end)
    assert r.status_code == 200, r.text
    return dict(r.json()["contract"])


def _statement(client: TestClient, p: PlatformHandle, code: str) -> dict[str, Any]:
    r = client.get(f"/v1/platforms/{p.slug}/shifts/{code}/contract", headers=p.auth)
    assert r.status_code == 200, r.text
    return dict(r.json()["statement"])


@pytest.mark.parametrize("linked", [True, False], ids=["one-member", "two-strangers"])
def test_the_week_counts_every_platform_of_the_member(
    two_platforms: tuple[PlatformHandle, PlatformHandle],
    send: Send,
    client: TestClient,
    clock: Clock,
    run_job: Run,
    engine: Engine,
    linked: bool,
) -> None:
    alpha, beta = two_platforms
    if linked:
        _link_to_one_member(engine)
    # Monday to Thursday on alpha, 9.5 h a day: 38 h, the weekly threshold.
    for n, day in enumerate(("11", "12", "13", "14")):
        _booked(alpha, send, f"A-{n}", f"2027-01-{day}T08:00:00+01:00", f"2027-01-{day}T17:30:00+01:00")
    # Friday on beta, 4 h: past 38 h for the member, not for a stranger who only has beta's contracts.
    _booked(beta, send, "B-1", "2027-01-15T08:00:00+01:00", "2027-01-15T12:00:00+01:00")
    clock.fixed = at("2027-01-15T08:00:00+01:00")
    assert send(beta, event("shift.started", shift_code="B-1", at="2027-01-15T08:00:00+01:00")).status_code == 200
    clock.fixed = at("2027-01-15T12:00:00+01:00")
    r = send(beta, event("shift.ended", shift_code="B-1", at="2027-01-15T12:00:00+01:00", deliveries=6))
    assert r.status_code == 200, r.text
    assert run_job("contracts.settle", at("2027-01-15T13:00:00+01:00")) >= 1
    st = _statement(client, beta, "B-1")
    overtime = [ln for ln in st["lines"] if ln["code"] == "overtime"]
    if linked:
        # 38 h before on alpha, 4 h on beta, all past 38 h: 4 × (14.00 × 50 %) = 28.00 on top of 4 × 14.00.
        assert [(Decimal(ln["hours"]), Decimal(ln["amount"])) for ln in overtime] == [(Decimal(4), Decimal("28.00"))]
        assert "38 h earlier that week" in overtime[0]["why"]
        assert Decimal(st["gross"]) == Decimal("84.00")
    else:
        assert overtime == []
        assert Decimal(st["gross"]) == Decimal("56.00")


def test_settling_again_counts_the_same_hours_before(
    two_platforms: tuple[PlatformHandle, PlatformHandle],
    send: Send,
    engine: Engine,
    book: AgreementBook,
) -> None:
    alpha, beta = two_platforms
    _link_to_one_member(engine)
    _booked(alpha, send, "A-1", "2027-01-11T08:00:00+01:00", "2027-01-11T17:00:00+01:00")
    _booked(beta, send, "B-1", "2027-01-12T08:00:00+01:00", "2027-01-12T12:00:00+01:00")
    agreement = book.get(COOP)
    assert agreement is not None
    with Session(engine) as session:
        contract = session.exec(select(Contract).where(Contract.shift_code == "B-1")).one()
        first = settlement.worked_before_of(session, agreement, contract)
    # Later work of the member (the same week, on either platform) does not change what came before B-1.
    _booked(alpha, send, "A-2", "2027-01-13T08:00:00+01:00", "2027-01-13T17:00:00+01:00")
    _booked(beta, send, "B-2", "2027-01-17T14:00:00+01:00", "2027-01-17T18:00:00+01:00")
    with Session(engine) as session:
        contract = session.exec(select(Contract).where(Contract.shift_code == "B-1")).one()
        again = settlement.worked_before_of(session, agreement, contract)
    assert first == again
    assert first is not None and first.week_hours == Decimal(9) and first.day_hours == 0
    assert first.previous_end == at("2027-01-11T17:00:00+01:00")


def test_a_day_past_ten_hours_across_platforms_is_refused_naming_the_clause(
    two_platforms: tuple[PlatformHandle, PlatformHandle], send: Send, engine: Engine
) -> None:
    alpha, beta = two_platforms
    _link_to_one_member(engine)
    _booked(alpha, send, "A-1", "2027-01-13T07:00:00+01:00", "2027-01-13T13:00:00+01:00")
    r = _book(beta, send, "B-1", "2027-01-13T14:00:00+01:00", "2027-01-13T19:00:00+01:00")
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["term"] == "working_time_limits" and body["clause"] == "Art. 7 Working time"
    assert body["code"] == "day_hours_over_limit"
    with Session(engine) as session:
        assert session.exec(select(Contract).where(Contract.shift_code == "B-1")).first() is None


def test_a_rest_cut_short_opens_the_contract_at_the_end_of_the_rest(
    two_platforms: tuple[PlatformHandle, PlatformHandle], send: Send, engine: Engine
) -> None:
    alpha, beta = two_platforms
    _link_to_one_member(engine)
    _booked(alpha, send, "A-1", "2027-01-18T18:00:00+01:00", "2027-01-19T02:00:00+01:00")
    c = _booked(beta, send, "B-1", "2027-01-19T10:00:00+01:00", "2027-01-19T16:00:00+01:00")
    # 8 h of rest instead of 11: the contract runs from 02:00 + 11 h = 13:00 to 16:00.
    assert at(c["shift"]["starts_at"]) == at("2027-01-19T13:00:00+01:00")
    assert at(c["shift"]["ends_at"]) == at("2027-01-19T16:00:00+01:00")
    fixes = {v["code"]: v for v in c["corrections"]}
    assert fixes["rest_shorter_than_minimum"]["action"] == "amended"
    assert fixes["rest_shorter_than_minimum"]["clause"] == "Art. 7 Working time"
    # The platform sends the same booking again (another webhook id): the same, narrowed contract, no conflict.
    again = _booked(beta, send, "B-1", "2027-01-19T10:00:00+01:00", "2027-01-19T16:00:00+01:00")
    assert again["id"] == c["id"] and at(again["shift"]["starts_at"]) == at("2027-01-19T13:00:00+01:00")


def test_a_week_past_48_hours_opens_and_is_reported(
    two_platforms: tuple[PlatformHandle, PlatformHandle], send: Send, engine: Engine
) -> None:
    alpha, beta = two_platforms
    _link_to_one_member(engine)
    for n, day in enumerate(("11", "12", "13", "14", "15")):
        _booked(alpha, send, f"A-{n}", f"2027-01-{day}T08:00:00+01:00", f"2027-01-{day}T17:00:00+01:00")
    c = _booked(beta, send, "B-1", "2027-01-16T09:00:00+01:00", "2027-01-16T13:00:00+01:00")
    assert at(c["shift"]["ends_at"]) == at("2027-01-16T13:00:00+01:00")  # opened as booked
    reported = [v for v in c["corrections"] if v["code"] == "week_hours_over_limit"]
    assert [v["action"] for v in reported] == ["reported"]
    assert "45 h already that week" in reported[0]["detail"]


def test_bad_weather_sent_at_booking_pays_its_premium(
    two_platforms: tuple[PlatformHandle, PlatformHandle],
    send: Send,
    client: TestClient,
    clock: Clock,
    run_job: Run,
) -> None:
    alpha, _beta = two_platforms
    r = _book(alpha, send, "W-1", "2027-01-18T12:00:00+01:00", "2027-01-18T16:00:00+01:00", bad_weather=True)
    assert r.status_code == 200, r.text
    assert r.json()["contract"]["actual"]["bad_weather"] is True
    clock.fixed = at("2027-01-18T16:00:00+01:00")
    assert send(alpha, event("shift.started", shift_code="W-1", at="2027-01-18T12:00:00+01:00")).status_code == 200
    r = send(alpha, event("shift.ended", shift_code="W-1", at="2027-01-18T16:00:00+01:00", deliveries=3))
    assert r.status_code == 200, r.text
    assert run_job("contracts.settle", at("2027-01-18T17:00:00+01:00")) == 1
    read = client.get(f"/v1/platforms/{alpha.slug}/shifts/W-1/contract", headers=alpha.auth).json()
    assert read["actual"]["bad_weather"] is True  # the end did not repeat the flag: it stays
    lines = {ln["code"]: ln for ln in _statement(client, alpha, "W-1")["lines"]}
    # Every hour of the shift: 4 × 1.00.
    assert Decimal(lines["premium_bad_weather"]["amount"]) == Decimal("4.00")
    assert lines["premium_bad_weather"]["clause"] == "Art. 5 Unsocial hours"
