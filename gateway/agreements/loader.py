"""Read agreement, amendment and payroll files (YAML), check them against their JSON Schemas and the timeline,
and build the model. Every problem is collected (not just the first), with its file, line and column."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from gateway.agreements import terms
from gateway.agreements.clauses import FileClauses, best, cited_of, listed_of
from gateway.agreements.dated import Dated
from gateway.agreements.issues import Issue, schema_issues, suggest
from gateway.agreements.model import Agreement, AgreementError, Amendment, Term
from gateway.agreements.payroll import PayrollProfile, StudentRates, YouthScale
from gateway.agreements.terms.base import TermValue, TermValueError
from gateway.agreements.yamlpos import Pos, Positioned, YamlSyntaxError, read

AGREEMENT_SCHEMA = "agreement.schema.json"
AMENDMENT_SCHEMA = "amendment.schema.json"
EXAMPLES_SCHEMA = "examples.schema.json"
PAYROLL_SCHEMA = "payroll.schema.json"
SCHEMA_BASE = "https://gig-gateway.dev/schemas/"


def shown(path: Path) -> str:
    """A path as a negotiator would type it: relative to the working directory when below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


@cache
def _registry(schema_dir: Path) -> Registry:
    resources = []
    for p in sorted(schema_dir.glob("*.schema.json")):
        contents = json.loads(p.read_text(encoding="utf-8"))
        resources.append((SCHEMA_BASE + p.name, Resource.from_contents(contents)))
    return Registry().with_resources(resources)


@cache
def validator(schema_dir: Path, name: str) -> Draft202012Validator:
    path = schema_dir / name
    if not path.is_file():
        raise AgreementError(f"{shown(path)}: schema not found")
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry(schema_dir))


def mandatory_types(schema_dir: Path) -> list[str]:
    return list(validator(schema_dir, AGREEMENT_SCHEMA).schema.get("x-mandatory-term-types", []))


@dataclass
class Reader:
    """Reads files and gathers the issues; a document with issues is not built further."""

    schema_dir: Path
    issues: list[Issue] = field(default_factory=list)

    def read(self, path: Path, schema: str) -> Positioned | None:
        """The document when it is valid YAML and meets its schema; otherwise None (and the issues)."""
        doc, ok = self.read_any(path, schema)
        return doc if ok else None

    def read_any(self, path: Path, schema: str) -> tuple[Positioned | None, bool]:
        """The document even when it breaks the schema (so later checks can still report), and whether it is valid."""
        try:
            doc = read(path)
        except YamlSyntaxError as exc:
            self.issues.append(Issue(shown(path), exc.pos, exc.message))
            return None, False
        except OSError as exc:
            self.issues.append(Issue(shown(path), Pos(1, 1), f"cannot read the file: {exc.strerror}"))
            return None, False
        found = schema_issues(validator(self.schema_dir, schema), doc, shown(path))
        self.issues.extend(found)
        return doc, not found

    def add(self, path: Path, doc: Positioned, where: tuple[str | int, ...], message: str, **kw: Any) -> None:
        term = str(where[1]) if len(where) >= 2 and where[0] == "terms" else None
        self.issues.append(Issue(shown(path), doc.where(where, key=True), message, term, **kw))

    def day(self, path: Path, doc: Positioned, where: tuple[str | int, ...], text: str) -> date | None:
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.add(path, doc, where, f"{text!r} is not a calendar date", expected="a real date written YYYY-MM-DD")
            return None


def _dated(
    rd: Reader, path: Path, doc: Positioned, where: tuple[str | int, ...], convert: Callable[[Any], Any]
) -> dict[date, Any] | None:
    node = doc.data
    for k in where:
        node = node[k]
    out: dict[date, Any] = {}
    ok = True
    for text, value in node.items():
        d = rd.day(path, doc, (*where, text), str(text))
        if d is None:
            ok = False
            continue
        try:
            out[d] = None if value is None else convert(value)
        except TermValueError as exc:
            rd.add(path, doc, (*where, text, *exc.at), exc.message)
            ok = False
    return out if ok else None


