"""Read-only API over the loaded agreements: the list, one agreement, and the terms in force at a date."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request

from gateway.agreements.engine import terms_in_force
from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import Agreement, AgreementError
from gateway.agreements.schemas import (
    AgreementOut,
    AgreementSummaryOut,
    AmendmentOut,
    DatedValueOut,
    TermInForceOut,
    TermOut,
    TermsAtOut,
)
from gateway.agreements.terms.base import TermValue
from gateway.problems import InvalidQuery, InvalidRequest, NotFound, problem_responses
from gateway.routing import api_router

router = api_router(tags=["agreements"])


async def _book(request: Request) -> AgreementBook:
    """The app's book. Read here, not through gateway.deps: the request kit sits above the agreements."""
    book: AgreementBook = request.app.state.book
    return book


BookDep = Annotated[AgreementBook, Depends(_book)]
_PROVENANCE = ("clause", "note", "enforcement", "version")
AgreementId = Annotated[str, Path(max_length=100, pattern="^[a-z0-9][a-z0-9-]*$")]


def _params(value: TermValue) -> dict[str, Any]:
    """A dated value as written, without the provenance the loader attached to it (shown beside it instead)."""
    return {k: v for k, v in value.written.items() if k not in _PROVENANCE}


def _summary(a: Agreement) -> dict[str, Any]:
    return {
        "id": a.id,
        "title": a.title,
        "version": a.version,
        "signed_on": a.signed_on,
        "effective_from": a.effective_from,
        "country": a.country,
        "currency": a.currency,
        "timezone": a.timezone.key,
        "payroll_profile": a.profile.id,
    }


def _find(book: BookDep, agreement_id: str) -> Agreement:
    agreement = book.get(agreement_id)
    if agreement is None:
        raise NotFound(f"no agreement {agreement_id!r}; see GET /v1/agreements")
    return agreement


@router.get(
    "/v1/agreements",
    response_model=list[AgreementSummaryOut],
    summary="List the agreements the gateway enforces (optionally only those in force on a date)",
    responses=problem_responses(InvalidRequest),
)
def list_agreements(
    book: BookDep,
    at: Annotated[date | None, Query(description="Only agreements already in force on this date, YYYY-MM-DD.")] = None,
) -> list[AgreementSummaryOut]:
    found = [a for i in book.ids() if (a := book.get(i)) is not None]
    return [AgreementSummaryOut(**_summary(a)) for a in found if at is None or a.effective_from <= at]


@router.get(
    "/v1/agreements/{agreement_id}",
    response_model=AgreementOut,
    summary="One agreement: every term with all its dated values and clauses, and its amendments",
    responses=problem_responses(NotFound, InvalidRequest),
)
def get_agreement(agreement_id: AgreementId, book: BookDep) -> AgreementOut:
    a = _find(book, agreement_id)
    terms = [
        TermOut(
            name=t.name,
            type=t.type,
            clause=t.clause,
            note=t.note,
            values=[
                DatedValueOut(
                    since=d,
                    value=None if v is None else _params(v),
                    clause=None if v is None else v.clause,
                    enforcement=None if v is None else v.enforcement,
                    version=None if v is None else v.version,
                )
                for d, v in t.values.items()
            ],
        )
        for t in a.terms.values()
    ]
    amendments = [
        AmendmentOut(
            version=m.version, title=m.title, signed_on=m.signed_on, effective_from=m.first_date, terms=list(m.terms)
        )
        for m in a.amendments
    ]
    return AgreementOut(**_summary(a), parties=list(a.parties), sources=a.sources, amendments=amendments, terms=terms)


@router.get(
    "/v1/agreements/{agreement_id}/terms",
    response_model=TermsAtOut,
    summary="The terms in force on a date",
    responses=problem_responses(NotFound, InvalidRequest),
)
def get_terms_at(
    agreement_id: AgreementId,
    book: BookDep,
    at: Annotated[date, Query(description="The date, YYYY-MM-DD; before the agreement starts is an error.")],
) -> TermsAtOut:
    a = _find(book, agreement_id)
    try:
        found = terms_in_force(a, at)
    except AgreementError as exc:
        raise InvalidQuery(str(exc), errors=[{"location": "query.at", "message": str(exc)}]) from exc
    return TermsAtOut(
        agreement=a.id,
        version=a.version_at(at),
        at=at,
        terms=[
            TermInForceOut(
                name=t.term.name,
                type=t.term.type,
                clause=t.clause,
                note=t.value.note,
                enforcement=t.value.enforcement,
                since=t.since,
                value=_params(t.value),
            )
            for t in found
        ],
    )
