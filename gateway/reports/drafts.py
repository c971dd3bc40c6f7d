"""The two sides of a what-if: the signed agreement (with its amendments) and a draft to compare it with."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from gateway.agreements.loader import AgreementBook, Reader, build_agreement, load_profiles, shown
from gateway.agreements.model import Agreement, AgreementError
from gateway.agreements.yamlpos import YamlSyntaxError, read


def signed_agreement(book: AgreementBook, agreement_id: str) -> Agreement:
    agreement = book.get(agreement_id)
    if agreement is None:
        raise AgreementError(f"no agreement {agreement_id!r}; the agreements are: {', '.join(book.ids())}")
    return agreement


def draft_agreement(root: Path, signed: Agreement, spec: Path) -> Agreement:
    """A proposal or amendment file laid over the signed agreement (as `gateway agreements diff` does), or a
    whole agreement file standing on its own."""
    if not spec.is_file():
        raise AgreementError(f"{shown(spec)}: no such draft file")
    try:
        doc = read(spec).data
    except YamlSyntaxError as exc:
        raise AgreementError(f"{shown(spec)}:{exc.pos.line}:{exc.pos.column}: {exc.message}") from exc
    rd = Reader(root)
    profiles = load_profiles(root, rd)
    if isinstance(doc, dict) and "amends" in doc:
        if doc["amends"] != signed.id:
            raise AgreementError(f"{shown(spec)} amends {doc['amends']!r}, not {signed.id!r}")
        draft = build_agreement(rd, root / signed.id / "agreement.yaml", profiles, [spec])
    else:
        draft = build_agreement(rd, spec, profiles)
    if draft is None:
        raise AgreementError("\n".join(str(i) for i in rd.issues))
    if draft.currency != signed.currency:
        raise AgreementError(f"the draft pays in {draft.currency}, the signed agreement in {signed.currency}")
    return draft


def draft_takes_effect(signed: Agreement, draft: Agreement) -> date | None:
    """The first date the draft changes anything the signed agreement says (None: a whole other agreement)."""
    known = {a.version for a in signed.amendments}
    firsts = [a.first_date for a in draft.amendments if a.version not in known]
    return min(firsts) if firsts else None
