"""Effective-dated values: a value holds from its date until the next one; None ends it."""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class InForce(Generic[T]):
    value: T
    since: date


class Dated(Generic[T]):
    __slots__ = ("_dates", "_values")

    def __init__(self, values: Mapping[date, T | None]) -> None:
        items = sorted(values.items())
        self._dates = [d for d, _ in items]
        self._values = [v for _, v in items]

    def at(self, day: date) -> InForce[T] | None:
        """The value in force on `day`, or None before the first date or after a null."""
        i = bisect.bisect_right(self._dates, day) - 1
        if i < 0:
            return None
        v = self._values[i]
        return None if v is None else InForce(v, self._dates[i])

    @property
    def first(self) -> date | None:
        return self._dates[0] if self._dates else None

    def items(self) -> list[tuple[date, T | None]]:
        return list(zip(self._dates, self._values, strict=True))
