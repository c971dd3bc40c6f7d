"""The CoopCycle adapter's tables: the platform's API account, the deliveries it notified, work sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import UTCDateTime


class CoopCycleAccount(SQLModel, table=True):
    """How the gateway reaches one platform's CoopCycle API: OAuth2 client credentials (an "API app").

    Each store's API app has its own OAuth client and sees only that store's deliveries, so one CoopCycle
    instance serving several stores is one platform with one account per store; its couriers are one rider each.
    """

    __tablename__ = "coopcycle_account"
    __table_args__ = (UniqueConstraint("platform_id", "client_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(sa_column_args=[ForeignKey("platform.id", ondelete="CASCADE")])
    base_url: str = Field(sa_type=String(300), description="e.g. https://acme.coopcycle.org")
    client_id: str = Field(sa_type=String(200))
    # Like webhook secrets, needed in clear to authenticate; it never leaves the database but to the token URL.
    client_secret: str = Field(sa_type=String(200))
    scope: str = Field(default="tasks deliveries", sa_type=String(200))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The sweep (`coopcycle.sweep`) lists this store's recent deliveries, so a lost webhook loses nothing.
    store: str | None = Field(default=None, sa_type=String(64), description="The store's IRI, e.g. /api/stores/1.")
    swept_until: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="Every change before this instant has been read and placed."
    )


class CoopCycleDelivery(SQLModel, table=True):
    """A delivery CoopCycle notified, what the API said about it, and the fetch queue (`fetch_due_at`).

    Notifications for one delivery coalesce into one row: the fetch reads its current state, so their
    order and their repeats do not matter. `notices` counts accepted notifications; a fetch that started
    before the latest one is done again.
    """

    __tablename__ = "coopcycle_delivery"
    __table_args__ = (
        UniqueConstraint("platform_id", "iri"),
        Index("ix_coopcycle_delivery_fetch_due_at", "fetch_due_at"),
        Index("ix_coopcycle_delivery_platform_courier", "platform_id", "courier"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(sa_column_args=[ForeignKey("platform.id", ondelete="RESTRICT")])
    iri: str = Field(sa_type=String(64))
    last_event: str = Field(sa_type=String(40))
    notices: int = 1
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    fetch_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    fetch_attempts: int = 0
    fetched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=String(500))
    # What the API said: the courier's CoopCycle username and when they worked on it.
    courier: str | None = Field(default=None, sa_type=String(180))
    status: str = Field(default="todo", sa_type=String(16), description="todo, in_progress, done, failed, cancelled")
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    session_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("coopcycle_session.id", ondelete="RESTRICT")], index=True
    )
    # The account (store API app) that can read it: learnt at the first successful read, or from the sweep.
    account_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("coopcycle_account.id", ondelete="SET NULL")]
    )
    listed: str | None = Field(
        default=None, sa_type=String(64), description="Digest of its tasks as the sweep last listed them."
    )


class CoopCycleSession(SQLModel, table=True):
    """A courier's period of work: its deliveries, no longer apart than the idle gap, make one contract."""

    __tablename__ = "coopcycle_session"
    __table_args__ = (
        UniqueConstraint("platform_id", "shift_code"),
        Index("ix_coopcycle_session_status_closes_at", "status", "closes_at"),
        Index("ix_coopcycle_session_platform_courier", "platform_id", "courier"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(sa_column_args=[ForeignKey("platform.id", ondelete="RESTRICT")])
    rider_id: int = Field(sa_column_args=[ForeignKey("rider.id", ondelete="RESTRICT")])
    courier: str = Field(sa_type=String(180))
    shift_code: str = Field(sa_type=String(128))
    status: str = Field(default="open", sa_type=String(16), description="open or closed")
    started_at: datetime = Field(sa_type=UTCDateTime, description="The first delivery's start.")
    last_activity_at: datetime = Field(sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime, description="When the session closes unless work goes on.")
    deliveries: int = 0
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str | None = Field(default=None, sa_type=String(500))
