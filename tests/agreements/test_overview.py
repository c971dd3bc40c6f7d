"""`gateway agreements terms`: every clause in plain language, how it is enforced, since when and in which version."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from gateway.agreements.cli import agreements_app
from gateway.agreements.overview import generic, sentence
from tests.agreements.conftest import AGREEMENT_ID, BUNDLED, Edit

runner = CliRunner()


def _terms(*args: str, directory: Path = BUNDLED) -> str:
    result = runner.invoke(agreements_app, ["terms", *args, "--dir", str(directory)])
    assert result.exit_code == 0, result.output
    return result.output


def test_every_clause_is_printed_in_order_in_plain_language_with_how_it_is_enforced() -> None:
    out = _terms(AGREEMENT_ID, "--at", "2026-03-01")
    headings = [line for line in out.splitlines() if line.startswith("§")]
    assert [h.split()[0] for h in headings] == ["§2", "§3", "§4", "§5", "§6", "§7", "§8", "§9", "§10"]
    assert "Every shift is paid at least 3 hours, counted from the first delivery" in out
    assert "Each paid hour (the guaranteed ones too) earns at least 10.00 EUR net" in out
    assert "0.12 EUR an hour paid for phone and data" in out
    assert "6.5 % of the invoice excluding VAT goes to the guarantee fund" in out
    assert "How: corrected automatically" in out
    assert "Not enforced by the gateway: the cooperative hands each rider a helmet" in out
    assert "Since 2016-05-01, version 2016.1 (term minimum_engagement" in out
    assert "{" not in out  # words, not the raw JSON of the values


def test_an_amended_value_shows_its_date_and_version(agreements_dir: Path) -> None:
    folder = agreements_dir / AGREEMENT_ID
    (folder / "amendments").mkdir()
    (folder / "proposals" / "2027-net-floor-12.yaml").rename(folder / "amendments" / "2027-net-floor-12.yaml")
    out = _terms(AGREEMENT_ID, "--at", "2027-03-01", directory=agreements_dir)
    amended = out[out.index("Amendment 1, art. 1 Net floor of 12 EUR") :]
    assert "earns at least 12.00 EUR net" in amended.splitlines()[1]
    assert "Since 2027-01-01, version 2027.1-proposal" in amended
    assert "1.50 EUR a shift for bike" in out
    assert "10.00 EUR net" not in out


def test_a_term_in_reject_mode_reads_as_refused(agreements_dir: Path, edit: Edit) -> None:
    edit('    clause: "§4 No pay per trip"\n', '    clause: "§4 No pay per trip"\n    enforcement: reject\n')
    edit(
        "    enforcement: amend\n    values:\n      2016-05-01: {policy: forbidden}",
        "    values:\n      2016-05-01: {policy: forbidden}",
    )
    out = _terms(AGREEMENT_ID, "--at", "2026-03-01", directory=agreements_dir)
    section = out[out.index("§4 No pay per trip") : out.index("§5 Work equipment")]
    assert "How: a booking that breaks it is refused" in section


def test_json_keeps_the_machine_form() -> None:
    doc = json.loads(_terms(AGREEMENT_ID, "--at", "2026-03-01", "--json"))
    floor = doc["clauses"][1]["terms"][0]
    assert (doc["clauses"][1]["ref"], floor["term"], floor["value"]) == (
        "§3",
        "net_hourly_floor",
        {"amount": "10.00", "basis": "net", "hours": "paid"},
    )
    assert doc["clauses"][-1]["not_enforced"].startswith("the platform contributes to repairs")


def test_a_term_type_without_a_sentence_still_reads_as_words() -> None:
    written = {"rate": "0.25", "from": "22:00", "applies_to": ["sunday", "public_holiday"], "clause": "Art. 5"}
    assert (
        generic("night_premium", written) == "Night premium: rate 0.25, from 22:00, applies to sunday; public holiday."
    )
    assert sentence("night_premium", written, "EUR") == generic("night_premium", written)


def test_the_time_clauses_read_as_sentences_with_each_limits_own_enforcement() -> None:
    text = _terms("be-delivery-coop-2027", "--at", "2027-02-01")
    assert "hours worked between 22:00 and 06:00 (local time) are paid 20 % more" in text
    assert "Hours worked past 38 hours in a week" in text and "never both" not in text
    assert "at most 10 hours a day (the booking is refused)" in text
    assert "at most 48 hours a week (reported)" in text
    assert "{" not in text  # no raw values


def test_every_clause_of_the_richer_agreement_reads_in_words_with_what_it_pays() -> None:
    text = _terms("be-delivery-coop-2027", "--at", "2027-02-01")
    # Art. 2.2, graded cancellation, is said beside the minimum it belongs to.
    assert "pays 100 % of the booked hours with less than 24 hours' notice; 50 % of the booked hours" in text
    assert "nothing with more notice" in text
    # No less favourable is not "pay per trip is allowed": the rider is paid by the hour, the better of the two.
    section = text[text.index("Art. 4") : text.index("Art. 5")]
    assert "never per trip" in section and "the better of the hourly pay and the trips" in section
    assert "Pay per trip is allowed" not in section
    assert "premiums, overtime and seniority included" in section
    assert "How: compared at settlement: the better of the hourly pay and the trips" in section
    assert "corrected automatically" not in section  # the agreement allows the offer: nothing is corrected
    assert "0.35 EUR a kilometre the platform records for bike allowance" in text
    assert "after 2 full years, 0.30 EUR more an hour; after 5 full years, 0.60 EUR more an hour" in text
    assert "A bonus the platform sends with the shift is paid on top of the hourly pay" in text
    # Seniority and bonuses compute an amount: nothing of the platform's is "corrected".
    for ref, following in (("Art. 12", "Art. 13"), ("Art. 13", None)):
        part = text[text.index(ref) : text.index(following) if following else None]
        assert "How: applied by the gateway to every shift it settles" in part
    assert "policy allowed" not in text and "after years" not in text
