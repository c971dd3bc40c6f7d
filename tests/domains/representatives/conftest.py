"""A built data set for the representatives' figures, written through the services (riders enrolled, contracts
worked and settled by the settlement service, decisions recorded by the decisions kit), not through webhooks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from gateway.agreements.loader import AgreementBook
from gateway.canonical import RiderEnrolled
from gateway.domains.contracts.models import Contract, ContractStatus
from gateway.domains.decisions import service as decisions
from gateway.domains.decisions.models import DecisionReview
from gateway.domains.decisions.service import DecisionKind, Made
from gateway.domains.platforms import service as platforms
from gateway.domains.riders import service as riders
from gateway.domains.settlement.service import settle
from tests.conftest import TEST_NOW, PlatformHandle
from tests.security.conftest import staff_token

__all__ = ["staff_token"]  # the staff's tokens, shared with the security tests

AGREEMENT = "be-delivery-2016"


@dataclass
class Builder:
    """Riders, contracts, settlements and decisions of one platform, in one session (committed by the test)."""

    session: Session
    book: AgreementBook
    slug: str
    riders: dict[str, int] = field(default_factory=dict)
    shifts: int = 0

    @property
    def platform_id(self) -> int:
        p = platforms.get_platform(self.session, self.slug)
        assert p is not None and p.id is not None
        return p.id

    def rider(self, name: str) -> int:
        if name not in self.riders:
            data = RiderEnrolled(rider_id=name, name=name, email=f"{name}@example.org")
            self.riders[name] = riders.enrol(self.session, self.platform_id, data, TEST_NOW).id or 0
        return self.riders[name]

    def contract(
        self, rider: str, start: str, hours: int = 3, hourly: str | None = None, status: ContractStatus | None = None
    ) -> Contract:
        """A shift booked at `start` (ISO with offset); worked as booked and settled unless `status` is given."""
        agreement = self.book.get(AGREEMENT)
        assert agreement is not None
        begins = datetime.fromisoformat(start).astimezone(UTC)
        self.shifts += 1
        c = Contract(
            platform_id=self.platform_id,
            rider_id=self.rider(rider),
            shift_code=f"S-{self.shifts}",
            status=(status or ContractStatus.completed).value,
            starts_at=begins,
            ends_at=begins + timedelta(hours=hours),
            agreement=AGREEMENT,
            agreement_version=agreement.version,
            timezone=agreement.timezone.key,
            currency="EUR",
            minimum_paid_hours=Decimal(3),
            guaranteed_paid_hours=Decimal(max(hours, 3)),
            pay_basis="hourly",
            hourly_gross=Decimal(hourly or "12.83"),
            hourly_net=Decimal("10.00"),
            offered_pay={"hourly_gross": hourly, "currency": "EUR"} if hourly else None,
            explanation={},
            opened_by_message=f"msg-{self.shifts}",
        )
        if status is None:
            c.actual_start, c.actual_end = c.starts_at, c.ends_at
        self.session.add(c)
        self.session.flush()
        if status is None:
            assert settle(self.session, c, self.book, c.ends_at + timedelta(hours=1), "test") is not None
        return c

    def decision(
        self, rider: str, kind: DecisionKind, outcome: str, contract: Contract | None = None, at: str | None = None
    ) -> int:
        key = f"test:{self.slug}:{rider}:{kind}:{outcome}:{contract.id if contract else at}"
        when = datetime.fromisoformat(at).astimezone(UTC) if at else contract.starts_at if contract else TEST_NOW
        decisions.record(
            self.session,
            Made(
                key,
                self.rider(rider),
                self.platform_id,
                kind,
                "gateway:test",
                outcome,
                when,
                contract.id if contract else None,
            ),
        )
        found = decisions.by_key(self.session, key)
        assert found is not None and found.id is not None
        return found.id

    def review(self, decision_id: int, outcome: str | None) -> None:
        asked = TEST_NOW
        self.session.add(
            DecisionReview(
                decision_id=decision_id,
                requested_at=asked,
                due_at=asked + timedelta(days=14),
                answered_at=asked + timedelta(days=3) if outcome else None,
                answer="reasons" if outcome else None,
                outcome=outcome,
                reviewer="staff:test" if outcome else None,
            )
        )
        self.session.flush()


@pytest.fixture
def build(
    engine: Engine, book: AgreementBook, make_platform: Callable[..., PlatformHandle]
) -> Iterator[Callable[[str], Builder]]:
    sessions: list[Session] = []

    def make(slug: str) -> Builder:
        make_platform(slug)
        session = Session(engine)
        sessions.append(session)
        return Builder(session, book, slug)

    yield make
    for s in sessions:
        s.close()
