from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from gateway.agreements.cli import agreements_app
from gateway.agreements.examples import load_examples
from gateway.agreements.loader import Reader
from tests.agreements.conftest import AGREEMENT_ID, BUNDLED, Edit

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(agreements_app, list(args))
    return result.exit_code, result.output


def test_validate_accepts_the_bundled_agreements() -> None:
    code, out = _run("validate", "--dir", str(BUNDLED))
    assert code == 0, out
    assert "valid: 2 agreements" in out


def test_validate_lists_every_problem_and_fails(agreements_dir: Path) -> None:
    path = agreements_dir / AGREEMENT_ID / "agreement.yaml"
    path.write_text(path.read_text().replace("basis: net", "basis: nett").replace("kind: business", "kind: busines"))
    code, out = _run("validate", "--dir", str(agreements_dir))
    assert code == 1
    assert "did you mean 'net'" in out and "did you mean 'business'" in out


def test_test_command_passes_on_the_bundled_examples() -> None:
    code, out = _run("test", "--dir", str(BUNDLED))
    assert code == 0, out
    assert "0 failed" in out


def test_a_failing_example_shows_expected_actual_explanation_and_rerun(agreements_dir: Path) -> None:
    path = agreements_dir / AGREEMENT_ID / "examples" / "minimum-engagement.yaml"
    path.write_text(path.read_text().replace('      payout: "34.26"\n', '      payout: "35.00"\n', 1))
    code, out = _run("test", "--dir", str(agreements_dir))
    assert code == 1
    assert "FAIL exactly-three-hours" in out
    assert "expected 35.00" in out and "actual   34.26" in out
    assert "Terms used:" in out
    # The command as it can be pasted: the agreements are not in the default directory here.
    assert f"rerun: gateway agreements test {AGREEMENT_ID} --example exactly-three-hours --dir {agreements_dir}" in out
    code, again = _run("test", AGREEMENT_ID, "--example", "exactly-three-hours", "--dir", str(agreements_dir))
    assert code == 1 and "FAIL exactly-three-hours" in again


def test_explain_gives_versioned_json_with_each_line_term_and_clause() -> None:
    code, out = _run(
        "explain", AGREEMENT_ID, "--example", "offer-between-the-two-floors", "--json", "--dir", str(BUNDLED)
    )
    assert code == 0, out
    doc = json.loads(out)
    assert doc["format"] == "gateway.settlement/1"
    top_up = next(ln for ln in doc["lines"] if ln["code"] == "floor_top_up")
    assert (top_up["term"], top_up["clause"], top_up["amount"]) == (
        "statutory_minimum_wage",
        "§3 Hourly pay, minimum wage",
        "2.49",
    )


def test_explain_in_plain_language_from_options() -> None:
    code, out = _run(
        "explain",
        AGREEMENT_ID,
        "--start",
        "2026-03-02T18:00:00+01:00",
        "--end",
        "2026-03-02T20:00:00+01:00",
        "--per-trip",
        "5.00",
        "--dir",
        str(BUNDLED),
    )
    assert code == 0, out
    assert "paid 3.00 h" in out
    assert "§4 No pay per trip" in out


def test_simulate_settles_a_csv_of_shifts_with_totals(tmp_path: Path) -> None:
    shifts = tmp_path / "shifts.csv"
    shifts.write_text(
        "shift_code,starts_at,ends_at,hourly_gross,per_trip,deliveries\n"
        "A,2026-03-02T18:00:00+01:00,2026-03-02T21:00:00+01:00,13.00,,5\n"
        "B,2026-03-03T18:00:00+01:00,2026-03-03T20:00:00+01:00,,5.00,2\n"
    )
    code, out = _run("simulate", AGREEMENT_ID, str(shifts), "--dir", str(BUNDLED))
    assert code == 0, out
    assert "per_trip_pay_forbidden" in out
    assert "gross 77.49" in out  # 39.00 + 3 h × 12.83


