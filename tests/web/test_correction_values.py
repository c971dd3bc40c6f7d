"""Corrections carry their numbers (unit, offered and applied values) from the engine through the database to the
rider's page, which words them from those numbers and never from the sentences stored beside them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gateway.domains.contracts.schemas import CorrectionOut
from gateway.domains.readmodel.service import ContractOut
from gateway.web.i18n import Translator
from gateway.web.view import contract_view
from tests.conftest import PlatformHandle, event
from tests.web.conftest import Scenario

Send = Callable[..., Any]


def _booking(end: str, pay: dict[str, str]) -> bytes:
    return event(
        "shift.booked",
        shift_code="S-1",
        rider_id="r-1",
        starts_at="2026-12-01T10:00:00+01:00",
        ends_at=end,
        pay=pay,
    )


def test_a_booking_records_each_correction_with_its_unit_and_values(
    enrolled: PlatformHandle, send: Send, engine: Engine
) -> None:
    # Two hours at 9 EUR: the minimum engagement pays 3 h; both floors lift the rate to the statutory 12.83.
    r = send(enrolled, _booking("2026-12-01T12:00:00+01:00", {"hourly_gross": "9.00", "currency": "EUR"}))
    assert r.status_code == 200, r.text
    got = {(x["term"], x["unit"], x["offered_value"], x["applied_value"]) for x in r.json()["contract"]["corrections"]}
    assert got == {
        ("minimum_engagement", "hours", "2.0000", "3.0000"),
        ("net_hourly_floor", "hourly_gross", "9.00", "12.83"),
        ("statutory_minimum_wage", "hourly_gross", "9.00", "12.83"),
    }
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT term, unit, offered_value, applied_value FROM violation ORDER BY id")).all()
    # Stored in ten-thousandths, as the column type keeps every scaled decimal: the same on both databases and on
    # PostgreSQL's one-statement booking.
    assert [tuple(row) for row in rows] == [
        ("minimum_engagement", "hours", 20000, 30000),
        ("net_hourly_floor", "hourly_gross", 90000, 128300),
        ("statutory_minimum_wage", "hourly_gross", 90000, 128300),
    ]


def test_a_per_trip_offer_keeps_its_price_and_no_applied_number(enrolled: PlatformHandle, send: Send) -> None:
    r = send(enrolled, _booking("2026-12-01T14:00:00+01:00", {"per_trip": "5.25", "currency": "EUR"}))
    forbidden = [x for x in r.json()["contract"]["corrections"] if x["code"] == "per_trip_pay_forbidden"]
    assert [(x["unit"], x["offered_value"], x["applied_value"]) for x in forbidden] == [("per_trip", "5.25", None)]


def _open_contract(scenario: Scenario, rider: TestClient, correction: CorrectionOut) -> ContractOut:
    r = rider.get(f"/v1/rider/contracts/{scenario.contracts.open}")
    assert r.status_code == 200, r.text
    return ContractOut.model_validate(r.json()).model_copy(update={"corrections": [correction]})


def _short(**values: Any) -> CorrectionOut:
    # The sentences say nothing a parser could use: the page must take the numbers.
    return CorrectionOut(
        term="minimum_engagement",
        clause="§2 Minimum engagement",
        code="shift_shorter_than_minimum",
        action="amended",
        detail="shorter than the minimum",
        offered="short",
        applied="the minimum",
        **values,
    )


def test_the_page_words_a_correction_from_its_numbers(scenario: Scenario, rider: TestClient) -> None:
    c = _open_contract(
        scenario, rider, _short(unit="hours", offered_value=Decimal("1.5"), applied_value=Decimal("3.5"))
    )
    [k] = contract_view(c, None, Translator("en")).corrections
    assert (
        k.text
        == "The platform booked 1\u00a0h\u00a030; the agreement, §2, pays at least 3\u00a0h\u00a030 a shift, so your contract pays 3\u00a0h\u00a030."
    )


def test_a_correction_recorded_before_its_numbers_were_kept_reads_the_contracts_hours(
    scenario: Scenario, rider: TestClient
) -> None:
    c = _open_contract(scenario, rider, _short())
    [k] = contract_view(c, None, Translator("en")).corrections
    booked, paid = Translator("en").hours(c.shift.booked_hours), Translator("en").hours(c.guaranteed_paid_hours)
    assert k.text == (
        f"The platform booked {booked}; the agreement, §2, pays at least {paid} a shift, so your contract pays {paid}."
    )
