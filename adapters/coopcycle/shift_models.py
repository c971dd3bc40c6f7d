"""The planned-shifts mode's tables: a platform's choice of mode and dispatcher login, and one row per
ShiftAssignment (the unique key that makes polling idempotent: one contract per assignment)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import UTCDateTime


class CoopCyclePlanning(SQLModel, table=True):
    """How one CoopCycle platform's work becomes contracts: `deliveries` (the default, no row needed) or
    `shifts` (planned shifts book them; deliveries are evidence), and the dispatcher the poll logs in as."""

    __tablename__ = "coopcycle_planning"

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(sa_column_args=[ForeignKey("platform.id", ondelete="CASCADE")], unique=True)
    mode: str = Field(default="deliveries", sa_type=String(16), description="deliveries or shifts")
    username: str = Field(default="", sa_type=String(180), description="A CoopCycle dispatcher account.")
    # Needed in clear to log in, like the API app's client secret; it never leaves but to /api/login_check.
    password: str = Field(default="", sa_type=String(200))
    poll_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=String(500))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CoopCycleShiftAssignment(SQLModel, table=True):
    """One courier on one planned CoopCycle shift, and the contract it books (`shift_code`).

    `version` counts bookings: a shift moved before it began cancels its contract and books the new times
    under `<code>-v<version>` (a booked window never changes in the gateway).
    """

    __tablename__ = "coopcycle_shift_assignment"
    __table_args__ = (
        UniqueConstraint("platform_id", "shift_id", "courier"),
        Index("ix_coopcycle_shift_assignment_status_ends_due_at", "status", "ends_due_at"),
        Index("ix_coopcycle_shift_assignment_platform_courier", "platform_id", "courier"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(sa_column_args=[ForeignKey("platform.id", ondelete="RESTRICT")])
    shift_id: int = Field(description="CoopCycle's Shift id.")
    courier: str = Field(sa_type=String(180), description="The courier's CoopCycle username: the rider id.")
    activity: str = Field(sa_type=String(64))
    status: str = Field(
        default="held", sa_type=String(16), description="held (courier not enrolled), booked, ended, cancelled"
    )
    version: int = 1
    shift_code: str = Field(sa_type=String(128))
    starts_at: datetime = Field(sa_type=UTCDateTime, description="Planned start, as booked.")
    ends_at: datetime = Field(sa_type=UTCDateTime, description="Planned end, as booked.")
    actual_starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="The coop's adjustment.")
    actual_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ends_due_at: datetime = Field(sa_type=UTCDateTime, description="When the contract is ended with its times.")
    seen_at: datetime = Field(sa_type=UTCDateTime, description="The last poll that listed this assignment.")
    deliveries: int | None = None
    first_delivery_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str | None = Field(default=None, sa_type=String(500))
