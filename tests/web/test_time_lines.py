"""The time clauses on the rider's page: each premium, overtime and waiting-time line, and each working-time limit,
in plain words in the three languages, from the line's numbers (hours and rate), never from its English `why`."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from gateway.domains.contracts.schemas import CorrectionOut, PayLineOut
from gateway.domains.readmodel.service import ContractOut
from gateway.web.i18n import Translator
from gateway.web.view import contract_view
from tests.web.conftest import Scenario


def _settled(scenario: Scenario, rider: TestClient) -> ContractOut:
    r = rider.get(f"/v1/rider/contracts/{scenario.contracts.settled}")
    assert r.status_code == 200, r.text
    return ContractOut.model_validate(r.json())


def _line(code: str, hours: str, rate: str, amount: str) -> PayLineOut:
    return PayLineOut(
        code=code,
        label="(the engine's English label)",
        kind="salary",
        term="premiums",
        clause="Art. 5 Unsocial hours",
        since="2027-01-01",
        hours=Decimal(hours),
        rate=Decimal(rate),
        amount=Decimal(amount),
        why="(the engine's English arithmetic)",
    )


@pytest.mark.parametrize(
    ("lang", "night", "overtime"),
    [
        ("en", "Night premium", "Overtime"),
        ("fr", "Prime de nuit", "Heures supplémentaires"),
        ("nl", "Nachtpremie", "Overuren"),
    ],
)
def test_premium_and_overtime_lines_are_worded_in_the_riders_language(
    scenario: Scenario, rider: TestClient, lang: str, night: str, overtime: str
) -> None:
    c = _settled(scenario, rider)
    assert c.statement is not None
    # 20 % of 13.81 = 2.762 an hour: shown as paid, not rounded to 2.76 (1.5 h × 2.762 = 4.14).
    lines = [_line("premium_night", "1.5", "2.762", "4.14"), _line("overtime", "3", "7.00", "21.00")]
    c = c.model_copy(update={"statement": c.statement.model_copy(update={"lines": lines})})
    t = Translator(lang)
    view = contract_view(c, None, t).pay.lines
    assert [(v.code, v.label) for v in view] == [("premium_night", night), ("overtime", overtime)]
    assert t.hours(Decimal("1.5")) in view[0].text and ("2.762" in view[0].text or "2,762" in view[0].text)
    assert "Art.5" in view[0].text and "engine" not in view[0].text
    assert t.hours(Decimal(3)) in view[1].text and t.money(Decimal("7.00"), "EUR") in view[1].text


def test_a_reported_weekly_limit_says_the_hours_and_the_limit(scenario: Scenario, rider: TestClient) -> None:
    c = _settled(scenario, rider)
    k = CorrectionOut(
        term="working_time_limits",
        clause="Art. 7 Working time",
        code="week_hours_over_limit",
        action="reported",
        detail="(English detail)",
        offered="49.00 h",
        applied="48.00 h",
        unit="hours",
        offered_value=Decimal(49),
        applied_value=Decimal(48),
    )
    c = c.model_copy(update={"corrections": [k]})
    [en] = contract_view(c, None, Translator("en")).corrections
    assert en.action_label == "Reported to the cooperative"
    assert en.text == (
        "With this shift you work 49\u00a0h in the week, over every platform; the agreement, Art.7, allows at "
        "most 48\u00a0h."
    )
    [fr] = contract_view(c, None, Translator("fr")).corrections
    assert fr.action_label == "Signalé à la coopérative" and "49\u00a0h" in fr.text and "48\u00a0h" in fr.text
