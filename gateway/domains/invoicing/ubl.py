"""A Document written as UBL 2.1 (Invoice or CreditNote) following Peppol BIS Billing 3.0: elements in the
schema's order, amounts with two decimals and their currency, each party with its Peppol endpoint (scheme 0208)."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from gateway.domains.invoicing.document import (
    CUSTOMIZATION_ID,
    PAYMENT_MEANS_SEPA,
    PROFILE_ID,
    VAT_STANDARD,
    Document,
    Line,
)
from gateway.domains.invoicing.settings import Party

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
ROOTS = {
    "invoice": ("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2", "Invoice"),
    "credit_note": ("urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2", "CreditNote"),
}
# ISO 6523 ICD 0208: the Belgian enterprise number (Crossroads Bank for Enterprises).
BE_ENTERPRISE_SCHEME = "0208"

_Element = etree._Element


def _cbc(parent: _Element, name: str, text: str, /, **attrs: str) -> _Element:
    el = etree.SubElement(parent, f"{{{CBC}}}{name}", attrs)
    el.text = text
    return el


def _cac(parent: _Element, name: str) -> _Element:
    return etree.SubElement(parent, f"{{{CAC}}}{name}")


def _money(parent: _Element, name: str, amount: Decimal, currency: str) -> None:
    _cbc(parent, name, f"{amount:.2f}", currencyID=currency)


def _vat_scheme(parent: _Element) -> None:
    _cbc(_cac(parent, "TaxScheme"), "ID", "VAT")


def _party(parent: _Element, role: str, party: Party) -> None:
    p = _cac(_cac(parent, role), "Party")
    _cbc(p, "EndpointID", party.enterprise_number, schemeID=BE_ENTERPRISE_SCHEME)
    _cbc(_cac(p, "PartyName"), "Name", party.name)
    address = _cac(p, "PostalAddress")
    _cbc(address, "StreetName", party.street)
    _cbc(address, "CityName", party.city)
    _cbc(address, "PostalZone", party.postcode)
    _cbc(_cac(address, "Country"), "IdentificationCode", party.country)
    tax = _cac(p, "PartyTaxScheme")
    _cbc(tax, "CompanyID", party.vat_number)
    _vat_scheme(tax)
    legal = _cac(p, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)
    _cbc(legal, "CompanyID", party.enterprise_number, schemeID=BE_ENTERPRISE_SCHEME)


def _tax_category(parent: _Element, name: str, rate: Decimal) -> None:
    category = _cac(parent, name)
    _cbc(category, "ID", VAT_STANDARD)
    _cbc(category, "Percent", f"{rate.normalize():f}")
    _vat_scheme(category)


def _line(parent: _Element, doc: Document, line: Line) -> None:
    credit = doc.kind == "credit_note"
    el = _cac(parent, "CreditNoteLine" if credit else "InvoiceLine")
    _cbc(el, "ID", line.id)
    _cbc(
        el,
        "CreditedQuantity" if credit else "InvoicedQuantity",
        f"{line.quantity.normalize():f}",
        unitCode=line.unit_code,
    )
    _money(el, "LineExtensionAmount", line.amount, doc.currency)
    item = _cac(el, "Item")
    _cbc(item, "Description", line.description)
    _cbc(item, "Name", line.name)
    _tax_category(item, "ClassifiedTaxCategory", doc.vat_rate)
    _price(el, line, doc.currency)


def _price(parent: _Element, line: Line, currency: str) -> None:
    # The unit price keeps the decimals it needs (document.unit_price); only amounts are written to the cent.
    _cbc(_cac(parent, "Price"), "PriceAmount", f"{line.price:f}", currencyID=currency)


def build(doc: Document) -> _Element:
    namespace, tag = ROOTS[doc.kind]
    root = etree.Element(f"{{{namespace}}}{tag}", nsmap={None: namespace, "cac": CAC, "cbc": CBC})
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", doc.number)
    _cbc(root, "IssueDate", doc.issue_date.isoformat())
    if doc.kind == "invoice":
        _cbc(root, "DueDate", doc.due_date.isoformat())
    _cbc(root, "InvoiceTypeCode" if doc.kind == "invoice" else "CreditNoteTypeCode", doc.type_code)
    _cbc(root, "Note", doc.note)
    _cbc(root, "DocumentCurrencyCode", doc.currency)
    _cbc(root, "BuyerReference", doc.buyer_reference)
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "StartDate", doc.period.isoformat())
    _cbc(period, "EndDate", doc.period.isoformat())
    if doc.credits is not None:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", doc.credits[0])
        _cbc(reference, "IssueDate", doc.credits[1].isoformat())
    _party(root, "AccountingSupplierParty", doc.seller)
    _party(root, "AccountingCustomerParty", doc.buyer)
    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", PAYMENT_MEANS_SEPA, name="SEPA credit transfer")
    _cbc(means, "PaymentID", doc.number)
    account = _cac(means, "PayeeFinancialAccount")
    _cbc(account, "ID", doc.iban)
    _cbc(account, "Name", doc.seller.name)
    _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", doc.bic)
    _cbc(_cac(root, "PaymentTerms"), "Note", doc.payment_terms)
    tax_total = _cac(root, "TaxTotal")
    _money(tax_total, "TaxAmount", doc.vat_amount, doc.currency)
    subtotal = _cac(tax_total, "TaxSubtotal")
    _money(subtotal, "TaxableAmount", doc.line_total, doc.currency)
    _money(subtotal, "TaxAmount", doc.vat_amount, doc.currency)
    _tax_category(subtotal, "TaxCategory", doc.vat_rate)
    totals = _cac(root, "LegalMonetaryTotal")
    _money(totals, "LineExtensionAmount", doc.line_total, doc.currency)
    _money(totals, "TaxExclusiveAmount", doc.line_total, doc.currency)
    _money(totals, "TaxInclusiveAmount", doc.payable, doc.currency)
    _money(totals, "PayableAmount", doc.payable, doc.currency)
    for line in doc.lines:
        _line(root, doc, line)
    return root


def to_bytes(doc: Document) -> bytes:
    return bytes(etree.tostring(build(doc), xml_declaration=True, encoding="UTF-8", pretty_print=True))
