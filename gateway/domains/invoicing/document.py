"""One invoice or credit note as figures: what both the UBL document (ubl.py) and the PDF (pdf.py) are written
from, so that the two cannot state different amounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from gateway.domains.invoicing.settings import Party

CENT = Decimal("0.01")
# Peppol BIS Billing 3.0: the document's customization and profile (FACTS.md, "Money out").
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
# UNCL 1001 document types: 380 commercial invoice, 381 credit note.
INVOICE_TYPE = "380"
CREDIT_NOTE_TYPE = "381"
# UNCL 4461: 58 SEPA credit transfer (Peppol's code for an IBAN in the euro area).
PAYMENT_MEANS_SEPA = "58"
# UNCL 5305: S standard rate.
VAT_STANDARD = "S"


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Line:
    id: str
    name: str
    description: str
    quantity: Decimal
    unit_code: str  # UN/ECE Recommendation 20: HUR hour, C62 one (unit)
    price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Document:
    kind: Literal["invoice", "credit_note"]
    number: str
    issue_date: date
    due_date: date
    currency: str
    seller: Party
    buyer: Party
    iban: str
    bic: str
    buyer_reference: str
    period: date
    note: str
    payment_terms: str
    lines: tuple[Line, ...]
    vat_rate: Decimal
    # The invoice a credit note credits (BT-25, BT-26).
    credits: tuple[str, date] | None = None

    @property
    def type_code(self) -> str:
        return INVOICE_TYPE if self.kind == "invoice" else CREDIT_NOTE_TYPE

    @property
    def line_total(self) -> Decimal:
        """BT-106, BR-CO-10: the sum of the lines' net amounts."""
        return sum((ln.amount for ln in self.lines), Decimal("0.00"))

    @property
    def vat_amount(self) -> Decimal:
        """BT-117 and BT-110: one VAT category, so the tax is the rate on the whole base, rounded once."""
        return cents(self.line_total * self.vat_rate / 100)

    @property
    def payable(self) -> Decimal:
        """BT-112 = BT-115: no allowances, charges nor prepayment at document level."""
        return self.line_total + self.vat_amount


def unit_price(amount: Decimal, quantity: Decimal) -> Decimal:
    """The fewest decimals (2 to 8) whose price × quantity rounds back to the line amount exactly, so that the line
    rule (PEPPOL-EN16931-R120: net amount = quantity × price) holds without a base quantity."""
    if quantity == 0:
        return amount
    for places in range(2, 9):
        price = (amount / quantity).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if cents(price * quantity) == amount:
            return price
    raise ValueError(f"no unit price for {amount} over {quantity}")
