from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bench.agreements_engine import _shifts
from gateway.agreements.engine import Booking, ShiftOutcome, WorkedBefore, evaluate_shift
from gateway.agreements.examples import load_examples
from gateway.agreements.issues import Issue
from gateway.agreements.loader import AgreementBook, Reader
from gateway.agreements.model import AgreementError
from gateway.agreements.terms.hourly_floor import HourlyFloor
from tests.agreements.conftest import AGREEMENT_ID, BUNDLED, Edit


def _issues(agreements_dir: Path) -> list[Issue]:
    with pytest.raises(AgreementError) as caught:
        AgreementBook.load(agreements_dir)
    return caught.value.issues


def _line_of(agreements_dir: Path, needle: str) -> int:
    text = (agreements_dir / AGREEMENT_ID / "agreement.yaml").read_text(encoding="utf-8")
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_misspelt_key_is_reported_with_position_term_and_suggestion(agreements_dir: Path, edit: Edit) -> None:
    edit('{amount: "10.00", basis: net', '{ammount: "10.00", basis: net')
    issue = next(i for i in _issues(agreements_dir) if "unknown key" in i.message)
    assert issue.term == "net_hourly_floor"
    assert issue.pos.line == _line_of(agreements_dir, "ammount")
    assert issue.suggestion == "amount"
    assert issue.expected is not None and "amount, basis" in issue.expected
    assert str(issue).startswith(f"{issue.file}:{issue.pos.line}:{issue.pos.column}: term net_hourly_floor:")


def test_every_problem_is_reported_at_once(agreements_dir: Path, edit: Edit) -> None:
    edit("basis: net", "basis: nett")
    edit("timezone: Europe/Brussels", "timezone: Europe/Brusels")
    edit("2016-05-01: {days: 7, kind: business}", "2016-02-30: {days: 7, kind: business}")
    messages = [str(i) for i in _issues(agreements_dir)]
    assert any("'nett' is not allowed" in m and "did you mean 'net'" in m for m in messages)
    assert any("'Europe/Brusels' is not an IANA time zone" in m for m in messages)
    assert any("'2016-02-30' is not a calendar date" in m and "term payment_term" in m for m in messages)


def test_duplicate_dates_are_caught(agreements_dir: Path, edit: Edit) -> None:
    edit(
        '      2016-05-01: {rate: "0.065", levied_on: invoice_excl_vat}',
        '      2016-05-01: {rate: "0.065", levied_on: invoice_excl_vat}\n'
        '      2016-05-01: {rate: "0.07", levied_on: invoice_excl_vat}',
    )
    (issue,) = _issues(agreements_dir)
    assert "duplicate key '2016-05-01'" in issue.message
    assert issue.term == "guarantee_levy"


def test_unquoted_amount_says_to_write_it_in_quotes_as_written(agreements_dir: Path, edit: Edit) -> None:
    edit('{amount: "10.00", basis: net', "{amount: 10.00, basis: net")
    (issue,) = _issues(agreements_dir)
    # As written (10.00), not as YAML read it (the float 10.0).
    assert issue.message == '10.00 is a number without quotes: write it in quotes, like "10.00"'
    assert issue.term == "net_hourly_floor"


def test_negative_amount_says_it_must_not_be_negative(agreements_dir: Path, edit: Edit) -> None:
    edit('{amount: "10.00", basis: net', '{amount: "-3.00", basis: net')
    (issue,) = _issues(agreements_dir)
    assert issue.message == "'-3.00' must not be negative"


def test_negative_unquoted_amount_is_one_message_naming_both(agreements_dir: Path, edit: Edit) -> None:
    edit('{amount: "10.00", basis: net', "{amount: -3.00, basis: net")
    (issue,) = _issues(agreements_dir)
    assert issue.message == '-3.00 must not be negative; write amounts in quotes, like "3.00"'


def test_a_quoted_whole_number_says_to_drop_the_quotes(agreements_dir: Path, edit: Edit) -> None:
    edit("{days: 7, kind: business}", '{days: "7", kind: business}')
    (issue,) = _issues(agreements_dir)
    assert issue.message == "'7' is in quotes: write this number without them, like 7"


def test_a_misspelt_required_key_is_one_message_not_two(agreements_dir: Path, edit: Edit) -> None:
    edit('{amount: "10.00", basis: net', '{ammount: "10.00", basis: net')
    (issue,) = _issues(agreements_dir)
    assert issue.message == "unknown key 'ammount'" and issue.suggestion == "amount"


