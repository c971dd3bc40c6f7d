"""Agreements as data: terms with dated values, each carrying its clause."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from gateway.agreements.dated import Dated
from gateway.agreements.payroll import PayrollProfile

if TYPE_CHECKING:
    from gateway.agreements.clauses import Clause
    from gateway.agreements.issues import Issue
    from gateway.agreements.terms.base import TermValue


class AgreementError(Exception):
    """An agreement or payroll profile that cannot be used; the message names the file and the term."""

    def __init__(self, message: str, issues: list[Issue] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or []


@dataclass(frozen=True)
class Term:
    """One rule. Every dated value carries its own `clause`, `note`, `enforcement` and `version` (the loader
    fills them from the term, or from the amendment that set the value), so an amendment can change any of them
    from a date without editing the signed file. Values are typed at load, one class per term type
    (`gateway.agreements.terms`)."""

    name: str
    type: str
    clause: str
    note: str
    enforcement: str  # "amend" or "reject"
    values: Dated[TermValue]


@dataclass(frozen=True)
class Amendment:
    version: str
    title: str
    signed_on: date
    file: str
    terms: tuple[str, ...]
    first_date: date


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
    starts_on: date | None = None
    base_version: str | None = None
    amendments: tuple[Amendment, ...] = ()
    parties: tuple[str, ...] = ()
    # The signed text's clauses in order (the agreement's, then each amendment's); empty for an older file
    # without a `clauses:` list. Each is enforced by the terms whose clause starts with its ref, or not_enforced.
    clauses: tuple[Clause, ...] = ()
    _by_type: dict[str, Term] = field(default_factory=dict, repr=False, compare=False)
    # Terms resolved per day, filled by the engine: a frozen agreement never changes, so neither do they.
    _resolved: dict[date, Any] = field(default_factory=dict, repr=False, compare=False)

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
        if self.starts_on is not None:
            return self.starts_on
        firsts = [t.values.first for t in self.terms.values() if t.values.first is not None]
        return min(firsts) if firsts else self.signed_on

    def version_at(self, day: date) -> str:
        """The version that governs `day`: the signed one, or the latest amendment already in effect."""
        version = self.base_version or self.version
        for a in self.amendments:
            if a.first_date <= day:
                version = a.version
        return version
