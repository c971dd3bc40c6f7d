"""The representatives' figures for one platform and half-year, read in the caller's session.

A contract counts in the half-year of its local start (its own `timezone`, the agreement's); a decision about a
contract counts with its contract, one about no contract (a platform's suspension) by when it was decided, in the
agreement's zone; a review counts with its decision."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import AgreementError
from gateway.canonical import EARLIEST, LATEST
from gateway.domains.contracts.models import Contract
from gateway.domains.decisions.models import Decision, DecisionReview
from gateway.domains.platforms.models import Platform
from gateway.domains.representatives.schemas import (
    BandOut,
    CellOut,
    HoursOut,
    PayPerHourOut,
    RepresentativesOut,
    TableOut,
)
from gateway.domains.representatives.suppression import MINIMUM_RIDERS, Cell, bands, protect
from gateway.domains.settlement.models import Settlement
from gateway.domains.settlement.service import per_hour

HALF = re.compile(r"^(\d{4})-H([12])$")
BAND_WIDTH = Decimal("1.00")
ZERO = Decimal(0)
PENDING = "pending"  # a review not answered yet
# Wide enough for any UTC offset: the half's contracts are chosen in SQL within it, then by their local day.
_MARGIN = timedelta(days=1)


class HalfError(ValueError):
    """A half-year not written YYYY-H1 or YYYY-H2, or outside the gateway's years."""


class UnknownPlatform(LookupError):
    pass


def half_days(half: str) -> tuple[date, date]:
    """2026-H1 → 1 January to 30 June 2026; 2026-H2 → 1 July to 31 December 2026."""
    m = HALF.fullmatch(half)
    if m is None:
        raise HalfError(f"half-year {half!r} is not written YYYY-H1 or YYYY-H2 (e.g. 2026-H2)")
    year = int(m.group(1))
    if not EARLIEST.year < year < LATEST.year:  # a day's margin either side stays within the instants' window
        raise HalfError(f"half-year {half!r} is outside the years {EARLIEST.year + 1} to {LATEST.year - 1}")
    return (date(year, 1, 1), date(year, 6, 30)) if m.group(2) == "1" else (date(year, 7, 1), date(year, 12, 31))


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class _Half:
    first: date
    last: date

    @property
    def window(self) -> tuple[datetime, datetime]:
        """UTC instants surely around the half, whatever the zone."""
        start = datetime.combine(self.first, time(0), tzinfo=UTC) - _MARGIN
        return start, datetime.combine(self.last, time(0), tzinfo=UTC) + 2 * _MARGIN

    def holds(self, instant: datetime, zone: str) -> bool:
        return self.first <= instant.astimezone(_zone(zone)).date() <= self.last


@dataclass(frozen=True)
class _Contract:
    rider: int
    status: str


def _contracts(session: Session, platform_id: int, half: _Half) -> dict[uuid.UUID, _Contract]:
    start, end = half.window
    rows = session.execute(
        select_columns(
            col(Contract.id),
            col(Contract.rider_id),
            col(Contract.status),
            col(Contract.starts_at),
            col(Contract.timezone),
        ).where(
            col(Contract.platform_id) == platform_id, col(Contract.starts_at) >= start, col(Contract.starts_at) < end
        )
    ).all()
    return {cid: _Contract(rider, status) for cid, rider, status, starts, zone in rows if half.holds(starts, zone)}


def _table(cells: dict[tuple[str, ...], tuple[int, set[int]]]) -> TableOut:
    ordered = [Cell(key, n, frozenset(riders)) for key, (n, riders) in sorted(cells.items())]
    p = protect(ordered)
    rows = [
        CellOut(key=key[0], outcome=key[1] if len(key) > 1 else None, count=n, suppressed=n is None)
        for key, n in p.cells
    ]
    return TableOut(shown=p.shown, total=p.total, rows=rows)


def _count(items: Iterable[tuple[tuple[str, ...], int]]) -> dict[tuple[str, ...], tuple[int, set[int]]]:
    cells: dict[tuple[str, ...], tuple[int, set[int]]] = {}
    for key, rider in items:
        n, riders = cells.get(key, (0, set()))
        riders.add(rider)
        cells[key] = (n + 1, riders)
    return cells


