"""The contract's state machine, driven by the platform's shift events and by the scheduler.

    open ──started──▶ active ──ended──▶ completed ──(settle after a short delay)──▶ settled ──(payout)──▶ paid
      │                 │                   ▲
      ├──ended──────────┼───────────────────┘        open/active past their end + grace: closed as booked
      ├──cancelled──▶ cancelled (or completed, when short notice still pays)
      │                 └──cancelled while active: the rider was sent home early ──▶ completed
      ├── any not yet settled ──declaration refused──▶ blocked
      └── booked for a member whose identity cannot be declared: opened blocked (identity_incomplete)
              ├──identity completed before the booked end (`identity.release`)──▶ open
              └──cancelled──▶ cancelled, nothing due (no work could lawfully start)

A blocked contract takes no start or end (a 409 that says why, nothing changes): the rider must not work it.

Events are facts with their own time (`at`), checked against `bounds` before anything changes (not ahead of the
clock, near the booked start, no longer than the longest shift: else a 422). Each event type's row in
`gateway/event_types.py` names its checks and its `apply_*` here; the inbox runs the checks first. The same fact
twice is harmless (200, nothing changes); a fact that contradicts a recorded one, or arrives after the contract is
settled, is a 409 that changes nothing.
A start that arrives after the end (out of order) is still recorded until settlement, which waits
`settle_delay_seconds` after the end for exactly that reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from gateway.canonical import PayOffer, ShiftCancelled, ShiftEnded, ShiftStarted
from gateway.domains.contracts.bounds import TimeBounds
from gateway.domains.contracts.models import Contract, ContractEvent, ContractStatus
from gateway.domains.contracts.service import IDENTITY_INCOMPLETE, block_reason
from gateway.problems import Conflict, InvalidPayload

S = ContractStatus
SETTLED_OR_AFTER = {S.settled.value, S.paid.value}
CLOSED = {S.settled.value, S.paid.value, S.cancelled.value, S.blocked.value}


def locked_contract(session: Session, platform_id: int, shift_code: str) -> Contract:
    """The shift's contract, locked for this transaction (concurrent events on one shift apply one by one)."""
    contract = session.exec(
        select(Contract).where(Contract.platform_id == platform_id, Contract.shift_code == shift_code).with_for_update()
    ).first()
    if contract is None:
        raise InvalidPayload(
            f"no contract for shift {shift_code!r}: book the shift (shift.booked) first",
            errors=[{"location": "data.shift_code", "message": "no booked shift with this code"}],
        )
    return contract


def transition(
    session: Session,
    contract: Contract,
    to: ContractStatus,
    kind: str,
    at: datetime,
    source: str,
    now: datetime,
    detail: str = "",
) -> None:
    """Record a change of status (or a fact, when `to` is the current status) in the contract's history."""
    session.add(
        ContractEvent(
            contract_id=contract.id,
            kind=kind,
            from_status=contract.status,
            to_status=to.value,
            at=at,
            recorded_at=now,
            source=source,
            detail=detail,
        )
    )
    if contract.status != to.value:
        contract.status = to.value
        contract.status_changed_at = now
    session.add(contract)


def _conflict(contract: Contract, detail: str) -> Conflict:
    return Conflict(detail, contract_id=str(contract.id), contract_status=contract.status)


def _too_late(contract: Contract, what: str) -> Conflict:
    return _conflict(
        contract, f"{what}: contract {contract.id} is already {contract.status}; its facts can no longer change"
    )


def _refuse_if_blocked(session: Session, contract: Contract, what: str) -> None:
    """A blocked contract must not be worked: an event that says it is says so to the platform (and changes
    nothing), with the recorded reason."""
    if contract.status != S.blocked.value:
        return
    entry = block_reason(session, contract.id)
    why = entry.detail if entry is not None else "its declaration of employment was refused"
    raise _conflict(contract, f"{what}: contract {contract.id} is blocked, the rider must not work this shift: {why}")


def _blocked_for_identity(session: Session, contract: Contract) -> bool:
    if contract.status != S.blocked.value:
        return False
    entry = block_reason(session, contract.id)
    return entry is not None and entry.code == IDENTITY_INCOMPLETE


def check_currency(contract: Contract, data: ShiftEnded, now: datetime, time_bounds: TimeBounds) -> None:
    """The pay an end proposes is in the contract's currency (a check as `bounds` has them: the same arguments)."""
    if data.pay is not None and data.pay.currency != contract.currency:
        raise InvalidPayload(
            f"the proposed pay is in {data.pay.currency}; this contract pays in {contract.currency}",
            errors=[{"location": "data.pay.currency", "message": f"expected {contract.currency}"}],
        )


# The `apply_*` functions share one signature, so a row of the event table can name any of them; each assumes its
# row's checks passed. Returns True if something changed.


