"""Reading and writing a contract's declaration state. (Blocking a refused contract is in `delivery`.)"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from gateway.domains.contracts.models import Contract
from gateway.domains.declarations.models import Declaration, DeclarationState
from gateway.domains.declarations.schemas import DeclarationListItem, DeclarationOut
from gateway.domains.platforms.models import Platform

# What the cooperative must look at: refused declarations and those that could not be sent.
ATTENTION = (DeclarationState.refused, DeclarationState.failed)


def get(session: Session, contract_id: uuid.UUID) -> Declaration | None:
    return session.exec(select(Declaration).where(Declaration.contract_id == contract_id)).first()


def declaration_view(session: Session, contract_id: uuid.UUID) -> DeclarationOut:
    """The contract's declaration state; `queued` while the IN waits in the outbox."""
    return declaration_out(get(session, contract_id))


def declaration_out(d: Declaration | None) -> DeclarationOut:
    return DeclarationOut.queued() if d is None else DeclarationOut.model_validate(d)


def upsert(session: Session, contract_id: uuid.UUID, connector: str, now: datetime) -> Declaration:
    d = get(session, contract_id)
    if d is None:
        d = Declaration(
            contract_id=contract_id,
            connector=connector,
            state=DeclarationState.submitted,
            last_operation="in",
            last_operation_state=DeclarationState.submitted,
            created_at=now,
            updated_at=now,
        )
    return d


def list_declarations(
    session: Session, states: tuple[str, ...] = ATTENTION, limit: int = 100
) -> list[DeclarationListItem]:
    """Declarations whose IN or last operation (an OUT, an update) is in the given states (by default those
    needing the cooperative), newest first."""
    rows = session.exec(
        select(Declaration, Contract.shift_code, Platform.slug)
        .join(Contract, col(Contract.id) == col(Declaration.contract_id))
        .join(Platform, col(Platform.id) == col(Contract.platform_id))
        .where(or_(col(Declaration.state).in_(states), col(Declaration.last_operation_state).in_(states)))
        .order_by(col(Declaration.updated_at).desc(), col(Declaration.id).desc())
        .limit(limit)
    ).all()
    return [
        DeclarationListItem(
            **DeclarationOut.model_validate(d).model_dump(),
            contract_id=d.contract_id,
            platform=slug,
            shift_code=code,
            updated_at=d.updated_at,
        )
        for d, code, slug in rows
    ]
