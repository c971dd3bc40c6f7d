"""Reading the bank's answer to our transfers: camt.053 statements and camt.054 notifications (issue 17).

Pure: bytes in, typed lines out, then `match` says per line what it means for our payouts. No database; the caller
marks payouts `paid` or `failed` from the decisions.

Shapes: ISO 20022 message definitions camt.053.001.02 / .08 (BankToCustomerStatement) and camt.054.001.02 / .08
(BankToCustomerDebitCreditNotification), as the Belgian banks use them (Febelfin "XML message for statement" and
"XML notification" implementation guidelines, v2.1): one `Ntry` per booking, its `NtryDtls/TxDtls` carrying our
`EndToEndId`; a returned SEPA transfer comes back as a credit entry with bank transaction code PMNT/ICDT/RRTN and
`RtrInf/Rsn/Cd`, the original end-to-end id in `Refs/EndToEndId` (the EPC SCT rulebook's return, pacs.004, carries
it as the Original End To End Identification)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from lxml import etree

from gateway.problems import Problem

MAX_BYTES = 16 * 1024 * 1024
"""A day's statement of a cooperative's payout account is kilobytes; a bigger file is refused, not parsed."""


class StatementRefused(Problem):
    """The file is not a bank statement or notification the gateway reads; `detail` says what is wrong and where.
    Never carries an account number."""

    status, slug, title = 422, "statement-refused", "The bank file is not a statement the gateway reads"


class Kind(StrEnum):
    STATEMENT = "camt.053"
    NOTIFICATION = "camt.054"


class Direction(StrEnum):
    CREDIT = "CRDT"
    DEBIT = "DBIT"


class EntryStatus(StrEnum):
    """ISO ExternalEntryStatus1Code: only BOOK is money that moved."""

    BOOKED = "BOOK"
    PENDING = "PDNG"
    INFO = "INFO"
    FUTURE = "FUTR"


# The message versions read, by namespace: (message, kind, root element under Document, report element).
_MESSAGES: dict[str, tuple[str, Kind, str, str]] = {
    f"urn:iso:std:iso:20022:tech:xsd:{name}": (name, kind, root, report)
    for name, kind, root, report in (
        ("camt.053.001.02", Kind.STATEMENT, "BkToCstmrStmt", "Stmt"),
        ("camt.053.001.08", Kind.STATEMENT, "BkToCstmrStmt", "Stmt"),
        ("camt.054.001.02", Kind.NOTIFICATION, "BkToCstmrDbtCdtNtfctn", "Ntfctn"),
        ("camt.054.001.08", Kind.NOTIFICATION, "BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    )
}
SUPPORTED = tuple(sorted(m[0] for m in _MESSAGES.values()))

# ISO 20022 ExternalReturnReason1Code (external code sets), the codes the EPC SCT rulebook lets a bank return a
# credit transfer with; worded for staff and riders. A code not listed is kept as the bank sent it, never relabelled.
RETURN_REASONS: dict[str, str] = {
    "AC01": "The account number is wrong (not a valid account at the rider's bank).",
    "AC03": "The creditor account number is invalid.",
    "AC04": "The account is closed.",
    "AC06": "The account is blocked.",
    "AC13": "The account is of a type that cannot receive this payment (e.g. a consumer account rule).",
    "AG01": "Transactions of this kind are forbidden on this account.",
    "AG02": "The bank operation code is not valid.",
    "AM05": "Duplicate payment: the bank received it twice.",
    "BE04": "The creditor's address is missing or incorrect.",
    "CNOR": "The creditor's bank is not registered in the payment scheme.",
    "FF01": "The file format was invalid.",
    "FOCR": "Returned after a cancellation request.",
    "MD07": "The account holder has died.",
    "MS02": "Refused by the account holder, reason not given.",
    "MS03": "Refused by the bank, reason not given.",
    "RC01": "The bank identifier (BIC) is wrong.",
    "RR01": "The debtor's account or identification is missing (regulatory requirement).",
    "RR02": "The debtor's name or address is missing (regulatory requirement).",
    "RR03": "The creditor's name or address is missing (regulatory requirement).",
    "RR04": "Returned for a regulatory reason.",
}

# Codes that mean the rider's account cannot take the money: the rider is asked for another IBAN. Not MD07 (the
# holder has died: staff act, nobody is asked) nor the address and regulatory codes (our data, not the rider's IBAN).
RIDER_MUST_CORRECT_IBAN = frozenset({"AC01", "AC03", "AC04", "AC06", "AC13", "AG01"})

_AMOUNT = re.compile(r"\d{1,18}(\.\d{1,5})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
# A returned credit transfer: Payments / Issued Credit Transfers / Reversal due to Return (ISO bank transaction codes).
_RETURN_TRANSACTION_CODE = "PMNT/ICDT/RRTN"


@dataclass(frozen=True)
class Balance:
    code: str  # OPBD opening booked, CLBD closing booked, ... (ISO BalanceType12Code)
    amount: Decimal  # signed: negative when the bank says DBIT
    currency: str
    on: date


@dataclass(frozen=True)
class ReturnInfo:
    reason_code: str | None  # ISO code (`Rsn/Cd`), None when the bank gave a proprietary one or none
    proprietary_reason: str | None
    additional_info: tuple[str, ...]

    @property
    def label(self) -> str:
        if self.reason_code is None:
            return f"Bank's own reason: {self.proprietary_reason}" if self.proprietary_reason else "No reason given."
        return RETURN_REASONS.get(self.reason_code, f"Reason code {self.reason_code} (not in the gateway's list).")


@dataclass(frozen=True)
class Line:
    """One transaction the bank reports: a `TxDtls` of an entry, or the entry itself when it has no details."""

    entry: int  # 1-based position of the `Ntry` in its report
    transaction: int  # 1-based position of the `TxDtls` in the entry (1 when it has none)
    source_line: int | None  # line in the file, for the operator
    end_to_end_id: str | None  # for a return: the original transfer's
    amount: Decimal | None  # None only for a batch entry whose transactions carry no amount of their own
    currency: str
    direction: Direction
    status: EntryStatus
    booking_date: date | None
    bank_reference: str | None  # the bank's reference (`AcctSvcrRef`) of the transaction, else of the entry
    transaction_code: str | None  # Domain/Family/SubFamily, e.g. PMNT/ICDT/ESCT
    reversal: bool
    returned: ReturnInfo | None

    @property
    def where(self) -> str:
        at = f" (file line {self.source_line})" if self.source_line else ""
        return f"entry {self.entry}, transaction {self.transaction}{at}"


@dataclass(frozen=True)
class Report:
    """One `Stmt` (camt.053) or `Ntfctn` (camt.054)."""

    id: str
    account_iban: str | None = field(repr=False)  # never in a repr, so never in a log by accident
    opening_balance: Balance | None
    closing_balance: Balance | None
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class BankFile:
    message: str  # e.g. camt.053.001.08
    kind: Kind
    message_id: str
    reports: tuple[Report, ...]

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(line for report in self.reports for line in report.lines)


# ---------------------------------------------------------------------------------------------------- parsing


def _parser() -> etree.XMLParser:
    # No DTD, no entity expansion, no network, no huge-tree override: a bank file needs none of them, and each is
    # a way in (billion laughs, XXE, SSRF).
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse(data: bytes, *, max_bytes: int = MAX_BYTES) -> BankFile:
    """The statement or notification in `data`, or `StatementRefused` naming what is wrong."""
    if len(data) > max_bytes:
        raise StatementRefused(f"the file is {len(data)} bytes; at most {max_bytes} are read")
    if not data.strip():
        raise StatementRefused("the file is empty")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # ISO 20022 XML is UTF-8; holding to it also keeps the byte scan below sound (UTF-16 would hide a DOCTYPE).
        raise StatementRefused(f"the file is not UTF-8 (byte {exc.start}); ISO 20022 messages are") from None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        # Refused before parsing: entity bombs and external entities need a DTD, which bank files never have.
        raise StatementRefused("the file declares a DOCTYPE or entities; bank statements have none")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise StatementRefused(f"the file is not well-formed XML: {exc.msg} (line {exc.lineno})") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # defence in depth, should the byte scan ever miss one
        raise StatementRefused("the file declares a DOCTYPE or entities; bank statements have none")
    return _bank_file(root)


def _bank_file(root: etree._Element) -> BankFile:
    qname = etree.QName(root)
    if qname.localname != "Document":
        raise StatementRefused(f"the root element is <{qname.localname}>, not an ISO 20022 <Document>")
    known = _MESSAGES.get(qname.namespace or "")
    if known is None:
        raise StatementRefused(
            f"unsupported message (namespace {qname.namespace or 'none'}); the gateway reads {', '.join(SUPPORTED)}"
        )
    message, kind, root_name, report_name = known
    x = _Reader(qname.namespace or "", message)
    body = x.one(root, root_name)
    reports = tuple(x.report(r) for r in x.all(body, report_name))
    if not reports:
        raise StatementRefused(f"{message}: no <{report_name}> in the file")
    return BankFile(message, kind, x.text(x.one(body, "GrpHdr"), "MsgId"), reports)


class _Reader:
    """Path look-ups in one namespace, each failure a `StatementRefused` naming the element and file line."""

    def __init__(self, namespace: str, message: str) -> None:
        self.ns = namespace
        self.message = message
        self.v08 = message.endswith(".08")

    def _q(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{p}" for p in path.split("/"))

    def find(self, el: etree._Element, path: str) -> etree._Element | None:
        return el.find(self._q(path))

    def all(self, el: etree._Element, path: str) -> list[etree._Element]:
        return el.findall(self._q(path))

    def refuse(self, el: etree._Element, what: str) -> StatementRefused:
        return StatementRefused(f"{self.message}: {etree.QName(el).localname} at line {el.sourceline}: {what}")

    def one(self, el: etree._Element, path: str) -> etree._Element:
        found = self.find(el, path)
        if found is None:
            raise self.refuse(el, f"{path} is missing")
        return found

    def opt_text(self, el: etree._Element, path: str) -> str | None:
        found = self.find(el, path)
        text = (found.text or "").strip() if found is not None else ""
        return text or None

    def text(self, el: etree._Element, path: str) -> str:
        value = self.opt_text(el, path)
        if value is None:
            raise self.refuse(el, f"{path} is missing or empty")
        return value

    def amount(self, amt: etree._Element) -> tuple[Decimal, str]:
        raw = (amt.text or "").strip()
        if not _AMOUNT.fullmatch(raw):
            raise self.refuse(amt, f"amount {_shown(raw)} is not a decimal amount")
        currency = amt.get("Ccy", "")
        if not _CURRENCY.fullmatch(currency):
            raise self.refuse(amt, f"currency {_shown(currency)} is not an ISO 4217 code")
        return Decimal(raw), currency

    def direction(self, el: etree._Element) -> Direction:
        raw = self.text(el, "CdtDbtInd")
        try:
            return Direction(raw)
        except ValueError:
            raise self.refuse(el, f"CdtDbtInd {_shown(raw)} is neither CRDT nor DBIT") from None

    def day(self, el: etree._Element) -> date:
        # A date-time is cut to its date as the bank wrote it: booking dates are the bank's calendar days.
        raw = self.opt_text(el, "Dt") or (self.opt_text(el, "DtTm") or "")[:10]
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise self.refuse(el, f"date {_shown(raw)} is not an ISO date") from None

    def status(self, entry: etree._Element) -> EntryStatus:
        # .02 writes <Sts>BOOK</Sts>; from .08 on it is a choice, <Sts><Cd>BOOK</Cd></Sts>.
        raw = self.text(entry, "Sts/Cd") if self.v08 else self.text(entry, "Sts")
        try:
            return EntryStatus(raw)
        except ValueError:
            raise self.refuse(entry, f"entry status {_shown(raw)} is not BOOK, PDNG, INFO or FUTR") from None

    def transaction_code(self, el: etree._Element | None) -> str | None:
        domain = self.find(el, "BkTxCd/Domn") if el is not None else None
        if domain is None:
            return None
        parts = (self.opt_text(domain, "Cd"), self.opt_text(domain, "Fmly/Cd"), self.opt_text(domain, "Fmly/SubFmlyCd"))
        return "/".join(p or "?" for p in parts)

    def balance(self, report: etree._Element, code: str) -> Balance | None:
        for bal in self.all(report, "Bal"):
            if self.opt_text(bal, "Tp/CdOrPrtry/Cd") == code:
                amount, currency = self.amount(self.one(bal, "Amt"))
                signed = -amount if self.direction(bal) is Direction.DEBIT else amount
                return Balance(code, signed, currency, self.day(self.one(bal, "Dt")))
        return None

    def report(self, report: etree._Element) -> Report:
        lines = tuple(line for i, entry in enumerate(self.all(report, "Ntry"), 1) for line in self.entry(entry, i))
        return Report(
            id=self.text(report, "Id"),
            account_iban=self.opt_text(report, "Acct/Id/IBAN"),
            opening_balance=self.balance(report, "OPBD"),
            closing_balance=self.balance(report, "CLBD"),
            lines=lines,
        )

    def entry(self, entry: etree._Element, index: int) -> Iterator[Line]:
        amount, currency = self.amount(self.one(entry, "Amt"))
        base = _EntryFacts(
            index=index,
            source_line=entry.sourceline,
            amount=amount,
            currency=currency,
            direction=self.direction(entry),
            status=self.status(entry),
            booking_date=self._booking_date(entry),
            bank_reference=self.opt_text(entry, "AcctSvcrRef"),
            transaction_code=self.transaction_code(entry),
            reversal=self.opt_text(entry, "RvslInd") in ("true", "1"),  # xs:boolean allows both
        )
        details = [tx for d in self.all(entry, "NtryDtls") for tx in self.all(d, "TxDtls")]
        if not details:
            yield self.line(base, None, 1, sole=True)
        for n, tx in enumerate(details, 1):
            yield self.line(base, tx, n, sole=len(details) == 1)

    def _booking_date(self, entry: etree._Element) -> date | None:
        booked = self.find(entry, "BookgDt")  # absent on pending lines
        return self.day(booked) if booked is not None else None

    def tx_amount(self, tx: etree._Element) -> tuple[Decimal, str] | None:
        # .08 gives the transaction's own Amt; both versions may give AmtDtls/TxAmt/Amt (the amount booked).
        amt = self.find(tx, "Amt") if self.v08 else None
        if amt is None:  # never `or`: an lxml element without children is falsy
            amt = self.find(tx, "AmtDtls/TxAmt/Amt")
        return self.amount(amt) if amt is not None else None

    def line(self, base: _EntryFacts, tx: etree._Element | None, n: int, *, sole: bool) -> Line:
        own = self.tx_amount(tx) if tx is not None else None
        # A batch entry's total is not any one transfer's amount: without its own, a transaction has none.
        amount, currency = own if own is not None else ((base.amount, base.currency) if sole else (None, base.currency))
        code = (self.transaction_code(tx) if tx is not None else None) or base.transaction_code
        return Line(
            entry=base.index,
            transaction=n,
            source_line=tx.sourceline if tx is not None else base.source_line,
            end_to_end_id=_real_id(self.opt_text(tx, "Refs/EndToEndId")) if tx is not None else None,
            amount=amount,
            currency=currency,
            direction=base.direction,
            status=base.status,
            booking_date=base.booking_date,
            bank_reference=(self.opt_text(tx, "Refs/AcctSvcrRef") if tx is not None else None) or base.bank_reference,
            transaction_code=code,
            reversal=base.reversal,
            returned=self.return_info(tx, code),
        )

    def return_info(self, tx: etree._Element | None, code: str | None) -> ReturnInfo | None:
        info = self.find(tx, "RtrInf") if tx is not None else None
        if info is None:
            return ReturnInfo(None, None, ()) if code == _RETURN_TRANSACTION_CODE else None
        return ReturnInfo(
            reason_code=self.opt_text(info, "Rsn/Cd"),
            proprietary_reason=self.opt_text(info, "Rsn/Prtry"),
            additional_info=tuple((a.text or "").strip() for a in self.all(info, "AddtlInf") if (a.text or "").strip()),
        )


@dataclass(frozen=True)
class _EntryFacts:
    index: int
    source_line: int | None
    amount: Decimal
    currency: str
    direction: Direction
    status: EntryStatus
    booking_date: date | None
    bank_reference: str | None
    transaction_code: str | None
    reversal: bool


def _shown(raw: str) -> str:
    """A bad value as a refusal may quote it: never more than 12 characters, which no IBAN fits in (the shortest
    has 15), so a misplaced account number is never echoed."""
    return repr(raw) if len(raw) <= 12 else f"a value of {len(raw)} characters"


def _real_id(value: str | None) -> str | None:
    # "NOTPROVIDED" is how ISO 20022 writes an absent end-to-end id: it must never match a payout.
    return None if value is None or value.upper() == "NOTPROVIDED" else value


# ---------------------------------------------------------------------------------------------------- matching


class Outcome(StrEnum):
    PAID = "paid"
    RETURNED = "returned"
    UNKNOWN = "unknown"


class Why(StrEnum):
    """Why a line is `unknown`: reported to staff as it is, never matched by a guess."""

    NOT_BOOKED = "not_booked"  # pending, information only, future: money has not moved (yet)
    NO_END_TO_END_ID = "no_end_to_end_id"
    UNKNOWN_ID = "unknown_id"
    AMOUNT_DIFFERS = "amount_differs"
    NO_AMOUNT = "no_amount"
    CURRENCY_DIFFERS = "currency_differs"
    NOT_A_DEBIT = "not_a_debit"  # a credit carrying one of our ids that is not a return
    RETURN_NOT_A_CREDIT = "return_not_a_credit"
    REVERSAL = "reversal"  # the bank undid a booking: a person decides
    ALREADY_MATCHED = "already_matched"  # the same id twice in what was imported together


@dataclass(frozen=True)
class Decision:
    line: Line
    outcome: Outcome
    why: Why | None
    detail: str  # plain English for staff; names ids and amounts, never an account number

    @property
    def end_to_end_id(self) -> str | None:
        return self.line.end_to_end_id

    @property
    def reason_code(self) -> str | None:
        return self.line.returned.reason_code if self.line.returned else None

    @property
    def rider_must_correct_iban(self) -> bool:
        """A return whose reason says the rider's account cannot take the money: ask the rider for a new IBAN."""
        return self.outcome is Outcome.RETURNED and self.reason_code in RIDER_MUST_CORRECT_IBAN


