"""What-if: replay a period's shifts under the signed agreement and under a draft, per rider and in total.

The engine does every computation; this module only streams shifts through it twice and adds up, per rider,
so a million shifts never become a million Statement objects in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from gateway.agreements.engine import ENGINE_VERSION, Offer, ShiftOutcome, evaluate_shift
from gateway.agreements.model import Agreement
from gateway.agreements.payroll import CENT

ZERO = Decimal(0)
MEASURES = ("paid_hours", "gross", "net", "expenses", "cost")
# The term types the engine of ENGINE_VERSION 2 knows. `_shape` below relies on what that engine reads of a
# shift; an agreement with any other term (a night premium, say, which would read the time of day) is evaluated
# shift by shift, without the memo.
MEMO_TERM_TYPES = frozenset(
    {
        "minimum_engagement",
        "hourly_floor",
        "statutory_minimum",
        "piece_rate",
        "expenses",
        "insurance",
        "payment_term",
        "guarantee_levy",
    }
)
MEMO_ENGINE_VERSION = 2
MEMO_LIMIT = 500_000


@dataclass(frozen=True, slots=True)
class Figures:
    """What one shift (or many, added up) comes to: paid hours and money, in the agreement's currency."""

    paid_hours: Decimal = ZERO
    gross: Decimal = ZERO
    net: Decimal = ZERO
    expenses: Decimal = ZERO
    cost: Decimal = ZERO  # the platform's invoice excl. VAT: wages, employer contributions, expenses, levy

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.paid_hours + other.paid_hours,
            self.gross + other.gross,
            self.net + other.net,
            self.expenses + other.expenses,
            self.cost + other.cost,
        )

    def __sub__(self, other: Figures) -> Figures:
        return Figures(
            self.paid_hours - other.paid_hours,
            self.gross - other.gross,
            self.net - other.net,
            self.expenses - other.expenses,
            self.cost - other.cost,
        )

    def get(self, measure: str) -> Decimal:
        value: Decimal = getattr(self, measure)
        return value


@dataclass(slots=True)
class RiderTotals:
    rider: str
    shifts: int = 0
    signed: Figures = field(default_factory=Figures)
    draft: Figures = field(default_factory=Figures)

    @property
    def change(self) -> Figures:
        return self.draft - self.signed


@dataclass(frozen=True)
class WhatIfResult:
    agreement: str
    signed_version: str
    draft_version: str
    draft_label: str
    currency: str
    at: date | None
    source: str
    riders: list[RiderTotals]  # sorted by change in net pay, largest loss first
    shifts: int
    changed_shifts: int
    memo_hits: int

    @property
    def signed(self) -> Figures:
        return sum((r.signed for r in self.riders), Figures())

    @property
    def draft(self) -> Figures:
        return sum((r.draft for r in self.riders), Figures())

    @property
    def gainers(self) -> list[RiderTotals]:
        return [r for r in self.riders if r.change.net > 0]

    @property
    def losers(self) -> list[RiderTotals]:
        return [r for r in self.riders if r.change.net < 0]

    @property
    def unchanged(self) -> int:
        return len(self.riders) - len(self.gainers) - len(self.losers)

    def deciles(self, measure: str = "net") -> list[Decimal]:
        """D1..D9 of the per-rider change in `measure` (linear interpolation between ranks, to the cent)."""
        return deciles([r.change.get(measure) for r in self.riders])


def deciles(values: list[Decimal]) -> list[Decimal]:
    """The nine cut points D1..D9: the inclusive method of `statistics.quantiles`, kept in Decimal."""
    if not values:
        return []
    data = sorted(values)
    n = len(data)
    if n == 1:
        return [data[0].quantize(CENT, rounding=ROUND_HALF_UP)] * 9
    out = []
    for i in range(1, 10):
        # position (n - 1) * i / 10 between data[j] and data[j + 1]
        j, rest = divmod((n - 1) * i, 10)
        lower = data[j]
        upper = data[min(j + 1, n - 1)]
        value = lower + (upper - lower) * Decimal(rest) / Decimal(10)
        out.append(value.quantize(CENT, rounding=ROUND_HALF_UP))
    return out


