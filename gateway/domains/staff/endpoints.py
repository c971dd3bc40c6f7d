"""Staff operations on platforms and the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.deps import NowDep, SessionDep, SettingsDep
from gateway.domains.auth import credentials as api_credentials
from gateway.domains.auth import oauth
from gateway.domains.auth.deps import live_clients, live_credentials
from gateway.domains.auth.models import OAuthClient
from gateway.domains.auth.oauth import SCOPES, create_client
from gateway.domains.platforms.models import Platform
from gateway.domains.platforms.service import get_platform, rotate_secret
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import (
    ROLES,
    StaffError,
    StaffPrincipal,
    add_member,
    audit,
    audit_log,
    members,
    revoke,
)
from gateway.problems import Conflict, Forbidden, InvalidBody, InvalidRequest, NotFound, Unauthorized, problem_responses
from gateway.routing import api_router

router = api_router(prefix="/v1/admin", tags=["staff"])
PlatformSlug = Annotated[str, Path(max_length=64)]


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from a row by these fields' names, and only those

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


class OAuthClientIn(BaseModel):
    scopes: list[str] = Field(default_factory=lambda: sorted(SCOPES), description=f"Among: {', '.join(SCOPES)}")


class OAuthClientOut(BaseModel):
    client_id: str
    client_secret: str = Field(description="Shown once; stored hashed.")
    scopes: list[str]
    token_url: str


class OAuthClientSummaryOut(BaseModel):
    """An OAuth client as an operator sees it: never its secret or hash."""

    client_id: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


class ApiCredentialOut(BaseModel):
    """An interim API credential (gwk_...), named by its prefix: the key itself is not kept."""

    model_config = ConfigDict(from_attributes=True)  # read from a row by these fields' names, and only those

    prefix: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


class StaffRotateOut(BaseModel):
    secret: str
    previous_valid_until: datetime


@router.get(
    "/audit",
    response_model=list[AuditOut],
    summary="Who changed what, when (newest first)",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest),
)
def get_audit(
    _staff: Annotated[StaffPrincipal, staff_role("auditor")],
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[AuditOut]:
    return [AuditOut.model_validate(e) for e in audit_log(session, limit, before)]


@router.post(
    "/platforms/{platform}/oauth-clients",
    response_model=OAuthClientOut,
    status_code=201,
    summary="Issue an OAuth2 client (client credentials) to a platform",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest),
)
def post_oauth_client(
    platform: PlatformSlug,
    body: OAuthClientIn,
    staff: Annotated[StaffPrincipal, staff_role("platforms")],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> OAuthClientOut:
    p = get_platform(session, platform)
    if p is None:
        raise NotFound(f"no platform {platform!r}")
    try:
        client_id, secret = create_client(session, p, settings.credential_pepper.get_secret_value(), body.scopes)
    except ValueError as exc:
        raise InvalidBody(str(exc)) from exc
    audit(
        session,
        staff.actor,
        "oauth_client.created",
        f"platform:{platform}",
        now,
        client_id=client_id,
        scopes=body.scopes,
    )
    session.commit()
    return OAuthClientOut(
        client_id=client_id,
        client_secret=secret,
        scopes=sorted(set(body.scopes)),
        token_url=f"{settings.public_url}/oauth2/token",
    )


def _platform(session: SessionDep, slug: str) -> Platform:
    p = get_platform(session, slug)
    if p is None:
        raise NotFound(f"no platform {slug!r}")
    return p


def _client_out(c: OAuthClient) -> OAuthClientSummaryOut:
    return OAuthClientSummaryOut(
        client_id=c.client_id, scopes=c.scopes.split(), created_at=c.created_at, revoked_at=c.revoked_at
    )


@router.get(
    "/platforms/{platform}/oauth-clients",
    response_model=list[OAuthClientSummaryOut],
    summary="A platform's OAuth2 clients, revoked ones included (to find the one to revoke)",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest),
)
def get_oauth_clients(
    platform: PlatformSlug, _staff: Annotated[StaffPrincipal, staff_role("platforms")], session: SessionDep
) -> list[OAuthClientSummaryOut]:
    return [_client_out(c) for c in oauth.clients(session, _platform(session, platform))]


@router.delete(
    "/platforms/{platform}/oauth-clients/{client_id}",
    response_model=OAuthClientSummaryOut,
    summary="Revoke an OAuth2 client: no new tokens, and its tokens are refused within seconds",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidRequest),
)
def delete_oauth_client(
    request: Request,
    platform: PlatformSlug,
    client_id: Annotated[str, Path(max_length=64)],
    staff: Annotated[StaffPrincipal, staff_role("platforms")],
    session: SessionDep,
    now: NowDep,
) -> OAuthClientSummaryOut:
    client = oauth.revoke_client(session, _platform(session, platform), client_id, now)
    audit(session, staff.actor, "oauth_client.revoked", f"platform:{platform}", now, client_id=client_id)
    session.commit()
    live_clients(request).forget(client_id)  # after the commit: this process refuses its tokens from now on
    return _client_out(client)


@router.get(
    "/platforms/{platform}/api-credentials",
    response_model=list[ApiCredentialOut],
    summary="A platform's interim API credentials (gwk_...), by prefix, revoked ones included",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest),
)
def get_api_credentials(
    platform: PlatformSlug, _staff: Annotated[StaffPrincipal, staff_role("platforms")], session: SessionDep
) -> list[ApiCredentialOut]:
    return [
        ApiCredentialOut.model_validate(c) for c in api_credentials.credentials(session, _platform(session, platform))
    ]


@router.delete(
    "/platforms/{platform}/api-credentials/{prefix}",
    response_model=ApiCredentialOut,
    summary="Revoke an API credential (gwk_...) by its prefix: refused within seconds",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidRequest),
)
def delete_api_credential(
    request: Request,
    platform: PlatformSlug,
    prefix: Annotated[str, Path(max_length=16)],
    staff: Annotated[StaffPrincipal, staff_role("platforms")],
    session: SessionDep,
    now: NowDep,
) -> ApiCredentialOut:
    credential = api_credentials.revoke_credential(session, _platform(session, platform), prefix, now)
    audit(session, staff.actor, "api_credential.revoked", f"platform:{platform}", now, prefix=prefix)
    session.commit()
    live_credentials(request).forget(credential.key_hash)  # after the commit: this process refuses it from now on
    return ApiCredentialOut.model_validate(credential)


@router.post(
    "/platforms/{platform}/webhook-secrets",
    response_model=StaffRotateOut,
    status_code=201,
    summary="Rotate a platform's webhook signing secret on its behalf",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest),
)
def post_rotate(
    platform: PlatformSlug,
    staff: Annotated[StaffPrincipal, staff_role("platforms")],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    overlap_hours: Annotated[int | None, Query(ge=0, le=168)] = None,
) -> StaffRotateOut:
    p = get_platform(session, platform)
    if p is None:
        raise NotFound(f"no platform {platform!r}")
    hours = settings.secret_overlap_hours if overlap_hours is None else overlap_hours
    secret, until = rotate_secret(session, p, now, timedelta(hours=hours))
    audit(session, staff.actor, "webhook_secret.rotated", f"platform:{platform}", now, overlap_hours=hours)
    session.commit()
    return StaffRotateOut(secret=secret, previous_valid_until=until)


class StaffIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[\w.@-]+$")
    roles: list[str] = Field(min_length=1, description=f"Among: {', '.join(ROLES)}")


class StaffOut(BaseModel):
    name: str
    roles: list[str]
    created_at: datetime
    revoked_at: datetime | None


class StaffCreatedOut(StaffOut):
    token: str = Field(description="Shown once; stored hashed.")


@router.get(
    "/staff",
    response_model=list[StaffOut],
    summary="Staff members and their roles",
    responses=problem_responses(Unauthorized, Forbidden),
)
def get_staff(_staff: Annotated[StaffPrincipal, staff_role("staff")], session: SessionDep) -> list[StaffOut]:
    return [
        StaffOut(name=m.name, roles=m.roles.split(), created_at=m.created_at, revoked_at=m.revoked_at)
        for m in members(session)
    ]


@router.post(
    "/staff",
    response_model=StaffCreatedOut,
    status_code=201,
    summary="Add a staff member with roles",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest),
)
def post_staff(
    body: StaffIn,
    staff: Annotated[StaffPrincipal, staff_role("staff")],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> StaffCreatedOut:
    try:
        token = add_member(session, body.name, body.roles, settings.credential_pepper.get_secret_value())
    except StaffError as exc:
        raise InvalidBody(str(exc)) from exc
    audit(session, staff.actor, "staff.added", f"staff:{body.name}", now, roles=sorted(body.roles))
    session.commit()
    return StaffCreatedOut(name=body.name, roles=sorted(set(body.roles)), created_at=now, revoked_at=None, token=token)


@router.delete(
    "/staff/{name}",
    status_code=204,
    summary="Revoke a staff member's token",
    responses=problem_responses(Unauthorized, Forbidden, NotFound, Conflict),
)
def delete_staff(
    name: Annotated[str, Path(max_length=100)],
    staff: Annotated[StaffPrincipal, staff_role("staff")],
    session: SessionDep,
    now: NowDep,
) -> None:
    if not revoke(session, name, now):
        raise NotFound(f"no active staff member {name!r}")
    audit(session, staff.actor, "staff.revoked", f"staff:{name}", now)
    session.commit()
