"""Staff see the rows scheduled jobs set aside, and retry them once the cause is fixed (role `operations`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from gateway.deps import NowDep, SessionDep
from gateway.domains.jobs import service as failures
from gateway.domains.jobs.schemas import JobFailureOut, RetryAllIn, RetryOut
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal
from gateway.problems import Forbidden, InvalidRequest, NotFound, Unauthorized, problem_responses
from gateway.routing import api_router

router = api_router(prefix="/v1/admin/jobs", tags=["operations"])
RETRIED_SHOWN = 1000  # a retry of every row of a job answers with a bounded list (and the count)
Operations = Annotated[StaffPrincipal, staff_role("operations")]


@router.get(
    "/failures",
    response_model=list[JobFailureOut],
    summary="Rows the scheduled jobs set aside, with their reason (newest first)",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest),
)
def list_failures(
    staff: Operations,
    session: SessionDep,
    job: Annotated[str | None, Query(max_length=64, description="Only this job's rows.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Entries with a smaller id (paging).")] = None,
) -> list[JobFailureOut]:
    return [JobFailureOut.model_validate(f) for f in failures.failures(session, job, limit, before)]


@router.post(
    "/failures/{failure_id}/retry",
    response_model=RetryOut,
    summary="Retry a set-aside row: its job claims it again on its next run",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest),
)
def retry(
    failure_id: Annotated[int, Path(ge=1, le=2**31 - 1)], staff: Operations, session: SessionDep, now: NowDep
) -> RetryOut:
    released = failures.retry(session, staff.actor, now, failure_id=failure_id)
    if not released:
        raise NotFound(f"no set-aside row {failure_id}")
    session.commit()
    return retried(released)


@router.post(
    "/failures/retry",
    response_model=RetryOut,
    summary="Retry every row one job set aside",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest),
)
def retry_all(body: RetryAllIn, staff: Operations, session: SessionDep, now: NowDep) -> RetryOut:
    released = failures.retry(session, staff.actor, now, job=body.job)
    session.commit()
    return retried(released)


def retried(released: list[failures.SetAside]) -> RetryOut:
    shown = [JobFailureOut.model_validate(f) for f in released[:RETRIED_SHOWN]]
    return RetryOut(count=len(released), retried=shown)
