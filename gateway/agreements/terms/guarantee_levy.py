"""`guarantee_levy`: the share of the invoice (or of the cost) that funds the guarantee fund. At settlement it
turns the shift's cost into the levy and the invoice to the platform."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from gateway.agreements.outcome import Line
from gateway.agreements.payroll import cents
from gateway.agreements.terms.base import ZERO, InForce, TermValue, provenance

TYPE = "guarantee_levy"


@dataclass(frozen=True, slots=True, kw_only=True)
class GuaranteeLevy(TermValue):
    rate: Decimal
    levied_on: Literal["invoice_excl_vat", "cost"]


def parse(raw: Mapping[str, Any]) -> GuaranteeLevy:
    return GuaranteeLevy(**provenance(raw), rate=Decimal(raw["rate"]), levied_on=raw["levied_on"])


Rule = InForce[GuaranteeLevy]


def at_settlement(rule: Rule | None, cost: Decimal, used: list[Line]) -> tuple[Decimal, Decimal]:
    """(levy, invoice total excl. VAT). On the invoice: invoice = cost / (1 - rate), so levy = rate × invoice."""
    if rule is None or cost == 0:
        return ZERO, cost
    rate = rule.value.rate
    if rule.value.levied_on == "invoice_excl_vat":
        invoice = cents(cost / (1 - rate))
        used.append(
            rule.memo("used", lambda: rule.line(f"{rate} of the invoice excl. VAT: invoice = cost / (1 - {rate})"))
        )
        return invoice - cost, invoice
    levy = cents(cost * rate)
    used.append(rule.memo("used", lambda: rule.line(f"{rate} of the cost")))
    return levy, cost + levy
