from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlmodel import Field, SQLModel

from gateway.db.types import UTCDateTime


class NotificationOptOut(SQLModel, table=True):
    """A kind of e-mail a rider turned off. No row: the kind is on (every kind is on until the rider says no).

    The primary key makes turning a kind off twice one row, also when two requests race."""

    __tablename__ = "notification_opt_out"

    rider_id: int = Field(sa_column_args=[ForeignKey("rider.id", ondelete="CASCADE")], primary_key=True)
    kind: str = Field(sa_type=String(32), primary_key=True, description="A NotificationKind value.")
    created_at: datetime = Field(sa_type=UTCDateTime)
