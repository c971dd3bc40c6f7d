"""What the staff API shows of SEPA batches: IBANs masked (the last four characters), never in clear."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.domains.members.vault import mask


class BatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from the row by these fields' names, and only those

    id: int
    message_id: str = Field(description="pain.001 MsgId.")
    created_at: datetime
    execution_date: date
    status: str = Field(description="built (nothing sent, nothing booked) or released (handed to the bank).")
    checksum: str = Field(description="SHA-256 of the file, hex: a rebuild gives the same.")
    count: int
    total: Decimal
    currency: str
    released_at: datetime | None
    released_by: str | None


class TransferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    end_to_end_id: str = Field(description="The payout id (32 hex) for a first attempt, `-R<n>` after it for a retry.")
    payout_id: uuid.UUID
    attempt: int
    status: str = Field(description="planned, sent, paid or failed.")
    amount: Decimal
    currency: str
    creditor_name: str
    remittance: str
    iban: str | None = Field(validation_alias="iban_last4", description="Masked: the last four characters only.")
    reason_code: str | None = Field(description="The bank's reason when the transfer came back (AC01, AC04, MD07...).")

    @field_validator("iban", mode="before")
    @classmethod
    def _masked(cls, last4: str | None) -> str | None:
        return mask(last4)


class BatchDetailOut(BatchOut):
    transfers: list[TransferOut]


class ReleaseIn(BaseModel):
    allow_negative: bool = Field(
        default=False, description="A staff decision: release even though the fund's cash goes below zero."
    )
    reason: str | None = Field(default=None, max_length=300, description="Why; required with allow_negative.")


class ReleaseOut(BaseModel):
    batch: BatchOut
    advanced: Decimal = Field(description="What the guarantee fund advanced for this batch.")
    fund_cash: Decimal = Field(description="The fund's cash after the release.")


class StatementLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    where: str = Field(description="Entry and transaction in the file, with the file's line.")
    outcome: str = Field(description="paid, returned or unknown.")
    applied: bool = Field(description="False: nothing changed (unknown, or the transfer was already in that state).")
    end_to_end_id: str | None
    amount: Decimal | None
    why: str | None = Field(
        description="Why nothing changed: an unknown line's reason (not_booked, unknown_id, amount_differs...) or "
        "already_paid / already_failed."
    )
    reason_code: str | None = Field(description="For a return: the bank's reason code (AC04...).")
    reason_label: str | None
    rider_must_correct_iban: bool
    detail: str


class StatementImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    import_id: int | None = Field(description="The import's record (the first import of this file).")
    message_id: str = Field(description="The file's message id (GrpHdr/MsgId).")
    message: str = Field(description="camt.053.001.08, camt.054.001.02...")
    already_imported: bool = Field(description="This file was imported before: nothing new was applied.")
    paid: int
    returned: int
    unknown: int
    unchanged: int
    lines: list[StatementLineOut]


class FailedPayoutOut(BaseModel):
    payout_id: uuid.UUID
    contract_id: uuid.UUID
    amount: Decimal
    currency: str
    end_to_end_id: str = Field(description="The returned attempt.")
    reason_code: str | None
    reason_label: str
    rider_must_correct_iban: bool
    iban_corrected: bool = Field(description="The member has given a new IBAN: the next batch retries the payout.")