def test_diff_with_a_proposal_lists_term_changes_and_example_impact() -> None:
    proposal = BUNDLED / AGREEMENT_ID / "proposals" / "2027-net-floor-12.yaml"
    code, out = _run("diff", AGREEMENT_ID, str(proposal), "--dir", str(BUNDLED))
    assert code == 0, out
    values = out[out.index("value changes:") : out.index("label changes")]
    assert "~ net_hourly_floor (hourly_floor) from 2027-01-01: amount 10.00 -> 12.00\n" in values
    labels = out[out.index("label changes") : out.index("clauses:")]
    assert 'net_hourly_floor from 2027-01-01: clause "§3 Hourly pay" -> "Amendment 1, art. 1"' in labels
    assert "+ Amendment 1, art. 1 Net floor of 12 EUR" in out
    assert "impact, under the terms of 2027-01-01 (the draft's effective date)" in out
    assert "dst-spring-night-2027: hourly_gross 13.00 -> 13.81" in out
    # Every generated shift gets the bike's 1.50; those offered less than the new floor's 13.81 gross also earn
    # more net, at least 3 h × (13.81 - 12.83) gross = 2.56 net (the old floor was the statutory 12.83).
    assert "448 of 448 shifts change;" in out
    assert "the rider's net changes on 336 of them, by +2.56 (min)" in out


def _diff_against(agreements_dir: Path, old: str, new: str, *extra: str) -> str:
    """Diff the bundled agreement with a copy of it edited (old -> new), as a whole agreement file."""
    text = (agreements_dir / AGREEMENT_ID / "agreement.yaml").read_text(encoding="utf-8")
    assert old in text
    draft = agreements_dir.parent / "draft.yaml"
    draft.write_text(text.replace(old, new), encoding="utf-8")
    code, out = _run("diff", AGREEMENT_ID, str(draft), "--dir", str(agreements_dir), *extra)
    assert code == 0, out
    return out


def test_diff_shows_a_renamed_term_as_renamed_with_its_values_and_no_other_change(agreements_dir: Path) -> None:
    out = _diff_against(agreements_dir, "  net_hourly_floor:\n", "  net_floor:\n")
    assert (
        "renamed:\n  net_hourly_floor -> net_floor (hourly_floor): "
        "from 2016-05-01: amount 10.00, basis net, hours paid, enforcement amend\n" in out
    )
    assert "added:" not in out and "removed:" not in out and "value changes:" not in out
    assert "0 of 448 shifts change." in out


def test_diff_tells_a_change_of_label_apart_from_a_change_of_value(agreements_dir: Path) -> None:
    out = _diff_against(
        agreements_dir, "note: Extended work-accident insurance", "note: Work-accident insurance, extended,"
    )
    assert "label changes (clause or note only: nothing is paid or enforced differently):\n  ~ insurance" in out
    assert "value changes:" not in out
    examples = load_examples(agreements_dir / AGREEMENT_ID, Reader(agreements_dir))
    assert f"0 of {len(examples)} change." in out and "0 of 448 shifts change." in out


def test_diff_of_agreements_starting_apart_compares_where_both_are_in_force() -> None:
    code, out = _run("diff", AGREEMENT_ID, "be-delivery-coop-2027", "--dir", str(BUNDLED))
    assert code == 0, out
    assert "not in force" not in out
    assert "2016-05-01: " not in out.split("removed:")[0]  # no line for dates only one side covers
    # Which of the two depends on the real calendar: before 2027 the coop agreement is not in force yet.
    starts = date(2027, 1, 1)
    today = datetime.now(ZoneInfo("Europe/Brussels")).date()
    said = "(the first day both are in force):" if today < starts else "(today):"
    assert f"impact, under the terms of {max(today, starts)} {said}" in out
    code, out = _run("diff", AGREEMENT_ID, "be-delivery-coop-2027", "--at", "2026-06-01", "--dir", str(BUNDLED))
    assert code == 1
    assert "be-delivery-coop-2027 2027.1 is not in force on 2026-06-01" in out


def _per_trip_booking(directory: Path, *extra: str) -> tuple[int, str]:
    return _run(
        "explain",
        AGREEMENT_ID,
        "--start",
        "2026-03-02T18:00:00+01:00",
        "--end",
        "2026-03-02T21:00:00+01:00",
        "--per-trip",
        "5.00",
        "--dir",
        str(directory),
        *extra,
    )


