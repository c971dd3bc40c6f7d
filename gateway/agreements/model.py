"""Agreements as data: terms with dated values, each carrying its clause."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from gateway.agreements.dated import Dated
from gateway.agreements.payroll import PayrollProfile


class AgreementError(Exception):
    """An agreement or payroll profile that cannot be used; the message names the file and the term."""


@dataclass(frozen=True)
class Term:
    name: str
    type: str
    clause: str
    note: str
    enforcement: str  # "amend" or "reject"
    values: Dated[dict[str, Any]]


@dataclass(frozen=True)
class Agreement:
    id: str
    title: str
    version: str
    signed_on: date
    country: str
    currency: str
    timezone: ZoneInfo
    profile: PayrollProfile
    terms: dict[str, Term]
    sources: list[str] = field(default_factory=list)
    _by_type: dict[str, Term] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for t in self.terms.values():
            if t.type in self._by_type:
                raise AgreementError(
                    f"agreement {self.id!r}: terms {self._by_type[t.type].name!r} and {t.name!r} are both of "
                    f"type {t.type!r}; merge them (dated values) so no two rules compete"
                )
            self._by_type[t.type] = t

    def term(self, type_: str) -> Term | None:
        return self._by_type.get(type_)

    @property
    def effective_from(self) -> date:
        firsts = [t.values.first for t in self.terms.values() if t.values.first is not None]
        return min(firsts) if firsts else self.signed_on