def _pay(
    session: Session, platform_id: int, half: _Half, contracts: dict[uuid.UUID, _Contract]
) -> tuple[HoursOut | None, PayPerHourOut]:
    start, end = half.window
    rows = session.execute(
        select_columns(
            col(Settlement.contract_id),
            col(Settlement.worked_hours),
            col(Settlement.paid_hours),
            col(Settlement.gross),
            col(Settlement.net),
        )
        .join(Contract, col(Contract.id) == col(Settlement.contract_id))
        .where(
            col(Contract.platform_id) == platform_id, col(Contract.starts_at) >= start, col(Contract.starts_at) < end
        )
    ).all()
    worked = paid = gross = net = ZERO
    per_rider: dict[int, tuple[Decimal, Decimal]] = defaultdict(lambda: (ZERO, ZERO))
    for cid, w, p, g, n in rows:
        if cid not in contracts:
            continue
        worked, paid, gross, net = worked + w, paid + p, gross + g, net + n
        rider = contracts[cid].rider
        rider_gross, rider_paid = per_rider[rider]
        per_rider[rider] = (rider_gross + g, rider_paid + p)
    settled = len(per_rider)
    hours = (
        None
        if 0 < settled < MINIMUM_RIDERS
        else HoursOut(
            worked_hours=worked,
            paid_hours=paid,
            gross=gross,
            net=net,
            gross_per_paid_hour=per_hour(gross, paid),
            net_per_worked_hour=per_hour(net, worked),
        )
    )
    riders = {c.rider for c in contracts.values()}
    rates = {r: per_hour(*per_rider[r]) if r in per_rider else None for r in riders}
    banded = bands(rates, BAND_WIDTH)
    return hours, PayPerHourOut(
        band_width=BAND_WIDTH,
        bands=[
            BandOut(at_least=b.at_least, under=b.under, riders=b.riders, includes_riders_without_paid_hour=b.unpaid)
            for b in banded.bands
        ],
        riders_without_paid_hour=banded.unpaid,
    )


def _decisions(
    session: Session, platform_id: int, half: _Half, zone: str, contracts: dict[uuid.UUID, _Contract]
) -> tuple[TableOut, TableOut]:
    start, end = half.window
    rows = session.execute(
        select_columns(
            col(Decision.id),
            col(Decision.rider_id),
            col(Decision.kind),
            col(Decision.outcome),
            col(Decision.contract_id),
            col(Decision.decided_at),
        )
        .outerjoin(Contract, col(Contract.id) == col(Decision.contract_id))
        .where(
            col(Decision.platform_id) == platform_id,
            or_(
                and_(
                    col(Decision.contract_id).is_not(None),
                    col(Contract.starts_at) >= start,
                    col(Contract.starts_at) < end,
                ),
                and_(
                    col(Decision.contract_id).is_(None),
                    col(Decision.decided_at) >= start,
                    col(Decision.decided_at) < end,
                ),
            ),
        )
    ).all()
    riders: dict[int, int] = {}
    cells = []
    for did, rider, kind, outcome, cid, decided_at in rows:
        if (cid in contracts) if cid is not None else half.holds(decided_at, zone):
            riders[did] = rider
            cells.append(((kind, outcome), rider))
    reviews = (
        session.exec(
            select(col(DecisionReview.decision_id), col(DecisionReview.outcome)).where(
                col(DecisionReview.decision_id).in_(list(riders))
            )
        ).all()
        if riders
        else []
    )
    return _table(_count(cells)), _table(_count(((o or PENDING,), riders[d]) for d, o in reviews))


def figures(session: Session, book: AgreementBook, platform_slug: str, half: str, now: datetime) -> RepresentativesOut:
    first, last = half_days(half)
    platform = session.exec(select(Platform).where(Platform.slug == platform_slug)).first()
    if platform is None or platform.id is None:
        raise UnknownPlatform(f"no platform {platform_slug!r}")
    agreement = book.get(platform.agreement)
    if agreement is None:
        raise AgreementError(f"agreement {platform.agreement} of platform {platform_slug} is not loaded")
    scope = _Half(first, last)
    contracts = _contracts(session, platform.id, scope)
    riders = len({c.rider for c in contracts.values()})
    base = {
        "platform": platform.slug,
        "half": half,
        "first_day": first,
        "last_day": last,
        "timezone": agreement.timezone.key,
        "currency": agreement.currency,
        "as_of": now.astimezone(agreement.timezone),
        "minimum_riders": MINIMUM_RIDERS,
    }
    if 0 < riders < MINIMUM_RIDERS:
        # Nothing about a handful of riders: not their number, hours, pay, contracts or decisions.
        hidden = TableOut(shown=False, total=None, rows=[])
        return RepresentativesOut(
            **base, shown=False, riders=None, contracts=hidden, hours=None, pay_per_hour=None, decisions=hidden,
            reviews=hidden,
        )  # fmt: skip
    hours, pay = _pay(session, platform.id, scope, contracts)
    decisions, reviews = _decisions(session, platform.id, scope, agreement.timezone.key, contracts)
    return RepresentativesOut(
        **base,
        shown=True,
        riders=riders,
        contracts=_table(_count(((c.status,), c.rider) for c in contracts.values())),
        hours=hours,
        pay_per_hour=pay,
        decisions=decisions,
        reviews=reviews,
    )
