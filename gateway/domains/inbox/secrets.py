"""What a platform manages itself: rotating the secret its webhooks are signed with (the inbox verifies them).

Beside the inbox rather than in `platforms`: the route authenticates the platform (auth) and audits (staff),
both above the platforms' tables in the layers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, Field

from gateway.deps import NowDep, SessionDep, SettingsDep
from gateway.domains.auth.credentials import PlatformPrincipal
from gateway.domains.auth.deps import scoped
from gateway.domains.platforms.models import Platform
from gateway.domains.platforms.service import rotate_secret
from gateway.domains.staff.service import audit
from gateway.problems import Forbidden, InvalidRequest, Unauthorized, problem_responses
from gateway.ratelimit import TooManyRequests
from gateway.routing import api_router

router = api_router(tags=["platforms"])


class RotateIn(BaseModel):
    overlap_hours: int | None = Field(
        default=None, ge=0, le=168, description="How long the current secrets keep verifying (default: the setting)."
    )


class SecretRotatedOut(BaseModel):
    secret: str = Field(description="The new whsec_ secret: sign with it from now on. Shown once.")
    previous_valid_until: datetime = Field(description="Until when the previous secret(s) still verify.")


@router.post(
    "/v1/platforms/{platform}/webhook-secrets",
    response_model=SecretRotatedOut,
    status_code=201,
    summary="Rotate the webhook signing secret without downtime (both verify during the overlap)",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest, TooManyRequests),
)
def rotate(
    platform: Annotated[str, Path(max_length=64)],
    body: RotateIn,
    principal: Annotated[PlatformPrincipal, scoped("secrets:rotate")],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> SecretRotatedOut:
    p = session.get(Platform, principal.platform_id)
    assert p is not None
    hours = settings.secret_overlap_hours if body.overlap_hours is None else body.overlap_hours
    secret, until = rotate_secret(session, p, now, timedelta(hours=hours))
    audit(session, f"platform:{p.slug}", "webhook_secret.rotated", f"platform:{p.slug}", now, overlap_hours=hours)
    session.commit()
    return SecretRotatedOut(secret=secret, previous_valid_until=until)
