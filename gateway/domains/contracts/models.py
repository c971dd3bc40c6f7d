from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import ScaledDecimal, UTCDateTime


class ContractStatus(enum.StrEnum):
    open = "open"
    active = "active"
    completed = "completed"
    settled = "settled"
    paid = "paid"
    cancelled = "cancelled"
    # The declaration of employment was refused: the rider must not work under this contract.
    blocked = "blocked"


class PayBasis(enum.StrEnum):
    hourly = "hourly"


class Contract(SQLModel, table=True):
    """The employment contract opened for one shift. (platform, shift_code) is unique: never two."""

    __table_args__ = (
        UniqueConstraint("platform_id", "shift_code"),
        # The scheduler's scans: completed contracts to settle, open ones past their end to close.
        Index("ix_contract_status_ends_at", "status", "ends_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    platform_id: int = Field(sa_column_args=[ForeignKey("platform.id", ondelete="RESTRICT")])
    rider_id: int = Field(sa_column_args=[ForeignKey("rider.id", ondelete="RESTRICT")], index=True)
    shift_code: str = Field(sa_type=String(128))
    status: str = Field(sa_type=String(16))
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    zone: str | None = Field(default=None, sa_type=String(100))
    agreement: str = Field(sa_type=String(100))
    agreement_version: str = Field(sa_type=String(40))
    timezone: str = Field(sa_type=String(64))
    currency: str = Field(sa_type=String(3))
    minimum_paid_hours: Decimal = Field(sa_type=ScaledDecimal(4))
    guaranteed_paid_hours: Decimal = Field(sa_type=ScaledDecimal(4))
    pay_basis: str = Field(sa_type=String(16))
    hourly_gross: Decimal = Field(sa_type=ScaledDecimal(2))
    hourly_net: Decimal = Field(sa_type=ScaledDecimal(2))
    offered_pay: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    # The whole booking decision (terms, clauses, dated values) as the engine explained it.
    explanation: dict[str, Any] = Field(sa_type=JSON)
    opened_by_message: str = Field(sa_type=String(200))
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # What actually happened, as the platform reported it (or the scheduler assumed, at the booked times).
    actual_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    actual_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_delivery_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deliveries: int | None = None
    sent_home_early: bool = False
    # The platform flagged the shift's weather as bad (shift.booked or shift.ended): a bad-weather premium reads it.
    bad_weather: bool = False
    proposed_pay: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    # Measured by the platform and sent with shift.ended: kilometres (expenses per km) and a bonus (term `bonus`).
    distance_km: Decimal | None = Field(default=None, sa_type=ScaledDecimal(3))
    bonus: Decimal | None = Field(default=None, sa_type=ScaledDecimal(2))
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancel_reason: str | None = Field(default=None, sa_type=String(500))
    # When `completed` may be settled: a short delay absorbs events that arrive out of order.
    settle_after: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ViolationStage(enum.StrEnum):
    """When a correction was recorded: on the booking (with the contract), or at settlement, on what was worked."""

    booking = "booking"
    settlement = "settlement"


# As written in the partial index and migration 0024: a literal, so PostgreSQL matches an ON CONFLICT's WHERE to it.
SETTLEMENT_STAGE = text("stage = 'settlement'")


class Violation(SQLModel, table=True):
    """A platform input that broke a term, and what the gateway did about it. Never silent."""

    __table_args__ = (
        # Settlement records its own corrections (a working-time limit breached by the hours actually worked) once
        # per contract, term and code, whoever settles and however often: the index is what makes it idempotent
        # (ON CONFLICT DO NOTHING), never a read before the write. Partial, because a booking's rows are written
        # once with the contract already and some entries repeat by design (a contract blocked, released, blocked
        # again); a `stage` column rather than a guess from `action`, since a booking records `reported` too.
        Index(
            "ux_violation_settlement",
            "contract_id",
            "term",
            "code",
            unique=True,
            postgresql_where=SETTLEMENT_STAGE,
            sqlite_where=SETTLEMENT_STAGE,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: uuid.UUID = Field(sa_column_args=[ForeignKey("contract.id", ondelete="CASCADE")], index=True)
    term: str = Field(sa_type=String(64))
    clause: str = Field(sa_type=String(100))
    code: str = Field(sa_type=String(64))
    action: str = Field(sa_type=String(16))
    detail: str = Field(sa_type=String(1000))
    offered: str | None = Field(default=None, sa_type=String(100))
    applied: str | None = Field(default=None, sa_type=String(100))
    # The same facts as numbers (engine's Correction): what `offered_value` and `applied_value` measure (hours,
    # hourly_gross or per_trip, money in the contract's currency). NULL on rows written before they were kept
    # (migration 0009) and on entries that are not a term's correction (a refused declaration).
    unit: str | None = Field(default=None, sa_type=String(16))
    offered_value: Decimal | None = Field(default=None, sa_type=ScaledDecimal(4))
    applied_value: Decimal | None = Field(default=None, sa_type=ScaledDecimal(4))
    # `ViolationStage`: `booking` for every row written before migration 0024 (only bookings wrote them then).
    stage: str = Field(
        default=ViolationStage.booking.value,
        sa_type=String(16),
        sa_column_kwargs={"server_default": ViolationStage.booking.value},
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ContractEvent(SQLModel, table=True):
    """The contract's history: each transition, when it happened and what caused it."""

    __tablename__ = "contract_event"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: uuid.UUID = Field(sa_column_args=[ForeignKey("contract.id", ondelete="CASCADE")], index=True)
    kind: str = Field(sa_type=String(64))
    from_status: str | None = Field(default=None, sa_type=String(16))
    to_status: str = Field(sa_type=String(16))
    at: datetime = Field(sa_type=UTCDateTime, description="When it happened (the event's time).")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    source: str = Field(sa_type=String(200), description="webhook id, job name or operator command.")
    detail: str = Field(default="", sa_type=String(1000))
