from __future__ import annotations

from datetime import datetime
from typing import Annotated, NoReturn

from fastapi import Depends, Path, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session

from adapters.base import Adapter, DeferredAdapter, PayloadError, SignatureError, VerifiedMessage, deferred
from adapters.registry import get_adapter
from gateway.agreements.loader import AgreementBook
from gateway.canonical import CanonicalEvent, ShiftBooked
from gateway.db import driver as pg
from gateway.db.engine import settings_engine
from gateway.deps import per_app
from gateway.domains.inbox import service as inbox
from gateway.domains.inbox.metrics import WEBHOOKS_ACCEPTED, WEBHOOKS_REFUSED
from gateway.domains.inbox.schemas import WebhookAccepted
from gateway.domains.platforms.service import WebhookTarget, WebhookTargets
from gateway.problems import (
    BadSignature,
    Conflict,
    Forbidden,
    InvalidPayload,
    MalformedBody,
    NotFound,
    PayloadTooLarge,
    Problem,
    ServiceUnavailable,
    TermViolationRejected,
    problem_responses,
)
from gateway.ratelimit import check_platform_rate
from gateway.routing import api_router
from gateway.settings import Settings
from gateway.webhooks_doc import WEBHOOK_OPERATION

router = api_router(tags=["webhooks"])
REPLAY_HEADER = "Webhook-Replayed"


async def raw_body(request: Request) -> bytes:
    """The body as sent; its size is bounded before routing (gateway/bodylimit.py)."""
    return await request.body()


@router.post(
    "/v1/platforms/{platform}/webhooks",
    response_model=WebhookAccepted,
    summary="Receive a platform's signed webhook",
    # The body is read raw (the signature is over its exact bytes); its shape and headers are documented here.
    openapi_extra=WEBHOOK_OPERATION,
    responses={
        202: {"model": WebhookAccepted, "description": "Accepted for later: the platform's API is read by a job"},
        **problem_responses(
            MalformedBody,
            BadSignature,
            Forbidden,
            NotFound,
            Conflict,
            PayloadTooLarge,
            InvalidPayload,
            TermViolationRejected,
            ServiceUnavailable,
        ),
    },
)
def receive_webhook(
    platform: Annotated[str, Path(max_length=64)],
    request: Request,
    body: Annotated[bytes, Depends(raw_body)],
) -> Response:
    """Verify the signature over the exact body, parse the event, apply it in one transaction.

    A replay of a known `webhook-id` returns the first answer unchanged (header `Webhook-Replayed: true`).
    A refused webhook (4xx) stores nothing: the platform may fix the cause and retry with the same id.
    An adapter whose webhooks only name what changed (e.g. CoopCycle) answers 202: the notification is
    stored and a job reads the facts from the platform's API.
    """
    # The platforms' hot path takes its session, settings and clock here rather than as dependencies: each
    # dependency costs FastAPI more per request than the booking's own work (profiled under load).
    state = request.app.state
    settings: Settings = state.settings
    with Session(settings_engine(settings), expire_on_commit=False) as session:
        return _receive(platform, request, body, session, settings, state.book, state.clock())


def _receive(
    platform: str,
    request: Request,
    body: bytes,
    session: Session,
    settings: Settings,
    book: AgreementBook,
    now: datetime,
) -> Response:
    target, adapter, message, cached = _verified(request, session, platform, body, settings, now)
    check_platform_rate(request.app, target.slug)
    event = None
    handover = None
    engine = session.get_bind()
    # PostgreSQL, platform from the cache (the session holds no connection): a booking needs no transaction.
    if isinstance(engine, Engine) and pg.applies(engine) and not session.in_transaction():
        event = _parsed(adapter, body)
        at_once = (
            None
            if event is None
            else inbox.book_at_once(engine, target, book, settings, message.message_id, event, now)
        )
        if isinstance(at_once, tuple):
            answer, replayed = at_once
            WEBHOOKS_ACCEPTED.labels(target.slug, answer.event_type, str(replayed).lower()).inc()
            return _sent(answer, replayed=replayed)
        handover = at_once  # what it learnt, so the general path asks nothing twice

    if handover is not None:
        found = handover.found
    elif cached:
        found = inbox.lookup(session, target.id, message.message_id)
    else:  # the platform was read for this request a moment ago (it exists and is solvent): only the inbox is left
        found = inbox.Lookup(False, inbox.stored_answer(session, target.id, message.message_id))
    if found is None or found.insolvent:
        # The platform changed since this process cached it: never an answer the fresh state would not give.
        _targets(request).forget(platform)
        _refuse_target(platform, None if found is None else target)
    stored = found.stored
    if stored is None and (later := deferred(adapter)) is not None:
        return _defer(later, session, target, message.message_id, body, now)
    if stored is None:
        try:
            event = event or adapter.parse(body)
        except PayloadError as exc:
            WEBHOOKS_REFUSED.labels(target.slug, "malformed" if exc.malformed else "invalid").inc()
            problem = MalformedBody if exc.malformed else InvalidPayload
            raise problem(exc.detail, errors=exc.errors) from exc
        try:
            if handover is not None and handover.decided and isinstance(event.data, ShiftBooked):
                answer = inbox.book_handed_on(
                    session, target, handover, event.data, message.message_id, event.type, now
                )
            else:
                answer = inbox.handle(session, target, book, settings, message.message_id, event, now)
            session.commit()
            WEBHOOKS_ACCEPTED.labels(target.slug, event.type, "false").inc()
            return _sent(answer)
        except inbox.DuplicateDelivery:
            session.rollback()
            stored = inbox.stored_answer(session, target.id, message.message_id)
            assert stored is not None
        except Problem as exc:
            session.rollback()
            WEBHOOKS_REFUSED.labels(target.slug, exc.slug).inc()
            # A booking a term refused is still a decision about the rider, which they see (issue 20).
            if isinstance(event.data, ShiftBooked) and inbox.record_refusal(
                session, target, event.data, exc, message.message_id, now
            ):
                session.commit()
            raise
    session.rollback()  # end the read here, in this thread: the session then closes without a round trip
    WEBHOOKS_ACCEPTED.labels(target.slug, stored.event_type, "true").inc()
    return _sent(stored, replayed=True)


