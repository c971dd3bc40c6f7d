"""Errors a negotiator can act on: file, line and column, the term, what was expected, and a likely fix."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from gateway.agreements.yamlpos import Pos, Positioned

# What a pattern means in words; the schema's regular expressions are for machines.
_PATTERN_WORDS = {
    r"^\d{4}-\d{2}-\d{2}$": "a date written YYYY-MM-DD",
    r"^\d+(\.\d{1,2})?$": 'an amount in quotes with at most two decimals, e.g. "10.00"',
    r"^0(\.\d{1,6})?$|^1(\.0{1,6})?$": 'a fraction between 0 and 1 in quotes, e.g. "0.065"',
    r"^\d+(\.\d{1,4})?$": 'hours in quotes, e.g. "3" or "2.5"',
    r"^[a-z][a-z0-9_]*$": "a name in lower case with underscores, e.g. net_hourly_floor",
    r"^[a-z0-9][a-z0-9-]*$": "a name in lower case with dashes, e.g. exactly-three-hours",
    r"^([01]\d|2[0-3]):[0-5]\d$": 'a time of day in quotes, two digits each, from "00:00" to "23:59", e.g. "07:00"',
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
        # The schema's description is a sentence of its own; after "expected" it reads as the rest of one.
        said = str(schema["description"]).rstrip(".")
        return said[:1].lower() + said[1:]
    return f"text matching {pattern}" if pattern else None


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "object": "keys with values (key: value)",
    "array": "a list",
    "null": "null",
    "boolean": "true or false",
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _negative(value: Any, schema: dict[str, Any]) -> bool:
    """A decimal string that breaks its pattern only by its minus sign: say that, not "is not valid"."""
    pattern = schema.get("pattern")
    return (
        isinstance(value, str)
        and value.startswith("-")
        and isinstance(pattern, str)
        and re.search(pattern, value[1:]) is not None
    )


def _type_issue(error: ValidationError, doc: Positioned, file: str, path: tuple[Any, ...], term: str | None) -> Issue:
    wanted = error.validator_value
    value = error.instance
    where = doc.where(path)
    if _is_number(value) and wanted == "string":
        # YAML reads 12.00 as the float 12.0; amounts are text so they stay exact. Quote what was written.
        written = doc.plain.get(path, str(value))
        if written.startswith("-"):
            return Issue(
                file, where, f'{written} must not be negative; write amounts in quotes, like "{written[1:]}"', term
            )
        return Issue(file, where, f'{written} is a number without quotes: write it in quotes, like "{written}"', term)
    if isinstance(value, str) and wanted in ("integer", "number") and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return Issue(file, where, f"{value!r} is in quotes: write this number without them, like {value}", term)
    names = wanted if isinstance(wanted, list) else [wanted]
    expected = " or ".join(_TYPE_WORDS.get(str(n), str(n)) for n in names)
    return Issue(file, where, f"{value!r} has the wrong type", term, expected)


def _alternative_keys(branches: Any) -> list[str] | None:
    if not isinstance(branches, list) or not branches:
        return None
    if not all(isinstance(b, dict) and set(b) == {"required"} and len(b["required"]) == 1 for b in branches):
        return None
    return [str(b["required"][0]) for b in branches]


def _from_error(error: ValidationError, doc: Positioned, file: str) -> list[Issue]:
    path = tuple(error.absolute_path)
    return [
        Issue(i.file, i.pos, i.message, i.term, i.expected, i.suggestion, _subject(path))
        for i in _issues(error, doc, file, path, _term_of(path, doc.data))
    ]


def _issues(error: ValidationError, doc: Positioned, file: str, path: tuple[Any, ...], term: str | None) -> list[Issue]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    alternatives = _alternative_keys(schema.get(str(kind))) if kind in ("oneOf", "anyOf") else None
    if alternatives:
        # Branches that only require one key each: "give one of these", not the first branch's missing key.
        given = [k for k in alternatives if isinstance(error.instance, dict) and k in error.instance]
        said = "give only one of" if given else "give one of"
        return [Issue(file, doc.where(path), f"{said}: {', '.join(alternatives)}", term)]
    if kind in ("oneOf", "anyOf") and error.context:
        # Every branch failed: jsonschema reports each; the one that went deepest is the mistake to name.
        found = best_match(error.context)
        return _issues(found, doc, file, tuple(found.absolute_path), term)
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
        return [_type_issue(error, doc, file, path, term)]
    if kind == "pattern":
        if _negative(error.instance, schema):
            # One thing is wrong, the sign: what is expected of the rest was met.
            return [Issue(file, doc.where(path), f"{error.instance!r} must not be negative", term)]
        return [Issue(file, doc.where(path), f"{error.instance!r} is not valid", term, _words(schema))]
    if kind == "minLength" and error.instance == "":
        return [Issue(file, doc.where(path), "must not be empty", term, _words(schema))]
    if kind == "required":
        return [Issue(file, doc.where(path), error.message, term)]
    return [Issue(file, doc.where(path), error.message, term)]


# Errors that follow from an unknown key at the same place (a misspelt required key is also a missing one): with
# the unknown key named and a suggestion made, they would only repeat the one mistake.
_CONSEQUENCES = ("required", "oneOf", "anyOf", "dependentRequired")


def _one_per_mistake(errors: list[ValidationError]) -> list[ValidationError]:
    unknown = {tuple(e.absolute_path) for e in errors if e.validator == "additionalProperties"}
    return [e for e in errors if not (e.validator in _CONSEQUENCES and tuple(e.absolute_path) in unknown)]


def schema_issues(validator: Draft202012Validator, doc: Positioned, file: str) -> list[Issue]:
    issues: list[Issue] = []
    for error in _one_per_mistake(list(validator.iter_errors(doc.data))):
        issues.extend(_from_error(error, doc, file))
    issues = list(dict.fromkeys(issues))
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
