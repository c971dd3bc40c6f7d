from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import ScaledDecimal, UTCDateTime


class LedgerEntry(SQLModel, table=True):
    """One leg of a double-entry transaction of the guarantee fund. The legs of a transaction sum to zero.

    Accounts: `fund:cash` (the fund's money), `fund:levies` (levies earned), `fund:equity` (deposits),
    `platform:<slug>:debt` (what a platform owes the fund after an advance). Positive = debit.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = (Index("ix_ledger_entry_account", "account", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    txn_id: uuid.UUID = Field(index=True)
    kind: str = Field(sa_type=String(20), description="levy, advance, recovery or deposit")
    account: str = Field(sa_type=String(100))
    amount: Decimal = Field(sa_type=ScaledDecimal(2))
    currency: str = Field(sa_type=String(3))
    contract_id: uuid.UUID | None = Field(default=None, sa_column_args=[ForeignKey("contract.id", ondelete="RESTRICT")])
    memo: str = Field(default="", sa_type=String(300))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
