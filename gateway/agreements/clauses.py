"""Every clause accounted for: an agreement (or an amendment) lists the clauses of its signed text, and each is
either enforced by a term or marked `not_enforced` with the reason. A clause nobody wrote a term for would
otherwise be silently left out of the gateway, which is what the list exists to prevent.

The matching rule: a term (or one of its dated values) enforces a listed clause when its `clause` text is the
clause's `ref` or starts with it followed by something other than a letter or digit ("§3 Hourly pay, minimum wage"
enforces "§3"; "§30" does not). When several refs match ("Art. 3" and "Art. 3.1"), the longest wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gateway.agreements.yamlpos import Path_


@dataclass(frozen=True)
class Clause:
    ref: str
    title: str
    not_enforced: str | None
    file: str  # the file that lists it: the agreement or the amendment that added it


@dataclass(frozen=True)
class Listed:
    """A clause as one file lists it, with where it is written."""

    clause: Clause
    where: Path_


@dataclass(frozen=True)
class Cited:
    """A clause text a term (or a dated value) gives, with where it is written."""

    text: str
    term: str
    where: Path_


@dataclass
class FileClauses:
    """One file's own list (None when the file has no `clauses:` key) and the clause texts its terms cite."""

    listed: list[Listed] | None
    cited: list[Cited] = field(default_factory=list)


def matches(ref: str, text: str) -> bool:
    if not text.startswith(ref):
        return False
    rest = text[len(ref) :]
    return not rest or not rest[0].isalnum()


def best(refs: Iterable[str], text: str) -> str | None:
    """The listed ref a clause text enforces (the longest that matches), or None."""
    found = [r for r in refs if matches(r, text)]
    return max(found, key=len) if found else None


def listed_of(data: dict[str, Any], file: str) -> list[Listed] | None:
    items = data.get("clauses")
    if not isinstance(items, list):
        return None
    return [
        Listed(Clause(str(c["ref"]), str(c["title"]), c.get("not_enforced"), file), ("clauses", i))
        for i, c in enumerate(items)
    ]


def cited_of(data: dict[str, Any]) -> list[Cited]:
    """Every clause text the file's terms give: each term's own and each dated value's."""
    out: list[Cited] = []
    for name, t in data.get("terms", {}).items():
        out.append(Cited(str(t["clause"]), str(name), ("terms", name, "clause")))
        for day, value in t.get("values", {}).items():
            if isinstance(value, dict) and "clause" in value:
                out.append(Cited(str(value["clause"]), str(name), ("terms", name, "values", day, "clause")))
    return out