def test_explain_says_plainly_when_a_term_in_reject_mode_would_refuse_the_booking(
    agreements_dir: Path, edit: Edit
) -> None:
    edit(
        "enforcement: amend\n    values:\n      2016-05-01: {policy: forbidden}",
        "enforcement: reject\n    values:\n      2016-05-01: {policy: forbidden}",
    )
    code, out = _per_trip_booking(agreements_dir)
    assert code == 0, out
    first = out.splitlines()[0]
    assert first.startswith("This booking would be refused: the platform offered 5.00 EUR per trip")
    assert "(no_piece_rate, §4 No pay per trip)" in first
    code, out = _per_trip_booking(agreements_dir, "--at", "2026-06-01")
    assert out.startswith("This booking would be refused: the platform offered 5.00 EUR per trip"), out
    code, out = _per_trip_booking(agreements_dir, "--json")
    booking = json.loads(out)["booking"]
    assert booking["refused"] is True
    assert booking["reasons"][0]["clause"] == "§4 No pay per trip"


def test_explain_of_a_booking_the_agreement_corrects_does_not_say_refused() -> None:
    code, out = _per_trip_booking(BUNDLED)
    assert code == 0, out
    assert "refused" not in out
    code, out = _per_trip_booking(BUNDLED, "--json")
    assert json.loads(out)["booking"] == {"refused": False, "reasons": [], "opened_for": None, "amended": []}


def test_explain_of_a_booking_a_limit_shortens_says_so_first_and_pays_the_contract_as_opened() -> None:
    """be-delivery-coop-2027 requires 11 h of rest (enforcement amend): booked 08:00-14:00 nine hours after the
    last shift, the contract opens at 10:00, and that is the shift settled (4 h, not 6)."""
    args = ["be-delivery-coop-2027", "--start", "2027-01-13T08:00:00+01:00", "--end", "2027-01-13T14:00:00+01:00"]
    args += ["--hourly", "15.00", "--previous-end", "2027-01-12T23:00:00+01:00", "--dir", str(BUNDLED)]
    code, out = _run("explain", *args)
    assert code == 0, out
    first = out.splitlines()[0]
    assert first.startswith("This booking would be opened for 2027-01-13 10:00 to 2027-01-13 14:00 only"), first
    assert "Booked 4.00 h, worked 4.00 h, paid 4.00 h" in out
    code, out = _run("explain", *args, "--json")
    booking = json.loads(out)["booking"]
    assert booking["opened_for"] == {"starts_at": "2027-01-13T10:00:00+01:00", "ends_at": "2027-01-13T14:00:00+01:00"}
    assert [c["code"] for c in booking["amended"]] == ["rest_shorter_than_minimum"]


def test_simulate_reads_every_column_the_richer_terms_need(tmp_path: Path) -> None:
    """The hours before (overtime), the distance (bike allowance) and the rider's start date (seniority) come from
    the CSV's own columns, as its --help lists them."""
    shifts = tmp_path / "shifts.csv"
    shifts.write_text(
        "shift_code,starts_at,ends_at,hourly_gross,distance_km,worker_employed_since,worked_before_week_hours\n"
        "late-week,2027-03-05T10:00:00+01:00,2027-03-05T14:00:00+01:00,16.00,10,2021-01-01,36\n"
        "fresh,2027-03-05T10:00:00+01:00,2027-03-05T14:00:00+01:00,16.00,,,\n"
    )
    code, out = _run("simulate", "be-delivery-coop-2027", str(shifts), "--json", "--dir", str(BUNDLED))
    assert code == 0, out
    late, fresh = json.loads(out)["shifts"]
    lines = {ln["code"]: ln for ln in late["lines"]}
    assert lines["overtime"]["hours"] == "2.0000"  # 36 h before + 4 h past 38 h a week
    assert lines["overtime"]["amount"] == "16.00"  # 2 h × 16.00 × 50 %
    assert lines["expense"]["amount"] == "3.50"  # 10 km × 0.35
    assert lines["seniority"]["amount"] == "2.40"  # 6 full years: the step after 5, 0.60 × 4 h
    assert {ln["code"] for ln in fresh["lines"]} == {"base"}  # nothing before, no distance, no start date