def _example_issues(agreements_dir: Path, old: str, new: str) -> list[Issue]:
    path = agreements_dir / AGREEMENT_ID / "examples" / "hourly-pay.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    rd = Reader(agreements_dir)
    load_examples(agreements_dir / AGREEMENT_ID, rd)
    return rd.issues


def test_a_misspelt_offer_key_in_an_example_is_one_message(agreements_dir: Path) -> None:
    (issue,) = _example_issues(agreements_dir, 'offer: {hourly_gross: "12.00"}', 'offer: {hourly_gros: "12.00"}')
    assert issue.message == "unknown key 'hourly_gros'" and issue.suggestion == "hourly_gross"


def test_an_offer_without_a_price_names_both_choices(agreements_dir: Path) -> None:
    (issue,) = _example_issues(agreements_dir, 'offer: {hourly_gross: "12.00"}', "offer: {currency: EUR}")
    assert issue.message == "give one of: hourly_gross, per_trip"


def test_a_term_starting_before_the_agreement_is_an_error(agreements_dir: Path, edit: Edit) -> None:
    edit("2016-05-01: {days: 7, kind: business}", "2016-04-01: {days: 7, kind: business}")
    messages = [i.message for i in _issues(agreements_dir)]
    assert any("before the agreement starts (2016-05-01)" in m for m in messages)


def test_a_gap_in_a_mandatory_term_is_an_error(agreements_dir: Path, edit: Edit) -> None:
    edit(
        "2016-05-01: {days: 7, kind: business}",
        "2016-05-01: {days: 7, kind: business}\n      2020-01-01: null\n      2021-01-01: {days: 7, kind: business}",
    )
    (issue,) = _issues(agreements_dir)
    assert issue.term == "payment_term"
    assert "gap" in issue.message


def test_amendment_changes_named_terms_from_its_date_only(agreements_dir: Path) -> None:
    folder = agreements_dir / AGREEMENT_ID
    signed = (folder / "agreement.yaml").read_text(encoding="utf-8")
    (folder / "amendments").mkdir()
    proposal = folder / "proposals" / "2027-net-floor-12.yaml"
    (folder / "amendments" / "2027-net-floor-12.yaml").write_text(proposal.read_text(encoding="utf-8"))
    agreement = AgreementBook.load(agreements_dir).get(AGREEMENT_ID)
    assert agreement is not None
    floor = agreement.terms["net_hourly_floor"]
    before, after = floor.values.at(date(2026, 12, 31)), floor.values.at(date(2027, 1, 1))
    # Each dated value is typed at load: the floor's amount is a Decimal, its clause the amendment's.
    assert before is not None and isinstance(before.value, HourlyFloor) and before.value.amount == Decimal("10.00")
    assert after is not None and isinstance(after.value, HourlyFloor) and after.value.amount == Decimal("12.00")
    assert after.value.written["amount"] == "12.00"
    assert after.value.clause == "Amendment 1, art. 1"
    assert agreement.version_at(date(2026, 12, 31)) == "2016.1"
    assert agreement.version_at(date(2027, 1, 1)) == "2027.1-proposal"
    assert (folder / "agreement.yaml").read_text(encoding="utf-8") == signed
    assert after.value.amount > before.value.amount


def test_two_amendments_changing_one_term_from_overlapping_dates_are_an_error(agreements_dir: Path) -> None:
    folder = agreements_dir / AGREEMENT_ID
    (folder / "amendments").mkdir()
    text = (folder / "proposals" / "2027-net-floor-12.yaml").read_text(encoding="utf-8")
    (folder / "amendments" / "a.yaml").write_text(text.replace("2027-01-01", "2028-01-01"))
    (folder / "amendments" / "b.yaml").write_text(text.replace('version: "2027.1-proposal"', 'version: "2027.2"'))
    messages = [i.message for i in _issues(agreements_dir)]
    assert any("overlaps" in m and "a.yaml" in m for m in messages)


def test_gateway_refuses_to_load_naming_file_line_and_term(agreements_dir: Path, edit: Edit) -> None:
    edit("hours: paid}", "hours: all}")
    with pytest.raises(AgreementError) as caught:
        AgreementBook.load(agreements_dir)
    text = str(caught.value)
    assert f"agreement.yaml:{_line_of(agreements_dir, 'hours: all')}:" in text
    assert "term net_hourly_floor" in text
    assert "one of: paid, worked" in text


