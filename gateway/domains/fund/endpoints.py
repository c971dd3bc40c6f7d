"""The cooperative's staff API: the guarantee fund (invoice payments: settlement/endpoints.py; insolvency: insolvency/endpoints.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from gateway.deps import NowDep, SessionDep
from gateway.domains.fund import service as fund
from gateway.domains.staff.deps import staff_role
from gateway.domains.staff.service import StaffPrincipal, audit
from gateway.problems import Forbidden, InvalidRequest, Unauthorized, problem_responses
from gateway.routing import api_router

router = api_router(prefix="/v1/admin", tags=["staff"])
FundStaff = Annotated[StaffPrincipal, staff_role("fund")]


class FundOut(BaseModel):
    cash: Decimal = Field(description="The fund's money: deposits + levies - advances + recoveries.")
    levies: Decimal = Field(description="Levies received from platforms' paid invoices.")
    deposits: Decimal
    platform_debts: dict[str, Decimal] = Field(description="What each platform owes the fund after advances.")
    balanced: bool = Field(description="Every transaction's legs sum to zero.")


class LedgerEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from a row by these fields' names, and only those

    id: int
    txn_id: uuid.UUID
    kind: str
    account: str
    amount: Decimal = Field(description="Positive: debit; negative: credit.")
    currency: str
    contract_id: uuid.UUID | None
    memo: str
    created_at: datetime


class DepositIn(BaseModel):
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    memo: str = Field(default="", max_length=300)


def _fund_out(session: SessionDep) -> FundOut:
    b = fund.balances(session)
    return FundOut(
        cash=b.cash,
        levies=b.levies,
        deposits=b.deposits,
        platform_debts=b.platform_debts,
        balanced=b.unbalanced_transactions == 0,
    )


@router.get(
    "/fund",
    response_model=FundOut,
    summary="The guarantee fund's balances",
    responses=problem_responses(Unauthorized, Forbidden),
)
def get_fund(staff: FundStaff, session: SessionDep) -> FundOut:
    return _fund_out(session)


@router.get(
    "/fund/entries",
    response_model=list[LedgerEntryOut],
    summary="The fund's ledger, newest first",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest),
)
def get_entries(
    staff: FundStaff,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Entries with a smaller id (paging).")] = None,
) -> list[LedgerEntryOut]:
    return [LedgerEntryOut.model_validate(e) for e in fund.history(session, limit, before)]


@router.post(
    "/fund/deposits",
    response_model=FundOut,
    summary="Pay money into the fund",
    responses=problem_responses(Unauthorized, Forbidden, InvalidRequest),
)
def post_deposit(body: DepositIn, staff: FundStaff, session: SessionDep, now: NowDep) -> FundOut:
    fund.deposit(session, body.amount, body.currency, now, body.memo)
    audit(session, staff.actor, "fund.deposit", "fund", now, amount=str(body.amount), memo=body.memo)
    session.commit()
    return _fund_out(session)
