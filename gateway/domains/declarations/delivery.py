"""Delivering `declaration.in|out|update` outbox messages through the configured connector.

A message is submitted once; its reference is kept on the message, so each later attempt polls the result
instead of declaring twice. The result decides the declaration's state: accepted (the platform is told
`contract.declared`) or refused (the contract is blocked and the platform told `contract.refused`, with why).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlmodel import Session

from gateway.domains.contracts import service as contracts
from gateway.domains.contracts.models import Contract
from gateway.domains.declarations import service as declarations
from gateway.domains.declarations.connectors import (
    DeclarationConnector,
    DeclarationRequest,
    HttpConnector,
    LocalConnector,
    Operation,
)
from gateway.domains.declarations.models import Declaration, DeclarationState
from gateway.domains.outbox import service as outbox
from gateway.domains.outbox.delivery import Claimed, Outcome, SendError, http_client, register
from gateway.domains.outbox.models import OutboxStatus
from gateway.domains.outbox.oauth import ClientCredentials
from gateway.domains.riders.models import Rider
from gateway.jobs import JobContext
from gateway.settings import Settings

OPERATIONS: tuple[Operation, ...] = ("in", "out", "update")
ACCEPTED = {"A": DeclarationState.accepted, "W": DeclarationState.accepted_with_warning}


def connector_of(ctx: JobContext) -> DeclarationConnector:
    """The injected connector, else the configured one, kept in the job context so its token is cached."""
    connector = ctx.services.get("declaration_connector")
    if connector is None:
        connector = build_connector(ctx)
        ctx.services["declaration_connector"] = connector
    return cast(DeclarationConnector, connector)


def build_connector(ctx: JobContext) -> DeclarationConnector:
    s = ctx.settings
    if s.declaration_connector == "local":
        return LocalConnector()
    # The settings validator guarantees these for the http connector.
    assert s.declaration_base_url and s.declaration_token_url and s.declaration_client_id
    http = http_client(ctx)
    oauth = ClientCredentials(
        http,
        s.declaration_token_url,
        s.declaration_client_id,
        clock=ctx.clock,
        private_key_pem=s.declaration_private_key,
        scope=s.declaration_scope,
    )
    return HttpConnector(http, s.declaration_base_url, oauth)


def operation(kind: str) -> Operation | None:
    op = kind.removeprefix("declaration.")
    for known in OPERATIONS:
        if op == known:
            return known
    return None


def build_request(session: Session, settings: Settings, op: Operation, msg: Claimed) -> DeclarationRequest | None:
    """The declaration from the contract as stored now; the message's payload may name the actual end."""
    contract = session.get(Contract, msg.contract_id) if msg.contract_id is not None else None
    if contract is None:
        return None
    rider = session.get(Rider, contract.rider_id)
    existing = declarations.get(session, contract.id)
    end = msg.payload.get("ended_at") if op != "in" else None
    actual_end = getattr(contract, "actual_end", None)
    body: dict[str, Any] = {
        "type": op.upper(),
        "employer": {"enterprise_number": settings.declaration_employer_id},
        "worker": {
            "type": settings.declaration_worker_type,
            "member_id": rider.member_id if rider else None,
            "platform_rider_id": rider.external_id if rider else None,
        },
        "joint_committee": settings.declaration_joint_committee,
        "starts_at": contract.starts_at.isoformat(),
        "ends_at": end or (actual_end if op != "in" and actual_end else contract.ends_at).isoformat(),
        "employer_reference": str(contract.id),
    }
    if op != "in" and existing is not None and existing.reference:
        body["in_reference"] = existing.reference
    return DeclarationRequest(op, contract.id, body)


class DeclarationHandler:
    def send(self, ctx: JobContext, msg: Claimed) -> Outcome:
        op = operation(msg.kind)
        if op is None:
            return Outcome("rejected", error=f"unknown declaration operation in kind {msg.kind!r}")
        connector = connector_of(ctx)
        reference = msg.external_ref
        try:
            if reference is None:
                with Session(ctx.engine) as session:
                    request = build_request(session, ctx.settings, op, msg)
                if request is None:
                    return Outcome("rejected", error="the contract no longer exists", target=connector.name)
                reference = connector.submit(request)
            result = connector.result(reference)
        except SendError as exc:
            # A reference obtained before the failure is kept: the next attempt polls, it does not declare twice.
            return exc.outcome(target=connector.name, external_ref=reference)
        if result is None or not result.final:
            return Outcome("pending", external_ref=reference, target=connector.name, detail={"code": "S"})
        return Outcome(
            "delivered",
            external_ref=reference,
            target=connector.name,
            detail={"code": result.code, "detail": result.detail},
        )

    def record(self, session: Session, msg: Claimed, outcome: Outcome, status: str, now: datetime) -> None:
        op = operation(msg.kind)
        if op is None or msg.contract_id is None or session.get(Contract, msg.contract_id) is None:
            return
        d = declarations.upsert(session, msg.contract_id, outcome.target or "unknown", now)
        reference = outcome.external_ref or msg.external_ref
        d.updated_at, d.last_operation, d.last_operation_reference = now, op, reference
        if op == "in":
            d.reference = reference
        if status == OutboxStatus.dead:
            _set(d, op, DeclarationState.failed, detail=outcome.error)
        elif outcome.result == "pending":
            d.result_code = "S"
            _set(d, op, DeclarationState.submitted)
        elif outcome.result == "delivered":
            self._decided(session, d, op, outcome.detail["code"], outcome.detail.get("detail"), now)
        session.add(d)
        session.flush()

    def _decided(
        self, session: Session, d: Declaration, op: Operation, code: str, detail: str | None, now: datetime
    ) -> None:
        d.result_code, d.decided_at = code, now
        if code in ACCEPTED:
            state = ACCEPTED[code]
            d.last_operation_state = state
            if op == "in":
                d.state, d.detail = state, detail
                _tell_platform(session, d, "callback.contract.declared", now)
            elif op == "out":
                d.state, d.ended_at = DeclarationState.ended, now
            else:
                d.detail = detail or d.detail
            return
        reason = detail or "the declaration service refused the declaration without giving a reason"
        d.last_operation_state = DeclarationState.refused
        if op != "in":
            # A refused OUT or update does not unmake the employment; it is listed for the cooperative.
            d.detail = f"{op.upper()} refused: {reason}"[:1000]
            return
        d.state, d.detail = DeclarationState.refused, reason[:1000]
        contracts.block(session, d.contract_id, f"declaration of employment refused: {reason}", now)
        _tell_platform(session, d, "callback.contract.refused", now, reason=reason)


def _set(d: Declaration, op: Operation, state: DeclarationState, detail: str | None = None) -> None:
    d.last_operation_state = state
    if op == "in":
        d.state = state
    if detail is not None:
        d.detail = detail[:1000]


def _tell_platform(session: Session, d: Declaration, kind: str, now: datetime, reason: str | None = None) -> None:
    contract = session.get(Contract, d.contract_id)
    assert contract is not None
    session.add(d)
    session.flush()
    payload: dict[str, Any] = {
        "contract_id": str(d.contract_id),
        "shift_code": contract.shift_code,
        "status": contract.status,
        "declaration": declarations.declaration_view(session, d.contract_id).model_dump(mode="json"),
    }
    if reason is not None:
        payload["reason"] = reason
    outbox.enqueue(session, (kind,), payload, now, d.contract_id)


register("declaration.", DeclarationHandler())
