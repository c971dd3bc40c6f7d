"""ISO 20022 `pain.001` credit-transfer files, built with `sepaxml` and validated against the XSD it ships.

Version `pain.001.001.09`: the European Payments Council's SCT rulebooks moved to the 2019 message versions in
November 2023 (FACTS.md, "Money out"), and Belgian banks take them; `.03` is still accepted by many, but is the
version being retired. One constant, so a bank that still wants `.03` is one change away (sepaxml writes both).

A file is a pure function of its inputs: the message id, creation time and payment-information id come from the
batch row (sepaxml would draw them from the clock and a random source), and the transactions are sorted by
end-to-end id, so rebuilding a batch gives the same bytes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import sepaxml
import xmlschema
from sepaxml import SepaTransfer

PAIN_001 = "pain.001.001.09"
SCHEMA_DIR = Path(sepaxml.__file__).parent / "schemas"
# The EPC's limits: MsgId, PmtInfId and EndToEndId are Max35Text; the remittance line Max140Text.
MAX_ID = 35
MAX_REMITTANCE = 140


class InvalidFile(ValueError):
    """The file does not validate against the pain.001 schema: it must not reach a bank."""


@dataclass(frozen=True)
class Debtor:
    name: str
    iban: str
    bic: str | None


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    amount: Decimal
    currency: str
    creditor_name: str
    iban: str
    bic: str | None
    remittance: str


def cents(amount: Decimal) -> int:
    """sepaxml takes integer cents; an amount that is not a whole number of cents is a bug upstream, not rounding."""
    scaled = amount.scaleb(2)
    if scaled != scaled.to_integral_value() or scaled <= 0:
        raise ValueError(f"not a positive whole number of cents: {amount}")
    return int(scaled)


class _FixedTransfer(SepaTransfer):  # type: ignore[misc]
    """sepaxml's transfer with its three non-deterministic values (message id, creation time, payment-information
    id) replaced by the batch's own."""

    def __init__(self, config: dict[str, Any], message_id: str, created_at: datetime) -> None:
        self._fixed = (message_id, created_at)
        super().__init__(config, schema=PAIN_001, clean=True)

    def _create_header(self) -> None:
        super()._create_header()
        header = self._xml.find("CstmrCdtTrfInitn/GrpHdr")
        message_id, created_at = self._fixed
        header.find("MsgId").text = message_id
        header.find("CreDtTm").text = created_at.strftime("%Y-%m-%dT%H:%M:%S")

    def _finalize_batch(self) -> None:
        super()._finalize_batch()
        for n, node in enumerate(self._xml.iter("PmtInfId"), start=1):
            node.text = f"{self._fixed[0]}-{n}"[:MAX_ID]


def build(message_id: str, created_at: datetime, execution: date, debtor: Debtor, transfers: list[Transfer]) -> bytes:
    """The pain.001 document of one batch, validated. One payment-information block (one execution date)."""
    if not transfers:
        raise ValueError("a batch holds at least one transfer")
    config: dict[str, Any] = {
        "name": debtor.name,
        "IBAN": debtor.iban,
        "batch": True,
        "currency": transfers[0].currency,
    }
    if debtor.bic:
        config["BIC"] = debtor.bic
    doc = _FixedTransfer(config, message_id, created_at)
    for t in sorted(transfers, key=lambda t: t.end_to_end_id):
        payment: dict[str, Any] = {
            "name": t.creditor_name,
            "IBAN": t.iban,
            "amount": cents(t.amount),
            "currency": t.currency,
            "execution_date": execution,
            "description": t.remittance[:MAX_REMITTANCE],
            "endtoend_id": t.end_to_end_id,
        }
        if t.bic:
            payment["BIC"] = t.bic
        doc.add_payment(payment)
    out: bytes = doc.export(validate=False)
    validate(out)
    return out


@cache
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMA_DIR / f"{PAIN_001}.xsd")


def validate(document: bytes) -> None:
    """Refuse a document the XSD refuses. The reason names the path, never the values (they hold IBANs)."""
    errors = list(schema().iter_errors(document.decode()))
    if errors:
        first = errors[0]
        raise InvalidFile(f"pain.001 does not validate: {len(errors)} error(s), first at {first.path}")


def end_to_end_ids(document: bytes) -> list[str]:
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{PAIN_001}"}
    root = ET.fromstring(document)  # noqa: S314 - our own document, just built
    return [e.text or "" for e in root.iterfind(".//p:CdtTrfTxInf/p:PmtId/p:EndToEndId", ns)]
