"""Delivering `declaration.in|update|cancel|out` outbox messages through the configured connector.

A message is submitted once; its reference is kept on the message, so each later attempt polls the result
instead of declaring twice. The result decides the declaration's state: accepted (the platform is told
`contract.declared`) or refused (the contract is blocked and the platform told `contract.refused`, with why).

Which operation when: a booking declares IN (with its end date, so no OUT is needed); a shift that ended on other
days than booked (or, for the flexi and occasional types, at other hours) is an UPDATE, and nothing is sent when
what was declared still holds; an unpaid cancellation before the start is a CANCEL, which waits for the IN's
number and has nothing to do when the IN was refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlmodel import Session

from gateway.domains.contracts import service as contracts
from gateway.domains.contracts.models import Contract
from gateway.domains.declarations import dimona
from gateway.domains.declarations import service as declarations
from gateway.domains.declarations.connectors import (
    DeclarationConnector,
    DeclarationRequest,
    LocalConnector,
    Operation,
    dimona_connector,
)
from gateway.domains.declarations.models import Declaration, DeclarationState
from gateway.domains.members import service as members
from gateway.domains.members.vault import vault_of
from gateway.domains.outbox import service as outbox
from gateway.domains.outbox.delivery import Claimed, Outcome, SendError, http_client, register
from gateway.domains.outbox.models import OutboxStatus
from gateway.domains.riders.models import Rider
from gateway.jobs import JobContext
from gateway.settings import Settings

OPERATIONS: tuple[Operation, ...] = ("in", "update", "cancel", "out")
ACCEPTED = {"A": DeclarationState.accepted, "W": DeclarationState.accepted_with_warning}
# The IN's states after which a later operation has a number to name.
IN_DECLARED = (DeclarationState.accepted, DeclarationState.accepted_with_warning)
IN_UNDONE = (DeclarationState.refused, DeclarationState.failed, DeclarationState.cancelled)


def connector_of(ctx: JobContext) -> DeclarationConnector:
    """The injected connector, else the configured one, kept in the job context so its tokens are cached."""
    connector = ctx.services.get("declaration_connector")
    if connector is None:
        connector = build_connector(ctx)
        ctx.services["declaration_connector"] = connector
    return cast(DeclarationConnector, connector)


def build_connector(ctx: JobContext) -> DeclarationConnector:
    if ctx.settings.declaration_connector == "local":
        return LocalConnector()
    return dimona_connector(http_client(ctx), ctx.settings, ctx.clock)


def operation(kind: str) -> Operation | None:
    op = kind.removeprefix("declaration.")
    for known in OPERATIONS:
        if op == known:
            return known
    return None


# --- what to send ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Send:
    request: DeclarationRequest
    period: dimona.Period | None


@dataclass(frozen=True, slots=True)
class Wait:
    """Not yet: the IN has no number to name (it is still in the outbox or being processed)."""

    why: str


@dataclass(frozen=True, slots=True)
class Skip:
    """Nothing to tell the service."""

    why: str


@dataclass(frozen=True, slots=True)
class Refuse:
    """This message can never be sent as it stands (a member who cannot be declared)."""

    why: str


Plan = Send | Wait | Skip | Refuse


def plan(
    session: Session, settings: Settings, connector: DeclarationConnector, op: Operation, msg: Claimed, now: datetime
) -> Plan:
    contract = session.get(Contract, msg.contract_id) if msg.contract_id is not None else None
    if contract is None:
        return Refuse("the contract no longer exists")
    worker_type = _worker_type(session, settings, contract)
    if op == "in":
        return _plan_in(session, settings, connector, contract, worker_type, now)
    d = declarations.get(session, contract.id)
    state = None if d is None else DeclarationState(d.state)
    if state in IN_UNDONE:
        return Skip(f"nothing to {op}: the IN was {state}")
    if d is None or d.reference is None or state not in IN_DECLARED:
        return Wait(f"the {op} waits for the IN's number")
    if op == "cancel":
        return Send(DeclarationRequest(op, contract.id, dimona.dimona_cancel(d.reference)), None)
    ended_at = datetime.fromisoformat(msg.payload["ended_at"])
    actual = dimona.period(contract.starts_at, ended_at, contract.timezone, worker_type)
    declared = dimona.Period.from_json(d.period) if d.period else _booked(contract, worker_type)
    if not dimona.changes(declared, actual, worker_type):
        return Skip(f"nothing to {op}: the declared period ({_days(declared)}) still holds")
    body = dimona.dimona_update(d.reference, actual) if op == "update" else dimona.dimona_out(d.reference, actual)
    return Send(DeclarationRequest(op, contract.id, body), actual)


def _plan_in(
    session: Session,
    settings: Settings,
    connector: DeclarationConnector,
    contract: Contract,
    worker_type: str,
    now: datetime,
) -> Plan:
    p = _booked(contract, worker_type)
    worker: dict[str, Any] = {}
    if connector.identifies_worker:
        try:
            worker = _identify(session, settings, contract, now)
        except dimona.NotDeclarable as exc:
            return Refuse(f"the member cannot be declared: {exc}")
    body = dimona.dimona_in(
        settings.declaration_registration_number, worker, p, settings.declaration_joint_committee, worker_type
    )
    return Send(DeclarationRequest("in", contract.id, body), p)


def _identify(session: Session, settings: Settings, contract: Contract, now: datetime) -> dict[str, Any]:
    rider = session.get(Rider, contract.rider_id)
    member = members.of_rider(session, rider) if rider is not None else None
    if member is None:
        raise dimona.NotDeclarable("the rider is not linked to a member")
    missing = members.missing(member)
    if missing:
        raise dimona.NotDeclarable("missing " + ", ".join(missing))
    # Audited: an IdentityRead row names the job and the contract (committed by the caller, sent or not).
    purpose = f"dimona in of contract {contract.id}"
    ssin = members.reveal(session, vault_of(settings), member, "ssin", "declarations", purpose, now)
    return dimona.worker(member, ssin)


def _worker_type(session: Session, settings: Settings, contract: Contract) -> str:
    rider = session.get(Rider, contract.rider_id)
    member = members.of_rider(session, rider) if rider is not None else None
    return (member.worker_type if member is not None else None) or settings.declaration_worker_type


def _booked(contract: Contract, worker_type: str) -> dimona.Period:
    return dimona.period(contract.starts_at, contract.ends_at, contract.timezone, worker_type)


def _days(p: dimona.Period) -> str:
    days = p.starting_date.isoformat()
    return days if p.ending_date == p.starting_date else f"{days} to {p.ending_date.isoformat()}"


# --- the handler ----------------------------------------------------------------------------------------------


class DeclarationHandler:
    def send(self, ctx: JobContext, msg: Claimed) -> Outcome:
        op = operation(msg.kind)
        if op is None:
            return Outcome("rejected", error=f"unknown declaration operation in kind {msg.kind!r}")
        connector = connector_of(ctx)
        reference = msg.external_ref
        detail: dict[str, Any] = {}
        try:
            if reference is None:
                with Session(ctx.engine) as session:
                    step = plan(session, ctx.settings, connector, op, msg, ctx.now())
                    # The audit of an SSIN read stands whether or not the send succeeds: it was read.
                    session.commit()
                if isinstance(step, Wait):
                    return Outcome("pending", target=connector.name, detail={"waiting": step.why})
                if isinstance(step, Skip):
                    return Outcome("skipped", error=step.why, target=connector.name, detail={"skipped": step.why})
                if isinstance(step, Refuse):
                    return Outcome("rejected", error=step.why, target=connector.name)
                reference = connector.submit(step.request)
                if step.period is not None:
                    detail["period"] = step.period.as_json()
            result = connector.result(reference)
        except SendError as exc:
            # A reference obtained before the failure is kept: the next attempt polls, it does not declare twice.
            return replace(exc.outcome(target=connector.name, external_ref=reference), detail=detail)
        if result is None or not result.final:
            return Outcome("pending", external_ref=reference, target=connector.name, detail={**detail, "code": "S"})
        return Outcome(
            "delivered",
            external_ref=reference,
            target=connector.name,
            detail={**detail, "code": result.code, "detail": result.detail, "anomalies": list(result.anomalies)},
        )

    def record(self, session: Session, msg: Claimed, outcome: Outcome, status: str, now: datetime) -> None:
        op = operation(msg.kind)
        if op is None or msg.contract_id is None or session.get(Contract, msg.contract_id) is None:
            return
        if outcome.detail.get("waiting") and status == OutboxStatus.pending:
            return  # nothing was sent: the declaration stays as it is
        d = declarations.upsert(session, msg.contract_id, outcome.target or "unknown", now)
        reference = outcome.external_ref or msg.external_ref
        d.updated_at, d.last_operation, d.last_operation_reference = now, op, reference
        if op == "in":
            d.reference = reference
        if "period" in outcome.detail:
            d.period = outcome.detail["period"]
        if status == OutboxStatus.skipped:
            d.last_operation_state, d.detail = DeclarationState.not_needed, outcome.error
        elif status == OutboxStatus.dead:
            _set(d, op, DeclarationState.failed, detail=outcome.error)
        elif outcome.result == "pending":
            d.result_code = "S"
            _set(d, op, DeclarationState.submitted)
        elif outcome.result == "delivered":
            self._decided(session, d, op, outcome.detail, now)
        session.add(d)
        session.flush()

    def _decided(self, session: Session, d: Declaration, op: Operation, result: dict[str, Any], now: datetime) -> None:
        code, detail, anomalies = result["code"], result.get("detail"), result.get("anomalies") or []
        d.result_code, d.decided_at = code, now
        if op == "in" or anomalies:
            d.anomalies = anomalies
        if code in ACCEPTED:
            state = ACCEPTED[code]
            d.last_operation_state = state
            if op == "in":
                d.state, d.detail = state, detail
                _tell_platform(session, d, "callback.contract.declared", now)
            elif op == "out":
                d.state, d.ended_at = DeclarationState.ended, now
            elif op == "cancel":
                d.state, d.ended_at, d.detail = DeclarationState.cancelled, now, "cancelled before the work started"
            else:
                d.detail = detail or d.detail
            return
        reason = detail or "the declaration service refused the declaration without giving a reason"
        d.last_operation_state = DeclarationState.refused
        if op != "in":
            # A refused update, cancel or OUT does not unmake the employment; it is listed for the cooperative.
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
