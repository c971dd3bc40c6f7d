"""A what-if replaying the database's shifts gives each one the rider's status as settlement reads it (the youth
scale, a student's contribution within the yearly quota, seniority): its signed side is what riders were paid,
and a draft that changes a status rule shows its effect. Read in a fixed number of queries, however many shifts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlalchemy import event as sa_event
from sqlmodel import Session, col, select

from gateway.agreements.engine import Booking, HourlyOffer, Offer, ShiftOutcome, Worker
from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import Agreement
from gateway.domains.contracts.models import Contract
from gateway.domains.members import service as members
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.vault import vault_of
from gateway.domains.riders.models import Rider
from gateway.domains.settlement.models import Settlement
from gateway.domains.settlement.service import worker_of
from gateway.reports.drafts import draft_agreement
from gateway.reports.sources import DatabaseShifts
from gateway.reports.whatif import Figures, WhatIfResult, run_whatif
from gateway.reports.whatif_render import explain_sides, summary_csv
from gateway.settings import Settings
from tests.conftest import TEST_NOW, Clock, PlatformHandle, as_it_happens, event
from tests.reports.conftest import AGREEMENTS

Send = Callable[..., Any]
Run = Callable[..., int]
BXL = ZoneInfo("Europe/Brussels")
COOP = "be-delivery-coop-2027"

# A draft of the cooperative's agreement that raises the first seniority step from 0.30 to 0.80 an hour.
SENIORITY_080 = """\
amends: be-delivery-coop-2027
version: "2027.9-test"
title: A higher first seniority step (a test draft)
signed_on: 2026-12-01
terms:
  seniority:
    type: seniority
    clause: "Test draft, art. 1"
    values:
      2027-01-01:
        steps:
          - {after_years: 2, amount: "0.80"}
          - {after_years: 5, amount: "0.60"}
"""


@pytest.fixture
def send(send: Send, clock: Clock) -> Send:
    return as_it_happens(send, clock)


def _member(engine: Engine, settings: Settings, number: str, **fields: Any) -> None:
    identity = IdentityIn(first_name="Amina", last_name="Diallo", **fields)
    with Session(engine) as session:
        members.create(session, vault_of(settings), identity, TEST_NOW, number=number)
        session.commit()


def _enrol(p: PlatformHandle, send: Send, rider: str, member: str | None = None) -> None:
    extra = {"member_id": member} if member else {}
    r = send(p, event("rider.enrolled", rider_id=rider, name="Amina", email="amina@example.org", **extra))
    assert r.status_code == 200, r.text


def _worked(p: PlatformHandle, send: Send, clock: Clock, code: str, rider: str, day: date, pay: str = "14.00") -> None:
    """A shift booked that morning for 18:00-21:00 (Brussels) and worked as booked."""
    clock.fixed = datetime.fromisoformat(f"{day.isoformat()}T08:00:00+01:00").astimezone(UTC)
    start, end = f"{day.isoformat()}T18:00:00+01:00", f"{day.isoformat()}T21:00:00+01:00"
    booked = event(
        "shift.booked", shift_code=code, rider_id=rider, starts_at=start, ends_at=end, pay={"hourly_gross": pay}
    )
    assert send(p, booked).status_code == 200
    assert send(p, event("shift.started", shift_code=code, at=start)).status_code == 200
    assert send(p, event("shift.ended", shift_code=code, at=end)).status_code == 200


def _settled(run_job: Run, day: date) -> None:
    """Settle what ended that day, as the nightly job would (before the next day's shifts, so each sees the
    hours settled before it, as in production)."""
    run_job("contracts.settle", datetime.fromisoformat(f"{day.isoformat()}T22:00:00+01:00").astimezone(UTC))


def _paid(engine: Engine, codes: str, rider: str) -> Figures:
    """What settlement stored for a rider's shifts (their codes start with `codes`), added up as the what-if
    adds them."""
    with Session(engine) as session:
        rows = session.exec(
            select(Settlement)
            .join(Contract, col(Contract.id) == col(Settlement.contract_id))
            .join(Rider, col(Rider.id) == col(Contract.rider_id))
            .where(Rider.external_id == rider, col(Contract.shift_code).startswith(codes))
        ).all()
    assert rows
    return sum(
        (Figures(s.paid_hours, s.gross, s.net, s.expenses, s.invoice_total) for s in rows),
        Figures(),
    )


def _whatif(engine: Engine, signed: Agreement, draft: Agreement, slug: str, first: date, last: date) -> WhatIfResult:
    return run_whatif(signed, draft, DatabaseShifts(engine, slug, first, last, signed.timezone))


def _rider(r: WhatIfResult, rider: str) -> Figures:
    (found,) = [t for t in r.riders if t.rider == rider]
    return found.signed


def test_a_young_students_signed_side_is_what_settlement_paid_them(
    make_platform: Callable[..., PlatformHandle],
    send: Send,
    clock: Clock,
    engine: Engine,
    settings: Settings,
    run_job: Run,
    signed: Agreement,
    proposal: Agreement,
) -> None:
    """19 and a student under the statutory minimum: the youth scale lowers the floor to 88 %, but the contract
    was opened at the adult 12.83 (9.00 offered), which settlement pays; the student's solidarity contribution
    makes the net. The what-if's signed side says the same, to the cent."""
    _member(engine, settings, "M-19", birth_date=date(2007, 1, 15), worker_type="STU")
    p = make_platform("young")
    _enrol(p, send, "ry", "M-19")
    _enrol(p, send, "ra")  # no member: the adult scale, as settlement
    _worked(p, send, clock, "Y-1", "ry", date(2026, 3, 10), pay="9.00")
    _worked(p, send, clock, "Y-2", "ra", date(2026, 3, 10), pay="9.00")
    _settled(run_job, date(2026, 3, 10))
    r = _whatif(engine, signed, proposal, "young", date(2026, 3, 1), date(2026, 3, 31))
    young, adult = _paid(engine, "Y-1", "ry"), _paid(engine, "Y-2", "ra")
    assert young.gross == Decimal("38.49") and young.net != adult.net  # the student's contribution, not 13.07 %
    assert _rider(r, "ry") == young and _rider(r, "ra") == adult
    assert r.with_status == 1


