"""`insurance`: what the rider is insured for and by whom; stated on every settlement (nothing to compute)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from gateway.agreements.outcome import Line
from gateway.agreements.terms.base import InForce, TermValue, provenance

TYPE = "insurance"


@dataclass(frozen=True, slots=True, kw_only=True)
class Insurance(TermValue):
    cover: tuple[str, ...]
    insurer: Literal["cooperative", "platform"]


def parse(raw: Mapping[str, Any]) -> Insurance:
    return Insurance(**provenance(raw), cover=tuple(str(c) for c in raw["cover"]), insurer=raw["insurer"])


Rule = InForce[Insurance]


def at_settlement(rule: Rule | None, used: list[Line]) -> str | None:
    if rule is None:
        return None
    text, line = rule.memo("used", lambda: _worded(rule))
    used.append(line)
    return text


def _worded(rule: Rule) -> tuple[str, Line]:
    text = f"{', '.join(rule.value.cover)} by the {rule.value.insurer} ({rule.term.name}, {rule.clause})"
    return text, rule.line(text)
