"""What-if: replay a period's shifts under the signed agreement and under a draft, per rider and in total.

The engine does every computation; this module only streams shifts through it twice and adds up, per rider,
so a million shifts never become a million Statement objects in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from gateway.agreements.engine import (
    Amounts,
    Memo,
    Offer,
    ShiftOutcome,
    WorkedBefore,
    contract_rate,
    evaluate_shift,
    hours_between,
)
from gateway.agreements.model import Agreement
from gateway.agreements.payroll import CENT

ZERO = Decimal(0)
MEASURES = ("paid_hours", "gross", "net", "expenses", "cost")


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
    memo_hits: int  # of the shifts without a member's status (those go through one memo per side)
    # Shifts replayed with the rider's member status (age, student hours, seniority), as settlement reads it.
    with_status: int = 0

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


def _figures(a: Amounts) -> Figures:
    return Figures(a.paid_hours, a.gross, a.net, a.expenses, a.invoice_total)


def figures_of(agreement: Agreement, shift: ShiftOutcome, at: date | None) -> Figures:
    return _figures(Amounts.of(evaluate_shift(agreement, shift, at)))


class Evaluator(Memo[Figures]):
    """Both sides of one shift, through the engine's memo (`engine.Memo`): shifts with the same outcome key give
    the same amounts, so a period's thousands of identical slots are computed once. It can be turned off."""

    def __init__(self, signed: Agreement, draft: Agreement, at: date | None, memo: bool = True) -> None:
        super().__init__((signed, draft), at, _figures, enabled=memo)


class _Distinct:
    """The distinct figures a run comes to, each numbered once: a memo of these numbers lets a rider's shifts be
    counted by outcome and multiplied out at the end, instead of added up a shift at a time. Keyed by each
    amount's exact digits and exponent, so a total is the very Decimal that adding shift by shift would give
    (money and hours are far inside Decimal's 28 digits: multiplying by a count and adding never rounds)."""

    def __init__(self) -> None:
        self.figures: list[Figures] = []
        self._numbers: dict[tuple[Any, ...], int] = {}

    def number(self, amounts: Amounts) -> int:
        figures = _figures(amounts)
        key = tuple(figures.get(m).as_tuple() for m in MEASURES)
        found = self._numbers.get(key)
        if found is None:
            found = self._numbers[key] = len(self.figures)
            self.figures.append(figures)
        return found

    def total(self, counted: dict[tuple[int, ...], int], side: int) -> Figures:
        """One side's figures over a rider's shifts, counted by outcome."""
        times: dict[int, int] = {}
        for outcome, n in counted.items():
            times[outcome[side]] = times.get(outcome[side], 0) + n
        hours = gross = net = spent = cost = ZERO
        for number, n in times.items():
            f = self.figures[number]
            hours += f.paid_hours * n
            gross += f.gross * n
            net += f.net * n
            spent += f.expenses * n
            cost += f.cost * n
        return Figures(hours, gross, net, spent, cost)


@dataclass(slots=True)
class _Clock:
    day: date
    day_hours: Decimal
    week: tuple[int, int]
    week_hours: Decimal
    last_end: datetime  # the end of the latest shift so far
    previous_end: datetime | None  # that of the previous working day