def test_a_students_hours_before_count_every_platform_this_year_as_settlement_counts_them(
    make_platform: Callable[..., PlatformHandle],
    send: Send,
    clock: Clock,
    engine: Engine,
    settings: Settings,
    run_job: Run,
    signed: Agreement,
    proposal: Agreement,
) -> None:
    """A student's shifts on two platforms around the new year: each replayed shift carries the hours settled
    before it that calendar year on either platform, the very Worker settlement built, and the student's
    solidarity contribution within the quota gives the net they were paid."""
    _member(engine, settings, "M-STU", birth_date=date(2001, 5, 2), worker_type="STU")
    one, two = make_platform("one"), make_platform("two")
    _enrol(one, send, "s1", "M-STU")
    _enrol(two, send, "s2", "M-STU")
    worked = [
        (one, "one-1", "s1", date(2026, 12, 29)),
        (two, "two-1", "s2", date(2026, 12, 30)),
        (two, "two-2", "s2", date(2027, 1, 4)),
        (one, "one-2", "s1", date(2027, 1, 5)),
        (two, "two-3", "s2", date(2027, 1, 6)),
    ]
    for p, code, rider, day in worked:
        _worked(p, send, clock, code, rider, day)
        _settled(run_job, day)
    source = DatabaseShifts(engine, "two", date(2026, 12, 1), date(2027, 1, 31), BXL)
    replayed = [shift.worker for _, shift in source]
    with Session(engine) as session:
        contracts = session.exec(
            select(Contract).where(col(Contract.shift_code).startswith("two-")).order_by(col(Contract.starts_at))
        ).all()
        at_settlement = [worker_of(session, c, BXL) for c in contracts]
    assert replayed == at_settlement
    assert [w.student_hours_this_year if w else None for w in replayed] == [3, 0, 6]
    r = _whatif(engine, signed, proposal, "two", date(2026, 12, 1), date(2027, 1, 31))
    assert _rider(r, "s2") == _paid(engine, "two-", "s2")
    assert r.with_status == 3


def test_a_draft_that_raises_a_seniority_step_raises_a_senior_members_pay(
    make_platform: Callable[..., PlatformHandle],
    send: Send,
    clock: Clock,
    engine: Engine,
    settings: Settings,
    run_job: Run,
    book: AgreementBook,
    tmp_path: Path,
) -> None:
    coop = book.get(COOP)
    assert coop is not None
    spec = tmp_path / "seniority.yaml"
    spec.write_text(SENIORITY_080, encoding="utf-8")
    draft = draft_agreement(AGREEMENTS, coop, spec)
    _member(engine, settings, "M-OLD", birth_date=date(1990, 2, 3), employed_since=date(2024, 6, 1))
    p = make_platform("coop", agreement=COOP)
    _enrol(p, send, "senior", "M-OLD")
    _enrol(p, send, "newcomer")
    _worked(p, send, clock, "S-1", "senior", date(2027, 1, 19))
    _worked(p, send, clock, "S-2", "newcomer", date(2027, 1, 19))
    _settled(run_job, date(2027, 1, 19))
    r = _whatif(engine, coop, draft, "coop", date(2027, 1, 1), date(2027, 1, 31))
    by_rider = {t.rider: t for t in r.riders}
    # Two full years with the cooperative: 3 h × 0.30 = 0.90 signed (as paid), 3 h × 0.80 = 2.40 in the draft.
    assert by_rider["senior"].signed == _paid(engine, "S-1", "senior")
    assert by_rider["senior"].change.gross == Decimal("1.50")
    assert by_rider["newcomer"].change == Figures()
    assert r.changed_shifts == 1


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)


