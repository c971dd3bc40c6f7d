"""Every clause accounted for: a listed clause is enforced by a term or says why not; a term cites a listed clause."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.agreements.clauses import best, matches
from gateway.agreements.cli import agreements_app
from gateway.agreements.issues import Issue
from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import Agreement, AgreementError
from tests.agreements.conftest import AGREEMENT_ID, Edit


def _issues(agreements_dir: Path) -> list[Issue]:
    with pytest.raises(AgreementError) as caught:
        AgreementBook.load(agreements_dir)
    return caught.value.issues


def _line_of(agreements_dir: Path, needle: str) -> int:
    text = (agreements_dir / AGREEMENT_ID / "agreement.yaml").read_text(encoding="utf-8")
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_bundled_agreement_lists_its_clauses_in_order_with_the_reasons_of_those_not_enforced(
    belgian: Agreement,
) -> None:
    assert [c.ref for c in belgian.clauses] == ["§2", "§3", "§4", "§5", "§6", "§7", "§8", "§9", "§10"]
    not_enforced = {c.ref: c.not_enforced for c in belgian.clauses if c.not_enforced}
    assert set(not_enforced) == {"§9", "§10"}
    assert all("outside the gateway" in (why or "") for why in not_enforced.values())


def test_a_clause_no_term_enforces_and_not_marked_not_enforced_fails_validation_at_its_line(
    agreements_dir: Path, edit: Edit
) -> None:
    edit(
        '  - {ref: "§8", title: Guarantee fund}\n',
        '  - {ref: "§8", title: Guarantee fund}\n  - {ref: "§11", title: Training}\n',
    )
    (issue,) = _issues(agreements_dir)
    assert issue.pos.line == _line_of(agreements_dir, "§11")
    assert "clause §11 (Training) is enforced by no term and not marked not_enforced" in issue.message
    code = CliRunner().invoke(agreements_app, ["validate", "--dir", str(agreements_dir)]).exit_code
    assert code == 1


def test_a_term_whose_clause_is_not_listed_is_reported_at_the_term(agreements_dir: Path, edit: Edit) -> None:
    edit('clause: "§6 Insurance"', 'clause: "§16 Insurance"')
    issues = _issues(agreements_dir)
    cited = next(i for i in issues if "is not in the list of clauses" in i.message)
    assert cited.term == "insurance"
    assert cited.pos.line == _line_of(agreements_dir, "§16 Insurance")
    # §6 itself is now enforced by nothing, but that is the same mistake: said once, at the citation, with the fix.
    assert cited.suggestion == "§6 Insurance"
    assert not any("clause §6 (Insurance) is enforced by no term" in i.message for i in issues)


def test_a_clause_marked_not_enforced_that_a_term_enforces_is_a_contradiction(agreements_dir: Path, edit: Edit) -> None:
    edit('{ref: "§6", title: Insurance}', '{ref: "§6", title: Insurance, not_enforced: "the insurer does it"}')
    (issue,) = _issues(agreements_dir)
    assert "clause §6 is marked not_enforced but term insurance enforces it" in issue.message


def test_a_proposal_citing_a_clause_that_neither_it_nor_the_agreement_lists_fails_validation(
    agreements_dir: Path,
) -> None:
    proposal = agreements_dir / AGREEMENT_ID / "proposals" / "2027-net-floor-12.yaml"
    proposal.write_text(
        proposal.read_text(encoding="utf-8").replace('clause: "Amendment 1, art. 2"', 'clause: "Art. 2"')
    )
    result = CliRunner().invoke(agreements_app, ["validate", "--dir", str(agreements_dir)])
    assert result.exit_code == 1
    assert "2027-net-floor-12.yaml" in result.output
    assert "clause 'Art. 2' is not in the list of clauses" in result.output
    assert "clause Amendment 1, art. 2 (Bike costs) is enforced by no term" in result.output


def test_an_agreement_without_a_clause_list_still_loads(agreements_dir: Path) -> None:
    path = agreements_dir / AGREEMENT_ID / "agreement.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("clauses:\n"), text.index("terms:\n")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    agreement = AgreementBook.load(agreements_dir).get(AGREEMENT_ID)
    assert agreement is not None and agreement.clauses == ()
    result = CliRunner().invoke(agreements_app, ["validate", "--dir", str(agreements_dir)])
    assert result.exit_code == 0, result.output
    assert "lists no clauses: add a clauses: list" in result.output


def test_a_clause_text_enforces_the_longest_ref_it_starts_with_and_only_at_a_word_boundary() -> None:
    assert matches("§3", "§3 Hourly pay, minimum wage")
    assert not matches("§3", "§30 Holidays")
    assert best(["Art. 3", "Art. 3.1"], "Art. 3.1 Night premium") == "Art. 3.1"
    assert best(["Art. 3", "Art. 3.1"], "Art. 3 Hourly pay") == "Art. 3"


def test_an_amendment_without_its_own_list_is_not_held_to_the_agreements(agreements_dir: Path) -> None:
    proposal = agreements_dir / AGREEMENT_ID / "proposals" / "2027-net-floor-12.yaml"
    text = proposal.read_text(encoding="utf-8")
    start, end = text.index("clauses:\n"), text.index("terms:\n")
    proposal.write_text(text[:start] + text[end:], encoding="utf-8")
    result = CliRunner().invoke(agreements_app, ["validate", "--dir", str(agreements_dir)])
    assert result.exit_code == 0, result.output


def test_an_empty_reason_is_not_a_reason(agreements_dir: Path, edit: Edit) -> None:
    edit('title: Safety equipment\n    not_enforced: "the', 'title: Safety equipment\n    not_enforced: ""\n    # "the')
    (issue,) = _issues(agreements_dir)
    assert issue.message == "must not be empty"
    assert issue.expected is not None and "why the gateway does not enforce this clause" in issue.expected
