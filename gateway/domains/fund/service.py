"""The guarantee fund as a double-entry ledger: every transaction's legs sum to zero, to the cent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, func, text, type_coerce
from sqlmodel import Session, col, select

from gateway.domains.fund.models import LedgerEntry
from gateway.problems import Conflict

CASH = "fund:cash"
LEVIES = "fund:levies"
EQUITY = "fund:equity"


def debt_account(platform_slug: str) -> str:
    return f"platform:{platform_slug}:debt"


def post(
    session: Session,
    kind: str,
    legs: list[tuple[str, Decimal]],
    currency: str,
    now: datetime,
    contract_id: uuid.UUID | None = None,
    memo: str = "",
) -> uuid.UUID:
    """Write one balanced transaction; refuses legs that do not sum to zero (a ledger never half-posts)."""
    if sum((amount for _, amount in legs), Decimal(0)) != 0:
        raise ValueError(f"unbalanced {kind} transaction: {legs}")
    txn = uuid.uuid4()
    for account, amount in legs:
        session.add(
            LedgerEntry(
                txn_id=txn,
                kind=kind,
                account=account,
                amount=amount,
                currency=currency,
                contract_id=contract_id,
                memo=memo,
                created_at=now,
            )
        )
    session.flush()
    return txn


def deposit(session: Session, amount: Decimal, currency: str, now: datetime, memo: str) -> uuid.UUID:
    return post(session, "deposit", [(CASH, amount), (EQUITY, -amount)], currency, now, memo=memo)


def levy(session: Session, amount: Decimal, currency: str, now: datetime, contract_id: uuid.UUID) -> uuid.UUID:
    return post(session, "levy", [(CASH, amount), (LEVIES, -amount)], currency, now, contract_id, "levy paid")


def advance(
    session: Session, platform_slug: str, amount: Decimal, currency: str, now: datetime, contract_id: uuid.UUID
) -> uuid.UUID:
    """The fund pays a rider in the platform's place; the platform now owes the fund."""
    return post(
        session,
        "advance",
        [(debt_account(platform_slug), amount), (CASH, -amount)],
        currency,
        now,
        contract_id,
        "rider paid by the guarantee fund",
    )


class FundShort(Conflict):
    """Advancing would take the guarantee fund's cash below zero, and no staff decision allows it."""


def lock_cash(session: Session) -> None:
    """Two advances at once must not both see the same cash: on PostgreSQL, one transaction-scoped advisory lock
    for the fund's cash (SQLite has one writer at a time already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('gateway.fund.cash'))"))


def advance_within_cash(
    session: Session,
    platform_slug: str,
    amount: Decimal,
    currency: str,
    now: datetime,
    contract_id: uuid.UUID,
    *,
    allow_negative: bool = False,
) -> Decimal:
    """`advance`, refused with FundShort when the fund's cash cannot cover it, unless staff decided otherwise
    (`allow_negative`, which the caller audits with its reason). Returns the cash left. The fund is the riders'
    guarantee: an overdraft nobody decided would hide that it has run dry."""
    lock_cash(session)
    cash_after = balance(session) - amount
    if cash_after < 0 and not allow_negative:
        raise FundShort(
            f"the guarantee fund cannot advance {amount} {currency}: it would be left at {cash_after} {currency}. "
            "Deposit into the fund (`gateway fund deposit`) and retry (`gateway jobs retry --all payouts.execute`), "
            "or pay it with an explicit staff decision (`gateway payouts pay PAYOUT_ID --allow-negative --reason`)",
            advance=str(amount),
            cash_after=str(cash_after),
        )
    advance(session, platform_slug, amount, currency, now, contract_id)
    return cash_after


def recover(
    session: Session, platform_slug: str, amount: Decimal, currency: str, now: datetime, contract_id: uuid.UUID
) -> uuid.UUID:
    return post(
        session,
        "recovery",
        [(CASH, amount), (debt_account(platform_slug), -amount)],
        currency,
        now,
        contract_id,
        "advance repaid by the platform",
    )


def _raw_sum() -> Any:
    """SUM of amounts as raw integer cents (the column type would otherwise convert the sum itself)."""
    return func.coalesce(type_coerce(func.sum(LedgerEntry.amount), BigInteger), 0)


def _euros(cents_total: Any) -> Decimal:
    return Decimal(int(cents_total)).scaleb(-2)


def advanced_for(session: Session, contract_id: uuid.UUID) -> Decimal:
    """How much the fund advanced for this contract and has not recovered yet."""
    total = session.exec(
        select(_raw_sum()).where(
            LedgerEntry.contract_id == contract_id, col(LedgerEntry.account).like("platform:%:debt")
        )
    ).one()
    return _euros(total)


def balance(session: Session, account: str = CASH) -> Decimal:
    total = session.exec(select(_raw_sum()).where(LedgerEntry.account == account)).one()
    return _euros(total)


@dataclass(frozen=True)
class Balances:
    cash: Decimal
    levies: Decimal
    deposits: Decimal
    platform_debts: dict[str, Decimal]
    unbalanced_transactions: int


def balances(session: Session) -> Balances:
    rows = session.exec(select(LedgerEntry.account, _raw_sum()).group_by(LedgerEntry.account)).all()
    by = {account: _euros(total) for account, total in rows}
    unbalanced = session.exec(
        select(func.count()).select_from(
            select(col(LedgerEntry.txn_id)).group_by(col(LedgerEntry.txn_id)).having(_raw_sum() != 0).subquery()
        )
    ).one()
    return Balances(
        cash=by.get(CASH, Decimal("0.00")),
        levies=-by.get(LEVIES, Decimal("0.00")),
        deposits=-by.get(EQUITY, Decimal("0.00")),
        platform_debts={a.split(":")[1]: v for a, v in by.items() if a.startswith("platform:") and v != 0},
        unbalanced_transactions=int(unbalanced),
    )


def history(session: Session, limit: int = 100, before_id: int | None = None) -> list[LedgerEntry]:
    stmt = select(LedgerEntry).order_by(col(LedgerEntry.id).desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(col(LedgerEntry.id) < before_id)
    return list(session.exec(stmt).all())
