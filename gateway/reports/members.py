"""The rider's status in a what-if, as settlement reads it (`settlement.service.worker_of`), for a period's
thousands of shifts at once: the member's record comes with each shift's row (one outer join), and a student's
hours earlier in the year from one stream of settled hours walked beside the shifts, both in order of start.
No query per shift: a what-if may replay hundreds of thousands of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Bundle
from sqlmodel import col, select
from sqlmodel.sql.expression import Select

from gateway.agreements.engine import Worker
from gateway.domains.contracts.models import Contract
from gateway.domains.members.models import Member
from gateway.domains.riders.models import Rider
from gateway.domains.settlement.models import Settlement
from gateway.domains.settlement.service import STUDENT

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class MemberStatus:
    number: str
    birth_date: date | None
    student: bool
    employed_since: date | None


def status_of(
    number: str | None, birth_date: date | None, worker_type: str | None, since: date | None
) -> MemberStatus | None:
    """The member columns of one row (None: the rider has no member, or the member number matches no member)."""
    if number is None:
        return None
    return MemberStatus(number, birth_date, worker_type == STUDENT, since)


class _StatusBundle(Bundle[MemberStatus | None]):
    """The member's columns of a row as one `MemberStatus` (None for a rider without a member)."""

    def create_row_processor(
        self, query: Any, procs: Sequence[Callable[[Any], Any]], labels: Sequence[str]
    ) -> Callable[[Any], MemberStatus | None]:
        def status(row: Any) -> MemberStatus | None:
            number, born, worker_type, since = (p(row) for p in procs)
            return status_of(number, born, worker_type, since)

        return status


def member_status() -> Bundle[MemberStatus | None]:
    """What the rules read of a member, to select beside a shift outer-joined to `Member` (never identity: no
    name, SSIN or IBAN)."""
    return _StatusBundle(
        "member",
        col(Member.number),
        col(Member.birth_date),
        col(Member.worker_type),
        col(Member.employed_since),
    )


def year_start(instant: datetime, zone: ZoneInfo) -> datetime:
    """1 January 00:00 of the instant's calendar year in the agreement's zone (the quota is counted per year)."""
    return datetime(instant.astimezone(zone).year, 1, 1, tzinfo=zone)


def student_hours_settled(platform_id: int, since: datetime, until: datetime) -> Select[str | None, datetime, Decimal]:
    """(member, start, paid hours) of every settled contract, on every platform, of a student member who rides
    for this platform, starting in [since, until): what `_student_hours_before` sums, in order of start."""
    riding_here = select(col(Rider.member_id)).where(col(Rider.platform_id) == platform_id)
    return (
        select(col(Rider.member_id), col(Contract.starts_at), col(Settlement.paid_hours))
        .join(Contract, col(Contract.id) == col(Settlement.contract_id))
        .join(Rider, col(Rider.id) == col(Contract.rider_id))
        .join(Member, col(Member.number) == col(Rider.member_id))
        .where(
            col(Member.worker_type) == STUDENT,
            col(Rider.member_id).in_(riding_here),
            col(Contract.starts_at) >= since,
            col(Contract.starts_at) < until,
        )
        .order_by(col(Contract.starts_at))
    )


@dataclass(slots=True)
class _Year:
    year: int
    hours: Decimal


class StudentHours:
    """Each student's settled paid hours this calendar year before a given start, from `student_hours_settled`
    read once alongside the shifts: asked in order of start (as the database source replays them), it only
    moves forward, holding one running total per student. Settlement counts contracts that started strictly
    before the shift (`starts_at <` its start), so a settled hour at the very same instant is not counted yet."""

    def __init__(self, settled: Iterable[tuple[str | None, datetime, Decimal]], zone: ZoneInfo) -> None:
        self._rows: Iterator[tuple[str | None, datetime, Decimal]] = iter(settled)
        self._next: tuple[str | None, datetime, Decimal] | None = next(self._rows, None)
        self._zone = zone
        self._totals: dict[str | None, _Year] = {}

    def before(self, member: str, starts_at: datetime) -> Decimal:
        self._advance(starts_at)
        found = self._totals.get(member)
        year = starts_at.astimezone(self._zone).year
        # Every hour counted started before this shift: a total of an earlier year is no hour of this one.
        return found.hours if found is not None and found.year == year else ZERO

    def _advance(self, until: datetime) -> None:
        while self._next is not None and self._next[1] < until:
            member, start, hours = self._next
            year = start.astimezone(self._zone).year
            total = self._totals.get(member)
            if total is None or total.year != year:
                self._totals[member] = _Year(year, Decimal(hours))
            else:
                total.hours += Decimal(hours)
            self._next = next(self._rows, None)


def worker_for(status: MemberStatus | None, starts_at: datetime, hours: StudentHours) -> Worker | None:
    """What `worker_of` gives for this shift: None without a member (the adult scale), else the member's record
    with, for a student, the hours already counted against this year's quota."""
    if status is None:
        return None
    before = hours.before(status.number, starts_at) if status.student else ZERO
    return Worker(status.birth_date, status.student, before, status.employed_since)
