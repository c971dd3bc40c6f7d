"""The cooperative's view of outbound delivery: dead letters, the attempt log, replay (staff token)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query

from gateway.deps import NowDep, SessionDep
from gateway.domains.outbox import service as outbox
from gateway.domains.outbox.models import OutboxMessage
from gateway.domains.outbox.schemas import (
    OutboxAttemptOut,
    OutboxMessageDetail,
    OutboxMessageOut,
    ReplayIn,
    ReplayOut,
)
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal, audit
from gateway.problems import Forbidden, InvalidBody, InvalidRequest, NotFound, Unauthorized, problem_responses
from gateway.routing import api_router

router = api_router(prefix="/v1/admin/outbox", tags=["outbound"])

Status = Literal["pending", "sent", "skipped", "dead"]


@router.get(
    "/messages",
    response_model=list[OutboxMessageOut],
    summary="List outbox messages (dead letters by default)",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest),
)
def list_messages(
    staff: Annotated[StaffPrincipal, staff_role("dead-letters")],
    session: SessionDep,
    status: Status = "dead",
    kind: Annotated[str | None, Query(max_length=64, description="Kind prefix, e.g. callback.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[OutboxMessageOut]:
    return [OutboxMessageOut.model_validate(m) for m in outbox.list_messages(session, status, kind, limit)]


@router.get(
    "/messages/{message_id}",
    response_model=OutboxMessageDetail,
    summary="Read an outbox message with every attempt (status, latency, error)",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest),
)
def get_message(
    message_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    staff: Annotated[StaffPrincipal, staff_role("dead-letters")],
    session: SessionDep,
) -> OutboxMessageDetail:
    m = session.get(OutboxMessage, message_id)
    if m is None:
        raise NotFound(f"no outbox message {message_id}")
    log = [OutboxAttemptOut.model_validate(a) for a in outbox.attempts_of(session, message_id)]
    return OutboxMessageDetail(**OutboxMessageOut.model_validate(m).model_dump(), attempt_log=log)


@router.post(
    "/replay",
    response_model=ReplayOut,
    summary="Send finished messages again: by id, or dead letters created in a time range",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest),
)
def replay(
    body: ReplayIn, staff: Annotated[StaffPrincipal, staff_role("dead-letters")], session: SessionDep, now: NowDep
) -> ReplayOut:
    try:
        ids = outbox.replay(
            session, now, ids=body.ids, since=body.since, until=body.until, include_sent=body.include_sent
        )
    except outbox.ReplayError as exc:
        raise InvalidBody(str(exc)) from exc
    audit(session, staff.actor, "outbox.replayed", "outbox", now, ids=ids[:100], count=len(ids))
    session.commit()
    return ReplayOut(replayed=ids)