def figures_of(agreement: Agreement, shift: ShiftOutcome, at: date | None) -> Figures:
    st = evaluate_shift(agreement, shift, at)
    return Figures(st.paid_hours, st.gross, st.net, st.expenses, st.invoice_total)


def _offset(base: datetime, instant: datetime | None) -> timedelta | None:
    # In UTC: Python subtracts two datetimes of one zone on the wall clock, which a DST night would bend.
    return None if instant is None else instant.astimezone(UTC) - base


def _offer_key(offer: Offer | None) -> Any:
    return offer  # frozen dataclasses: hashable, equal by value


def _shape(agreement: Agreement, shift: ShiftOutcome, at: date | None) -> tuple[Any, ...]:
    """Everything the engine of ENGINE_VERSION 2 reads of a shift for its amounts: the day whose terms apply,
    and the shift's instants as exact durations from its booked start (the engine only ever subtracts them;
    payment dates, the one thing read from the calendar, are not part of a what-if's figures)."""
    b = shift.booking
    day = at or b.starts_at.astimezone(agreement.timezone).date()
    start = b.starts_at.astimezone(UTC)
    return (
        day,
        _offset(start, b.ends_at),
        _offset(start, shift.actual_start),
        _offset(start, shift.actual_end),
        _offset(start, shift.first_delivery_at),
        _offset(start, shift.cancelled_at),
        shift.deliveries,
        shift.sent_home_early,
        _offer_key(b.offer),
        _offer_key(shift.proposed),
    )


def memo_allowed(*agreements: Agreement) -> bool:
    return ENGINE_VERSION == MEMO_ENGINE_VERSION and all(
        t.type in MEMO_TERM_TYPES for a in agreements for t in a.terms.values()
    )


class Evaluator:
    """Both sides of one shift. Shifts of the same shape (see `_shape`) give the same amounts, so a period's
    thousands of identical slots are computed once; the memo is bounded and can be turned off."""

    def __init__(self, signed: Agreement, draft: Agreement, at: date | None, memo: bool = True) -> None:
        self.signed, self.draft, self.at = signed, draft, at
        self.memo = memo and memo_allowed(signed, draft)
        self._cache: dict[tuple[Any, ...], tuple[Figures, Figures]] = {}
        self.hits = 0

    def __call__(self, shift: ShiftOutcome) -> tuple[Figures, Figures]:
        if not self.memo:
            return figures_of(self.signed, shift, self.at), figures_of(self.draft, shift, self.at)
        key = _shape(self.signed, shift, self.at)
        found = self._cache.get(key)
        if found is not None:
            self.hits += 1
            return found
        both = figures_of(self.signed, shift, self.at), figures_of(self.draft, shift, self.at)
        if len(self._cache) >= MEMO_LIMIT:
            self._cache.clear()
        self._cache[key] = both
        return both


Progress = Callable[[int], None]


def run_whatif(
    signed: Agreement,
    draft: Agreement,
    shifts: Iterable[tuple[str, ShiftOutcome]],
    *,
    at: date | None = None,
    draft_label: str = "",
    source: str = "",
    progress: Progress | None = None,
    every: int = 1000,
    memo: bool = True,
) -> WhatIfResult:
    """Evaluate each (rider, shift) under both agreements and add up per rider. `progress(n)` is called every
    `every` shifts with the count done; a KeyboardInterrupt raised anywhere leaves nothing behind."""
    evaluate = Evaluator(signed, draft, at, memo)
    riders: dict[str, RiderTotals] = {}
    count = changed = 0
    for rider, shift in shifts:
        before, after = evaluate(shift)
        totals = riders.get(rider)
        if totals is None:
            totals = riders[rider] = RiderTotals(rider)
        totals.shifts += 1
        totals.signed += before
        totals.draft += after
        count += 1
        if before != after:
            changed += 1
        if progress is not None and count % every == 0:
            progress(count)
    if progress is not None:
        progress(count)
    ordered = sorted(riders.values(), key=lambda r: (r.change.net, r.rider))
    return WhatIfResult(
        agreement=signed.id,
        signed_version=signed.version,
        draft_version=draft.version,
        draft_label=draft_label or draft.version,
        currency=signed.currency,
        at=at,
        source=source,
        riders=ordered,
        shifts=count,
        changed_shifts=changed,
        memo_hits=evaluate.hits,
    )
