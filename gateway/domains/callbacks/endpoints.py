"""A platform manages where it receives the gateway's signed callbacks (with its API credential)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from gateway.deps import SessionDep, SettingsDep
from gateway.domains.auth.credentials import PlatformPrincipal
from gateway.domains.auth.deps import scoped
from gateway.domains.callbacks import service as callbacks
from gateway.domains.callbacks.models import CallbackEndpoint
from gateway.domains.callbacks.schemas import CallbackEndpointCreated, CallbackEndpointIn, CallbackEndpointOut
from gateway.problems import Forbidden, InvalidBody, InvalidRequest, NotFound, Unauthorized, problem_responses
from gateway.ratelimit import TooManyRequests
from gateway.routing import api_router

router = api_router(prefix="/v1/platforms/{platform}/callback-endpoints", tags=["callbacks"])
_ERRORS = problem_responses(Unauthorized, Forbidden, NotFound, InvalidRequest, TooManyRequests)
# Managing endpoints decides where riders' contract events go and hands out their signing secrets: a scope of its own.
Manager = Annotated[PlatformPrincipal, scoped("callbacks:manage")]
PlatformSlug = Annotated[str, Path(max_length=64)]
# Bounded to the column's integer range: a larger id is a 422, not a database error.
EndpointId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _own(session: SessionDep, platform_id: int, endpoint_id: int) -> CallbackEndpoint:
    endpoint = callbacks.get_endpoint(session, endpoint_id, platform_id)
    if endpoint is None:
        raise NotFound(f"this platform has no callback endpoint {endpoint_id}")
    return endpoint


@router.get("", response_model=list[CallbackEndpointOut], summary="List callback endpoints", responses=_ERRORS)
def list_endpoints(platform: PlatformSlug, principal: Manager, session: SessionDep) -> list[CallbackEndpointOut]:
    return [CallbackEndpointOut.model_validate(e) for e in callbacks.list_endpoints(session, principal.platform_id)]


@router.post(
    "",
    response_model=CallbackEndpointCreated,
    summary="Add a callback endpoint (its signing secret is in the answer, once)",
    responses=_ERRORS,
)
def create_endpoint(
    platform: PlatformSlug,
    body: CallbackEndpointIn,
    principal: Manager,
    session: SessionDep,
    settings: SettingsDep,
) -> CallbackEndpointCreated:
    try:
        e = callbacks.create_endpoint(
            session,
            principal.platform_id,
            body.url,
            require_https=settings.callback_require_https,
            allow_private=settings.callback_allow_private,
            description=body.description,
            secret=body.secret,
        )
    except callbacks.EndpointError as exc:
        raise InvalidBody(str(exc), errors=[{"location": f"body.{exc.field}", "message": str(exc)}]) from exc
    session.commit()
    return CallbackEndpointCreated(**CallbackEndpointOut.model_validate(e).model_dump(), secret=e.secret)


@router.post(
    "/{endpoint_id}/enable",
    response_model=CallbackEndpointOut,
    summary="Enable a disabled endpoint again (its held callbacks are then sent)",
    responses=_ERRORS,
)
def enable_endpoint(
    platform: PlatformSlug, endpoint_id: EndpointId, principal: Manager, session: SessionDep
) -> CallbackEndpointOut:
    e = callbacks.enable(session, _own(session, principal.platform_id, endpoint_id))
    session.commit()
    return CallbackEndpointOut.model_validate(e)


@router.delete(
    "/{endpoint_id}",
    response_model=CallbackEndpointOut,
    summary="Remove a callback endpoint (its undelivered callbacks are dropped)",
    responses=_ERRORS,
)
def delete_endpoint(
    platform: PlatformSlug, endpoint_id: EndpointId, principal: Manager, session: SessionDep
) -> CallbackEndpointOut:
    e = _own(session, principal.platform_id, endpoint_id)
    out = CallbackEndpointOut.model_validate(e)
    callbacks.delete(session, e)
    session.commit()
    return out
