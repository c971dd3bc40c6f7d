from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class InvoiceListed(BaseModel):
    """One issued invoice in the platform's list, with where to download it."""

    id: uuid.UUID
    contract_id: uuid.UUID
    total: Decimal = Field(description="Excluding VAT, as settled; the documents add VAT at the configured rate.")
    currency: str
    status: str = Field(description="issued, paid or defaulted")
    issued_at: datetime
    credit_note_id: uuid.UUID | None = Field(description="Set when the invoice was credited in full.")
    ubl: str = Field(description="Path of the Peppol BIS Billing 3.0 (UBL 2.1) document")
    pdf: str = Field(description="Path of the readable PDF")


class CreditNoteIn(BaseModel):
    invoice_id: uuid.UUID = Field(description="The issued invoice to credit in full")
    reason: str = Field(min_length=1, max_length=300, description="Why the invoice is credited: shown on the note.")


class CreditNoteOut(BaseModel):
    model_config = {"from_attributes": True}

    id: uuid.UUID
    invoice_id: uuid.UUID
    reason: str
    issued_at: datetime