def load_profile(path: Path, schema_dir: Path, rd: Reader | None = None) -> PayrollProfile | None:
    rd = rd or Reader(schema_dir)
    doc = rd.read(path, PAYROLL_SCHEMA)
    if doc is None:
        return None
    p = doc.data["parameters"]
    params = {k: _dated(rd, path, doc, ("parameters", k, "values"), Decimal) for k in p if k in DECIMAL_PARAMS}
    student = (
        _dated(rd, path, doc, ("parameters", "student_solidarity", "values"), _student)
        if "student_solidarity" in p
        else {}
    )
    youth = _dated(rd, path, doc, ("parameters", "youth_minimum", "values"), _youth) if "youth_minimum" in p else {}
    if any(v is None for v in params.values()) or student is None or youth is None:
        return None
    known_text = p["statutory_minimum_hourly"].get("known_until")
    known = None
    if known_text is not None:
        known = rd.day(path, doc, ("parameters", "statutory_minimum_hourly", "known_until"), known_text)
        if known is None:
            return None
    return PayrollProfile(
        id=doc.data["id"],
        country=doc.data["country"],
        currency=doc.data["currency"],
        employee_social_security=Dated(params["employee_social_security"] or {}),
        employer_contributions=Dated(params["employer_contributions"] or {}),
        withholding=Dated(params["withholding"] or {}),
        statutory_minimum_hourly=Dated(params["statutory_minimum_hourly"] or {}),
        sources={k: v["source"] for k, v in p.items()},
        statutory_known_until=known,
        student_solidarity=Dated({d: f and f(d) for d, f in student.items()}) if student else None,
        youth_minimum=Dated({d: f and f(d) for d, f in youth.items()}) if youth else None,
    )


# The payroll parameters that are one decimal a date; the others (student_solidarity, youth_minimum) are records.
DECIMAL_PARAMS = ("employee_social_security", "employer_contributions", "withholding", "statutory_minimum_hourly")


def _student(value: dict[str, Any]) -> Callable[[date], StudentRates]:
    return lambda since: StudentRates(
        Decimal(value["employee"]), Decimal(value["employer"]), Decimal(value["quota_hours"]), since
    )


def _youth(value: dict[str, Any]) -> Callable[[date], YouthScale]:
    # Oldest first, so the scale reads down from the adult share (the schema requires "21": "1").
    by_age = tuple(sorted(((int(a), Decimal(v)) for a, v in value["by_age"].items()), reverse=True))
    return lambda since: YouthScale(value["applies_to"], by_age, since)


def _provenance(term: dict[str, Any], version: str) -> Callable[[Any], TermValue]:
    """Each dated value carries its clause, note, enforcement and version, defaulting to its term's, and is
    parsed into its term type's typed value (the schema has already checked its shape)."""

    def fill(value: dict[str, Any]) -> TermValue:
        return terms.parse(
            term["type"],
            {
                "clause": term["clause"],
                "note": term.get("note", ""),
                "enforcement": term.get("enforcement", "amend"),
                **value,
                "version": version,
            },
        )

    return fill


@dataclass
class _Draft:
    """An agreement being assembled: its terms' dated values, before amendments are laid over them."""

    path: Path
    doc: Positioned
    types: dict[str, str]
    heads: dict[str, dict[str, Any]]
    values: dict[str, dict[date, Any]]
    origin: dict[tuple[str, date], str] = field(default_factory=dict)
    # The agreement's clause list and citations first, then each amendment's, in the order they are laid over.
    clauses: list[tuple[Path, Positioned, FileClauses]] = field(default_factory=list)


