from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, and_, literal_column
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import ScaledDecimal, UTCDateTime


class Decision(SQLModel, table=True):
    """One automated decision about a rider: what was decided, by which part, on which data, under which clause.

    `key` names the fact the decision is (e.g. `violation:42`, `contract:<id>:blocked`): unique, so recording a
    decision twice (a replayed webhook, a re-run job, the migration deriving past ones) writes it once."""

    __table_args__ = (Index("ix_decision_rider_decided", "rider_id", "decided_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_type=String(200), unique=True)
    rider_id: int = Field(sa_column_args=[ForeignKey("rider.id", ondelete="RESTRICT")])
    platform_id: int = Field(sa_column_args=[ForeignKey("platform.id", ondelete="RESTRICT")], index=True)
    contract_id: uuid.UUID | None = Field(
        default=None, sa_column_args=[ForeignKey("contract.id", ondelete="CASCADE")], index=True
    )
    kind: str = Field(sa_type=String(40), description="A DecisionKind value.")
    decided_by: str = Field(sa_type=String(80), description="The part that decided: gateway:<part> or platform:<slug>.")
    clause: str | None = Field(default=None, sa_type=String(100), description="The agreement's clause applied.")
    outcome: str = Field(sa_type=String(64), description="What was decided, as a code the pages word in 3 languages.")
    # The main parameters (the rule's values, e.g. {"minimum_paid_hours": "3"}) and the data the decision read
    # (e.g. {"offered_hours": "2"}): strings, so a Decimal survives JSON unchanged.
    parameters: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    facts: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # A platform's own words for its decision (rider.decision); the gateway's reasons are worded from the codes.
    reasons: str | None = Field(default=None, sa_type=String(2000))
    status: str = Field(default="in_effect", sa_type=String(24), description="A DecisionStatus value.")
    decided_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DecisionReview(SQLModel, table=True):
    """A rider's request that a person review a decision, and the person's written answer.

    One per decision (unique): asking again while one is open or answered is a conflict, not a second queue entry."""

    __tablename__ = "decision_review"
    __table_args__ = (Index("ix_decision_review_open_due", "answered_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(sa_column_args=[ForeignKey("decision.id", ondelete="CASCADE")], unique=True)
    comment: str = Field(default="", sa_type=String(2000))
    requested_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime, description="Requested + the review period (two weeks by default).")
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answer: str | None = Field(default=None, sa_type=String(4000))
    outcome: str | None = Field(default=None, sa_type=String(16), description="upheld or overturned")
    reviewer: str | None = Field(default=None, sa_type=String(120), description="staff:<name>")
    # Overturned: the amount the reviewer granted the rider, in the contract's currency (migration 0020), and
    # what the overturn did (`reviews.Effect`: contract_unblocked, payout_paid, granted_recorded...).
    granted: Decimal | None = Field(default=None, sa_type=ScaledDecimal(2))
    effect: str | None = Field(default=None, sa_type=String(40))


# A rider held from new bookings on their platform: a platform's suspension or deactivation a person at the
# cooperative confirmed (issue 20, `decisions.platform`). The values are `DecisionStatus.CONFIRMED` and
# `DecisionKind.PLATFORM_SUSPENSION` / `PLATFORM_DEACTIVATION` (service.py checks they agree), written as literals:
# PostgreSQL uses a partial index only for a query whose WHERE implies the index's, which bound parameters never do.
HOLDING_KINDS = ("platform_suspension", "platform_deactivation")
_d = Decision.__table__  # type: ignore[attr-defined]
HOLDING = and_(
    _d.c.status == literal_column("'confirmed'"),
    _d.c.kind.in_([literal_column(f"'{k}'") for k in HOLDING_KINDS]),
)
# The few riders held: the probe every booking makes (`service.holds`) reads an index of (almost) no rows, whatever
# the number of the rider's other decisions.
Index("ix_decision_holding", _d.c.rider_id, postgresql_where=HOLDING, sqlite_where=HOLDING)
