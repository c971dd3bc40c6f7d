"""Checks of a Peppol BIS Billing 3.0 document (UBL 2.1 Invoice or CreditNote), written from the published rules:
the Peppol BIS Billing 3.0 specification and its rules (PEPPOL-EN16931-*), and the EN 16931-1 business rules
(BR-*) as the CEN/ConnectingEurope schematron states them. No maintained Python package ships the UBL 2.1 XSDs,
and nothing is fetched at test time, so these checks stand in for both the schema and the schematron.

`check(xml)` returns every violation as "RULE-ID: what", empty when the document passes. `COVERED` lists the
rules checked; docs/invoices.md lists those that are not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree
from schwifty import IBAN
from stdnum.be import vat as be_vat

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS = {"cbc": CBC, "cac": CAC}

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

# Code lists, the parts that can occur in this gateway's documents (the full lists are the standards').
INVOICE_TYPES = {"71", "80", "82", "84", "102", "218", "219", "331", "380", "382", "383", "386", "388", "393", "395",
                 "553", "575", "623", "780", "817", "870", "875", "876", "877"}  # fmt: skip  # Peppol P0100
CREDIT_NOTE_TYPES = {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}  # Peppol P0101
CURRENCIES = {"EUR", "USD", "GBP", "CHF", "DKK", "SEK", "NOK", "PLN", "CZK", "HUF", "RON", "BGN"}  # ISO 4217 subset
COUNTRIES = {"BE", "NL", "LU", "FR", "DE", "AT", "IT", "ES", "PT", "IE", "DK", "SE", "FI", "PL", "CZ", "GB", "CH"}
EAS = {"0002", "0007", "0009", "0037", "0060", "0088", "0096", "0097", "0106", "0130", "0135", "0142", "0151",
       "0183", "0184", "0188", "0190", "0191", "0192", "0193", "0195", "0196", "0198", "0199", "0200", "0201",
       "0202", "0204", "0208", "0209", "0210", "0211", "0212", "0213", "0215", "0216", "0218", "0221", "0230",
       "9910", "9913", "9914", "9915", "9918", "9919", "9920", "9922", "9923", "9924", "9925", "9926", "9927",
       "9928", "9929", "9930", "9931", "9932", "9933", "9934", "9935", "9936", "9937", "9938", "9939", "9940",
       "9941", "9942", "9943", "9944", "9945", "9946", "9947", "9948", "9949", "9950", "9951", "9952", "9953",
       "9957", "9959"}  # fmt: skip  # CEF EAS code list
UNITS = {"HUR", "C62", "H87", "DAY", "MIN", "SEC", "KGM", "MTR", "LTR", "EA", "XPP", "KMT"}  # UN/ECE Rec 20 subset
PAYMENT_MEANS = {"1", "10", "20", "30", "31", "42", "48", "49", "54", "55", "57", "58", "59", "68", "97", "ZZZ"}
CREDIT_TRANSFER = {"30", "58"}
VAT_CATEGORIES = {"S", "Z", "E", "AE", "K", "G", "O", "L", "M"}  # UNCL 5305, Peppol subset

# UBL 2.1 sequence of the root's children (the elements a Peppol document may use), from the XSDs.
INVOICE_ORDER = (
    "UBLExtensions", "UBLVersionID", "CustomizationID", "ProfileID", "ProfileExecutionID", "ID", "CopyIndicator",
    "UUID", "IssueDate", "IssueTime", "DueDate", "InvoiceTypeCode", "Note", "TaxPointDate", "DocumentCurrencyCode",
    "TaxCurrencyCode", "PricingCurrencyCode", "PaymentCurrencyCode", "PaymentAlternativeCurrencyCode",
    "AccountingCostCode", "AccountingCost", "LineCountNumeric", "BuyerReference", "InvoicePeriod", "OrderReference",
    "BillingReference", "DespatchDocumentReference", "ReceiptDocumentReference", "StatementDocumentReference",
    "OriginatorDocumentReference", "ContractDocumentReference", "AdditionalDocumentReference", "ProjectReference",
    "Signature", "AccountingSupplierParty", "AccountingCustomerParty", "PayeeParty", "BuyerCustomerParty",
    "SellerSupplierParty", "TaxRepresentativeParty", "Delivery", "DeliveryTerms", "PaymentMeans", "PaymentTerms",
    "PrepaidPayment", "AllowanceCharge", "TaxExchangeRate", "PricingExchangeRate", "PaymentExchangeRate",
    "PaymentAlternativeExchangeRate", "TaxTotal", "WithholdingTaxTotal", "LegalMonetaryTotal", "InvoiceLine",
)  # fmt: skip
CREDIT_NOTE_ORDER = (
    "UBLExtensions", "UBLVersionID", "CustomizationID", "ProfileID", "ProfileExecutionID", "ID", "CopyIndicator",
    "UUID", "IssueDate", "IssueTime", "TaxPointDate", "CreditNoteTypeCode", "Note", "DocumentCurrencyCode",
    "TaxCurrencyCode", "PricingCurrencyCode", "PaymentCurrencyCode", "PaymentAlternativeCurrencyCode",
    "AccountingCostCode", "AccountingCost", "LineCountNumeric", "BuyerReference", "InvoicePeriod",
    "DiscrepancyResponse", "OrderReference", "BillingReference", "DespatchDocumentReference",
    "ReceiptDocumentReference", "ContractDocumentReference", "AdditionalDocumentReference",
    "StatementDocumentReference", "OriginatorDocumentReference", "Signature", "AccountingSupplierParty",
    "AccountingCustomerParty", "PayeeParty", "BuyerCustomerParty", "SellerSupplierParty", "TaxRepresentativeParty",
    "Delivery", "DeliveryTerms", "PaymentMeans", "PaymentTerms", "TaxExchangeRate", "PricingExchangeRate",
    "PaymentExchangeRate", "PaymentAlternativeExchangeRate", "AllowanceCharge", "TaxTotal", "LegalMonetaryTotal",
    "CreditNoteLine",
)  # fmt: skip
PARTY_ORDER = ("EndpointID", "PartyIdentification", "PartyName", "PostalAddress", "PartyTaxScheme",
               "PartyLegalEntity", "Contact")  # fmt: skip
LINE_ORDER = ("ID", "Note", "InvoicedQuantity", "CreditedQuantity", "LineExtensionAmount", "AccountingCost",
              "InvoicePeriod", "OrderLineReference", "DocumentReference", "AllowanceCharge", "Item", "Price")  # fmt: skip
ITEM_ORDER = ("Description", "Name", "BuyersItemIdentification", "SellersItemIdentification",
              "StandardItemIdentification", "OriginCountry", "CommodityClassification", "ClassifiedTaxCategory",
              "AdditionalItemProperty")  # fmt: skip
TOTALS_ORDER = ("LineExtensionAmount", "TaxExclusiveAmount", "TaxInclusiveAmount", "AllowanceTotalAmount",
                "ChargeTotalAmount", "PrepaidAmount", "PayableRoundingAmount", "PayableAmount")  # fmt: skip

COVERED: dict[str, str] = {
    "UBL-ROOT": "the root is a UBL 2.1 Invoice or CreditNote in its namespace",
    "UBL-ORDER": "the root's, the parties', the lines', the items' and the totals' children in the UBL 2.1 order",
    "BR-01": "specification identifier (CustomizationID)",
    "PEPPOL-EN16931-R004": "CustomizationID is Peppol BIS Billing 3.0's",
    "PEPPOL-EN16931-R001": "business process (ProfileID) present",
    "PEPPOL-EN16931-R007": "ProfileID is the billing profile",
    "BR-02": "invoice number",
    "BR-03": "issue date",
    "PEPPOL-EN16931-F001": "dates are YYYY-MM-DD",
    "BR-04": "type code",
    "PEPPOL-EN16931-P0100/P0101": "type code from the invoice / credit note lists",
    "BR-05": "document currency",
    "BR-CL-04": "currency code from ISO 4217 (subset)",
    "PEPPOL-EN16931-R051": "every currencyID is the document currency",
    "PEPPOL-EN16931-R002": "at most one note at document level",
    "PEPPOL-EN16931-R003": "buyer reference or order reference",
    "PEPPOL-EN16931-R008": "no empty elements",
    "BR-06": "seller name",
    "BR-07": "buyer name",
    "BR-08": "seller postal address",
    "BR-09": "seller country code",
    "BR-10": "buyer postal address",
    "BR-11": "buyer country code",
    "BR-CL-14": "country codes from ISO 3166-1 (subset)",
    "PEPPOL-EN16931-R020": "seller electronic address (EndpointID)",
    "PEPPOL-EN16931-R010": "buyer electronic address (EndpointID)",
    "BR-62/BR-63": "electronic addresses carry a schemeID",
    "PEPPOL-EN16931-CL008": "electronic address scheme from the EAS list",
    "BE-0208": "a 0208 identifier is ten digits and a valid Belgian enterprise number (PEPPOL-COMMON-R043)",
    "BR-CO-09": "VAT identifiers start with a country code; Belgian ones valid (python-stdnum be.vat)",
    "BR-S-02": "a standard-rated document has the seller's VAT identifier",
    "BR-16": "at least one line",
    "BR-21": "line identifier",
    "BR-22": "line quantity",
    "BR-23": "line unit code",
    "BR-CL-23": "unit code from UN/ECE Recommendation 20 (subset)",
    "BR-24": "line net amount",
    "BR-25": "item name",
    "BR-26": "item net price",
    "BR-27": "item net price not negative",
    "PEPPOL-EN16931-R120": "line net amount = quantity × price / base quantity (to the cent: stricter than its 0.02 slack)",
    "PEPPOL-EN16931-R121": "base quantity positive when given",
    "BR-CO-04": "each line has a VAT category",
    "BR-S-05": "a standard-rated line has a rate above zero",
    "BR-12": "sum of line net amounts",
    "BR-13": "total without VAT",
    "BR-14": "total with VAT",
    "BR-15": "amount due",
    "BR-CO-10": "sum of line net amounts = Σ line net amounts",
    "BR-CO-11/12": "allowance and charge totals = Σ document allowances / charges",
    "BR-CO-13": "total without VAT = Σ lines − allowances + charges",
    "BR-CO-14": "VAT total = Σ VAT breakdown amounts",
    "BR-CO-15": "total with VAT = total without VAT + VAT total",
    "BR-CO-16": "amount due = total with VAT − paid + rounding",
    "BR-CO-17": "category VAT amount = taxable amount × rate, rounded to the cent",
    "BR-CO-18": "at least one VAT breakdown",
    "BR-S-08": "standard-rated taxable amount per rate = Σ its lines",
    "BR-S-09": "standard-rated VAT amount = taxable amount × rate",
    "PEPPOL-EN16931-R053": "one TaxTotal carries the VAT breakdown",
    "BR-DEC-*": "document amounts have at most two decimals",
    "BR-49": "payment means code",
    "BR-CL-16": "payment means code from UNCL 4461 (subset)",
    "BR-50/BR-61": "a credit transfer names the payee's account; code 58 requires a valid IBAN",
    "BR-CO-25": "a positive amount due has a due date or payment terms",
    "BR-29/BR-30": "invoice period end not before its start",
    "BR-55": "a credit note's preceding invoice reference has the invoice's number",
}


def _d(text: str | None) -> Decimal | None:
    try:
        return None if text is None else Decimal(text)
    except InvalidOperation:
        return None


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class _Doc:
    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.credit = root.tag == f"{{{CREDIT_NOTE_NS}}}CreditNote"

    def text(self, path: str, at: etree._Element | None = None) -> str | None:
        found = (self.root if at is None else at).find(path, NS)
        return None if found is None or found.text is None else found.text.strip()

    def all(self, path: str, at: etree._Element | None = None) -> list[etree._Element]:
        return list((self.root if at is None else at).findall(path, NS))

    def amount(self, path: str, at: etree._Element | None = None) -> Decimal | None:
        return _d(self.text(path, at))


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _ordered(el: etree._Element, order: tuple[str, ...], where: str) -> Iterator[str]:
    last = -1
    for child in el:
        name = _local(child)
        if name not in order:
            yield f"UBL-ORDER: {where} has an unexpected element {name}"
            continue
        index = order.index(name)
        if index < last:
            yield f"UBL-ORDER: {where}/{name} out of the UBL 2.1 order"
        last = index


def _header(doc: _Doc) -> Iterator[str]:
    if doc.text("cbc:CustomizationID") is None:
        yield "BR-01: no CustomizationID"
    elif doc.text("cbc:CustomizationID") != CUSTOMIZATION_ID:
        yield "PEPPOL-EN16931-R004: CustomizationID is not Peppol BIS Billing 3.0"
    if doc.text("cbc:ProfileID") is None:
        yield "PEPPOL-EN16931-R001: no ProfileID"
    elif doc.text("cbc:ProfileID") != PROFILE_ID:
        yield "PEPPOL-EN16931-R007: ProfileID is not the billing profile"
    if not doc.text("cbc:ID"):
        yield "BR-02: no ID"
    if doc.text("cbc:IssueDate") is None:
        yield "BR-03: no IssueDate"
    for el in doc.root.iter(f"{{{CBC}}}IssueDate", f"{{{CBC}}}DueDate", f"{{{CBC}}}StartDate", f"{{{CBC}}}EndDate"):
        try:
            date.fromisoformat(el.text or "")
            assert len(el.text or "") == 10
        except (ValueError, AssertionError):
            yield f"PEPPOL-EN16931-F001: {_local(el)} {el.text!r} is not YYYY-MM-DD"
    code_path, codes = (
        ("cbc:CreditNoteTypeCode", CREDIT_NOTE_TYPES) if doc.credit else ("cbc:InvoiceTypeCode", INVOICE_TYPES)
    )
    code = doc.text(code_path)
    if code is None:
        yield "BR-04: no type code"
    elif code not in codes:
        yield f"PEPPOL-EN16931-P0100/P0101: type code {code} not allowed"
    currency = doc.text("cbc:DocumentCurrencyCode")
    if currency is None:
        yield "BR-05: no DocumentCurrencyCode"
    elif currency not in CURRENCIES:
        yield f"BR-CL-04: currency {currency} unknown"
    for el in doc.root.iter():
        if "currencyID" in el.attrib and el.attrib["currencyID"] != currency:
            yield f"PEPPOL-EN16931-R051: {_local(el)} in {el.attrib['currencyID']}, not {currency}"
        if len(el) == 0 and not (el.text or "").strip():
            yield f"PEPPOL-EN16931-R008: empty element {_local(el)}"
    if len(doc.all("cbc:Note")) > 1:
        yield "PEPPOL-EN16931-R002: more than one document-level Note"
    if doc.text("cbc:BuyerReference") is None and doc.text("cac:OrderReference/cbc:ID") is None:
        yield "PEPPOL-EN16931-R003: neither BuyerReference nor OrderReference"
    start, end = doc.text("cac:InvoicePeriod/cbc:StartDate"), doc.text("cac:InvoicePeriod/cbc:EndDate")
    if start and end and end < start:
        yield "BR-29/BR-30: invoice period ends before it starts"
    if doc.credit and not doc.text("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"):
        yield "BR-55: the credit note names no preceding invoice"


def _party(doc: _Doc, role: str, rules: dict[str, str]) -> Iterator[str]:
    party = doc.root.find(f"cac:{role}/cac:Party", NS)
    if party is None:
        yield f"{rules['name']}: no {role}"
        return
    yield from _ordered(party, PARTY_ORDER, role)
    endpoint = party.find("cbc:EndpointID", NS)
    if endpoint is None or not (endpoint.text or "").strip():
        yield f"{rules['endpoint']}: no EndpointID"
    elif "schemeID" not in endpoint.attrib:
        yield "BR-62/BR-63: EndpointID without schemeID"
    elif endpoint.attrib["schemeID"] not in EAS:
        yield f"PEPPOL-EN16931-CL008: scheme {endpoint.attrib['schemeID']} not in EAS"
    for ident in party.iter(f"{{{CBC}}}EndpointID", f"{{{CBC}}}CompanyID"):
        number = ident.text or ""
        if ident.attrib.get("schemeID") == "0208" and not (
            re.fullmatch(r"[0-9]{10}", number) and be_vat.is_valid(number)
        ):
            yield f"BE-0208: {role} {_local(ident)} {ident.text} is not a Belgian enterprise number"
    if not doc.text("cac:PartyName/cbc:Name", party) and not doc.text(
        "cac:PartyLegalEntity/cbc:RegistrationName", party
    ):
        yield f"{rules['name']}: {role} has no name"
    address = party.find("cac:PostalAddress", NS)
    if address is None:
        yield f"{rules['address']}: {role} has no postal address"
    else:
        country = doc.text("cac:Country/cbc:IdentificationCode", address)
        if country is None:
            yield f"{rules['country']}: {role} has no country code"
        elif country not in COUNTRIES:
            yield f"BR-CL-14: {role} country {country} unknown"
    for scheme in party.findall("cac:PartyTaxScheme", NS):
        vat_id = doc.text("cbc:CompanyID", scheme) or ""
        if doc.text("cac:TaxScheme/cbc:ID", scheme) == "VAT":
            if not (vat_id[:2].isalpha() and vat_id[:2].isupper()):
                yield f"BR-CO-09: {role} VAT identifier {vat_id} has no country prefix"
            elif vat_id.startswith("BE") and not be_vat.is_valid(vat_id):
                yield f"BR-CO-09: {role} VAT identifier {vat_id} is not a Belgian VAT number"


def _lines(doc: _Doc) -> Iterator[str]:
    tag, quantity_tag = ("cac:CreditNoteLine", "cbc:CreditedQuantity") if doc.credit else (
        "cac:InvoiceLine", "cbc:InvoicedQuantity")  # fmt: skip
    lines = doc.all(tag)
    if not lines:
        yield "BR-16: no line"
    for line in lines:
        lid = doc.text("cbc:ID", line)
        yield from _ordered(line, LINE_ORDER, f"line {lid}")
        if not lid:
            yield "BR-21: a line without ID"
        quantity_el = line.find(quantity_tag, NS)
        quantity = _d(None if quantity_el is None else quantity_el.text)
        if quantity is None:
            yield f"BR-22: line {lid} has no quantity"
        elif "unitCode" not in quantity_el.attrib:  # type: ignore[union-attr]
            yield f"BR-23: line {lid} has no unit code"
        elif quantity_el.attrib["unitCode"] not in UNITS:  # type: ignore[union-attr]
            yield f"BR-CL-23: line {lid} unit {quantity_el.attrib['unitCode']} unknown"  # type: ignore[union-attr]
        net = doc.amount("cbc:LineExtensionAmount", line)
        if net is None:
            yield f"BR-24: line {lid} has no net amount"
        item = line.find("cac:Item", NS)
        if item is None or not doc.text("cbc:Name", item):
            yield f"BR-25: line {lid} has no item name"
        else:
            yield from _ordered(item, ITEM_ORDER, f"line {lid} item")
            category = doc.text("cac:ClassifiedTaxCategory/cbc:ID", item)
            if category is None:
                yield f"BR-CO-04: line {lid} has no VAT category"
            elif category not in VAT_CATEGORIES:
                yield f"BR-CL-18: line {lid} VAT category {category} unknown"
            rate = doc.amount("cac:ClassifiedTaxCategory/cbc:Percent", item)
            if category == "S" and (rate is None or rate <= 0):
                yield f"BR-S-05: standard-rated line {lid} without a positive rate"
        price = doc.amount("cac:Price/cbc:PriceAmount", line)
        base = doc.amount("cac:Price/cbc:BaseQuantity", line) or Decimal(1)
        if price is None:
            yield f"BR-26: line {lid} has no price"
            continue
        if price < 0:
            yield f"BR-27: line {lid} price is negative"
        if base <= 0:
            yield f"PEPPOL-EN16931-R121: line {lid} base quantity not positive"
        elif quantity is not None and net is not None and _cents(quantity * price / base) != net:
            yield f"PEPPOL-EN16931-R120: line {lid}: {quantity} × {price} / {base} ≠ {net}"


def _totals(doc: _Doc) -> Iterator[str]:
    totals = doc.root.find("cac:LegalMonetaryTotal", NS)
    if totals is None:
        yield "BR-12: no LegalMonetaryTotal"
        return
    yield from _ordered(totals, TOTALS_ORDER, "LegalMonetaryTotal")
    found = {name: doc.amount(f"cbc:{name}", totals) for name in TOTALS_ORDER}
    required = (("BR-12", "LineExtensionAmount"), ("BR-13", "TaxExclusiveAmount"),
                ("BR-14", "TaxInclusiveAmount"), ("BR-15", "PayableAmount"))  # fmt: skip
    missing = [f"{rule}: no {name}" for rule, name in required if found[name] is None]
    if missing:
        yield from missing
        return
    zero = Decimal(0)
    # Optional totals (allowances, charges, prepaid, rounding) count as zero when absent.
    got = {name: value if value is not None else zero for name, value in found.items()}
    line_tag = "cac:CreditNoteLine" if doc.credit else "cac:InvoiceLine"
    lines_sum = sum((doc.amount("cbc:LineExtensionAmount", ln) or zero for ln in doc.all(line_tag)), zero)
    allowances = sum((doc.amount("cbc:Amount", a) or zero for a in doc.all("cac:AllowanceCharge")
                      if doc.text("cbc:ChargeIndicator", a) == "false"), zero)  # fmt: skip
    charges = sum((doc.amount("cbc:Amount", a) or zero for a in doc.all("cac:AllowanceCharge")
                   if doc.text("cbc:ChargeIndicator", a) == "true"), zero)  # fmt: skip
    if got["LineExtensionAmount"] != lines_sum:
        yield f"BR-CO-10: LineExtensionAmount {got['LineExtensionAmount']} ≠ Σ lines {lines_sum}"
    if got["AllowanceTotalAmount"] != allowances or got["ChargeTotalAmount"] != charges:
        yield "BR-CO-11/12: allowance or charge total ≠ Σ document allowances or charges"
    exclusive = got["LineExtensionAmount"] - got["AllowanceTotalAmount"] + got["ChargeTotalAmount"]
    if got["TaxExclusiveAmount"] != exclusive:
        yield f"BR-CO-13: TaxExclusiveAmount {got['TaxExclusiveAmount']} ≠ {exclusive}"
    tax_totals = [t for t in doc.all("cac:TaxTotal") if t.find("cac:TaxSubtotal", NS) is not None]
    if len(tax_totals) != 1:
        yield f"PEPPOL-EN16931-R053: {len(tax_totals)} TaxTotal with a breakdown, not one"
        return
    tax = doc.amount("cbc:TaxAmount", tax_totals[0]) or zero
    subtotals = doc.all("cac:TaxSubtotal", tax_totals[0])
    if not subtotals:
        yield "BR-CO-18: no VAT breakdown"
    breakdown = sum((doc.amount("cbc:TaxAmount", s) or zero for s in subtotals), zero)
    if tax != breakdown:
        yield f"BR-CO-14: TaxAmount {tax} ≠ Σ breakdown {breakdown}"
    if got["TaxInclusiveAmount"] != got["TaxExclusiveAmount"] + tax:
        yield f"BR-CO-15: TaxInclusiveAmount {got['TaxInclusiveAmount']} ≠ {got['TaxExclusiveAmount']} + {tax}"
    expected_due = got["TaxInclusiveAmount"] - got["PrepaidAmount"] + got["PayableRoundingAmount"]
    if got["PayableAmount"] != expected_due:
        yield f"BR-CO-16: PayableAmount {got['PayableAmount']} ≠ {expected_due}"
    no_terms = doc.text("cbc:DueDate") is None and doc.text("cac:PaymentTerms/cbc:Note") is None
    if got["PayableAmount"] > 0 and not doc.credit and no_terms:
        yield "BR-CO-25: an amount is due with neither due date nor payment terms"
    yield from _breakdown(doc, subtotals, line_tag)


def _breakdown(doc: _Doc, subtotals: list[etree._Element], line_tag: str) -> Iterator[str]:
    for sub in subtotals:
        taxable, amount = doc.amount("cbc:TaxableAmount", sub), doc.amount("cbc:TaxAmount", sub)
        category, rate = doc.text("cac:TaxCategory/cbc:ID", sub), doc.amount("cac:TaxCategory/cbc:Percent", sub)
        if taxable is None or amount is None or rate is None:
            yield "BR-CO-17: a VAT breakdown lacks its taxable amount, VAT amount or rate"
            continue
        if _cents(taxable * rate / 100) != amount:
            yield f"BR-CO-17: {taxable} × {rate} % ≠ {amount}"
        if category == "S":
            if not any(doc.text("cac:PartyTaxScheme/cbc:CompanyID", p) for p in
                       doc.all("cac:AccountingSupplierParty/cac:Party")):  # fmt: skip
                yield "BR-S-02: standard rate without the seller's VAT identifier"
            base = sum(
                (doc.amount("cbc:LineExtensionAmount", ln) or Decimal(0) for ln in doc.all(line_tag)
                 if doc.text("cac:Item/cac:ClassifiedTaxCategory/cbc:ID", ln) == "S"
                 and doc.amount("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", ln) == rate),
                Decimal(0),
            )  # fmt: skip
            if base != taxable:
                yield f"BR-S-08: taxable amount {taxable} at {rate} % ≠ Σ its lines {base}"
            if _cents(taxable * rate / 100) != amount:
                yield f"BR-S-09: VAT {amount} ≠ {taxable} × {rate} %"


def _decimals(doc: _Doc) -> Iterator[str]:
    for el in doc.root.iter():
        if "currencyID" in el.attrib and _local(el) != "PriceAmount":
            value = _d(el.text)
            if value is None or value.as_tuple().exponent < -2:  # type: ignore[operator]
                yield f"BR-DEC-*: {_local(el)} {el.text} is not an amount with at most two decimals"


def _payment(doc: _Doc) -> Iterator[str]:
    for means in doc.all("cac:PaymentMeans"):
        code = doc.text("cbc:PaymentMeansCode", means)
        if code is None:
            yield "BR-49: no PaymentMeansCode"
            continue
        if code not in PAYMENT_MEANS:
            yield f"BR-CL-16: payment means {code} unknown"
        if code in CREDIT_TRANSFER:
            account = doc.text("cac:PayeeFinancialAccount/cbc:ID", means)
            if account is None:
                yield "BR-50/BR-61: a credit transfer without the payee's account"
            elif code == "58":
                try:
                    IBAN(account)
                except ValueError:
                    yield f"BR-50/BR-61: SEPA transfer to {account}, not an IBAN"


def check(xml: bytes) -> list[str]:
    """Every violation of the covered rules, as "RULE: what"."""
    root = etree.fromstring(xml)
    if root.tag not in (f"{{{INVOICE_NS}}}Invoice", f"{{{CREDIT_NOTE_NS}}}CreditNote"):
        return [f"UBL-ROOT: {_local(root)} is neither a UBL 2.1 Invoice nor a CreditNote"]
    doc = _Doc(root)
    checks: tuple[Callable[[_Doc], Iterator[str]], ...] = (_header, _lines, _totals, _decimals, _payment)
    found = list(_ordered(root, CREDIT_NOTE_ORDER if doc.credit else INVOICE_ORDER, _local(root)))
    for run in checks:
        found.extend(run(doc))
    found.extend(_party(doc, "AccountingSupplierParty", {"name": "BR-06", "address": "BR-08", "country": "BR-09",
                                                          "endpoint": "PEPPOL-EN16931-R020"}))  # fmt: skip
    found.extend(_party(doc, "AccountingCustomerParty", {"name": "BR-07", "address": "BR-10", "country": "BR-11",
                                                          "endpoint": "PEPPOL-EN16931-R010"}))  # fmt: skip
    return found
