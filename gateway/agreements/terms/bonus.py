"""`bonus`: whether a bonus the platform sends with the shift's end (`bonus`, an amount) is paid. Allowed: it is
paid as its own salary line, on top of everything else, and it never counts towards the hourly floor (the floors
are met by the hourly lines before it: a bonus cannot fill them). Forbidden: it is not paid, and the correction
says so. Without the term, a bonus is the platform's own offer, paid on top the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from gateway.agreements.outcome import Correction, Line, PayLine
from gateway.agreements.payroll import cents
from gateway.agreements.terms.base import InForce, TermValue, provenance

TYPE = "bonus"


@dataclass(frozen=True, slots=True, kw_only=True)
class Bonus(TermValue):
    policy: Literal["allowed", "forbidden"]


def parse(raw: Mapping[str, Any]) -> Bonus:
    return Bonus(**provenance(raw), policy=raw["policy"])


Rule = InForce[Bonus]


def at_settlement(
    rule: Rule | None, amount: Decimal | None, currency: str, corrections: list[Correction], used: list[Line]
) -> PayLine | None:
    """The bonus line, after the floors are met (the caller adds it last), or None."""
    if amount is None or amount <= 0:
        return None
    amount = cents(amount)
    if rule is not None and rule.value.policy == "forbidden":
        used.append(rule.line("bonuses are not paid under this agreement"))
        corrections.append(
            rule.correction(
                "bonus_not_allowed",
                f"the platform sent a bonus of {amount} {currency}, which the agreement does not allow; it is not paid",
                f"{amount} {currency}",
                None,
            )
        )
        return None
    if rule is not None:
        used.append(rule.line("a bonus is paid on top, and never counts towards the hourly floor"))
    term, clause = (
        (rule.term.name, rule.clause) if rule else ("offer", "the bonus the platform sent with the shift's end")
    )
    return PayLine(
        "bonus",
        "bonus",
        term,
        clause,
        rule.since_text if rule else None,
        None,
        None,
        amount,
        "salary",
        f"{amount} {currency} sent by the platform, on top of the hourly pay (it does not count towards the floor)",
    )