def apply_started(
    session: Session, contract: Contract, data: ShiftStarted, source: str, now: datetime, settle_delay: timedelta
) -> bool:
    # settle_delay is unused: a start never moves settlement (it waits for the end, or the close of a stale shift).
    if contract.actual_start is not None:
        if contract.actual_start == data.at:
            return False
        raise _conflict(contract, f"shift {contract.shift_code} already started at {contract.actual_start.isoformat()}")
    _refuse_if_blocked(session, contract, "shift.started")
    if contract.status in CLOSED:
        raise _too_late(contract, "shift.started")
    if contract.actual_end is not None and data.at > contract.actual_end:
        raise InvalidPayload(
            f"the shift cannot start ({data.at.isoformat()}) after it ended ({contract.actual_end.isoformat()})",
            errors=[{"location": "data.at", "message": "after the recorded end"}],
        )
    contract.actual_start = data.at
    # A start arriving after the end (out of order) is recorded; the contract stays completed.
    to = S.active if contract.status == S.open.value else ContractStatus(contract.status)
    transition(session, contract, to, "started", data.at, source, now)
    return True


def apply_ended(
    session: Session,
    contract: Contract,
    data: ShiftEnded,
    source: str,
    now: datetime,
    settle_delay: timedelta,
) -> bool:
    if contract.actual_end is not None:
        if contract.actual_end == data.at and contract.deliveries == data.deliveries:
            return False
        raise _conflict(contract, f"shift {contract.shift_code} already ended at {contract.actual_end.isoformat()}")
    _refuse_if_blocked(session, contract, "shift.ended")
    if contract.status in CLOSED:
        raise _too_late(contract, "shift.ended")
    start = contract.actual_start or contract.starts_at
    if data.at < start:
        raise InvalidPayload(
            f"the shift cannot end ({data.at.isoformat()}) before it started ({start.isoformat()})",
            errors=[{"location": "data.at", "message": "before the start"}],
        )
    contract.actual_end = data.at
    contract.deliveries = data.deliveries
    contract.first_delivery_at = data.first_delivery_at
    contract.sent_home_early = data.sent_home_early
    contract.bad_weather = contract.bad_weather or data.bad_weather
    contract.proposed_pay = _pay_json(data.pay)
    contract.distance_km = data.distance_km
    contract.bonus = None if data.bonus is None else Decimal(data.bonus)
    contract.settle_after = now + settle_delay
    transition(session, contract, S.completed, "ended", data.at, source, now, _ended_detail(data))
    return True


def apply_cancelled(
    session: Session,
    contract: Contract,
    data: ShiftCancelled,
    source: str,
    now: datetime,
    settle_delay: timedelta,
) -> bool:
    if contract.cancelled_at is not None:
        return False
    if _blocked_for_identity(session, contract):
        # Nobody could work it (no declaration was possible): cancelled, nothing is due, nothing to declare.
        contract.cancelled_at = max(data.at, contract.opened_at)
        contract.cancel_reason = data.reason or None
        detail = "blocked for an incomplete identity: nothing is due. " + (data.reason or "")
        transition(session, contract, S.cancelled, "cancelled", data.at, source, now, detail.strip())
        return True
    _refuse_if_blocked(session, contract, "shift.cancelled")
    if contract.status in CLOSED or contract.status == S.completed.value:
        raise _too_late(contract, "shift.cancelled")
    reason = data.reason or ""
    # The notice a cancellation gives is counted from its time, which the platform states: a cancellation cannot
    # have been given before the booking reached the gateway, so a back-dated one counts from then and cannot
    # escape short-notice pay. A booking delivered late only shortens the notice counted: the rider's side.
    contract.cancelled_at = max(data.at, contract.opened_at)
    contract.cancel_reason = reason or None
    contract.settle_after = now + settle_delay
    if contract.status == S.active.value:
        # Cancelling a shift under way sends the rider home early: it ends now and is settled as worked.
        contract.actual_end = max(data.at, contract.actual_start or data.at)
        contract.sent_home_early = True
        transition(session, contract, S.completed, "cancelled", data.at, source, now, f"sent home early. {reason}")
        return True
    # Whether a cancellation still pays (short notice) is the agreement's to say: settlement decides.
    transition(session, contract, S.completed, "cancelled", data.at, source, now, reason)
    return True


def _pay_json(pay: PayOffer | None) -> dict[str, Any] | None:
    return None if pay is None else pay.model_dump(exclude_none=True)


def _ended_detail(data: ShiftEnded) -> str:
    parts = [] if data.deliveries is None else [f"{data.deliveries} deliveries"]
    if data.sent_home_early:
        parts.append("sent home early")
    return ", ".join(parts)
