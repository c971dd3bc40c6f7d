from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import UTCDateTime


class CreditNote(SQLModel, table=True):
    """A credit note crediting one invoice in full (EN 16931 type 381). At most one per invoice: the unique key
    makes issuing it twice a conflict, never a second credit."""

    __tablename__ = "credit_note"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    invoice_id: uuid.UUID = Field(sa_column_args=[ForeignKey("invoice.id", ondelete="RESTRICT")], unique=True)
    reason: str = Field(sa_type=String(300))
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