def _coop_issues(agreements_dir: Path, old: str, new: str) -> list[Issue]:
    path = agreements_dir / "be-delivery-coop-2027" / "agreement.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return _issues(agreements_dir)


def test_a_time_of_day_out_of_range_says_how_times_are_written(agreements_dir: Path) -> None:
    (issue,) = _coop_issues(agreements_dir, 'from: "22:00", to: "06:00"', 'from: "22:00", to: "6:00"')
    assert str(issue).endswith(
        "term premiums: '6:00' is not valid; expected a time of day in quotes, two digits each, "
        'from "00:00" to "23:59", e.g. "07:00"'
    )


def test_a_night_band_that_starts_when_it_ends_is_refused(agreements_dir: Path) -> None:
    (issue,) = _coop_issues(agreements_dir, 'from: "22:00", to: "06:00"', 'from: "21:00", to: "21:00"')
    assert issue.term == "premiums" and "starts and ends at 21:00" in issue.message


def test_a_line_indented_wrong_is_said_in_words(agreements_dir: Path) -> None:
    (issue,) = _coop_issues(
        agreements_dir,
        '    clause: "Art. 11 Bicycle allowance"\n',
        '    clause: "Art. 11 Bicycle allowance"\n   x: 1\n',
    )
    assert issue.message.startswith("not valid YAML: a line is indented more or less than the lines around it")


def test_a_rate_per_kilometre_may_have_four_decimals_and_each_line_is_rounded_to_the_cent(
    agreements_dir: Path,
) -> None:
    path = agreements_dir / "be-delivery-coop-2027" / "agreement.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('amount: "0.35", per: km', 'amount: "0.4269", per: km'), encoding="utf-8")
    coop = AgreementBook.load(agreements_dir).get("be-delivery-coop-2027")
    assert coop is not None
    start = datetime(2027, 1, 13, 10, tzinfo=ZoneInfo("Europe/Brussels"))
    shift = ShiftOutcome(Booking(start, start + timedelta(hours=4), None), distance_km=Decimal("12.5"))
    [line] = [ln for ln in evaluate_shift(coop, shift).lines if ln.code == "expense"]
    assert (line.rate, line.amount) == (Decimal("0.4269"), Decimal("5.34"))  # 5.33625, half up
    path.write_text(text.replace('amount: "0.35", per: km', 'amount: "0.42691", per: km'), encoding="utf-8")
    (issue,) = _issues(agreements_dir)
    assert "'0.42691' is not valid" in issue.message and "at most four decimals" in str(issue)


def test_a_misspelt_clause_citation_is_one_message_with_the_clause_it_was_meant_for(agreements_dir: Path) -> None:
    (issue,) = _coop_issues(
        agreements_dir, 'clause: "Art. 13 Seniority"\n    note:', 'clause: "Art. 31 Seniority"\n    note:'
    )
    assert issue.message == "clause 'Art. 31 Seniority' is not in the list of clauses"
    assert issue.suggestion == "Art. 13 Seniority"


def test_every_pay_line_code_the_engine_writes_may_be_expected_by_an_example() -> None:
    """The examples' schema lists the line codes (a misspelt one is caught by `validate`, with a suggestion): every
    code the engine writes over a year of varied shifts under both bundled agreements is in that list."""
    schema = json.loads((BUNDLED / "examples.schema.json").read_text(encoding="utf-8"))
    listed = set(_find_codes(schema))
    book = AgreementBook.load(BUNDLED)
    written: set[str] = set()
    for agreement_id, year in (("be-delivery-2016", 2026), ("be-delivery-coop-2027", 2027)):
        agreement = book.get(agreement_id)
        assert agreement is not None
        for n, shift in enumerate(_shifts(3000, seed=18, year=year)):
            before = WorkedBefore(week_hours=Decimal(36)) if n % 3 == 0 else None  # weekly overtime too
            written |= {ln.code for ln in evaluate_shift(agreement, shift, worked_before=before).lines}
    assert written <= listed, written - listed
    assert {"base", "premium_night", "overtime", "offer_match", "expense"} <= written  # the sample is varied


def _find_codes(node: object) -> list[str]:
    if isinstance(node, dict):
        code = node.get("properties", {}).get("code") if isinstance(node.get("properties"), dict) else None
        if isinstance(code, dict) and "enum" in code:
            return [str(c) for c in code["enum"]]
        return [c for v in node.values() for c in _find_codes(v)]
    if isinstance(node, list):
        return [c for v in node for c in _find_codes(v)]
    return []
