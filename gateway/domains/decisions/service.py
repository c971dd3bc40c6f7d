"""Recording and reading decisions, in the caller's transaction. Every deciding domain calls `record`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlmodel import Session

from gateway.db.upsert import insert_for
from gateway.domains.decisions.models import HOLDING, HOLDING_KINDS, Decision
from gateway.domains.notifications import service as notifications


class DecisionKind(StrEnum):
    """Every kind of decision about a rider. The gateway's own first, then those platforms report."""

    BOOKING_CORRECTED = "booking_corrected"  # an offer below a term, raised to it (hours, pay, per-trip → hourly)
    BOOKING_REFUSED = "booking_refused"  # a booking a term's `enforcement: reject` refused
    CONTRACT_BLOCKED = "contract_blocked"  # a contract held until the member's identity is complete
    CANCELLATION_PAID = "cancellation_paid"  # what a cancellation pays (or does not), by its notice
    WORK_SESSION = "work_session"  # deliveries grouped into one worked period (CoopCycle)
    PAYOUT_HELD = "payout_held"  # a payout set aside (the fund could not cover it)
    PLATFORM_RESTRICTION = "platform_restriction"
    PLATFORM_SUSPENSION = "platform_suspension"
    PLATFORM_DEACTIVATION = "platform_deactivation"
    PLATFORM_REMUNERATION_REFUSED = "platform_remuneration_refused"


class DecisionStatus(StrEnum):
    IN_EFFECT = "in_effect"
    # A platform's suspension or deactivation: no consequence until a person at the cooperative confirms it
    # (directive art. 10).
    PENDING_CONFIRMATION = "pending_confirmation"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"  # the cooperative did not confirm a platform's decision
    OVERTURNED = "overturned"  # a reviewer overturned it; the correction it implies was made
    WITHDRAWN = "withdrawn"  # the platform withdrew its own decision (rider.decision with withdrawn: true)


@dataclass(frozen=True)
class Made:
    """A decision as the deciding code knows it; `record` writes it."""

    key: str
    rider_id: int
    platform_id: int
    kind: DecisionKind
    decided_by: str
    outcome: str
    decided_at: datetime
    contract_id: uuid.UUID | None = None
    clause: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    facts: Mapping[str, Any] = field(default_factory=dict)
    reasons: str | None = None
    status: DecisionStatus = DecisionStatus.IN_EFFECT
    # When the gateway learnt of it, by its own clock: a platform reports decisions it took earlier (None: the
    # gateway took it, at `decided_at`).
    recorded_at: datetime | None = None

    @property
    def known_at(self) -> datetime:
        return self.recorded_at or self.decided_at


def row(made: Made) -> dict[str, Any]:
    """The decision's column values (also for bulk inserts and the migration's derived rows)."""
    return {
        "key": made.key,
        "rider_id": made.rider_id,
        "platform_id": made.platform_id,
        "contract_id": made.contract_id,
        "kind": made.kind.value,
        "decided_by": made.decided_by,
        "clause": made.clause,
        "outcome": made.outcome,
        "parameters": dict(made.parameters),
        "facts": dict(made.facts),
        "reasons": made.reasons,
        "status": made.status.value,
        "decided_at": made.decided_at,
        "recorded_at": made.known_at,
    }


def record(session: Session, *decisions: Made, notify: bool = True) -> None:
    """Write the decisions once: one already recorded under the same key is left as it is. Each one newly written
    that is worth an e-mail queues the rider's (`notifications.decision_worth_mail`); `notify=False` for decisions
    derived from the past, which the rider was never told of at the time and is not mailed about now."""
    if not decisions:
        return
    table = Decision.__table__  # type: ignore[attr-defined]
    stmt = insert_for(session, table).values([row(d) for d in decisions]).on_conflict_do_nothing(index_elements=["key"])
    mailed = {d.key: d for d in decisions if notify and notifications.decision_worth_mail(d.kind.value)}
    if not mailed:
        session.execute(stmt)
        return
    # Only the rows this call inserted come back: a replayed webhook or a re-run job mails nobody twice.
    for decision_id, key in session.execute(stmt.returning(table.c.id, table.c.key)).all():
        made = mailed.get(key)
        if made is not None:
            notice = notifications.DecisionNotice(
                decision_id=decision_id,
                decision_kind=made.kind.value,
                status=made.status.value,
                platform_id=made.platform_id,
                decided_at=made.decided_at,
                contract_id=made.contract_id,
            )
            # Mailed as of when the gateway learnt of it: a platform's decision reported late is still news.
            notifications.notify(session, rider_id=made.rider_id, notice=notice, now=made.known_at)


def by_key(session: Session, key: str) -> Decision | None:
    return session.scalars(select(Decision).where(Decision.key == key)).first()  # type: ignore[arg-type]


def of_riders(session: Session, rider_ids: list[int], *, limit: int = 200) -> list[Decision]:
    """A person's decisions (all their riders: one member may ride for several platforms), newest first."""
    if not rider_ids:
        return []
    stmt = (
        select(Decision)
        .where(Decision.rider_id.in_(rider_ids))  # type: ignore[attr-defined]
        .order_by(Decision.decided_at.desc(), Decision.id.desc())  # type: ignore[attr-defined,union-attr]
        .limit(limit)
    )
    return list(session.scalars(stmt))


def holds(rider_id: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL for a statement's WHERE or SELECT: the rider has a confirmed suspension or deactivation by their
    platform, whatever its dates (the booking then declines, and `decisions.platform.check_not_held` reads the dates).
    A probe of the partial index `ix_decision_holding`."""
    return exists().where(Decision.__table__.c.rider_id == rider_id, HOLDING)  # type: ignore[attr-defined]


# models.HOLDING writes these values as literals (a partial index's condition): they must stay the enums' values.
assert DecisionStatus.CONFIRMED.value == "confirmed"
assert (DecisionKind.PLATFORM_SUSPENSION.value, DecisionKind.PLATFORM_DEACTIVATION.value) == HOLDING_KINDS
