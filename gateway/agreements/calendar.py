"""Payment dates: N calendar days, or N business days skipping weekends and the country's public holidays."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=256)
def public_holidays(country: str, year: int) -> dict[date, str]:
    """The public holidays of one country and year, from the maintained `holidays` library."""
    return dict(holidays.country_holidays(country, years=year).items())


def holiday_name(country: str, day: date) -> str | None:
    return public_holidays(country, day.year).get(day)


@lru_cache(maxsize=8192)
def due_date(country: str, start: date, days: int, kind: str) -> tuple[date, tuple[tuple[date, str], ...]]:
    """The date `days` days after `start`, and the non-business days skipped on the way (for the explanation).

    Counting starts the day after `start`: work done on a Monday with 7 business days is due the next Wednesday.
    """
    if kind == "calendar":
        return start + timedelta(days=days), ()
    day, left, skipped = start, days, []
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() >= 5:
            continue
        name = holiday_name(country, day)
        if name is not None:
            skipped.append((day, name))
            continue
        left -= 1
    return day, tuple(skipped)
