from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import ScaledDecimal, UTCDateTime


class Payout(SQLModel, table=True):
    """Money owed to a rider for one contract, due by the agreement's payment term whatever the platform does.

    One per contract (unique): settling twice cannot pay twice.
    """

    __table_args__ = (Index("ix_payout_status_due_on", "status", "due_on"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    contract_id: uuid.UUID = Field(sa_column_args=[ForeignKey("contract.id", ondelete="CASCADE")], unique=True)
    rider_id: int = Field(sa_column_args=[ForeignKey("rider.id", ondelete="RESTRICT")], index=True)
    amount: Decimal = Field(sa_type=ScaledDecimal(2))
    currency: str = Field(sa_type=String(3))
    due_on: date = Field(sa_type=Date, description="Local date in `timezone` by which the rider is paid.")
    timezone: str = Field(sa_type=String(64))
    status: str = Field(default="scheduled", sa_type=String(16), description="scheduled or paid")
    funded_by: str | None = Field(default=None, sa_type=String(20), description="platform or guarantee_fund")
    reference: str | None = Field(default=None, sa_type=String(100), description="The transfer's reference.")
    scheduled_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