def _parsed(adapter: Adapter, body: bytes) -> CanonicalEvent | None:
    """The event, or None when the adapter defers or the body does not parse (the general path answers those)."""
    if deferred(adapter) is not None:
        return None
    try:
        return adapter.parse(body)
    except PayloadError:
        return None


def _targets(request: Request) -> WebhookTargets:
    """This app's cache of webhook targets."""
    return per_app(request, "webhook_targets", lambda s: WebhookTargets(s.platform_cache_seconds))


def _refuse_target(platform: str, target: WebhookTarget | None) -> NoReturn:
    if target is None:
        WEBHOOKS_REFUSED.labels("unknown", "unknown-platform").inc()
        raise NotFound(f"no platform {platform!r} is configured on this gateway")
    WEBHOOKS_REFUSED.labels(target.slug, "insolvent").inc()
    raise Forbidden(f"platform {platform} has been declared insolvent; the gateway takes no more of its webhooks")


def _verified(
    request: Request, session: Session, platform: str, body: bytes, settings: Settings, now: datetime
) -> tuple[WebhookTarget, Adapter, VerifiedMessage, bool]:
    """The platform, its adapter, the verified message and whether the platform came from the cache; a cached
    platform whose secrets do not verify is read again before the signature is refused (a secret may have been
    added since)."""
    targets = _targets(request)
    target, cached = targets.get(session, platform, now)
    while True:
        if target is None or target.insolvent:
            _refuse_target(platform, target)
        adapter = get_adapter(target.adapter)
        if adapter is None:
            raise ServiceUnavailable(f"adapter {target.adapter!r} is not installed", headers={"Retry-After": "60"})
        try:
            return (
                target,
                adapter,
                adapter.verify(request.headers, body, target.secrets, now, settings.webhook_tolerance_seconds),
                cached,
            )
        except SignatureError as exc:
            if cached:
                target, cached = targets.get(session, platform, now, fresh=True)
                continue
            WEBHOOKS_REFUSED.labels(target.slug, "signature").inc()
            raise BadSignature(str(exc)) from exc


def _defer(
    adapter: DeferredAdapter, session: Session, target: WebhookTarget, message_id: str, body: bytes, now: datetime
) -> Response:
    """Store a deferred adapter's notification and its 202 answer in one transaction."""
    try:
        accepted = adapter.defer(session, target.id, message_id, body, now)
        answer = inbox.record_deferred(session, target.id, message_id, accepted.type, now)
        session.commit()
    except PayloadError as exc:
        session.rollback()
        WEBHOOKS_REFUSED.labels(target.slug, "malformed" if exc.malformed else "invalid").inc()
        raise (MalformedBody if exc.malformed else InvalidPayload)(exc.detail, errors=exc.errors) from exc
    except inbox.DuplicateDelivery:
        session.rollback()
        stored = inbox.stored_answer(session, target.id, message_id)
        assert stored is not None
        WEBHOOKS_ACCEPTED.labels(target.slug, stored.event_type, "true").inc()
        return _sent(stored, replayed=True)
    WEBHOOKS_ACCEPTED.labels(target.slug, accepted.type, "false").inc()
    return _sent(answer)


def _sent(answer: inbox.Answer, *, replayed: bool = False) -> Response:
    """The answer's JSON as serialised once (a replay gets the stored text as it is, never parsed again)."""
    headers = {REPLAY_HEADER: "true"} if replayed else None
    return Response(answer.content, status_code=answer.status_code, headers=headers, media_type="application/json")