class HoursBefore:
    """Each rider's hours earlier that day and week, as the services count them for overtime (hours worked, or
    booked when no time was reported; a shift cancelled before it started counts nothing), from the shifts already
    replayed: the sources give each rider's shifts in order of start (a CSV in its rows' order). Only the shifts
    replayed count: a rider's hours on other platforms are not in a one-platform what-if."""

    def __init__(self, agreement: Agreement) -> None:
        self.zone = agreement.timezone
        self._riders: dict[str, _Clock] = {}

    def __call__(self, rider: str, shift: ShiftOutcome) -> WorkedBefore:
        b = shift.booking
        local = b.starts_at.astimezone(self.zone)
        day, iso = local.date(), local.isocalendar()
        week = (iso.year, iso.week)
        clock = self._riders.get(rider)
        if clock is None:
            before = WorkedBefore()
            clock = self._riders[rider] = _Clock(day, ZERO, week, ZERO, b.starts_at, None)
        else:
            if clock.day != day:
                clock.day, clock.day_hours, clock.previous_end = day, ZERO, clock.last_end
            if clock.week != week:
                clock.week, clock.week_hours = week, ZERO
            before = WorkedBefore(clock.day_hours, clock.week_hours, clock.previous_end)
        if shift.cancelled_at is not None and shift.actual_start is None:
            return before
        start, end = shift.actual_start or b.starts_at, shift.actual_end or b.ends_at
        worked = max(hours_between(start, end), ZERO)
        clock.day_hours += worked
        clock.week_hours += worked
        clock.last_end = max(clock.last_end, end)
        return before


class BookedRate:
    """The hourly gross a contract opened under each side would state, as `engine.evaluate_booking` sets it: the
    offer lifted to the floors of the adult scale (a booking never reads the member). Settlement never pays an
    hourly shift below it, so a youth scale that lowers the statutory floor cannot lower a rider's pay below the
    adult floor the contract was opened at: a shift with a member's status is replayed with this rate, per side,
    or its signed side would pay a young student less than settlement paid. Cached per (side, day, offer)."""

    def __init__(self, agreements: tuple[Agreement, ...], at: date | None) -> None:
        self.agreements, self.at = agreements, at
        self._rates: dict[tuple[int, date, Offer | None], Decimal] = {}

    def __call__(self, side: int, shift: ShiftOutcome) -> ShiftOutcome:
        b = shift.booking
        if b.contracted_hourly is not None:  # a source that read the contract's own rate keeps it
            return shift
        agreement = self.agreements[side]
        day = self.at or b.starts_at.astimezone(agreement.timezone).date()
        key = (side, day, b.offer)
        rate = self._rates.get(key)
        if rate is None:
            rate = self._rates[key] = contract_rate(agreement, b.offer, day)
        return replace(shift, booking=replace(b, contracted_hourly=rate))


def reads_hours_before(*agreements: Agreement) -> bool:
    return any(a.term("overtime") is not None for a in agreements)


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
    distinct = _Distinct()
    # Both sides of a shift through the engine's memo (as `Evaluator`), as the numbers of their distinct figures.
    evaluate = Memo((signed, draft), at, distinct.number, enabled=memo)
    # A shift with the rider's status is opened at a rate per side (`BookedRate`): one memo for each side.
    booked = BookedRate((signed, draft), at)
    sides = tuple(Memo((a,), at, distinct.number, enabled=memo) for a in (signed, draft))
    with_status = 0
    # Overtime reads the rider's hours earlier in the day and week: counted only when a side has overtime.
    before = HoursBefore(signed) if reads_hours_before(signed, draft) else None
    # Per rider, how many shifts came to each (signed, draft) outcome: a count per shift, not ten Decimal sums.
    counts: dict[str, dict[tuple[int, ...], int]] = {}
    count = 0
    for rider, shift in shifts:
        hours = None if before is None else before(rider, shift)
        if shift.worker is None:
            outcome = evaluate(shift, hours)
        else:
            with_status += 1
            outcome = tuple(side(booked(i, shift), hours)[0] for i, side in enumerate(sides))
        counted = counts.get(rider)
        if counted is None:
            counted = counts[rider] = {}
        counted[outcome] = counted.get(outcome, 0) + 1
        count += 1
        if progress is not None and count % every == 0:
            progress(count)
    if progress is not None:
        progress(count)
    figures = distinct.figures
    riders = [
        RiderTotals(r, sum(counted.values()), distinct.total(counted, 0), distinct.total(counted, 1))
        for r, counted in counts.items()
    ]
    changed = sum(
        n for counted in counts.values() for (before, after), n in counted.items() if figures[before] != figures[after]
    )
    ordered = sorted(riders, key=lambda r: (r.change.net, r.rider))
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
        with_status=with_status,
    )
