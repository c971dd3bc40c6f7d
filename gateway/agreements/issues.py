"""Errors a negotiator can act on: file, line and column, the term, what was expected, and a likely fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from gateway.agreements.yamlpos import Pos, Positioned

# What a pattern means in words; the schema's regular expressions are for machines.
_PATTERN_WORDS = {
    r"^\d{4}-\d{2}-\d{2}$": "a date written YYYY-MM-DD",
    r"^\d+(\.\d{1,2})?$": 'an amount in quotes with at most two decimals, e.g. "10.00"',
    r"^0(\.\d{1,6})?$|^1(\.0{1,6})?$": 'a fraction between 0 and 1 in quotes, e.g. "0.065"',
    r"^\d+(\.\d{1,4})?$": 'hours in quotes, e.g. "3" or "2.5"',
    r"^[a-z][a-z0-9_]*$": "a name in lower case with underscores, e.g. net_hourly_floor",
    r"^[a-z0-9][a-z0-9-]*$": "a name in lower case with dashes, e.g. exactly-three-hours",
}


@dataclass(frozen=True)
class Issue:
    file: str
    pos: Pos
    message: str
    term: str | None = None
    expected: str | None = None
    suggestion: str | None = None
    subject: str = "term"  # what `term` names: a term of an agreement, or an example

    def __str__(self) -> str:
        where = f"{self.file}:{self.pos.line}:{self.pos.column}"
        parts = [f"{where}: " + (f"{self.subject} {self.term}: " if self.term else "") + self.message]
        if self.expected:
            parts.append(f"expected {self.expected}")
        if self.suggestion:
            s = self.suggestion
            parts.append(f"did you mean {s if s.startswith(chr(34)) else repr(s)}?")
        return "; ".join(parts)


def suggest(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def _term_of(path: Sequence[Any], data: Any = None) -> str | None:
    if len(path) >= 2 and path[0] == "terms":
        return str(path[1])
    if len(path) >= 2 and path[0] == "examples" and isinstance(data, dict):
        try:
            return str(data["examples"][path[1]]["name"])
        except (KeyError, IndexError, TypeError):
            return f"#{int(path[1]) + 1}"
    return None


def _subject(path: Sequence[Any]) -> str:
    return "example" if path and path[0] == "examples" else "term"


def _words(schema: dict[str, Any]) -> str | None:
    pattern = schema.get("pattern")
    if pattern in _PATTERN_WORDS:
        return _PATTERN_WORDS[pattern]
    if "description" in schema:
        return str(schema["description"])
    return f"text matching {pattern}" if pattern else None


def _from_error(error: ValidationError, doc: Positioned, file: str) -> list[Issue]:
    path = tuple(error.absolute_path)
    return [
        Issue(i.file, i.pos, i.message, i.term, i.expected, i.suggestion, _subject(path))
        for i in _issues(error, doc, file, path, _term_of(path, doc.data))
    ]


def _issues(error: ValidationError, doc: Positioned, file: str, path: tuple[Any, ...], term: str | None) -> list[Issue]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    if "propertyNames" in error.schema_path:
        key = str(error.instance)
        return [Issue(file, doc.where((*path, key), key=True), f"key {key!r} is not valid", term, _words(schema))]
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        out = []
        for key in sorted(set(error.instance) - set(allowed), key=str):
            out.append(
                Issue(
                    file,
                    doc.where((*path, key), key=True),
                    f"unknown key {key!r}",
                    term,
                    "one of: " + ", ".join(allowed),
                    suggest(str(key), allowed),
                )
            )
        return out
    if kind in ("enum", "const"):
        choices = [str(c) for c in (schema["enum"] if kind == "enum" else [schema["const"]])]
        return [
            Issue(
                file,
                doc.where(path),
                f"{error.instance!r} is not allowed here",
                term,
                "one of: " + ", ".join(choices),
                suggest(str(error.instance), choices),
            )
        ]
    if kind == "type":
        wanted = error.validator_value
        hint = None
        if isinstance(error.instance, int | float) and not isinstance(error.instance, bool) and wanted == "string":
            # YAML reads 10.00 as a float; amounts are text so they stay exact.
            hint = f'"{error.instance}"'
        return [Issue(file, doc.where(path), f"{error.instance!r} has the wrong type", term, f"{wanted}", hint)]
    if kind == "pattern":
        return [Issue(file, doc.where(path), f"{error.instance!r} is not valid", term, _words(schema))]
    if kind == "required":
        return [Issue(file, doc.where(path), error.message, term)]
    return [Issue(file, doc.where(path), error.message, term)]


def schema_issues(validator: Draft202012Validator, doc: Positioned, file: str) -> list[Issue]:
    issues: list[Issue] = []
    for error in validator.iter_errors(doc.data):
        issues.extend(_from_error(error, doc, file))
    for path, pos in doc.duplicates:
        issues.append(
            Issue(
                file,
                pos,
                f"duplicate key {path[-1]!r}: YAML would silently keep only the last",
                _term_of(path, doc.data),
                subject=_subject(path),
            )
        )
    return sorted(issues, key=lambda i: (i.file, i.pos.line, i.pos.column))
