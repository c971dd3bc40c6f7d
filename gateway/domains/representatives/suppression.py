"""Never a group smaller than five riders: what a count may show, and how pay per hour is banded.

Two mechanisms, one rule (every figure shown is computed from at least `MINIMUM_RIDERS` distinct riders):

- Tables of counts (contracts by status, decisions by kind and outcome, reviews by outcome) show their total and
  each cell; a cell of fewer than five riders is suppressed, and so are more cells (the smallest shown first) until
  the suppressed cells together hold five riders: with the total shown, the suppressed cells' sum can be computed
  by difference, so that sum must itself come from five riders (complementary suppression). A table whose whole
  group is under five riders shows nothing, not even its total; a table of nobody shows 0.
- The pay per hour's bands are merged with a neighbour until each holds five riders (nothing to suppress, nothing
  to subtract); the lowest and highest bands are open ("under 13", "16 or more"), so no band's edge tells where
  the lowest or highest earner stands.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

MINIMUM_RIDERS = 5


@dataclass(frozen=True)
class Cell:
    """One cell of a table of counts: how many (contracts, decisions...), and whose."""

    key: tuple[str, ...]
    count: int
    riders: frozenset[int]


@dataclass(frozen=True)
class Protected:
    """A table as it may be shown: None where a figure is suppressed; `shown` False when nothing may be."""

    shown: bool
    total: int | None
    cells: list[tuple[tuple[str, ...], int | None]]


def protect(cells: Sequence[Cell], k: int = MINIMUM_RIDERS) -> Protected:
    everyone = frozenset().union(*(c.riders for c in cells))
    if not everyone:
        return Protected(True, 0, [])
    if len(everyone) < k:
        return Protected(False, None, [])
    hidden = {c.key for c in cells if len(c.riders) < k}
    while hidden:
        union = frozenset().union(*(c.riders for c in cells if c.key in hidden))
        if len(union) >= k:
            break
        # The hidden cells' sum is the total minus the others: hide the smallest shown cell too.
        shown = [c for c in cells if c.key not in hidden]
        hidden.add(min(shown, key=lambda c: (len(c.riders), c.count, c.key)).key)
    return Protected(True, sum(c.count for c in cells), [(c.key, None if c.key in hidden else c.count) for c in cells])


@dataclass(frozen=True)
class Band:
    """Riders whose pay per hour is at least `at_least` and under `under` (None: open on that side). A band with
    `unpaid` also holds the riders who had no paid hour in the period (fewer than five of them)."""

    at_least: Decimal | None
    under: Decimal | None
    riders: int
    unpaid: bool = False


@dataclass(frozen=True)
class Banded:
    bands: list[Band]
    unpaid: int | None  # riders with no paid hour, shown apart when they are five or more


def _merge(groups: list[list[int]], sizes: list[int], k: int) -> None:
    """Merge the smallest band under k with its smaller neighbour, until none is under k (or one is left).
    `groups` holds [first grid step, last grid step]; `sizes` the riders in each."""
    while len(groups) > 1:
        small = [i for i, n in enumerate(sizes) if n < k]
        if not small:
            return
        i = min(small, key=lambda j: (sizes[j], j))
        if i == 0:
            j = 1
        elif i == len(groups) - 1:
            j = i - 1
        else:
            j = i - 1 if sizes[i - 1] <= sizes[i + 1] else i + 1
        lo, hi = min(i, j), max(i, j)
        groups[lo] = [groups[lo][0], groups[hi][1]]
        sizes[lo] += sizes[hi]
        del groups[hi], sizes[hi]


def bands(rates: Mapping[int, Decimal | None], width: Decimal, k: int = MINIMUM_RIDERS) -> Banded:
    """Each rider's pay per hour (None: no paid hour) into bands of `width` on a fixed grid, merged to hold at
    least `k` riders each. Riders with no paid hour stand apart when they are `k` or more, else join the lowest band
    (they earned least); when the riders paid are fewer than `k`, everybody is one band with no edge."""
    paid = [r for r in rates.values() if r is not None]
    unpaid = len(rates) - len(paid)
    if not rates:
        return Banded([], None)
    if len(paid) < k:
        return Banded([Band(None, None, len(rates), unpaid > 0)], None)
    steps: dict[int, int] = {}
    for rate in paid:
        step = math.floor(rate / width)
        steps[step] = steps.get(step, 0) + 1
    ordered = sorted(steps)
    groups = [[s, s] for s in ordered]
    sizes = [steps[s] for s in ordered]
    _merge(groups, sizes, k)
    apart = unpaid >= k
    out = []
    for i, ((first, _), n) in enumerate(zip(groups, sizes, strict=True)):
        # Bands meet: one ends where the next begins (an empty step between them belongs to the lower one).
        at_least = None if i == 0 else first * width
        under = None if i == len(groups) - 1 else groups[i + 1][0] * width
        lowest = i == 0 and not apart and unpaid > 0
        out.append(Band(at_least, under, n + (unpaid if lowest else 0), lowest))
    return Banded(out, unpaid if apart or unpaid == 0 else None)
