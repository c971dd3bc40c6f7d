"""The three languages move together, and the browser's preferences are read as RFC 9110 says."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.web.i18n import LANGUAGES, Translator, catalog, choose, fields, negotiate

OTHERS = [lang for lang in LANGUAGES if lang != "en"]


@pytest.mark.parametrize("lang", OTHERS)
def test_every_message_exists_in_every_language_with_the_same_fields(lang: str) -> None:
    english, other = catalog("en"), catalog(lang)
    assert sorted(set(english) - set(other)) == [], f"missing in {lang}.toml"
    assert sorted(set(other) - set(english)) == [], f"only in {lang}.toml"
    differ = {k: (fields(english[k]), fields(other[k])) for k in english if fields(english[k]) != fields(other[k])}
    assert differ == {}


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_no_message_is_left_empty_or_untranslated_by_mistake(lang: str) -> None:
    messages = catalog(lang)
    assert all(text.strip() for text in messages.values())
    if lang != "en":
        same = [k for k, text in messages.items() if text == catalog("en")[k] and len(text) > 12 and "{" not in text]
        assert same == [], f"copied from English into {lang}.toml"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-BE,fr;q=0.9,en;q=0.8", "fr"),
        ("de-DE,de;q=0.9,nl;q=0.4,en;q=0.3", "nl"),
        ("en;q=0.2, nl;q=0.7", "nl"),
        ("NL-be", "nl"),
        ("fr;q=0, en", "en"),
        ("de, es", None),
        ("*", None),
        ("", None),
        ("fr;q=abc", None),
    ],
)
def test_accept_language_is_weighted(header: str, expected: str | None) -> None:
    assert negotiate(header) == expected


def test_the_switch_beats_the_cookie_which_beats_the_browser() -> None:
    assert choose("nl", "fr", "en") == "nl"
    assert choose(None, "fr", "nl") == "fr"
    assert choose("xx", "yy", "nl-BE") == "nl"
    assert choose(None, None, None) == "en"


@pytest.mark.parametrize(
    ("lang", "hours", "whole", "money"),
    [
        ("en", "2 h 10", "3 h", "€1,234.50"),
        ("fr", "2 h 10", "3 h", "1\u202f234,50\xa0€"),
        ("nl", "2 u 10", "3 u", "€\xa01.234,50"),
    ],
)
def test_durations_and_amounts_are_written_the_languages_way(lang: str, hours: str, whole: str, money: str) -> None:
    t = Translator(lang)
    nbsp = "\xa0"
    assert t.hours(Decimal("2.1667")) == hours.replace(" ", nbsp)
    assert t.hours(Decimal("3")) == whole.replace(" ", nbsp)
    assert t.hours(Decimal("0.8333")) == f"50{nbsp}min"
    assert t.money(Decimal("1234.50"), "EUR") == money
    assert t.plural("shift.deliveries", 1) != t.plural("shift.deliveries", 2)
