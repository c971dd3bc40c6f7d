"""Settling contracts and paying riders on their due dates. Settling a contract schedules its payout in the same
transaction, so the settling jobs live here, above settlement: `contracts.settle`, `contracts.close_stale`, and
`payouts.execute`, which pays every scheduled payout once its day has come."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session, col

from gateway.domains.contracts.models import Contract, ContractStatus
from gateway.domains.decisions import service as decisions
from gateway.domains.fund import service as fund
from gateway.domains.members.vault import vault_of
from gateway.domains.payouts import batches, reconcile
from gateway.domains.payouts.models import Payout
from gateway.domains.payouts.service import held_decision, is_due, pay, rail, settle_and_schedule
from gateway.domains.settlement import service as settlement
from gateway.jobs import JobContext, drain, job

log = logging.getLogger("gateway.payouts")


@job("contracts.settle", every_seconds=60)
def settle_completed(ctx: JobContext) -> int:
    """Settle completed contracts once their out-of-order window has passed."""

    def settle_one(session: Session, contract: Contract, now: datetime) -> None:
        settle_and_schedule(session, contract, ctx.book, now, "job contracts.settle")

    return drain(
        ctx,
        "contracts.settle",
        Contract,
        lambda now: [col(Contract.status) == ContractStatus.completed.value, col(Contract.settle_after) <= now],
        col(Contract.settle_after),
        settle_one,
    )


@job("contracts.close_stale", every_seconds=300)
def close_stale(ctx: JobContext) -> int:
    """Close and settle shifts that never reported their end: paid as booked, at least the minimum."""

    def close(session: Session, contract: Contract, now: datetime) -> None:
        settlement.close_as_booked(session, contract, now, "job contracts.close_stale", "no end was reported")
        settle_and_schedule(session, contract, ctx.book, now, "job contracts.close_stale")

    return drain(
        ctx,
        "contracts.close_stale",
        Contract,
        lambda now: [
            col(Contract.status).in_([ContractStatus.open.value, ContractStatus.active.value]),
            col(Contract.ends_at) <= now - timedelta(seconds=ctx.settings.close_grace_seconds),
        ],
        col(Contract.ends_at),
        close,
    )


@job("payouts.execute", every_seconds=60)
def execute_due(ctx: JobContext) -> int:
    """Pay every scheduled payout whose due date has come (in its own time zone)."""
    if ctx.settings.payout_rail == "sepa" and "payments" not in ctx.services:
        return batch_due(ctx)
    payments = rail(ctx)

    def pay_if_due(session: Session, payout: Payout, now: datetime) -> bool:
        if not is_due(payout, now):
            return False
        pay(session, payout, payments, now, "job payouts.execute")
        return True

    # The earliest time zone reaches a date 14 hours before UTC; `is_due` then checks each payout's own.
    return drain(
        ctx,
        "payouts.execute",
        Payout,
        lambda now: [col(Payout.status) == "scheduled", col(Payout.due_on) <= (now + timedelta(hours=14)).date()],
        (col(Payout.due_on), col(Payout.id)),
        pay_if_due,
        platform_of=platform_of,
        on_set_aside=held,
    )


def held(session: Session, payout: Payout, exc: BaseException, now: datetime) -> None:
    """A payout set aside because the fund could not advance it is a decision about its rider (issue 20)."""
    if isinstance(exc, fund.FundShort):
        decisions.record(session, held_decision(session, payout, exc, now))


def batch_due(ctx: JobContext) -> int:
    """The sepa rail: plan a transfer for every due payout (a payout without a member or an IBAN is set aside with
    its reason, `gateway jobs failures`), then write them all into one pain.001 batch for staff to release. First,
    payouts the bank returned whose rider has since corrected the IBAN are scheduled again (a new attempt)."""
    with Session(ctx.engine) as session:
        retried = reconcile.retry_corrected(session)
        session.commit()
    if retried:
        log.info("payouts.execute: %d returned payout(s) scheduled again after a corrected IBAN", retried)
    planned = drain(
        ctx,
        "payouts.execute",
        Payout,
        lambda now: [col(Payout.status) == "scheduled", col(Payout.due_on) <= (now + timedelta(hours=14)).date()],
        (col(Payout.due_on), col(Payout.id)),
        batches.plan,
        platform_of=platform_of,
    )
    # Also after a run that planned nothing: a run that crashed between planning and building left transfers.
    with Session(ctx.engine, expire_on_commit=False) as session:
        batch = batches.build(session, ctx.settings, vault_of(ctx.settings), ctx.now())
        session.commit()
    if batch is not None:
        log.info("payouts.execute: batch %s built with %d transfer(s)", batch.message_id, batch.count)
    return planned


def platform_of(session: Session, payout: Payout) -> int | None:
    contract = session.get(Contract, payout.contract_id)
    return None if contract is None else contract.platform_id