def _shape_free_checks(rd: Reader, path: Path, doc: Positioned) -> None:
    """Checks that need no valid shape (dates, time zone), run even when the schema failed: all errors at once."""
    data = doc.data if isinstance(doc.data, dict) else {}
    for key in ("signed_on", "effective_from"):
        if isinstance(data.get(key), str):
            rd.day(path, doc, (key,), data[key])
    if isinstance(data.get("timezone"), str):
        _zone(rd, path, doc, data["timezone"])
    terms = data.get("terms")
    for name, t in terms.items() if isinstance(terms, dict) else ():
        values = t.get("values") if isinstance(t, dict) else None
        for text in values if isinstance(values, dict) else ():
            if isinstance(text, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                rd.day(path, doc, ("terms", name, "values", text), text)


def _zone(rd: Reader, path: Path, doc: Positioned, name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        rd.add(path, doc, ("timezone",), f"{name!r} is not an IANA time zone", expected="e.g. Europe/Brussels")
        return None


def _base(rd: Reader, path: Path, profiles: dict[str, PayrollProfile]) -> tuple[_Draft, dict[str, Any]] | None:
    doc, ok = rd.read_any(path, AGREEMENT_SCHEMA)
    if doc is None:
        return None
    if not ok:
        _shape_free_checks(rd, path, doc)
        return None
    data = doc.data
    before = len(rd.issues)
    meta: dict[str, Any] = {"signed_on": rd.day(path, doc, ("signed_on",), data["signed_on"])}
    if "effective_from" in data:
        meta["starts_on"] = rd.day(path, doc, ("effective_from",), data["effective_from"])
    meta["timezone"] = _zone(rd, path, doc, data["timezone"])
    profile = profiles.get(data["payroll_profile"])
    if profile is None:
        rd.add(
            path,
            doc,
            ("payroll_profile",),
            f"payroll profile {data['payroll_profile']!r} not found under payroll/",
            expected="one of: " + ", ".join(sorted(profiles)),
            suggestion=suggest(data["payroll_profile"], profiles),
        )
    elif profile.currency != data["currency"]:
        rd.add(
            path,
            doc,
            ("currency",),
            f"{data['currency']} differs from payroll profile {profile.id}'s {profile.currency}",
        )
    meta["profile"] = profile
    draft = _Draft(path, doc, {}, {}, {})
    draft.clauses.append((path, doc, FileClauses(listed_of(data, shown(path)), cited_of(data))))
    seen_types: dict[str, str] = {}
    for name, t in data["terms"].items():
        if t["type"] in seen_types:
            rd.add(
                path,
                doc,
                ("terms", name),
                f"a second term of type {t['type']} (the first is {seen_types[t['type']]})",
                expected="one term per type, its changes as dated values, so no two rules compete",
            )
        seen_types[t["type"]] = name
        values = _dated(rd, path, doc, ("terms", name, "values"), _provenance(t, data["version"]))
        if values is not None:
            draft.types[name], draft.heads[name], draft.values[name] = t["type"], t, values
            draft.origin.update({(name, d): shown(path) for d in values})
    return (draft, meta) if len(rd.issues) == before else None


def _overlay(rd: Reader, draft: _Draft, path: Path, agreement_id: str) -> Amendment | None:
    """Lay one amendment over the draft: each named term takes the amendment's values from their first date."""
    doc = rd.read(path, AMENDMENT_SCHEMA)
    if doc is None:
        return None
    data = doc.data
    before = len(rd.issues)
    if data["amends"] != agreement_id:
        rd.add(path, doc, ("amends",), f"this file amends {data['amends']!r}, not {agreement_id!r}")
    signed = rd.day(path, doc, ("signed_on",), data["signed_on"])
    firsts: list[date] = []
    for name, t in data["terms"].items():
        if name in draft.types and draft.types[name] != t["type"]:
            rd.add(path, doc, ("terms", name, "type"), f"is {t['type']} here but {draft.types[name]} in the agreement")
            continue
        values = _dated(rd, path, doc, ("terms", name, "values"), _provenance(t, data["version"]))
        if not values:
            continue
        start = min(values)
        firsts.append(start)
        later = sorted(
            d for d in draft.values.get(name, {}) if d >= start and draft.origin[(name, d)] != shown(draft.path)
        )
        if later:
            rd.add(
                path,
                doc,
                ("terms", name),
                f"overlaps {draft.origin[(name, later[0])]}, which already changes this term from {later[0]}",
                expected=f"a first date after {later[-1]}, or one amendment that says both",
            )
            continue
        kept = {d: v for d, v in draft.values.get(name, {}).items() if d < start}
        draft.values[name] = {**kept, **values}
        draft.types[name] = t["type"]
        draft.heads.setdefault(name, t)
        draft.origin.update({(name, d): shown(path) for d in values})
    if len(rd.issues) != before or signed is None or not firsts:
        return None
    draft.clauses.append((path, doc, FileClauses(listed_of(data, shown(path)), cited_of(data))))
    return Amendment(data["version"], data["title"], signed, shown(path), tuple(data["terms"]), min(firsts))


def _timeline(rd: Reader, draft: _Draft, starts: date) -> None:
    """Nothing may apply before the agreement starts; mandatory terms hold from its start without a gap."""
    for name, values in draft.values.items():
        first = min(values)
        if first < starts:
            rd.add(
                draft.path,
                draft.doc,
                ("terms", name, "values", first.isoformat()),
                f"takes effect on {first}, before the agreement starts ({starts})",
                expected=f"a date on or after {starts}",
            )
    ends = [max(values) for values in draft.values.values() if values[max(values)] is not None]
    agreement_open = bool(ends)
    for type_ in mandatory_types(rd.schema_dir):
        names = [n for n, t in draft.types.items() if t == type_]
        if not names:
            rd.issues.append(
                Issue(shown(draft.path), Pos(1, 1), f"no term of type {type_}, which every agreement must have", None)
            )
            continue
        name = names[0]
        values = draft.values[name]
        if min(values) > starts:
            rd.add(
                draft.path,
                draft.doc,
                ("terms", name),
                f"gap: the agreement starts {starts} but this mandatory term only from {min(values)}",
                expected=f"a value dated {starts}",
            )
        for d, v in sorted(values.items()):
            if v is None and (agreement_open or any(w is not None for e, w in values.items() if e > d)):
                rd.add(
                    draft.path,
                    draft.doc,
                    ("terms", name),
                    f"gap: this mandatory term ends on {d} ({draft.origin[(name, d)]}) while the agreement goes on",
                    expected="a value in place of null, or every term ended on the same date",
                )


def _check_clauses(rd: Reader, draft: _Draft) -> None:
    """Every clause accounted for: each term cites a listed clause, each listed clause is enforced by a term or
    says why not. An amendment may cite the agreement's clauses as well as its own. A file without a list (an older
    agreement, an amendment that only changes values under its own articles) is not checked: there is no list a
    clause could be missing from. Its terms still enforce the clauses other files list."""
    base_refs = [ls.clause.ref for ls in draft.clauses[0][2].listed or []]
    every_ref = [ls.clause.ref for _, _, f in draft.clauses for ls in f.listed or []]
    cited = [c for _, _, f in draft.clauses for c in f.cited]
    for i, (path, doc, f) in enumerate(draft.clauses):
        own = [ls.clause for ls in f.listed or []]
        allowed = [c.ref for c in own] + (base_refs if i else [])
        if f.listed is None:
            continue
        _twice(rd, path, doc, f)
        titled = {f"{c.ref} {c.title}": c.ref for c in own}
        # A listed clause a misspelt citation was meant for: that one mistake is said once, at the citation.
        meant: set[str] = set()
        for c in f.cited:
            if best(allowed, c.text) is None:
                suggestion = suggest(c.text, titled)
                if suggestion is not None:
                    meant.add(titled[suggestion])
                rd.add(
                    path,
                    doc,
                    c.where,
                    f"clause {c.text!r} is not in the list of clauses",
                    expected="a clause text that starts with a listed ref: " + ", ".join(allowed),
                    suggestion=suggestion,
                )
        for listed in f.listed or []:
            ref = listed.clause.ref
            by = [c.term for c in cited if best(every_ref, c.text) == ref]
            if not by and listed.clause.not_enforced is None and ref not in meant:
                rd.add(
                    path,
                    doc,
                    listed.where,
                    f"clause {ref} ({listed.clause.title}) is enforced by no term and not marked not_enforced",
                    expected=f'a term whose clause starts with "{ref}", or not_enforced: "the reason the gateway '
                    'does not enforce it"',
                )
            elif by and listed.clause.not_enforced is not None:
                rd.add(
                    path,
                    doc,
                    listed.where,
                    f"clause {ref} is marked not_enforced but term {by[0]} enforces it",
                    expected="no not_enforced on a clause a term enforces, or another clause for that term",
                )


def _twice(rd: Reader, path: Path, doc: Positioned, f: FileClauses) -> None:
    seen: set[str] = set()
    for listed in f.listed or []:
        if listed.clause.ref in seen:
            rd.add(path, doc, listed.where, f"clause {listed.clause.ref} is listed twice")
        seen.add(listed.clause.ref)


def _finish(draft: _Draft, meta: dict[str, Any], amendments: list[Amendment]) -> Agreement:
    data = draft.doc.data
    terms = {
        name: Term(
            name=name,
            type=draft.types[name],
            clause=draft.heads[name]["clause"],
            note=draft.heads[name].get("note", ""),
            enforcement=draft.heads[name].get("enforcement", "amend"),
            values=Dated(values),
        )
        for name, values in draft.values.items()
    }
    return Agreement(
        id=data["id"],
        title=data["title"],
        version=amendments[-1].version if amendments else data["version"],
        signed_on=meta["signed_on"],
        country=data["country"],
        currency=data["currency"],
        timezone=meta["timezone"],
        profile=meta["profile"],
        terms=terms,
        sources=list(data.get("sources", [])),
        starts_on=meta.get("starts_on") or min(min(v) for v in draft.values.values()),
        base_version=data["version"],
        amendments=tuple(sorted(amendments, key=lambda a: a.first_date)),
        parties=tuple(data.get("parties", [])),
        clauses=tuple(listed.clause for _, _, f in draft.clauses for listed in f.listed or []),
    )


def amendment_files(folder: Path) -> list[Path]:
    return sorted((folder / "amendments").glob("*.yaml"))


def build_agreement(
    rd: Reader, path: Path, profiles: dict[str, PayrollProfile], extra: list[Path] | None = None
) -> Agreement | None:
    """The agreement at `path` with its signed amendments (and `extra` ones, e.g. a proposal to compare)."""
    before = len(rd.issues)
    base = _base(rd, path, profiles)
    if base is None:
        return None
    draft, meta = base
    agreement_id = draft.doc.data["id"]
    amendments = [_overlay(rd, draft, p, agreement_id) for p in [*amendment_files(path.parent), *(extra or [])]]
    starts = meta.get("starts_on") or min(min(v) for v in draft.values.values())
    _timeline(rd, draft, starts)
    _check_clauses(rd, draft)
    if len(rd.issues) != before:
        return None
    return _finish(draft, meta, [a for a in amendments if a is not None])


def load_agreement(path: Path, profiles: dict[str, PayrollProfile], schema_dir: Path) -> Agreement:
    rd = Reader(schema_dir)
    agreement = build_agreement(rd, path, profiles)
    if agreement is None:
        raise _error(rd.issues)
    return agreement


def _error(issues: list[Issue]) -> AgreementError:
    n = len(issues)
    head = f"{n} problem{'s' if n != 1 else ''} in the agreements:\n"
    return AgreementError(head + "\n".join(f"  {i}" for i in issues), issues)


def load_profiles(directory: Path, rd: Reader) -> dict[str, PayrollProfile]:
    profiles: dict[str, PayrollProfile] = {}
    for p in sorted((directory / "payroll").glob("*.yaml")):
        prof = load_profile(p, directory, rd)
        if prof is not None:
            profiles[prof.id] = prof
    return profiles


class AgreementBook:
    """Every agreement under a directory, loaded and validated once at start."""

    def __init__(self, agreements: dict[str, Agreement], directory: Path | None = None) -> None:
        self._agreements = agreements
        self.directory = directory

    @classmethod
    def load(cls, directory: Path) -> AgreementBook:
        """Load everything, or raise AgreementError listing every problem with its file, line and column."""
        if not directory.is_dir():
            raise AgreementError(f"{directory}: agreements directory not found")
        rd = Reader(directory)
        profiles = load_profiles(directory, rd)
        agreements: dict[str, Agreement] = {}
        for p in sorted(directory.glob("*/agreement.yaml")):
            a = build_agreement(rd, p, profiles)
            if a is None:
                continue
            if a.id != p.parent.name:
                rd.issues.append(
                    Issue(shown(p), Pos(1, 1), f"id {a.id!r} must match its folder name {p.parent.name!r}")
                )
                continue
            agreements[a.id] = a
        if rd.issues:
            raise _error(rd.issues)
        return cls(agreements, directory)

    def get(self, agreement_id: str) -> Agreement | None:
        return self._agreements.get(agreement_id)

    def ids(self) -> list[str]:
        return sorted(self._agreements)
