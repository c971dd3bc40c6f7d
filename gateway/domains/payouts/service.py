"""Paying riders on the due date, whatever the platform does: the guarantee fund advances unpaid wages.

A contract's payout is scheduled when it is settled, in the same transaction (`settle_and_schedule`): settlement
(below) records the statement and invoice and says what is owed; this domain writes its own table."""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlmodel import Session

from gateway.agreements.loader import AgreementBook
from gateway.domains.contracts import lifecycle
from gateway.domains.contracts.models import Contract, ContractStatus
from gateway.domains.decisions.service import DecisionKind, Made
from gateway.domains.fund import service as fund
from gateway.domains.outbox import service as outbox
from gateway.domains.payouts.models import Payout
from gateway.domains.platforms.models import Platform
from gateway.domains.settlement import service as settlement
from gateway.domains.settlement.models import Settlement
from gateway.domains.settlement.service import Owed, invoice_of
from gateway.jobs import JobContext


class PaymentRail(Protocol):
    def transfer(self, payout: Payout) -> str:
        """Send the money and return the transfer's reference. The payout id is the idempotency key: a rail
        that sees the same id twice must not pay twice (the job may retry after a crash before commit)."""
        ...


class LocalRail:
    """The embedded default: records the transfer (optionally in a journal file) and accepts it."""

    def __init__(self, journal: Path | None) -> None:
        self.journal = journal

    def transfer(self, payout: Payout) -> str:
        if self.journal is not None:
            line = f"{payout.id} {payout.amount} {payout.currency} rider={payout.rider_id} pid={os.getpid()}\n"
            # O_APPEND: lines from several processes never interleave.
            fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
        return f"local-{payout.id.hex[:16]}"


def schedule(session: Session, owed: Owed, now: datetime) -> Payout:
    """The payout of a settled contract, in the settling transaction. One per contract (a unique key): settling
    twice cannot pay twice."""
    payout = Payout(
        contract_id=owed.contract_id,
        rider_id=owed.rider_id,
        amount=owed.amount,
        currency=owed.currency,
        due_on=owed.due_on,
        timezone=owed.timezone,
        scheduled_at=now,
    )
    session.add(payout)
    session.flush()
    return payout


def rail(ctx: JobContext) -> PaymentRail:
    given = ctx.services.get("payments")
    return given if given is not None else LocalRail(ctx.settings.payout_journal)


def is_due(payout: Payout, now: datetime) -> bool:
    return payout.due_on <= now.astimezone(ZoneInfo(payout.timezone)).date()


def pay(
    session: Session,
    payout: Payout,
    payments: PaymentRail,
    now: datetime,
    source: str,
    *,
    allow_negative: bool = False,
) -> None:
    """Pay one claimed payout. If the platform has not paid its invoice, the fund advances the money, within its
    cash (fund.FundShort otherwise: the job sets the payout aside for staff) unless staff allow an overdraft."""
    contract = session.get(Contract, payout.contract_id)
    assert contract is not None
    platform = session.get(Platform, contract.platform_id)
    assert platform is not None
    invoice = invoice_of(session, contract.id)
    if invoice is not None and invoice.status == "paid":
        payout.funded_by = "platform"
    else:
        fund.advance_within_cash(
            session, platform.slug, payout.amount, payout.currency, now, contract.id, allow_negative=allow_negative
        )
        payout.funded_by = "guarantee_fund"
    payout.reference = payments.transfer(payout)
    complete(session, payout, now, source)


HELD_BY = "gateway:guarantee-fund"


def held_key(payout_id: uuid.UUID) -> str:
    """A payout is held once (migration 0020 derives past holds from the set-aside rows under the same key)."""
    return f"payout:{payout_id}:held"


def held_decision(session: Session, payout: Payout, exc: BaseException, now: datetime) -> Made:
    """The fund could not advance this payout within its cash, so it waits for staff (issue 20's decision)."""
    contract = session.get(Contract, payout.contract_id)
    assert contract is not None
    return Made(
        key=held_key(payout.id),
        rider_id=payout.rider_id,
        platform_id=contract.platform_id,
        contract_id=contract.id,
        kind=DecisionKind.PAYOUT_HELD,
        decided_by=HELD_BY,
        outcome="held_fund_short",
        parameters={"rule": "the guarantee fund advances unpaid wages within its cash"},
        facts={
            "shift_code": contract.shift_code,
            "amount": str(payout.amount),
            "currency": payout.currency,
            "due_on": payout.due_on.isoformat(),
            "reason": str(exc)[:300],
        },
        decided_at=now,
    )


def complete(session: Session, payout: Payout, now: datetime, source: str) -> None:
    """The money has reached the rider (the local rail: at once; SEPA: when the statement shows it): the payout
    is paid, the contract too, and the platform is told."""
    contract = session.get(Contract, payout.contract_id)
    assert contract is not None
    payout.status = "paid"
    payout.paid_at = now
    session.add(payout)
    lifecycle.transition(
        session,
        contract,
        ContractStatus.paid,
        "paid",
        now,
        source,
        now,
        f"{payout.amount} {payout.currency} paid ({payout.funded_by}), ref {payout.reference}",
    )
    outbox.enqueue(
        session,
        ("callback.payout.paid",),
        {
            "contract_id": str(contract.id),
            "shift_code": contract.shift_code,
            "amount": str(payout.amount),
            "currency": payout.currency,
            "paid_at": now.isoformat(),
            "funded_by": payout.funded_by,
        },
        now,
        contract.id,
    )
    session.flush()


def settle_and_schedule(
    session: Session, contract: Contract, book: AgreementBook, now: datetime, source: str
) -> Settlement | None:
    """Settle a contract and schedule what it owes the rider, in the caller's transaction (both or neither)."""
    settled = settlement.settle(session, contract, book, now, source)
    if settled is None:
        return None
    schedule(session, settled.owed, now)
    return settled.settlement
