from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import ScaledDecimal, UTCDateTime


class Settlement(SQLModel, table=True):
    """The settled pay of one contract: the rider's statement, with every line's term and clause."""

    contract_id: uuid.UUID = Field(sa_column_args=[ForeignKey("contract.id", ondelete="CASCADE")], primary_key=True)
    outcome: str = Field(sa_type=String(20), description="worked, cancelled_paid or cancelled_unpaid")
    settled_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    worked_hours: Decimal = Field(sa_type=ScaledDecimal(4))
    paid_hours: Decimal = Field(sa_type=ScaledDecimal(4))
    hourly_gross: Decimal = Field(sa_type=ScaledDecimal(2))
    gross: Decimal = Field(sa_type=ScaledDecimal(2))
    employee_social_security: Decimal = Field(sa_type=ScaledDecimal(2))
    withholding: Decimal = Field(sa_type=ScaledDecimal(2))
    net: Decimal = Field(sa_type=ScaledDecimal(2))
    expenses: Decimal = Field(sa_type=ScaledDecimal(2))
    payout: Decimal = Field(sa_type=ScaledDecimal(2), description="net + expenses: what the rider receives")
    employer_contributions: Decimal = Field(sa_type=ScaledDecimal(2))
    guarantee_levy: Decimal = Field(sa_type=ScaledDecimal(2))
    invoice_total: Decimal = Field(sa_type=ScaledDecimal(2))
    currency: str = Field(sa_type=String(3))
    payment_due: date | None = Field(default=None, sa_type=Date)
    lines: list[dict[str, Any]] = Field(sa_type=JSON)
    # The statement's notes (engine `Note`: a student's contribution, the youth scale, an extrapolated minimum).
    notes: list[dict[str, Any]] | None = Field(default=None, sa_type=JSON)
    explanation: dict[str, Any] = Field(sa_type=JSON)
    source: str = Field(sa_type=String(200))


class Invoice(SQLModel, table=True):
    """What the platform owes for one contract: wages, employer contributions, expenses, the guarantee levy."""

    __table_args__ = (Index("ix_invoice_platform_status", "platform_id", "status"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    contract_id: uuid.UUID = Field(sa_column_args=[ForeignKey("contract.id", ondelete="CASCADE")], unique=True)
    platform_id: int = Field(sa_column_args=[ForeignKey("platform.id", ondelete="RESTRICT")])
    wages: Decimal = Field(sa_type=ScaledDecimal(2))
    employer_contributions: Decimal = Field(sa_type=ScaledDecimal(2))
    expenses: Decimal = Field(sa_type=ScaledDecimal(2))
    guarantee_levy: Decimal = Field(sa_type=ScaledDecimal(2))
    total: Decimal = Field(sa_type=ScaledDecimal(2))
    currency: str = Field(sa_type=String(3))
    status: str = Field(default="issued", sa_type=String(16), description="issued, paid or defaulted")
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
