"""Reviewers' API for platforms' decisions (role `reviewer`): the suspensions and deactivations waiting for a
person at the cooperative, one decision in full, and the confirmation or dismissal with written reasons."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Path, Query

from gateway.deps import NowDep, SessionDep, SettingsDep
from gateway.domains.decisions import platform
from gateway.domains.decisions.platform_schemas import ConfirmationIn, ConfirmedOut, PlatformDecisionOut
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal
from gateway.problems import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized, problem_responses
from gateway.routing import api_router

router = api_router(prefix="/v1/admin/decisions/platform", tags=["staff"])
Reviewer = Annotated[StaffPrincipal, staff_role("reviewer")]
DecisionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The gateway's id for the decision.")]


@router.get(
    "/pending",
    response_model=list[PlatformDecisionOut],
    summary="Platforms' suspensions and deactivations waiting for a person to confirm or dismiss them, first received "
    "first",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest),
)
def list_pending(
    staff: Reviewer,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[
        int | None, Query(ge=0, le=2**31 - 1, description="Decisions with a larger id (paging: the last id seen).")
    ] = None,
) -> list[PlatformDecisionOut]:
    return platform.pending(session, limit, after)


@router.get(
    "/{decision_id}",
    response_model=PlatformDecisionOut,
    summary="One platform's decision about a rider, with its reasons, parameters and the cooperative's answer",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest),
)
def get_decision(decision_id: DecisionId, staff: Reviewer, session: SessionDep) -> PlatformDecisionOut:
    return platform.one(session, decision_id)


@router.post(
    "/{decision_id}/confirm",
    response_model=ConfirmedOut,
    summary="Confirm a platform's suspension or deactivation: the rider's future contracts on that platform in "
    "its window are cancelled (as by the platform) and new bookings then are refused",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidRequest),
)
def confirm(
    decision_id: DecisionId,
    body: ConfirmationIn,
    staff: Reviewer,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> ConfirmedOut:
    delay = timedelta(seconds=settings.settle_delay_seconds)
    done = platform.confirm(session, decision_id, staff.actor, body.reasons, now, delay)
    session.commit()
    return ConfirmedOut(
        decision=platform.one(session, decision_id), contracts_cancelled=[str(c.id) for c in done.cancelled]
    )


@router.post(
    "/{decision_id}/dismiss",
    response_model=PlatformDecisionOut,
    summary="Do not confirm a platform's suspension or deactivation: nothing happens to the rider's contracts; the "
    "rider sees that the cooperative did not confirm it, and why",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidRequest),
)
def dismiss(
    decision_id: DecisionId, body: ConfirmationIn, staff: Reviewer, session: SessionDep, now: NowDep
) -> PlatformDecisionOut:
    platform.dismiss(session, decision_id, staff.actor, body.reasons, now)
    session.commit()
    return platform.one(session, decision_id)
