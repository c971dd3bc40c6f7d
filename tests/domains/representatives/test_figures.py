"""The representatives' figures on a built data set (SQLite and PostgreSQL): counts, hours and pay per hour per
platform and half-year in local time, and never a group smaller than five riders, directly or by difference."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from gateway.agreements.loader import AgreementBook
from gateway.domains.contracts.models import Contract, ContractStatus
from gateway.domains.decisions.service import DecisionKind
from gateway.domains.representatives.export import COLUMNS, to_csv
from gateway.domains.representatives.schemas import RepresentativesOut
from gateway.domains.representatives.service import HalfError, figures, half_days
from tests.domains.representatives.conftest import Builder

D = Decimal
NOW = datetime(2027, 2, 1, 12, tzinfo=UTC)
H2_STARTS = datetime(2026, 6, 30, 22, tzinfo=UTC)  # 1 July, 00:00 in Brussels
CORRECTED, BLOCKED = DecisionKind.BOOKING_CORRECTED, DecisionKind.CONTRACT_BLOCKED


def demo_year(b: Builder) -> None:
    """2026-H2 on platform `demo`: r-01..r-06 worked 3 h unpaid above the minimum (12.83 an hour), r-07..r-11 3 h at
    14.00, r-12..r-14 3 h at 16.50 (a band of three riders); r-15 only has a booking still open. r-01's shift starts
    at 00:30 on 1 July in Brussels (30 June in UTC): it is H2. r-16's starts at 23:30 on 30 June (H1) and r-17's at
    00:30 on 1 January 2027 (2027-H1): neither is in 2026-H2. 2026-H1 also has r-01..r-06 in March (2 h shifts,
    paid 3)."""
    b.contract("r-01", "2026-07-01T00:30:00+02:00")
    for i in range(2, 7):
        b.contract(f"r-{i:02d}", f"2026-09-{i:02d}T10:00:00+02:00")
    for i in range(7, 12):
        b.contract(f"r-{i:02d}", f"2026-10-{i:02d}T10:00:00+02:00", hourly="14.00")
    for i in range(12, 15):
        b.contract(f"r-{i:02d}", f"2026-11-{i:02d}T10:00:00+01:00", hourly="16.50")
    b.contract("r-15", "2026-12-20T10:00:00+01:00", status=ContractStatus.open)
    # Open bookings of two more riders, and cancellations of three: two small cells, six riders together.
    b.contract("r-02", "2026-12-21T10:00:00+01:00", status=ContractStatus.open)
    for i in (3, 4, 5):
        b.contract(f"r-{i:02d}", "2026-12-22T10:00:00+01:00", status=ContractStatus.cancelled)
    b.contract("r-16", "2026-06-30T23:30:00+02:00")
    b.contract("r-17", "2027-01-01T00:30:00+01:00")
    for i in range(1, 7):
        b.contract(f"r-{i:02d}", f"2026-03-{i + 1:02d}T10:00:00+01:00", hours=2)


@pytest.fixture
def demo(build: Callable[[str], Builder]) -> Builder:
    b = build("demo")
    demo_year(b)
    b.session.commit()
    return b


def report(engine: Engine, book: AgreementBook, half: str, slug: str = "demo") -> RepresentativesOut:
    with Session(engine) as session:
        return figures(session, book, slug, half, NOW)


def test_a_half_year_counts_riders_hours_and_pay_by_the_contracts_local_start(
    demo: Builder, engine: Engine, book: AgreementBook
) -> None:
    r = report(engine, book, "2026-H2")
    assert r.shown and r.riders == 15  # r-01..r-15: not r-16 (30 June, local) nor r-17 (1 January 2027, local)
    assert (r.first_day.isoformat(), r.last_day.isoformat(), r.timezone) == (
        "2026-07-01",
        "2026-12-31",
        "Europe/Brussels",
    )
    assert r.hours is not None
    # 14 settled shifts of 3 h: 6 at 12.83, 5 at 14.00, 3 at 16.50 gross an hour.
    assert r.hours.worked_hours == D(42) and r.hours.paid_hours == D(42)
    assert r.hours.gross == 6 * D("38.49") + 5 * D("42.00") + 3 * D("49.50")
    assert r.hours.gross_per_paid_hour == (r.hours.gross / 42).quantize(D("0.01"))
    assert r.contracts.total == 19 and r.contracts.shown
    by_status = {c.key: c.count for c in r.contracts.rows}
    # Open (r-02, r-15) and cancelled (r-03..r-05) are each under five riders; together they are five: the
    # settled count is shown, and neither small one can be computed from it.
    assert by_status == {"settled": 14, "open": None, "cancelled": None}
    h1 = report(engine, book, "2026-H1")
    assert h1.riders == 7 and h1.hours is not None  # r-01..r-06 in March, and r-16 late on 30 June
    assert h1.hours.worked_hours == 6 * 2 + 3 and h1.hours.paid_hours == 7 * 3
    assert report(engine, book, "2027-H1").shown is False  # r-17 alone


def test_pay_per_hour_bands_hold_five_riders_each_and_open_at_both_ends(
    demo: Builder, engine: Engine, book: AgreementBook
) -> None:
    pay = report(engine, book, "2026-H2").pay_per_hour
    assert pay is not None
    # Bands of 1.00: 12 (six riders), 14 (five), 16 (three: merged into its neighbour). r-15, with no paid hour,
    # is one rider: counted in the lowest band, never shown alone.
    got = [(b.at_least, b.under, b.riders, b.includes_riders_without_paid_hour) for b in pay.bands]
    assert got == [(None, D(14), 7, True), (D(14), None, 8, False)]
    assert pay.riders_without_paid_hour is None
    assert all(b.riders >= 5 for b in pay.bands)


def test_a_platform_with_four_riders_shows_nothing_about_them(
    build: Callable[[str], Builder], engine: Engine, book: AgreementBook
) -> None:
    b = build("small")
    for i in range(1, 5):
        c = b.contract(f"s-{i}", f"2026-08-{i:02d}T10:00:00+02:00", hourly="15.00")
        b.review(b.decision(f"s-{i}", CORRECTED, "raised_to_minimum_hours", c), "upheld")
    b.session.commit()
    r = report(engine, book, "2026-H2", "small")
    assert r.shown is False and r.riders is None and r.hours is None and r.pay_per_hour is None
    for table in (r.contracts, r.decisions, r.reviews):
        assert table.shown is False and table.total is None and table.rows == []
    rows = list(csv.DictReader(io.StringIO(to_csv(r))))
    assert {row["value"] for row in rows} == {""} and {row["suppressed"] for row in rows} == {"true"}


def test_decisions_and_reviews_are_counted_by_outcome_with_small_cells_suppressed_in_pairs(
    demo: Builder, engine: Engine, book: AgreementBook
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        contracts = {
            c.rider_id: c
            for c in session.exec(
                select(Contract).where(Contract.status == "settled", col(Contract.starts_at) >= H2_STARTS)
            ).all()
        }
    ids = []
    for i in range(1, 9):  # eight riders' bookings corrected
        ids.append(
            demo.decision(f"r-{i:02d}", CORRECTED, "raised_to_minimum_hours", contracts[demo.riders[f"r-{i:02d}"]])
        )
    for i in (9, 10):  # two riders' contracts blocked: under five
        demo.decision(f"r-{i:02d}", BLOCKED, "identity_incomplete", contracts[demo.riders[f"r-{i:02d}"]])
    # A platform's suspension with no contract counts by when it was decided, local: 1 January 2027 is not 2026.
    demo.decision("r-11", DecisionKind.PLATFORM_SUSPENSION, "suspended", at="2026-12-31T23:30:00+00:00")
    for d, outcome in zip(ids, ["upheld", "upheld", "upheld", "overturned", "overturned", None], strict=False):
        demo.review(d, outcome)
    demo.session.commit()
    r = report(engine, book, "2026-H2")
    assert r.decisions.total == 10
    cells = {(c.key, c.outcome): c.count for c in r.decisions.rows}
    # The blocked pair alone could be read as 10 - 8: the corrected cell is suppressed with it.
    assert cells == {
        ("booking_corrected", "raised_to_minimum_hours"): None,
        ("contract_blocked", "identity_incomplete"): None,
    }
    assert r.reviews.shown and r.reviews.total == 6
    assert {c.key: c.count for c in r.reviews.rows} == {"upheld": None, "overturned": None, "pending": None}
    assert report(engine, book, "2027-H1").shown is False


def test_the_csv_has_the_documented_columns_and_the_same_figures(
    demo: Builder, engine: Engine, book: AgreementBook
) -> None:
    r = report(engine, book, "2026-H2")
    text = to_csv(r)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0].split(",") == COLUMNS
    got = {
        (row["table"], row["item"], row["at_least"], row["under"]): (row["value"], row["suppressed"]) for row in rows
    }
    assert got[("summary", "riders", "", "")] == ("15", "false")
    assert got[("contracts_by_status", "total", "", "")] == ("19", "false")
    assert got[("contracts_by_status", "settled", "", "")] == ("14", "false")
    assert got[("contracts_by_status", "open", "", "")] == ("", "true")
    assert got[("hours", "paid_hours", "", "")] == ("42.0000", "false")
    assert got[("pay_per_hour", "band_with_riders_without_paid_hour", "", "14.00")] == ("7", "false")
    assert got[("pay_per_hour", "band", "14.00", "")] == ("8", "false")
    assert {row["platform"] for row in rows} == {"demo"} and {row["half"] for row in rows} == {"2026-H2"}


def test_half_years_are_written_yyyy_h1_or_h2() -> None:
    assert [d.isoformat() for d in half_days("2026-H1")] == ["2026-01-01", "2026-06-30"]
    assert [d.isoformat() for d in half_days("2026-H2")] == ["2026-07-01", "2026-12-31"]
    for bad in ("2026-H3", "2026-2", "26-H1", "2026-h1", "0000-H1"):
        with pytest.raises(HalfError):
            half_days(bad)


def test_the_api_needs_the_representative_role_and_answers_problems(
    demo: Builder, client: TestClient, staff_token: Callable[..., str]
) -> None:
    url = "/v1/admin/representatives"
    rep = {"Authorization": f"Bearer {staff_token('rep', 'representative')}"}
    other = {"Authorization": f"Bearer {staff_token('neg', 'agreements')}"}
    assert client.get(url, params={"platform": "demo", "half": "2026-H2"}).status_code == 401
    r = client.get(url, params={"platform": "demo", "half": "2026-H2"}, headers=other)
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    r = client.get(url, params={"platform": "demo", "half": "2026-H2"}, headers=rep)
    assert r.status_code == 200 and r.json()["riders"] == 15
    r = client.get(f"{url}.csv", params={"platform": "demo", "half": "2026-H2"}, headers=rep)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[0].split(",") == COLUMNS
    assert 'filename="representatives-demo-2026-H2.csv"' in r.headers["content-disposition"]
    r = client.get(f"{url}.html", params={"platform": "demo", "half": "2026-H2", "lang": "fr"}, headers=rep)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in r.text and "attachment" in r.headers["content-disposition"]
    assert "script-src" not in r.headers["content-security-policy"]  # default-src 'none': no script runs
    assert client.get(f"{url}.html", params={"platform": "demo", "half": "2026-H2"}, headers=other).status_code == 403
    assert (
        client.get(f"{url}.html", params={"platform": "demo", "half": "2026-H2", "lang": "de"}, headers=rep).status_code
        == 422
    )
    r = client.get(url, params={"platform": "nowhere", "half": "2026-H2"}, headers=rep)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    for half in ("2026-H3", "2026", "x" * 100, "0000-H1"):
        r = client.get(url, params={"platform": "demo", "half": half}, headers=rep)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", half
