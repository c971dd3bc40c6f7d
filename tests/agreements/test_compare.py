"""The date `diff` evaluates both sides on, and its generated sample of shifts."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from gateway.agreements.compare import comparison_day, sample_shifts, term_diff
from gateway.agreements.loader import AgreementBook, Reader, build_agreement, load_profiles
from gateway.agreements.model import Agreement, AgreementError
from tests.agreements.conftest import AGREEMENT_ID, BUNDLED

BOOK = AgreementBook.load(BUNDLED)


def _book(agreement_id: str) -> Agreement:
    found = BOOK.get(agreement_id)
    assert found is not None
    return found


def _with_proposal() -> Agreement:
    rd = Reader(BUNDLED)
    proposal = BUNDLED / AGREEMENT_ID / "proposals" / "2027-net-floor-12.yaml"
    draft = build_agreement(rd, BUNDLED / AGREEMENT_ID / "agreement.yaml", load_profiles(BUNDLED, rd), [proposal])
    assert draft is not None, rd.issues
    return draft


def test_a_draft_is_compared_on_its_effective_date_whatever_today_is() -> None:
    assert comparison_day(_book(AGREEMENT_ID), _with_proposal(), None, date(2030, 5, 1)) == date(2027, 1, 1)


def test_two_whole_agreements_are_compared_today_or_when_the_later_one_starts() -> None:
    old, new = _book(AGREEMENT_ID), _book("be-delivery-coop-2027")
    assert comparison_day(old, new, None, date(2026, 6, 1)) == date(2027, 1, 1)
    assert comparison_day(old, new, None, date(2028, 3, 1)) == date(2028, 3, 1)
    assert comparison_day(old, new, date(2027, 2, 1), date(2026, 6, 1)) == date(2027, 2, 1)


def test_a_day_without_the_payroll_figures_a_term_needs_is_refused_by_name(tmp_path: Path) -> None:
    # The bundled profile knows the minimum wage from 2012 on: a copy that knows it only from 2025 lacks it in 2016.
    shutil.copytree(BUNDLED, tmp_path / "agreements")
    be = tmp_path / "agreements" / "payroll" / "be.yaml"
    text = be.read_text(encoding="utf-8")
    start, end = text.index('    values:\n      2012-12-01: "9.12"'), text.index('      2025-02-01: "12.83"')
    be.write_text(text[:start] + "    values:\n" + text[end:], encoding="utf-8")
    old = AgreementBook.load(tmp_path / "agreements").get(AGREEMENT_ID)
    assert old is not None
    with pytest.raises(AgreementError, match="no statutory minimum wage on 2016-05-01"):
        comparison_day(old, old, date(2016, 5, 1), date(2026, 6, 1))


def test_the_generated_sample_is_a_deterministic_week_of_several_hundred_shifts() -> None:
    belgian = _book(AGREEMENT_ID)
    shifts = list(sample_shifts(date(2027, 1, 1), belgian.timezone, "EUR"))
    assert len(shifts) == 448
    assert shifts == list(sample_shifts(date(2027, 1, 1), belgian.timezone, "EUR"))
    assert {s.booking.starts_at.weekday() for s in shifts} == set(range(7))
    assert {s.booking.offer is None for s in shifts} == {True, False}


def test_a_change_of_value_is_also_said_in_the_overviews_words_before_and_after() -> None:
    lines = term_diff(_book(AGREEMENT_ID), _with_proposal()).values
    floor = lines.index(next(x for x in lines if x.startswith("  ~ net_hourly_floor")))
    assert "earns at least 10.00 EUR net" in lines[floor + 1] and lines[floor + 1].lstrip().startswith("was:")
    assert "earns at least 12.00 EUR net" in lines[floor + 2] and lines[floor + 2].lstrip().startswith("now:")
    assert any("now: " in x and "1.50 EUR a shift for bike" in x for x in lines)
