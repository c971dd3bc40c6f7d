"""Where a what-if's shifts come from: the database (a platform's contracts over a period) or a CSV export.

Both stream (rider, ShiftOutcome) pairs; neither holds the period in memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Engine, and_, func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from gateway.agreements.engine import OfferError, ShiftOutcome
from gateway.agreements.examples import ShiftInputError, csv_data, header_problem, parse_shift
from gateway.domains.contracts.models import Contract, ContractEvent, ContractStatus
from gateway.domains.members.models import Member
from gateway.domains.platforms.models import Platform
from gateway.domains.riders.models import Rider
from gateway.domains.settlement.service import outcome_of
from gateway.reports.members import (
    MemberStatus,
    StudentHours,
    member_status,
    student_hours_settled,
    worker_for,
    year_start,
)

# Shifts that happened (or were cancelled): an open or active shift has no outcome yet, a blocked one no work.
REPLAYED = (
    ContractStatus.completed,
    ContractStatus.settled,
    ContractStatus.paid,
    ContractStatus.cancelled,
)
BATCH = 2000


def _cancelled_while_blocked() -> ColumnElement[bool]:
    """A contract cancelled while it was blocked (an identity never completed): no shift could be worked, so it
    is no cancellation the agreement's rules apply to, and replaying it would count one."""
    return (
        select(ContractEvent.id)
        .where(
            col(ContractEvent.contract_id) == col(Contract.id),
            col(ContractEvent.from_status) == ContractStatus.blocked.value,
            col(ContractEvent.to_status) == ContractStatus.cancelled.value,
        )
        .exists()
    )


class SourceError(ValueError):
    """The shifts cannot be read; the message says which file, line or platform."""


def local_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[first 00:00, day after last 00:00) in the agreement's time zone, as aware instants."""
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(date.fromordinal(last.toordinal() + 1), time(0), tzinfo=tz)
    return start, end


@dataclass(frozen=True)
class DatabaseShifts:
    """A platform's contracts whose booked start falls in [first, last] (local dates), oldest first."""

    engine: Engine
    platform: str
    first: date
    last: date
    tz: ZoneInfo

    def _filter(self, platform_id: int) -> ColumnElement[bool]:
        start, end = local_bounds(self.first, self.last, self.tz)
        return and_(
            col(Contract.platform_id) == platform_id,
            col(Contract.starts_at) >= start,
            col(Contract.starts_at) < end,
            col(Contract.status).in_([s.value for s in REPLAYED]),
            ~_cancelled_while_blocked(),
        )

    def platform_row(self, session: Session) -> Platform:
        found = session.exec(select(Platform).where(Platform.slug == self.platform)).first()
        if found is None:
            raise SourceError(f"no platform {self.platform!r}")
        return found

    def count(self) -> int:
        with Session(self.engine) as session:
            p = self.platform_row(session)
            assert p.id is not None
            return int(session.exec(select(func.count()).select_from(Contract).where(self._filter(p.id))).one())

    def __iter__(self) -> Iterator[tuple[str, ShiftOutcome]]:
        """Each shift with the rider's status as settlement reads it (`members.worker_for`): the member's
        record joined to the shift's row, a student's earlier hours from one stream read beside the shifts.
        Both streams are closed when the replay ends or stops (PostgreSQL holds a server cursor for each)."""
        with Session(self.engine) as session:
            p = self.platform_row(session)
            assert p.id is not None
            start, end = local_bounds(self.first, self.last, self.tz)
            settled_stmt = student_hours_settled(p.id, year_start(start, self.tz), end)
            with (
                session.exec(settled_stmt.execution_options(yield_per=BATCH)) as settled,
                session.exec(self._shifts(p.id)) as rows,
            ):
                hours = StudentHours(settled, self.tz)
                for contract, rider, status in rows:
                    yield rider, outcome_of(contract, worker_for(status, contract.starts_at, hours), contracted=False)
                    # Rows already replayed are not needed again: keep the identity map small on long periods.
                    session.expunge(contract)

    def _shifts(self, platform_id: int) -> Select[Contract, str, MemberStatus | None]:
        """The contracts in order of start, with the rider's id and the member's status (outer join: a rider
        without a member has none)."""
        return (
            select(Contract, Rider.external_id, member_status())
            .join(Rider, col(Rider.id) == col(Contract.rider_id))
            .outerjoin(Member, col(Member.number) == col(Rider.member_id))
            .where(self._filter(platform_id))
            .order_by(col(Contract.starts_at), col(Contract.id))
            .execution_options(yield_per=BATCH)
        )

    @property
    def label(self) -> str:
        return f"platform {self.platform}, shifts starting {self.first.isoformat()} to {self.last.isoformat()}"


@dataclass(frozen=True)
class CsvShifts:
    """A CSV export, one shift a row: the columns of `gateway agreements simulate` plus `rider_id`."""

    path: Path
    currency: str

    def count(self) -> int:
        with self.path.open(encoding="utf-8", newline="") as f:
            return max(sum(1 for _ in csv.reader(f)) - 1, 0)

    def __iter__(self) -> Iterator[tuple[str, ShiftOutcome]]:
        try:
            f = self.path.open(encoding="utf-8", newline="")
        except OSError as exc:
            raise SourceError(f"{self.path}: cannot read the shifts ({exc.strerror})") from exc
        with f:
            reader = csv.DictReader(f)
            problem = header_problem(reader.fieldnames)
            if problem is not None:
                raise SourceError(f"{self.path}: {problem}")
            if reader.fieldnames is None or "rider_id" not in reader.fieldnames:
                raise SourceError(f"{self.path}: needs a rider_id column (and starts_at, ends_at, ...)")
            for row in reader:
                yield row["rider_id"] or "(no rider)", self._shift(row, reader.line_num)

    def _shift(self, row: dict[str, str], line: int) -> ShiftOutcome:
        data = csv_data(row, skip=("rider_id",))
        try:
            return parse_shift(data, self.currency)
        except (ShiftInputError, OfferError, ValueError) as exc:
            raise SourceError(f"{self.path}:{line}: {exc}") from exc

    @property
    def label(self) -> str:
        return f"CSV export {self.path.name}"