def test_the_members_are_read_in_as_many_queries_for_fifty_shifts_as_for_five(
    make_platform: Callable[..., PlatformHandle],
    send: Send,
    clock: Clock,
    engine: Engine,
    settings: Settings,
    run_job: Run,
) -> None:
    for n, worker_type in enumerate(("STU", "STU", None)):
        _member(engine, settings, f"M-{n}", birth_date=date(2006, 1, 1), worker_type=worker_type)
    p, other = make_platform("coop", agreement=COOP), make_platform("other", agreement=COOP)
    riders = ["m0", "m1", "m2", "x"]
    for n, rider in enumerate(riders):
        _enrol(p, send, rider, f"M-{n}" if n < 3 else None)
    _enrol(other, send, "o0", "M-0")
    first = date(2027, 1, 4)

    def work(shifts: range) -> None:
        for i in shifts:
            day = first + timedelta(days=i // len(riders))
            _worked(p, send, clock, f"C-{i}", riders[i % len(riders)], day)
            if i % 10 == 0:  # the student M-0 also rides elsewhere: hours that count against the quota
                _worked(other, send, clock, f"O-{i}", "o0", day - timedelta(days=1))
        _settled(run_job, first + timedelta(days=60))

    def replay() -> tuple[int, int]:
        source = DatabaseShifts(engine, "coop", first, date(2027, 3, 31), BXL)
        with _statements(engine) as seen:
            shifts = [shift for _, shift in source]
        assert len(shifts) == source.count()
        return len(seen), sum(s.worker is not None for s in shifts)

    work(range(5))
    five, with_status = replay()
    assert with_status == 4
    work(range(5, 50))
    assert replay() == (five, 38)


def test_the_report_says_how_many_shifts_had_a_members_status(
    make_platform: Callable[..., PlatformHandle],
    send: Send,
    clock: Clock,
    engine: Engine,
    settings: Settings,
    run_job: Run,
    signed: Agreement,
    proposal: Agreement,
) -> None:
    _member(engine, settings, "M-1", birth_date=date(1995, 1, 1))
    p = make_platform("demo")
    _enrol(p, send, "r1", "M-1")
    _enrol(p, send, "r2")
    _worked(p, send, clock, "D-1", "r1", date(2026, 12, 1))
    _worked(p, send, clock, "D-2", "r2", date(2026, 12, 1))
    r = _whatif(engine, signed, proposal, "demo", date(2026, 12, 1), date(2026, 12, 31))
    replayed = dict(explain_sides(r))["Shifts replayed"]
    assert "2 shifts of 2 riders" in replayed and "1 with the rider's status from their member record" in replayed
    assert "shifts_with_member_status,1" in summary_csv(r)


def test_shifts_with_a_status_come_to_the_same_with_and_without_the_memo(
    signed: Agreement, no_statutory: Agreement
) -> None:
    """Young and adult students, on both sides of the memo: the same figures, shift by shift or computed once."""
    workers = [
        None,
        Worker(date(2007, 1, 15), True, Decimal(0)),
        Worker(date(2007, 1, 15), True, Decimal(474)),
        Worker(date(1990, 1, 1), True, Decimal(10)),
        Worker(date(2008, 6, 1), False, Decimal(0), date(2020, 1, 1)),
    ]
    offers: list[Offer | None] = [None, HourlyOffer(Decimal("9.00"), "EUR"), HourlyOffer(Decimal("14.00"), "EUR")]
    shifts = []
    for i in range(60):
        start = datetime(2027, 1, 4 + i % 20, 18, tzinfo=BXL)
        booking = Booking(start, start + timedelta(hours=2 + i % 3), offers[i % 3])
        shifts.append((f"r-{i % 7}", ShiftOutcome(booking, worker=workers[i % 5])))
    memo = run_whatif(signed, no_statutory, shifts, at=None, memo=True)
    plain = run_whatif(signed, no_statutory, shifts, at=None, memo=False)
    assert memo.riders == plain.riders and memo.with_status == plain.with_status == 48
    assert memo.changed_shifts == plain.changed_shifts > 0
