"""The cooperative's staff API for a platform's insolvency: its riders' contracts settled, to be paid by the fund."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel

from gateway.deps import BookDep, NowDep, SessionDep
from gateway.domains.insolvency.service import declare_insolvent
from gateway.domains.platforms.service import get_platform
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal, audit
from gateway.problems import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized, problem_responses
from gateway.routing import api_router

router = api_router(prefix="/v1/admin", tags=["staff"])


class InsolvencyOut(BaseModel):
    platform: str
    declared_at: datetime
    contracts_settled: int
    contracts_cancelled: int
    invoices_defaulted: int


@router.post(
    "/platforms/{platform}/insolvency",
    response_model=InsolvencyOut,
    summary="Declare a platform insolvent: settle its riders' contracts, to be paid by the fund",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidRequest),
)
def post_insolvency(
    platform: Annotated[str, Path(max_length=64)],
    staff: Annotated[StaffPrincipal, staff_role("insolvency")],
    session: SessionDep,
    book: BookDep,
    now: NowDep,
) -> InsolvencyOut:
    p = get_platform(session, platform)
    if p is None:
        raise NotFound(f"no platform {platform!r}")
    report = declare_insolvent(session, p, book, now, staff.actor)
    audit(
        session,
        staff.actor,
        "platform.insolvent",
        f"platform:{platform}",
        now,
        settled=report.contracts_settled,
        cancelled=report.contracts_cancelled,
    )
    session.commit()
    return InsolvencyOut(**report.__dict__)
