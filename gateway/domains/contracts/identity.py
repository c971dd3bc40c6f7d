"""Contracts and the member's identity: a booking for a member whose identity cannot be declared opens blocked
(`identity_incomplete`); completing the identity releases those contracts.

Belgian law wants the declaration of employment (Dimona IN), which names the worker by SSIN or the fields that
replace it, at the latest when work starts. So when `settings.requires_identity`, a booking whose rider has no
member, or a member whose identity is not `declarable`, still opens its contract (a rider is never left without
one, and the shift code never opens a second), but `blocked`, with an `identity_incomplete` correction naming
what is missing (field names, never values), and without a `declaration.in`: nothing can be declared. The
platform reads `blocked` in its answer and keeps the rider off the shift. `release` reopens such a contract once
the identity is complete, if its booked end is still ahead; past its end it stays blocked for staff to decide.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, not_
from sqlmodel import Session, col, select

from gateway.domains.contracts import lifecycle
from gateway.domains.contracts.models import Contract, ContractStatus, Violation
from gateway.domains.contracts.schemas import BlockedContractOut, BlockReason
from gateway.domains.contracts.service import (
    BLOCKED,
    BLOCKED_KINDS,
    DECLARATION_REFUSED,
    IDENTITY_INCOMPLETE,
    NewContract,
)
from gateway.domains.decisions import service as decisions
from gateway.domains.decisions.service import DecisionKind, Made
from gateway.domains.members import service as members
from gateway.domains.members.models import Member
from gateway.domains.outbox import service as outbox
from gateway.domains.platforms.models import Platform
from gateway.domains.riders.models import Rider

TERM = "identity"
CLAUSE = "social security declaration of employment (Dimona): the worker's identity, before work starts"
# What a rider linked to no member lacks: a member (with an identity) to link them to.
NO_MEMBER = "member"
# The kind of the history entry a release records, and what it queues: the declaration, the platform's callback.
COMPLETED = "identity_completed"
UNBLOCKED_KINDS = ("declaration.in", "callback.contract.unblocked")
RELEASED_BY = "members.identity"
REVIEWED = "review_overturned"  # the reason a contract unblocked by a person's review gives the platform
# The part that blocks and releases (issue 20's decisions): the same as `booking.IDENTITY_CHECK`.
DECIDED_BY = "gateway:identity-check"


def released_key(contract_id: uuid.UUID) -> str:
    return f"contract:{contract_id}:released"


def released_decision(contract: Contract, member_number: str, now: datetime) -> Made:
    """The contract held for an incomplete identity, opened now that the identity is complete."""
    return Made(
        key=released_key(contract.id),
        rider_id=contract.rider_id,
        platform_id=contract.platform_id,
        contract_id=contract.id,
        kind=DecisionKind.CONTRACT_BLOCKED,
        decided_by=DECIDED_BY,
        clause=CLAUSE[:100],
        outcome="released",
        parameters={"term": TERM},
        facts={"shift_code": contract.shift_code, "ends_at": contract.ends_at.isoformat(), "member": member_number},
        decided_at=now,
    )


@dataclass(frozen=True, slots=True)
class Gap:
    """Why a rider's identity cannot be declared: what is missing, by field name (`member`: no member linked)."""

    missing: tuple[str, ...]

    @property
    def detail(self) -> str:
        if self.missing == (NO_MEMBER,):
            what = "no member of the cooperative is linked to this rider"
        else:
            what = f"the member's identity is incomplete (missing: {', '.join(self.missing)})"
        return (
            f"{what}: the employment cannot be declared to social security, so the rider must not work this shift "
            "until the cooperative has the identity"
        )


def missing_of(member: Member | None) -> tuple[str, ...]:
    return (NO_MEMBER,) if member is None else tuple(members.missing(member))


def gap(session: Session, platform_id: int, rider_external_id: str) -> Gap | None:
    """What the rider's identity lacks to be declared; None when it is declarable, or when the platform has no
    such rider (the booking's insert finds none and says so).

    The rider's and the member's rows are locked until the booking commits: an identity completed (or a rider
    linked) meanwhile waits, then releases the contract opened blocked here; or it committed first, and this reads
    the identity complete. Either way no contract stays blocked for an identity that is complete."""
    rider = session.exec(
        select(Rider.id, Rider.member_id)
        .where(Rider.platform_id == platform_id, Rider.external_id == rider_external_id)
        .with_for_update()
    ).first()
    if rider is None:
        return None
    number = rider[1]
    member = None
    if number is not None:
        member = session.exec(select(Member).where(Member.number == number).with_for_update()).first()
    if member is not None and member.declarable:
        return None
    return Gap(missing_of(member) or ("identity",))


def blocked(new: NewContract, gap: Gap, now: datetime) -> NewContract:
    """The same booking, opened blocked: its `identity_incomplete` correction and history entry, and no
    declaration queued (only the platform's callback)."""
    correction: dict[str, Any] = {
        "term": TERM,
        "clause": CLAUSE,
        "code": IDENTITY_INCOMPLETE,
        "action": BLOCKED,
        "detail": gap.detail,
        "offered": None,
        "applied": None,
        "unit": None,
        "offered_value": None,
        "applied_value": None,
    }
    event = {
        "contract_id": new.id,
        "kind": IDENTITY_INCOMPLETE,
        "from_status": ContractStatus.open.value,
        "to_status": ContractStatus.blocked.value,
        "at": now,
        "recorded_at": now,
        "source": new.row["opened_by_message"],
        "detail": gap.detail,
    }
    return dataclasses.replace(
        new,
        row={**new.row, "status": ContractStatus.blocked.value},
        corrections=[*new.corrections, correction],
        events=(event,),
        kinds=BLOCKED_KINDS,
        missing=gap.missing,
    )


