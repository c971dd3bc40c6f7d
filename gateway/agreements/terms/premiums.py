"""`premiums`: pay on top of the hourly rate for hours worked at unsocial times: at night (a local time band, which
may cross midnight), on Sunday, on a public holiday (the `holidays` package, by country and optional region) and in
bad weather (a flag the platform sends with the shift). Each premium is a percentage of the contract's hourly gross
or an amount an hour; several premiums over the same hour either stack or the highest alone is paid.

Which hours: those worked, between the actual start and the actual end (the minimum engagement's unworked hours
earn no premium). Night, Sunday and holiday are decided on the local wall clock of the agreement's time zone, the
shift split at every band edge and every local midnight, and counted in elapsed time between those instants: a
night across a DST change counts its real length. Premiums come on top of the floor: the floors apply to the base
hourly rate, and a premium is never counted towards them (the engine adds these lines after the floors' top-ups).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

import holidays

from gateway.agreements.model import AgreementError
from gateway.agreements.outcome import Line, PayLine
from gateway.agreements.payroll import cents
from gateway.agreements.terms.base import (
    HOURS,
    SECONDS_PER_HOUR,
    InForce,
    TermValue,
    TermValueError,
    hours_text,
    provenance,
)

TYPE = "premiums"

Kind = Literal["night", "sunday", "public_holiday", "bad_weather"]
CODES: dict[str, str] = {
    "night": "premium_night",
    "sunday": "premium_sunday",
    "public_holiday": "premium_holiday",
    "bad_weather": "premium_bad_weather",
}
LABELS: dict[str, str] = {
    "night": "night premium",
    "sunday": "Sunday premium",
    "public_holiday": "public holiday premium",
    "bad_weather": "bad-weather premium",
}
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Premium:
    name: str
    kind: Kind
    percent: Decimal | None  # of the contract's hourly gross, e.g. 20 for +20 %
    amount: Decimal | None  # or an amount an hour, in the agreement's currency
    start: time | None = None  # night: the band's local start ...
    end: time | None = None  # ... and end (before the start: the band crosses midnight)
    subdivision: str | None = None  # public_holiday: the region, as the `holidays` package names it

    def hourly(self, rate: Decimal) -> Decimal:
        """What one hour of this premium adds, on a contract paying `rate` gross an hour (unrounded)."""
        if self.amount is not None:
            return self.amount
        assert self.percent is not None
        return rate * self.percent / HUNDRED

    def shown(self, currency: str) -> str:
        what = f"+{self.percent} %" if self.percent is not None else f"+{self.amount} {currency} an hour"
        if self.kind == "night":
            assert self.start is not None and self.end is not None
            return f"{what} between {self.start:%H:%M} and {self.end:%H:%M}"
        if self.kind == "public_holiday" and self.subdivision:
            return f"{what} on a public holiday ({self.subdivision})"
        return {"sunday": f"{what} on Sunday", "public_holiday": f"{what} on a public holiday"}.get(
            self.kind, f"{what} in bad weather"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Premiums(TermValue):
    items: tuple[Premium, ...]
    combine: Literal["stack", "highest"]

    @property
    def weather(self) -> int:
        """The mask of the bad-weather premiums (bit n: item n): every second of a flagged shift is theirs."""
        return sum(1 << n for n, p in enumerate(self.items) if p.kind == "bad_weather")


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours) % 24, int(minutes))


def _item(raw: Mapping[str, Any]) -> Premium:
    return Premium(
        name=str(raw["name"]),
        kind=raw["kind"],
        percent=None if raw.get("percent") is None else Decimal(str(raw["percent"])),
        amount=None if raw.get("amount") is None else Decimal(str(raw["amount"])),
        start=None if raw.get("from") is None else _clock(str(raw["from"])),
        end=None if raw.get("to") is None else _clock(str(raw["to"])),
        subdivision=raw.get("subdivision"),
    )


def parse(raw: Mapping[str, Any]) -> Premiums:
    items = tuple(_item(i) for i in raw["items"])
    for n, p in enumerate(items):
        if p.kind == "night" and p.start == p.end:
            # Read as a band, it is empty (nothing is ever paid) or the whole day: either way not what was meant.
            raise TermValueError(
                f"the night band starts and ends at {p.start:%H:%M}; give the hours it covers, "
                'e.g. from: "22:00", to: "06:00"',
                ("items", n, "to"),
            )
    return Premiums(**provenance(raw), items=items, combine=raw.get("combine", "stack"))


Rule = InForce[Premiums]


# --- the hours in each premium's time ------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year).keys())
    except NotImplementedError as exc:
        known = ", ".join(holidays.list_supported_countries().get(country, [])) or "none"
        raise AgreementError(
            f"premiums: the holidays package knows no subdivision {subdivision!r} of {country} "
            f"(its subdivisions: {known}); write one of them, or leave subdivision out for the national holidays"
        ) from exc


def _instant(day: date, at: time, zone: ZoneInfo) -> int:
    """The UTC second of a local wall-clock time (a time a DST change skips is read with the earlier offset)."""
    return int(datetime.combine(day, at, tzinfo=zone).timestamp())


def _in_band(p: Premium, at: time) -> bool:
    assert p.start is not None and p.end is not None
    if p.start <= p.end:
        return p.start <= at < p.end
    return at >= p.start or at < p.end


def _day(items: tuple[Premium, ...], zone: ZoneInfo, country: str, day: date) -> tuple[tuple[int, int, int], ...]:
    """One local day cut at its midnights and every night band's edges: (first second, end second, mask of the
    premiums whose time it is), in UTC seconds. Computed once per day and set of premiums."""
    edges = {time(0)}
    for p in items:
        if p.kind == "night" and p.start is not None and p.end is not None:
            edges.update((p.start, p.end))
    clocks = sorted(edges)
    sunday = day.weekday() == 6
    out = []
    for i, at in enumerate(clocks):
        first = _instant(day, at, zone)
        end = (
            _instant(day + timedelta(days=1), time(0), zone)
            if i + 1 == len(clocks)
            else _instant(day, clocks[i + 1], zone)
        )
        mask = 0
        for n, p in enumerate(items):
            if (
                (p.kind == "night" and _in_band(p, at))
                or (p.kind == "sunday" and sunday)
                or (p.kind == "public_holiday" and day in _holidays(country, p.subdivision, day.year))
            ):
                mask |= 1 << n
        if end > first:
            out.append((first, end, mask))
    return tuple(out)


def _pieces(
    value: Premiums, zone: ZoneInfo, country: str, start: datetime, end: datetime, bad_weather: bool
) -> dict[int, int]:
    """The seconds of [start, end) by the set of premiums whose time they are (a bit mask, in the items' order)."""
    found: dict[int, int] = {}
    s, e = int(start.timestamp()), int(end.timestamp())
    if e <= s:
        return found
    weather = value.weather if bad_weather else 0
    day = start.astimezone(zone).date()
    items = value.items
    while True:
        # The day's cuts, found by the value's identity (hashing its premiums on every shift would cost more than
        # the cutting itself); the value is kept beside them so that an id is never taken for another's.
        key = (id(value), zone, country, day)
        cached = _DAYS.get(key)
        if cached is None or cached[0] is not value:
            if len(_DAYS) >= _DAYS_LIMIT:
                _DAYS.clear()
            cached = _DAYS[key] = (value, _day(items, zone, country, day))
        cuts = cached[1]
        for first, stop, mask in cuts:
            # Comparisons, not max() and min(): this loop runs a few times on every settled shift.
            if stop <= s:
                continue
            if first >= e:
                break
            mask |= weather
            if mask:
                found[mask] = found.get(mask, 0) + (stop if stop < e else e) - (first if first > s else s)
        if not cuts or cuts[-1][1] >= e:  # the next local midnight is past the end
            return found
        day += timedelta(days=1)


_DAYS: dict[tuple[int, ZoneInfo, str, date], tuple[Premiums, tuple[tuple[int, int, int], ...]]] = {}
_DAYS_LIMIT = 20_000


def seconds_in(
    value: Premiums, zone: ZoneInfo, country: str, start: datetime, end: datetime, bad_weather: bool, rate: Decimal
) -> tuple[int, ...]:
    """The seconds of [start, end) each premium pays for: all that fall in its time when premiums stack; when the
    highest applies, each second goes to the premium worth most on it (the first listed on a tie)."""
    items = value.items
    counted = [0] * len(items)
    pieces = _pieces(value, zone, country, start, end, bad_weather)
    if value.combine == "highest":
        worth = [p.hourly(rate) for p in items]
        for mask, seconds in pieces.items():
            counted[max((n for n in range(len(items)) if mask >> n & 1), key=lambda n: (worth[n], -n))] += seconds
        return tuple(counted)
    for mask, seconds in pieces.items():
        n = 0
        while mask:
            if mask & 1:
                counted[n] += seconds
            mask >>= 1
            n += 1
    return tuple(counted)


def hours_of(seconds: int) -> Decimal:
    return (Decimal(seconds) / SECONDS_PER_HOUR).quantize(HOURS, rounding=ROUND_HALF_UP)


# --- at settlement --------------------------------------------------------------------------------------------


def at_settlement(
    rule: Rule | None,
    zone: ZoneInfo,
    country: str,
    start: datetime,
    end: datetime,
    bad_weather: bool,
    rate: Decimal,
    currency: str,
    used: list[Line],
) -> list[PayLine]:
    """One salary line per premium earned on the hours worked from `start` to `end`, at `rate` gross an hour."""
    if rule is None:
        return []
    v = rule.value
    used.append(_used(rule, currency))
    lines = []
    for n, seconds in enumerate(seconds_in(v, zone, country, start, end, bad_weather, rate)):
        if seconds <= 0:
            continue
        # One premium's line depends only on these (the rate as written: 14.00 and 14 read differently): made once,
        # then shared (a PayLine is frozen). Keyed by the dated value, which every day it is in force shares.
        key = (id(v), rule.since_text, n, seconds, str(rate), currency)
        found = _LINES.get(key)
        if found is not None and found[0] is v:
            if found[1] is not None:
                lines.append(found[1])
            continue
        line = _line(rule, v.items[n], seconds, rate, currency)
        if len(_LINES) >= _LINES_LIMIT:
            _LINES.clear()
        _LINES[key] = (v, line)
        if line is not None:
            lines.append(line)
    return lines


_LINES: dict[tuple[int, str, int, int, str, str], tuple[Premiums, PayLine | None]] = {}
_LINES_LIMIT = 100_000


def _line(rule: Rule, p: Premium, seconds: int, rate: Decimal, currency: str) -> PayLine | None:
    """The pay line of premium `p` for `seconds` worked in its time, at `rate` gross an hour."""
    hours = hours_of(seconds)
    hourly = p.hourly(rate)
    amount = cents(hours * hourly)
    if amount <= 0:
        return None
    how = f"{rate} {currency} × {p.percent} %" if p.percent is not None else f"{p.amount} {currency}"
    return PayLine(
        CODES[p.kind],
        LABELS[p.kind],
        rule.term.name,
        rule.clause,
        rule.since_text,
        hours,
        hourly,
        amount,
        "salary",
        f"{hours_text(hours)} h {_when(p)} × {how} = {amount} {currency} ({p.name})",
    )


_USED: dict[tuple[int, str, str], tuple[Premiums, Line]] = {}


def _used(rule: Rule, currency: str) -> Line:
    """The term as used, worded once per dated value (a what-if settles a million shifts under a few)."""
    key = (id(rule.value), rule.since_text, currency)
    found = _USED.get(key)
    if found is not None and found[0] is rule.value:
        return found[1]
    v = rule.value
    line = rule.line(
        "; ".join(f"{p.name}: {p.shown(currency)}" for p in v.items)
        + ("; the highest premium alone is paid on an hour" if v.combine == "highest" else "; premiums stack")
    )
    if len(_USED) > 1024:
        _USED.clear()
    _USED[key] = (rule.value, line)
    return line


def _when(p: Premium) -> str:
    if p.kind == "night":
        assert p.start is not None and p.end is not None
        return f"worked between {p.start:%H:%M} and {p.end:%H:%M}"
    return {"sunday": "worked on Sunday", "public_holiday": "worked on a public holiday"}.get(
        p.kind, "worked in bad weather"
    )


def key(
    rule: Rule | None, zone: ZoneInfo, country: str, start: datetime, end: datetime, bad_weather: bool
) -> tuple[tuple[int, int], ...]:
    """What the premiums read of a shift, for the engine's outcome key: its seconds by the premiums whose time
    they are (independent of the rate, which the key holds through the offers)."""
    if rule is None:
        return ()
    return tuple(sorted(_pieces(rule.value, zone, country, start, end, bad_weather).items()))


__all__ = ["CODES", "TYPE", "Premium", "Premiums", "at_settlement", "key", "parse", "seconds_in"]
