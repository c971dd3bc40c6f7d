"""The overview's sentences in the riders' three languages: every term type reads in French and Dutch, not in
English with French around it, and the three languages' words move together."""

from __future__ import annotations

import string
from typing import Any

import pytest

from gateway.agreements.loader import AgreementBook
from gateway.agreements.overview import PROVENANCE, SENTENCES, generic, sentence, sentences
from gateway.agreements.overview_words import LANGUAGES, WORDS
from tests.agreements.conftest import BUNDLED

BOOK = AgreementBook.load(BUNDLED)
BUNDLED_AGREEMENTS = ("be-delivery-2016", "be-delivery-coop-2027")


def _bundled() -> list[Any]:
    """Every dated value of every term of the two bundled agreements, as the file writes it."""
    out = []
    for agreement_id in BUNDLED_AGREEMENTS:
        agreement = BOOK.get(agreement_id)
        assert agreement is not None
        for term in agreement.terms.values():
            for day, value in term.values.items():
                if value is not None:
                    out.append(pytest.param(term.type, dict(value.written), id=f"{agreement_id}-{term.name}-{day}"))
    return out


# The variants the bundled agreements do not use, so that every branch of every sentence has its French and Dutch.
VARIANTS: list[Any] = [
    pytest.param(
        "minimum_engagement",
        {
            "paid_hours": "2",
            "short_notice_cancellation": {"notice_hours": "12", "pays": "booked"},
            "sent_home_early": {"pays": "booked"},
            "graded_cancellation": {"of": "guaranteed", "bands": [{"pays_percent": "50", "notice_under_hours": "1"}]},
        },
        id="minimum-booked-graded-guaranteed",
    ),
    pytest.param(
        "minimum_engagement",
        {"paid_hours": "1", "short_notice_cancellation": {"notice_hours": "1.5", "pays": "nothing"}},
        id="minimum-nothing",
    ),
    pytest.param("hourly_floor", {"amount": "14.50", "basis": "gross", "hours": "worked"}, id="floor-gross-worked"),
    pytest.param("piece_rate", {"policy": "allowed"}, id="piece-allowed"),
    pytest.param(
        "expenses",
        {
            "items": [
                {"name": "bike", "amount": "1.50", "per": "shift"},
                {"name": "phone and data", "amount": "20.00", "per": "month"},
                {"name": "bike allowance", "amount": "0.10", "per": "delivery"},
            ]
        },
        id="expenses-shift-month-delivery",
    ),
    pytest.param("insurance", {"cover": ["civil liability"], "insurer": "platform"}, id="insurance-platform"),
    pytest.param("payment_term", {"days": 10, "kind": "calendar"}, id="payment-calendar"),
    pytest.param("guarantee_levy", {"rate": "0.02", "levied_on": "shift_cost"}, id="levy-cost"),
    pytest.param(
        "premiums",
        {
            "combine": "highest",
            "items": [
                {"kind": "public_holiday", "subdivision": "BRU", "amount": "2.00"},
                {"kind": "sunday", "percent": "25"},
            ],
        },
        id="premiums-highest-amount",
    ),
    pytest.param("overtime", {"daily_hours": "9", "weekly_hours": "38", "percent": "50"}, id="overtime-both"),
    pytest.param(
        "working_time_limits",
        {"max_hours_day": {"hours": "9", "enforcement": "amend"}, "min_rest_hours": {"hours": "11"}},
        id="limits-amend-report",
    ),
    pytest.param("waiting_time", {"percent": "80"}, id="waiting"),
    pytest.param("bonus", {"policy": "forbidden"}, id="bonus-forbidden"),
    pytest.param(
        "seniority",
        {"steps": [{"after_years": 1, "percent": "2"}, {"after_years": 3, "amount": "0.25"}]},
        id="seniority-percent-one-year",
    ),
]
# English words that would mean a piece was left untranslated (" of " and " is " are Dutch too).
ENGLISH = (" the ", " are ", " paid ", " hour", " with ", " every ", " per trip")


@pytest.mark.parametrize(("type_", "written"), _bundled() + VARIANTS)
def test_every_term_reads_in_french_and_dutch_not_in_english(type_: str, written: dict[str, Any]) -> None:
    said = sentences(type_, written, "EUR")
    assert set(said) == {"en", "fr", "nl"}
    assert said["en"] == sentence(type_, written, "EUR")  # the command's English, unchanged
    assert type_ in SENTENCES  # its own sentence, not the generic fallback
    for lang in ("fr", "nl"):
        text = said[lang]
        assert text and text != said["en"], (lang, text)
        assert "{" not in text and "None" not in text, text
        assert not [w for w in ENGLISH if w in f" {text.lower()} "], (lang, text)
    assert said["fr"] != said["nl"]


def test_every_type_with_a_sentence_is_covered_above() -> None:
    covered = {p.values[0] for p in _bundled() + VARIANTS}
    assert covered == set(SENTENCES)


def test_the_three_languages_have_the_same_words_with_the_same_fields() -> None:
    def fields(message: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(message) if name}

    english = WORDS["en"]
    for lang in LANGUAGES:
        assert WORDS[lang].keys() == english.keys(), lang
        assert {k: fields(v) for k, v in WORDS[lang].items()} == {k: fields(v) for k, v in english.items()}, lang


def test_the_three_minimum_hours_read_in_each_language() -> None:
    written = {"paid_hours": "3", "counted_from": "shift_start"}
    assert sentences("minimum_engagement", written, "EUR") == {
        "en": "Every shift is paid at least 3 hours, counted from the start of the shift, even with no delivery.",
        "fr": "Chaque shift est payé au moins 3 heures, comptées à partir du début du shift, même sans livraison.",
        "nl": "Elke shift wordt voor minstens 3 uur betaald, geteld vanaf het begin van de shift, ook zonder levering.",
    }


def test_names_the_agreement_writes_are_translated_when_known_and_kept_as_written_otherwise() -> None:
    written = {
        "items": [
            {"name": "bike allowance", "amount": "0.35", "per": "km"},
            {"name": "helmet", "amount": "5.00", "per": "month"},
        ]
    }
    assert sentence("expenses", written, "EUR", "nl") == (
        "Het platform betaalt onkosten terug bovenop het loon, belastingvrij: 0.35 EUR per kilometer die het platform "
        "registreert (fietsvergoeding); 5.00 EUR per maand (helmet)."
    )
    # French takes the singular below two: 1.5 heure, 1 année.
    assert "au moins 1.5 heure," in sentence("minimum_engagement", {"paid_hours": "1.5"}, "EUR", "fr")


def test_a_type_without_a_sentence_names_its_values_in_each_language() -> None:
    written = {"rate": "0.25", "applies_to": ["sunday"], "limit": None, "clause": "Art. 5"}
    assert (
        generic("night_premium", written, "fr")
        == "Terme « night premium » : rate 0.25, applies to sunday, limit aucun."
    )
    assert (
        generic("night_premium", written, "nl")
        == "Voorwaarde ‘night premium’: rate 0.25, applies to sunday, limit geen."
    )
    assert sentence("night_premium", written, "EUR", "nl") == generic("night_premium", written, "nl")
    assert generic("flag", {k: written[k] for k in PROVENANCE if k in written}, "fr") == "Terme « flag »."
