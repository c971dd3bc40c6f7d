"""The rider's data as a ZIP archive: the rider downloads theirs (the session's riders), staff (role `members`)
produce a member's or one platform rider's on request, audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Response
from sqlmodel import Session

from gateway.deps import NowDep, SessionDep
from gateway.domains.members import service as members
from gateway.domains.portability import service
from gateway.domains.riders.deps import RiderDep
from gateway.domains.riders.models import Rider
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal, audit
from gateway.problems import Forbidden, InvalidRequest, NotFound, Unauthorized, problem_responses
from gateway.routing import api_router

router = api_router(tags=["data portability"])
Staff = Annotated[StaffPrincipal, staff_role("members")]
Number = Annotated[str, Path(max_length=64, description="The cooperative's member number.")]
Slug = Annotated[str, Path(max_length=64, description="The platform's slug.")]
RiderRef = Annotated[str, Path(max_length=128, description="The platform's id of the rider.")]
ZIP = "application/zip"
ZIP_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The archive: data.json, one CSV file per table, README.txt (docs/transparency.md).",
        "content": {ZIP: {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _zip(session: Session, riders: list[Rider], now: NowDep, filename: str) -> Response:
    body = service.archive(service.gather(session, riders, now))
    return Response(
        body,
        media_type=ZIP,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/rider/data.zip",
    response_class=Response,
    summary="The signed-in rider's data (every rider account of the session), as a ZIP of JSON and CSV files",
    responses={**ZIP_RESPONSE, **problem_responses(Unauthorized, InvalidRequest)},
)
def rider_data(principal: RiderDep, session: SessionDep, now: NowDep) -> Response:
    riders = service.riders_by_ids(session, principal.rider_ids)
    return _zip(session, riders, now, f"my-data-{now:%Y-%m-%d}.zip")


@router.get(
    "/v1/admin/members/{number}/data.zip",
    response_class=Response,
    summary="Staff: a member's data (every platform they ride for), as the rider downloads it; audited",
    responses={**ZIP_RESPONSE, **problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest)},
)
def member_data(number: Number, staff: Staff, session: SessionDep, now: NowDep) -> Response:
    member = members.by_number(session, number)
    if member is None:
        raise NotFound(f"no member {number!r}", member=number)
    riders = service.riders_of_member(session, member)
    audit(session, staff.actor, "member.data_export", f"member:{member.number}", now, riders=len(riders))
    response = _zip(session, riders, now, f"member-{member.number}-{now:%Y-%m-%d}.zip")
    session.commit()
    return response


@router.get(
    "/v1/admin/platforms/{slug}/riders/{rider_id}/data.zip",
    response_class=Response,
    summary="Staff: one platform rider's data (e.g. a rider not linked to a member yet), as a ZIP; audited",
    responses={**ZIP_RESPONSE, **problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest)},
)
def platform_rider_data(slug: Slug, rider_id: RiderRef, staff: Staff, session: SessionDep, now: NowDep) -> Response:
    rider = service.platform_rider(session, slug, rider_id)
    if rider is None:
        raise NotFound(f"no rider {rider_id!r} on platform {slug!r}")
    audit(session, staff.actor, "rider.data_export", f"rider:{slug}/{rider_id}", now)
    response = _zip(session, [rider], now, f"rider-{slug}-{now:%Y-%m-%d}.zip")
    session.commit()
    return response