def match(lines: Iterable[Line], expected: Mapping[str, Decimal], *, currency: str = "EUR") -> list[Decision]:
    """What each line means for the transfers we sent: `expected` maps each end-to-end id we sent to its amount.

    A line is `paid` only when it is a booked debit of exactly that amount; `returned` only when it is a booked
    credit returning one of our ids for no more than was sent (the returning bank may keep a fee). Everything else
    is `unknown`, with why. Paid then returned is a transfer's normal life, but a second debit (or a second return)
    of one id in the same import is reported, not decided twice: the bank may have paid twice."""
    decided: set[tuple[str, Outcome]] = set()
    out: list[Decision] = []
    for line in lines:
        decision = _decide(line, expected, currency, decided)
        if decision.outcome is not Outcome.UNKNOWN and line.end_to_end_id is not None:
            decided.add((line.end_to_end_id, decision.outcome))
        out.append(decision)
    return out


def _decide(line: Line, expected: Mapping[str, Decimal], currency: str, decided: set[tuple[str, Outcome]]) -> Decision:
    def unknown(why: Why, detail: str) -> Decision:
        return Decision(line, Outcome.UNKNOWN, why, f"{line.where}: {detail}")

    e2e = line.end_to_end_id
    if line.status is not EntryStatus.BOOKED:
        return unknown(Why.NOT_BOOKED, f"status {line.status.value}: not booked, nothing is marked")
    if line.reversal:
        return unknown(Why.REVERSAL, "the bank reversed an earlier booking; check it by hand")
    if e2e is None:
        return unknown(Why.NO_END_TO_END_ID, "no end-to-end id: not one of our transfers, or the bank dropped it")
    if e2e not in expected:
        return unknown(Why.UNKNOWN_ID, f"end-to-end id {e2e!r} is not one of our transfers")
    if (e2e, Outcome.RETURNED if line.returned is not None else Outcome.PAID) in decided:
        return unknown(Why.ALREADY_MATCHED, f"end-to-end id {e2e!r} was already decided by an earlier line")
    if line.currency != currency:
        return unknown(Why.CURRENCY_DIFFERS, f"{e2e!r} is in {line.currency}, the transfer was in {currency}")
    if line.amount is None:
        return unknown(Why.NO_AMOUNT, f"{e2e!r} has no amount of its own in a batch entry")
    sent = expected[e2e]
    if line.returned is not None:
        return _returned(line, e2e, sent, unknown)
    if line.direction is not Direction.DEBIT:
        return unknown(Why.NOT_A_DEBIT, f"{e2e!r} is a credit that is not a return")
    if line.amount != sent:
        return unknown(Why.AMOUNT_DIFFERS, f"{e2e!r} debited {line.amount} {line.currency}, {sent} was sent")
    return Decision(line, Outcome.PAID, None, f"{line.where}: {e2e!r} paid, {line.amount} {line.currency}")


def _returned(line: Line, e2e: str, sent: Decimal, unknown: Callable[[Why, str], Decision]) -> Decision:
    assert line.returned is not None and line.amount is not None
    if line.direction is not Direction.CREDIT:
        return unknown(Why.RETURN_NOT_A_CREDIT, f"{e2e!r} is marked as a return but debits the account")
    if line.amount > sent:
        return unknown(Why.AMOUNT_DIFFERS, f"{e2e!r} returned {line.amount} {line.currency}, only {sent} was sent")
    code = line.returned.reason_code or "no code"
    return Decision(line, Outcome.RETURNED, None, f"{line.where}: {e2e!r} returned ({code}): {line.returned.label}")