def test_simulate_names_every_row_it_cannot_read_and_gives_no_totals(tmp_path: Path) -> None:
    shifts = tmp_path / "shifts.csv"
    shifts.write_text(
        "starts_at,ends_at,hourly_gross,deliveries\n"
        "2027-01-13T12:00:00+01:00,2027-01-13T15:00:00+01:00,14.00,2\n"
        "2027-01-13T12:00:00+01:00,2027-01-13T15:00:00+01:00,-5.00,2\n"
        "2027-01-13T12:00:00+01:00,2027-01-13T15:00:00+01:00,14.00,x\n"
        "2027-01-13T12:00:00+01:00,2027-01-13T15:00:00+01:00,14,00,2\n"
    )
    code, out = _run("simulate", "be-delivery-coop-2027", str(shifts), "--dir", str(BUNDLED))
    assert code == 1
    assert "line 3: hourly_gross: '-5.00' must not be negative" in out
    assert "line 4: deliveries: 'x' is not a whole number" in out
    assert "line 5: 1 more cell(s) than the header has columns" in out and "not 12,50" in out
    assert "3 of 4 shifts cannot be read: no totals" in out and "totals:" not in out
    semicolons = tmp_path / "semi.csv"
    semicolons.write_text("starts_at;ends_at;hourly_gross\n2027-01-13T12:00:00+01:00;2027-01-13T15:00:00+01:00;14\n")
    code, out = _run("simulate", "be-delivery-coop-2027", str(semicolons), "--dir", str(BUNDLED))
    assert code == 1 and "separated by semicolons" in out


def test_simulate_pays_nothing_for_a_booking_a_term_refuses(tmp_path: Path) -> None:
    """be-delivery-coop-2027 refuses a booking past 10 hours a day: no contract, so nothing in the totals."""
    shifts = tmp_path / "shifts.csv"
    shifts.write_text(
        "shift_code,starts_at,ends_at,hourly_gross\n"
        "long,2027-01-13T07:00:00+01:00,2027-01-13T18:00:00+01:00,15.00\n"
        "short,2027-01-14T10:00:00+01:00,2027-01-14T14:00:00+01:00,15.00\n"
    )
    code, out = _run("simulate", "be-delivery-coop-2027", str(shifts), "--json", "--dir", str(BUNDLED))
    assert code == 0, out
    doc = json.loads(out)
    long, short = doc["shifts"]
    assert long["refused_at_booking"]["code"] == "day_hours_over_limit" and short["refused_at_booking"] is None
    assert (doc["totals"]["shifts"], doc["totals"]["refused"]) == ("1", "1")
    assert doc["totals"]["gross"] == short["payroll"]["gross"] == "60.00"


def test_explain_says_a_per_trip_offer_was_weighed_when_the_hours_win() -> None:
    """No less favourable, a Sunday night: 14 trips at 5.00 make 70.00, less than the hours with their premiums; the
    rider is told the offer was compared, and the hours paid."""
    code, out = _run(
        "explain",
        "be-delivery-coop-2027",
        "--start",
        "2027-01-10T21:00:00+01:00",
        "--end",
        "2027-01-11T01:00:00+01:00",
        "--per-trip",
        "5.00",
        "--deliveries",
        "14",
        "--dir",
        str(BUNDLED),
    )
    assert code == 0, out
    assert "the offer, 14 trips × 5.00 EUR = 70.00 EUR, is not more than the hourly pay of 84.25 EUR" in out
    assert "offer_match" not in out


def test_simulate_bounds_what_a_shift_may_say_as_the_webhook_does(tmp_path: Path) -> None:
    """An amount Decimal cannot round to the cent failed deep in the engine with a traceback; each field now has
    the bound its webhook field has, said by name."""
    shifts = tmp_path / "big.csv"
    shifts.write_text(
        "starts_at,ends_at,hourly_gross,distance_km,bonus,worked_before_week_hours\n"
        "2027-01-13T12:00:00+01:00,2027-01-13T15:00:00+01:00,1e30,,,\n"
        "2027-01-13T12:00:00+01:00,2027-01-13T15:00:00+01:00,14,1e40,,\n"
        "2027-01-13T12:00:00+01:00,2027-01-13T15:00:00+01:00,14,,10000,\n"
        "2027-01-13T12:00:00+01:00,2027-01-13T15:00:00+01:00,14,,,169\n"
    )
    code, out = _run("simulate", "be-delivery-coop-2027", str(shifts), "--dir", str(BUNDLED))
    assert code == 1 and "Traceback" not in out
    assert "line 2: hourly_gross: '1e30' is more than 9999999.99" in out
    assert "line 3: distance_km: '1e40' is more than 1000" in out
    assert "line 4: bonus: '10000' is more than 9999.99" in out
    assert "line 5: worked_before.week_hours: '169' is more than 168" in out
