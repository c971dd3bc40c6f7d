from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
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
    status: str = Field(default="scheduled", sa_type=String(16), description="scheduled, batched, sent, paid or failed")
    funded_by: str | None = Field(default=None, sa_type=String(20), description="platform or guarantee_fund")
    reference: str | None = Field(default=None, sa_type=String(100), description="The transfer's reference.")
    scheduled_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PayoutBatch(SQLModel, table=True):
    """One pain.001 file: the transfers one run of `payouts.execute` found due (sepa rail).

    `built` when written (nothing has left the building; the fund has booked nothing), `released` when the fund's
    staff hand it to the bank: then its transfers are `sent` and the fund's advances are booked."""

    __tablename__ = "payout_batch"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(sa_type=String(35), unique=True, description="pain.001 MsgId (GrpHdr).")
    created_at: datetime = Field(sa_type=UTCDateTime, description="pain.001 CreDtTm: fixed, so a rebuild is equal.")
    execution_date: date = Field(sa_type=Date, description="pain.001 ReqdExctnDt.")
    status: str = Field(default="built", sa_type=String(16), description="built or released")
    checksum: str = Field(sa_type=String(64), description="SHA-256 of the file, hex.")
    count: int
    total: Decimal = Field(sa_type=ScaledDecimal(2))
    currency: str = Field(sa_type=String(3))
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    released_by: str | None = Field(default=None, sa_type=String(200))


class PayoutTransfer(SQLModel, table=True):
    """One attempt to pay one payout by SEPA credit transfer, in one batch.

    A payout's first attempt has the payout id (32 hex) as end-to-end id; a retry after a return (camt.053) adds
    `-R<n>` (still ≤ 35 characters), so the bank's statement names the attempt it returns. Status: `planned` (in a
    built batch), `sent` (batch released), `paid` (the statement shows it), `failed` (returned, `reason_code`)."""

    __tablename__ = "payout_transfer"
    __table_args__ = (UniqueConstraint("payout_id", "attempt", name="uq_payout_transfer_payout_id_attempt"),)

    id: int | None = Field(default=None, primary_key=True)
    payout_id: uuid.UUID = Field(sa_column_args=[ForeignKey("payout.id", ondelete="RESTRICT")], index=True)
    attempt: int = Field(default=1)
    end_to_end_id: str = Field(sa_type=String(35), unique=True)
    batch_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("payout_batch.id", ondelete="RESTRICT")], index=True
    )
    status: str = Field(default="planned", sa_type=String(16), description="planned, sent, paid or failed")
    amount: Decimal = Field(sa_type=ScaledDecimal(2))
    currency: str = Field(sa_type=String(3))
    creditor_name: str = Field(sa_type=String(70))
    remittance: str = Field(sa_type=String(140), description="What the rider reads on the statement: date, platform.")
    iban_last4: str | None = Field(default=None, sa_type=String(4), description="The IBAN paid to, masked.")
    reason_code: str | None = Field(default=None, sa_type=String(8), description="The bank's return reason (AC01...).")
    created_at: datetime = Field(sa_type=UTCDateTime)


class BankStatementImport(SQLModel, table=True):
    """One imported camt.053/.054 file, unique by its SHA-256: the same file imported twice is told apart (and
    changes nothing the second time: the transfers' states decide). Not unique by message id: a bank resending a
    statement, or a test, may reuse one for different contents."""

    __tablename__ = "bank_statement_import"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(sa_type=String(35), index=True, description="The file's GrpHdr/MsgId.")
    message: str = Field(sa_type=String(20), description="camt.053.001.08, camt.054.001.02...")
    checksum: str = Field(sa_type=String(64), unique=True, description="SHA-256 of the file, hex.")
    paid: int
    returned: int
    unknown: int
    unchanged: int
    imported_at: datetime = Field(sa_type=UTCDateTime)
    imported_by: str = Field(sa_type=String(200))
