"""The reviewers' queue: riders' requests that a person review an automated decision, and the written answers.

Staff with the `reviewer` role list the open reviews (oldest due first, each with its deadline and whether it is
overdue), read one with the decision and the rider's comment, and answer it: `upheld` or `overturned`, with
reasons; an overturn makes the correction it implies in the same transaction (`reviews`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, Field

from gateway.deps import NowDep, SessionDep, SettingsDep
from gateway.domains.decisions import reviews
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal
from gateway.problems import (
    Conflict,
    Forbidden,
    InvalidPayload,
    InvalidRequest,
    NotFound,
    Unauthorized,
    problem_responses,
)
from gateway.routing import api_router

router = api_router(prefix="/v1/admin/decision-reviews", tags=["staff"])
Reviewer = Annotated[StaffPrincipal, staff_role("reviewer")]
ReviewId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The review's id.")]


class ReviewOut(BaseModel):
    """A rider's request for review, with the decision it is about and, once answered, the answer."""

    id: int
    decision_id: int
    kind: str = Field(description="The decision's kind (booking_corrected, contract_blocked, payout_held...).")
    decision_outcome: str = Field(description="What was decided, as a code.")
    decision_status: str = Field(description="in_effect, or overturned once a reviewer overturned it.")
    decided_by: str
    decided_at: datetime
    clause: str | None
    parameters: dict[str, Any]
    facts: dict[str, Any]
    platform: str
    rider_id: str = Field(description="The platform's id of the rider.")
    contract_id: uuid.UUID | None
    comment: str = Field(description="The rider's comment (at most 2000 characters).")
    requested_at: datetime
    due_at: datetime = Field(description="The answer is due by then (requested + the review period).")
    overdue: bool = Field(description="Unanswered past due_at.")
    answered_at: datetime | None
    answer: str | None = Field(description="The reviewer's written reasons.")
    outcome: Literal["upheld", "overturned"] | None
    reviewer: str | None
    granted: Decimal | None = Field(description="The amount the reviewer granted (an overturn), in the currency.")
    effect: str | None = Field(description="What the overturn did: contract_unblocked, payout_paid, ...")


class ReviewQueueOut(BaseModel):
    open: int = Field(description="Reviews not answered yet, in all.")
    overdue: int = Field(description="Of those, the ones past their due date.")
    reviews: list[ReviewOut]


class AnswerIn(BaseModel):
    outcome: Literal["upheld", "overturned"]
    reasons: str = Field(min_length=1, max_length=reviews.REASONS_MAX, description="Written reasons, for the rider.")
    amount: Decimal | None = Field(
        default=None,
        gt=0,
        max_digits=9,
        decimal_places=2,
        description="Overturned: what the rider is granted (required for a cancellation's pay; none for a held "
        "payout, which is paid as it is). At most the shift's guaranteed or booked hours at its hourly gross.",
    )


def review_out(e: reviews.Entry, now: datetime) -> ReviewOut:
    r, d = e.review, e.decision
    assert r.id is not None and d.id is not None
    return ReviewOut(
        id=r.id,
        decision_id=d.id,
        kind=d.kind,
        decision_outcome=d.outcome,
        decision_status=d.status,
        decided_by=d.decided_by,
        decided_at=d.decided_at,
        clause=d.clause,
        parameters=d.parameters,
        facts=d.facts,
        platform=e.platform,
        rider_id=e.rider,
        contract_id=d.contract_id,
        comment=r.comment,
        requested_at=r.requested_at,
        due_at=r.due_at,
        overdue=e.overdue(now),
        answered_at=r.answered_at,
        answer=r.answer,
        outcome=r.outcome,
        reviewer=r.reviewer,
        granted=r.granted,
        effect=r.effect,
    )


@router.get(
    "",
    response_model=ReviewQueueOut,
    summary="The reviewers' queue: open reviews, the oldest due first, with their deadline and overdue flag",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest),
)
def list_reviews(
    staff: Reviewer,
    session: SessionDep,
    now: NowDep,
    answered: Annotated[bool, Query(description="true: the answered ones instead, latest first.")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ReviewQueueOut:
    total, overdue = reviews.counts(session, now)
    listed = reviews.queue(session, answered=answered, limit=limit)
    return ReviewQueueOut(open=total, overdue=overdue, reviews=[review_out(e, now) for e in listed])


@router.get(
    "/{review_id}",
    response_model=ReviewOut,
    summary="One review: the decision, the rider's comment, and the answer once given",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest),
)
def get_review(review_id: ReviewId, staff: Reviewer, session: SessionDep, now: NowDep) -> ReviewOut:
    return review_out(reviews.entry(session, review_id), now)


@router.post(
    "/{review_id}/answer",
    response_model=ReviewOut,
    summary="Answer a review in writing: upheld, or overturned (which makes the correction it implies)",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidPayload, InvalidRequest),
)
def answer_review(
    review_id: ReviewId,
    body: AnswerIn,
    staff: Reviewer,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> ReviewOut:
    """409 when already answered. Overturning a blocked contract opens it; a held payout is paid (local rail) or
    queued again (SEPA); a cancellation pays `amount`; other decisions record `amount` for staff to pay."""
    outcome = reviews.Outcome(body.outcome)
    e = reviews.answer(session, review_id, staff.actor, outcome, body.reasons, body.amount, now, settings)
    session.commit()
    return review_out(e, now)
