"""Read agreement and payroll files (YAML), validate them against their JSON Schemas, build the model."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from jsonschema import Draft202012Validator

from gateway.agreements.dated import Dated
from gateway.agreements.model import Agreement, AgreementError, Term
from gateway.agreements.payroll import PayrollProfile


class _StrictLoader(yaml.SafeLoader):
    """YAML with dates kept as strings (the schema checks them) and duplicate keys refused."""


_StrictLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            mark = key_node.start_mark
            raise AgreementError(f"{mark.name}:{mark.line + 1}:{mark.column + 1}: duplicate key {key!r}")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise AgreementError(f"{path}: not valid YAML: {exc}") from exc


@cache
def _validator(schema_path: Path) -> Draft202012Validator:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate(doc: Any, schema_path: Path, path: Path) -> None:
    errors = sorted(_validator(schema_path).iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{path}: {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors]
        raise AgreementError("\n".join(lines))


def _date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise AgreementError(f"{where}: {text!r} is not a date (YYYY-MM-DD)") from exc


def _dated(values: dict[str, Any], where: str, convert: Any = lambda v: v) -> Dated[Any]:
    return Dated({_date(k, where): (None if v is None else convert(v)) for k, v in values.items()})


def load_profile(path: Path, schema_dir: Path) -> PayrollProfile:
    doc = read_yaml(path)
    validate(doc, schema_dir / "payroll.schema.json", path)
    p = doc["parameters"]
    return PayrollProfile(
        id=doc["id"],
        country=doc["country"],
        currency=doc["currency"],
        employee_social_security=_dated(p["employee_social_security"]["values"], str(path), Decimal),
        employer_contributions=_dated(p["employer_contributions"]["values"], str(path), Decimal),
        withholding=_dated(p["withholding"]["values"], str(path), Decimal),
        statutory_minimum_hourly=_dated(p["statutory_minimum_hourly"]["values"], str(path), Decimal),
        sources={k: v["source"] for k, v in p.items()},
    )


def load_agreement(path: Path, profiles: dict[str, PayrollProfile], schema_dir: Path) -> Agreement:
    doc = read_yaml(path)
    validate(doc, schema_dir / "agreement.schema.json", path)
    profile = profiles.get(doc["payroll_profile"])
    if profile is None:
        raise AgreementError(f"{path}: payroll_profile {doc['payroll_profile']!r} is not in {sorted(profiles)}")
    if profile.currency != doc["currency"]:
        raise AgreementError(
            f"{path}: currency {doc['currency']} differs from the payroll profile's {profile.currency}"
        )
    try:
        tz = ZoneInfo(doc["timezone"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AgreementError(f"{path}: timezone {doc['timezone']!r} is not an IANA time zone") from exc
    terms = {
        name: Term(
            name=name,
            type=t["type"],
            clause=t["clause"],
            note=t.get("note", ""),
            enforcement=t.get("enforcement", "amend"),
            values=_dated(t["values"], f"{path}: terms/{name}"),
        )
        for name, t in doc["terms"].items()
    }
    return Agreement(
        id=doc["id"],
        title=doc["title"],
        version=doc["version"],
        signed_on=_date(doc["signed_on"], f"{path}: signed_on"),
        country=doc["country"],
        currency=doc["currency"],
        timezone=tz,
        profile=profile,
        terms=terms,
        sources=list(doc.get("sources", [])),
    )


class AgreementBook:
    """Every agreement under a directory, loaded and validated once at start."""

    def __init__(self, agreements: dict[str, Agreement]) -> None:
        self._agreements = agreements

    @classmethod
    def load(cls, directory: Path) -> AgreementBook:
        if not directory.is_dir():
            raise AgreementError(f"{directory}: agreements directory not found")
        profiles = {}
        for p in sorted((directory / "payroll").glob("*.yaml")):
            prof = load_profile(p, directory)
            profiles[prof.id] = prof
        agreements = {}
        for p in sorted(directory.glob("*/agreement.yaml")):
            a = load_agreement(p, profiles, directory)
            if a.id != p.parent.name:
                raise AgreementError(f"{p}: id {a.id!r} must match its folder name {p.parent.name!r}")
            agreements[a.id] = a
        return cls(agreements)

    def get(self, agreement_id: str) -> Agreement | None:
        return self._agreements.get(agreement_id)

    def ids(self) -> list[str]:
        return sorted(self._agreements)
