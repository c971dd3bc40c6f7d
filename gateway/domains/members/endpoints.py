"""The cooperative's staff on members: fill the identity, link platforms' riders, see who read a clear value.

Every answer shows the SSIN and the IBAN masked; every write is in the staff audit with the names of the fields it
set, never their values; a write that may complete an identity releases the contracts blocked for it, in the
same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query
from sqlmodel import Session

from gateway.deps import NowDep, SessionDep, SettingsDep
from gateway.domains.contracts import identity
from gateway.domains.members import service as members
from gateway.domains.members.models import Member
from gateway.domains.members.schemas import IdentityIn, IdentityReadOut, LinkRequestOut, MemberIn, MemberOut
from gateway.domains.members.vault import vault_of
from gateway.domains.platforms.service import get_platform
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal, audit
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

router = api_router(prefix="/v1/admin/members", tags=["staff"])
Staff = Annotated[StaffPrincipal, staff_role("members")]
Number = Annotated[str, Path(max_length=64, description="The cooperative's member number.")]
Limit = Annotated[int, Query(ge=1, le=1000)]
READ = problem_responses(Unauthorized, Forbidden, InvalidRequest)
WRITE = problem_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidPayload, InvalidRequest)


def _member(session: Session, number: str) -> Member:
    member = members.by_number(session, number)
    if member is None:
        raise NotFound(f"no member {number!r}", member=number)
    return member


def _written(
    session: Session, staff: StaffPrincipal, action: str, member: Member, now: datetime, **detail: Any
) -> None:
    """Audit the write (field names only) and release the member's blocked contracts, before the one commit."""
    released = identity.release(session, member.number, now)
    if released:
        detail["released_contracts"] = [str(c) for c in released]
    audit(session, staff.actor, action, f"member:{member.number}", now, **detail)
    session.commit()


def _fields(body: IdentityIn) -> list[str]:
    return sorted(body.model_dump(exclude_unset=True, exclude_none=True, exclude={"number"}))


@router.post(
    "",
    response_model=MemberOut,
    status_code=201,
    summary="Add a member, with any identity fields (SSIN and IBAN given in clear, answered masked)",
    responses=WRITE,
)
def post_member(body: MemberIn, staff: Staff, session: SessionDep, settings: SettingsDep, now: NowDep) -> MemberOut:
    identity_in = IdentityIn.model_validate(body.model_dump(exclude_unset=True, exclude={"number"}))
    member = members.create(session, vault_of(settings), identity_in, now, number=body.number)
    _written(session, staff, "member.created", member, now, fields=_fields(body))
    return members.out(session, member)


@router.get(
    "",
    response_model=list[MemberOut],
    summary="Members by number; `incomplete=true`: those whose identity cannot be declared yet",
    responses=READ,
)
def get_members(
    _staff: Staff,
    session: SessionDep,
    incomplete: Annotated[bool, Query(description="Only members whose bookings open blocked.")] = False,
    limit: Limit = 100,
    after: Annotated[str | None, Query(max_length=64, description="The last number of the previous page.")] = None,
) -> list[MemberOut]:
    return members.outs(session, members.listing(session, incomplete=incomplete, limit=limit, after=after))


@router.get(
    "/link-requests",
    response_model=list[LinkRequestOut],
    summary="Riders who gave an existing member's SSIN on their page, waiting to be linked (oldest first)",
    responses=READ,
)
def get_link_requests(_staff: Staff, session: SessionDep, limit: Limit = 100) -> list[LinkRequestOut]:
    return members.link_requests(session, limit)


@router.get(
    "/{number}",
    response_model=MemberOut,
    summary="One member (SSIN and IBAN masked)",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest),
)
def get_member(number: Number, _staff: Staff, session: SessionDep) -> MemberOut:
    return members.out(session, _member(session, number))


@router.patch(
    "/{number}",
    response_model=MemberOut,
    summary="Set identity fields (a field left out is unchanged; staff may replace a set SSIN or IBAN)",
    responses=WRITE,
)
def patch_member(
    number: Number, body: IdentityIn, staff: Staff, session: SessionDep, settings: SettingsDep, now: NowDep
) -> MemberOut:
    member = members.update(session, vault_of(settings), _member(session, number), body, now, may_replace=True)
    _written(session, staff, "member.updated", member, now, fields=_fields(body))
    return members.out(session, member)


@router.put(
    "/{number}/riders/{platform}/{rider_id}",
    response_model=MemberOut,
    summary="Link a platform's rider to this member (the same person on several platforms is one member)",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest),
)
def put_rider_link(
    number: Number,
    platform: Annotated[str, Path(max_length=64)],
    rider_id: Annotated[str, Path(max_length=128)],
    staff: Staff,
    session: SessionDep,
    now: NowDep,
) -> MemberOut:
    member = _member(session, number)
    p = get_platform(session, platform)
    if p is None:
        raise NotFound(f"no platform {platform!r}", platform=platform)
    rider = members.platform_rider(session, p, rider_id)
    if rider is None:
        raise NotFound(f"no rider {rider_id!r} on platform {platform!r}", platform=platform, rider_id=rider_id)
    previous = rider.member_id
    members.link(session, rider, member)
    _written(session, staff, "member.linked", member, now, platform=platform, rider_id=rider_id, previous=previous)
    return members.out(session, member)


@router.get(
    "/{number}/reads",
    response_model=list[IdentityReadOut],
    summary="Who read this member's clear SSIN or IBAN, why and when (newest first; never the value)",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest),
)
def get_reads(number: Number, _staff: Staff, session: SessionDep, limit: Limit = 100) -> list[IdentityReadOut]:
    return [IdentityReadOut.model_validate(r) for r in members.reads(session, _member(session, number), limit)]
