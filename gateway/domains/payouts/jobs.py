"""Paying riders on their due dates: the job that pays every scheduled payout once its day has come."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col

from gateway.domains.contracts.models import Contract
from gateway.domains.payouts.models import Payout
from gateway.domains.payouts.service import is_due, pay, rail
from gateway.jobs import JobContext, drain, job


@job("payouts.execute", every_seconds=60)
def execute_due(ctx: JobContext) -> int:
    """Pay every scheduled payout whose due date has come (in its own time zone)."""
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
    )


def platform_of(session: Session, payout: Payout) -> int | None:
    contract = session.get(Contract, payout.contract_id)
    return None if contract is None else contract.platform_id