def _has_entry(code: str) -> Any:
    return exists().where(
        col(Violation.contract_id) == col(Contract.id), col(Violation.code) == code, col(Violation.action) == BLOCKED
    )


def for_reason(reason: BlockReason) -> ColumnElement[bool]:
    """Blocked contracts blocked for `reason`. A contract released after an incomplete identity may have its
    declaration refused later: then it is blocked for the refusal (that entry is the later one)."""
    refused = _has_entry(DECLARATION_REFUSED)
    if reason == DECLARATION_REFUSED:
        return and_(col(Contract.status) == ContractStatus.blocked.value, refused)
    return and_(col(Contract.status) == ContractStatus.blocked.value, _has_entry(IDENTITY_INCOMPLETE), not_(refused))


def _unblocked_payload(contract: Contract, rider_external_id: str, reason: str = COMPLETED) -> dict[str, Any]:
    return {
        "contract_id": str(contract.id),
        "shift_code": contract.shift_code,
        "rider_id": rider_external_id,
        "status": contract.status,
        "reason": reason,
    }


def release(session: Session, member_number: str, now: datetime) -> list[uuid.UUID]:
    """Reopen the contracts blocked because this member's identity was incomplete, now that it is declarable.
    Returns their ids. Called (in the caller's transaction) after every write that may complete an identity.

    Only contracts whose booked end is still ahead reopen (each queues its `declaration.in` and tells the platform
    `contract.unblocked`); past their end they stay blocked: nobody may have worked them legally, staff decide.
    A contract blocked because its declaration was refused is not touched. Calling it again changes nothing."""
    member = members.by_number(session, member_number)
    if member is None or not member.declarable:
        return []
    held = session.exec(
        select(Contract, Rider.external_id)
        .join(Rider, col(Rider.id) == col(Contract.rider_id))
        .where(Rider.member_id == member_number, for_reason(IDENTITY_INCOMPLETE), col(Contract.ends_at) > now)
        .order_by(col(Contract.starts_at), col(Contract.id))
        # Two identity writes at once release each contract once: the second waits, then finds it open.
        .with_for_update(of=Contract)
    ).all()
    detail = f"the identity of member {member_number} is complete: the employment is declared now"
    for contract, rider_external_id in held:
        lifecycle.transition(session, contract, ContractStatus.open, COMPLETED, now, RELEASED_BY, now, detail)
        outbox.enqueue(session, UNBLOCKED_KINDS, _unblocked_payload(contract, rider_external_id), now, contract.id)
    decisions.record(session, *[released_decision(contract, member_number, now) for contract, _ in held])
    session.flush()
    return [contract.id for contract, _ in held]


def unblock(session: Session, contract: Contract, now: datetime, source: str, detail: str) -> bool:
    """Open a blocked contract on a person's decision (a reviewer overturning the block): as `release` does, its
    declaration queued and the platform told. False when it is not blocked (released meanwhile, or closed)."""
    if contract.status != ContractStatus.blocked.value:
        return False
    rider_external_id = session.exec(select(Rider.external_id).where(Rider.id == contract.rider_id)).one()
    lifecycle.transition(session, contract, ContractStatus.open, "unblocked_on_review", now, source, now, detail[:1000])
    outbox.enqueue(
        session, UNBLOCKED_KINDS, _unblocked_payload(contract, rider_external_id, REVIEWED), now, contract.id
    )
    session.flush()
    return True


def list_blocked(session: Session, reason: BlockReason | None = None, limit: int = 100) -> list[BlockedContractOut]:
    """Blocked contracts, soonest start first, with why and (for an incomplete identity) what it still lacks now."""
    stmt = (
        select(Contract, Rider, Platform.slug, Member)
        .join(Platform, col(Platform.id) == col(Contract.platform_id))
        .join(Rider, col(Rider.id) == col(Contract.rider_id))
        .outerjoin(Member, col(Member.number) == col(Rider.member_id))
        .where(col(Contract.status) == ContractStatus.blocked.value)
        .order_by(col(Contract.starts_at), col(Contract.id))
        .limit(limit)
    )
    if reason is not None:
        stmt = stmt.where(for_reason(reason))
    rows = session.exec(stmt).all()
    entries = _block_entries(session, [contract.id for contract, *_ in rows])
    listed = []
    for contract, rider, slug, member in rows:
        entry = entries.get(contract.id)
        why: BlockReason = DECLARATION_REFUSED
        if entry is not None and entry.code == IDENTITY_INCOMPLETE:
            why = IDENTITY_INCOMPLETE
        listed.append(
            BlockedContractOut(
                contract_id=contract.id,
                platform=slug,
                shift_code=contract.shift_code,
                rider_id=rider.external_id,
                member=rider.member_id,
                starts_at=contract.starts_at,
                ends_at=contract.ends_at,
                blocked_at=contract.status_changed_at,
                reason=why,
                detail=entry.detail if entry is not None else "",
                missing=list(missing_of(member)) if why == IDENTITY_INCOMPLETE else [],
            )
        )
    return listed


def _block_entries(session: Session, contract_ids: list[uuid.UUID]) -> dict[uuid.UUID, Violation]:
    """Each contract's latest blocking entry (`service.block_reason` for many contracts, in one query)."""
    latest: dict[uuid.UUID, Violation] = {}
    if contract_ids:
        for v in session.exec(
            select(Violation)
            .where(col(Violation.contract_id).in_(contract_ids), Violation.action == BLOCKED)
            .order_by(col(Violation.id))
        ).all():
            latest[v.contract_id] = v
    return latest
