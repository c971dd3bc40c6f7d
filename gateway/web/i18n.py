"""The rider's languages: message files per locale (TOML, one per language), negotiation, and Babel formatting.

Messages are `str.format` templates with named fields; a key missing from a language is a test failure, not a
fallback, so the three files move together. Amounts, dates and times are formatted by Babel for the locale.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal

LOCALES_DIR = Path(__file__).parent / "locales"
# Language code (what `?lang=` and the page's lang attribute carry) → the Babel locale that formats for it.
LANGUAGES: dict[str, str] = {"en": "en_GB", "fr": "fr_BE", "nl": "nl_BE"}
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "rider_lang"
_Q = re.compile(r"^\s*([A-Za-z]{1,8})(?:[-_][A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = str(value)
    return out


@cache
def catalog(lang: str) -> dict[str, str]:
    """The messages of one language, keys flattened (`status.open`)."""
    with (LOCALES_DIR / f"{lang}.toml").open("rb") as f:
        return _flatten(tomllib.load(f))


def fields(message: str) -> set[str]:
    """The named fields a message uses (to check that every language uses the same ones)."""
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def negotiate(accept_language: str | None) -> str | None:
    """The best of our languages for an Accept-Language header (RFC 9110 weights), or None."""
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept_language.split(",")[:20]):
        m = _Q.match(part)
        if m is None:
            continue
        try:
            q = float(m.group(2)) if m.group(2) is not None else 1.0
        except ValueError:
            continue
        lang = m.group(1).lower()
        if q > 0 and lang in LANGUAGES:
            ranked.append((-q, i, lang))
    return min(ranked)[2] if ranked else None


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """`?lang=` first (the visible switch), then the remembered choice, then the browser's languages."""
    for candidate in (query, cookie):
        if candidate and candidate.lower() in LANGUAGES:
            return candidate.lower()
    return negotiate(accept_language) or DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Translator:
    """Words and formats of one language."""

    lang: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(LANGUAGES[self.lang])

    def __call__(self, key: str, **values: Any) -> str:
        return catalog(self.lang)[key].format(**values)

    def plural(self, key: str, count: int, **values: Any) -> str:
        """`key.one` or `key.other` (the language's plural rule) with `count` filled in."""
        form = "one" if self.locale.plural_form(count) == "one" else "other"
        return self(f"{key}.{form}", count=count, **values)

    def has(self, key: str) -> bool:
        return key in catalog(self.lang)

    def money(self, amount: Decimal, currency: str) -> str:
        return format_currency(amount, currency, locale=self.locale)

    def number(self, value: Decimal) -> str:
        return format_decimal(value, locale=self.locale)

    def hours(self, hours: Decimal) -> str:
        """A duration as people say it: 3 h, 2 h 10 (minutes rounded to the nearest)."""
        minutes = int((hours * 60).to_integral_value())
        h, m = divmod(minutes, 60)
        if m == 0:
            text = self("duration.hours", h=h)
        else:
            text = self("duration.minutes", m=m) if h == 0 else self("duration.hours_minutes", h=h, m=f"{m:02d}")
        return text.replace(" ", "\u00a0")  # never "3" at the end of a line and "h" on the next

    def day(self, d: date) -> str:
        return format_date(d, "full", locale=self.locale)

    def short_day(self, d: date) -> str:
        return format_date(d, "medium", locale=self.locale)

    def month(self, d: date) -> str:
        """The month of `d` as a title names it: November 2026, novembre 2026."""
        return format_date(d, "LLLL y", locale=self.locale)

    def time(self, instant: datetime, tz: ZoneInfo) -> str:
        return format_time(instant, "short", tzinfo=tz, locale=self.locale)

    def moment(self, instant: datetime, tz: ZoneInfo) -> str:
        """Date and time in the agreement's time zone, e.g. 29 Nov 2026, 03:00."""
        pattern = str(get_datetime_format("medium", locale=self.locale))
        return pattern.replace("{1}", self.short_day(instant.astimezone(tz).date())).replace(
            "{0}", self.time(instant, tz)
        )

    def join(self, items: list[str]) -> str:
        """work accident and civil liability; accident du travail et responsabilité civile."""
        return format_list(items, locale=self.locale) if items else ""

    def language_name(self, lang: str) -> str:
        """A language named in itself (Français, Nederlands), as a language switch should show it."""
        name = Locale.parse(LANGUAGES[lang]).language_name or lang
        return name[:1].upper() + name[1:]
