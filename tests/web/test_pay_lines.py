"""The rider's page words the issue-18 pay lines and notes in English, French and Dutch, from the numbers the
engine stored (never parsing its English sentences)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from gateway.agreements.engine import Booking, PerTripOffer, ShiftOutcome, Worker, evaluate_shift
from gateway.agreements.loader import AgreementBook
from gateway.agreements.render import note_json
from gateway.domains.contracts.schemas import NoteOut, OfferOut, PayLineOut
from gateway.domains.readmodel.service import ContractOut
from gateway.domains.settlement.service import _line_json
from gateway.settings import REPO_ROOT
from gateway.web.i18n import Translator
from gateway.web.view import contract_view
from tests.web.conftest import Scenario


def _statement() -> tuple[list[PayLineOut], list[NoteOut]]:
    """A 2027 shift of 10 trips offered at 5.00, 23.4 km, a 5.00 bonus, for an 18-year-old student employed since
    June 2024, settled under the richer example agreement."""
    agreement = AgreementBook.load(REPO_ROOT / "agreements").get("be-delivery-coop-2027")
    assert agreement is not None
    start = datetime.fromisoformat("2027-01-20T11:00:00+01:00")
    st = evaluate_shift(
        agreement,
        ShiftOutcome(
            Booking(start, start.replace(hour=14), PerTripOffer(Decimal("5.00"), "EUR")),
            deliveries=10,
            distance_km=Decimal("23.4"),
            bonus=Decimal("5.00"),
            worker=Worker(
                birth_date=datetime(2008, 6, 1).date(),
                student=True,
                student_hours_this_year=Decimal(40),
                employed_since=datetime(2024, 6, 1).date(),
            ),
        ),
    )
    return [PayLineOut(**_line_json(ln)) for ln in st.lines], [NoteOut(**note_json(n)) for n in st.notes]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "for your 10 trips that comes to €50.00",
                "You are never paid per trip.",
                "Bike allowance: €0.35 a kilometre for the 23.4 km recorded",
                "it never counts towards the hourly minimum",
                "adds €0.30 an hour for 3 h",
                "You work as a student: 3 h of this shift fall within your yearly quota of 650 h (40 h worked",
                "You are 18: the legal minimum wage for you is 82 % of the adult one.",
                "The legal minimum wage used here is the last one the cooperative knows",
            ],
        ),
        (
            "fr",
            [
                "pour tes 10 courses, cela fait 50,00",
                "Tu n’es jamais payé à la course.",
                "Indemnité vélo : 0,35 € par kilomètre pour les 23,4 km enregistrés",
                "elle ne compte jamais pour atteindre le minimum horaire",
                "Tu travailles comme étudiant : 3 h de ce shift entrent dans ton contingent annuel de 650 h",
                "Tu as 18 ans : le salaire minimum légal est pour toi de 82 %",
            ],
        ),
        (
            "nl",
            [
                "voor je 10 ritten is dat € 50,00",
                "Je wordt nooit per rit betaald.",
                "Fietsvergoeding: € 0,35 per kilometer voor de 23,4 geregistreerde km",
                "telt hij nooit mee om het minimumuurloon te halen",
                "Je werkt als student: 3 u van deze shift vallen binnen je jaarlijkse contingent van 650 u",
                "Je bent 18: het wettelijk minimumloon is voor jou 82 %",
            ],
        ),
    ],
)
def test_the_new_pay_lines_and_notes_are_worded_in_the_riders_language(
    scenario: Scenario, rider: TestClient, lang: str, expected: list[str]
) -> None:
    r = rider.get(f"/v1/rider/contracts/{scenario.contracts.paid}")
    paid = ContractOut.model_validate(r.json())
    assert paid.statement is not None
    lines, notes = _statement()
    shown = paid.model_copy(update={"statement": paid.statement.model_copy(update={"lines": lines, "notes": notes})})
    v = contract_view(shown, None, Translator(lang))
    words = " ".join([ln.text for ln in v.pay.lines] + [ln.label for ln in v.pay.lines] + v.pay.notes)
    words = words.replace("\u202f", " ").replace("\xa0", " ")
    for sentence in expected:
        assert sentence in words, (sentence, words)
    assert not [ln for ln in v.pay.lines if ln.code == "trips"]  # the offer is never shown as pay per trip


def test_before_settlement_a_per_trip_offer_is_said_to_be_compared_at_the_end(
    scenario: Scenario, rider: TestClient
) -> None:
    agreement = AgreementBook.load(REPO_ROOT / "agreements").get("be-delivery-coop-2027")
    r = rider.get(f"/v1/rider/contracts/{scenario.contracts.paid}")
    c = ContractOut.model_validate(r.json())
    start = datetime.fromisoformat("2027-01-20T11:00:00+01:00")
    pending = c.model_copy(
        update={
            "statement": None,
            "pay": c.pay.model_copy(update={"offered": OfferOut(per_trip=Decimal("5.00"), currency="EUR")}),
            "shift": c.shift.model_copy(update={"starts_at": start, "ends_at": start.replace(hour=14)}),
        }
    )
    v = contract_view(pending, agreement, Translator("en"))
    assert "The platform offered €5.00 a trip: once the shift is over, the agreement, Art.4," in v.pay.text
    assert "pays you the better of the two, as hours." in v.pay.text
    # Under the 2016 agreement (per-trip pay forbidden) nothing of the kind is promised.
    signed = AgreementBook.load(REPO_ROOT / "agreements").get("be-delivery-2016")
    assert "a trip" not in contract_view(pending, signed, Translator("en")).pay.text
