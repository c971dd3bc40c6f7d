"""A person's review of an automated decision (directive 2024/2831 art. 11): asked by the rider, answered in writing.

The rider asks once per decision (`DecisionReview.decision_id` is unique: a second request is a conflict); staff
holding the `reviewer` role answer with their reasons, `upheld` or `overturned`, before `due_at` (the request plus
`settings.review_period_days`). Overturning makes the correction the decision implies, in the same transaction as
the answer and its audit line (docs/decisions.md):

- a contract blocked for an incomplete identity is opened (`identity.unblock`: declared, the platform told);
- a held payout is paid at once on the local rail, the fund allowed below zero by the reviewer's decision, or
  put back to be paid on the SEPA rail (its set-aside entry cleared: the next batch takes it);
- a cancellation that paid nothing or too little pays the amount granted: a new payout (the fund advances it as
  for any unpaid invoice), or added to one not yet paid; once paid, the amount is recorded for staff to pay;
- any other decision (a correction, a refusal, a work session) records the amount granted, if any, for staff.

This module sits above the domains it corrects (contracts, payouts, jobs, staff), in its own import layer.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from gateway.db.upsert import insert_for
from gateway.domains.contracts import identity
from gateway.domains.contracts.models import Contract
from gateway.domains.decisions.models import Decision, DecisionReview
from gateway.domains.decisions.service import DecisionKind, DecisionStatus
from gateway.domains.jobs import service as jobs
from gateway.domains.notifications import service as notifications
from gateway.domains.payouts import service as payouts
from gateway.domains.payouts.models import Payout
from gateway.domains.platforms.models import Platform
from gateway.domains.riders.models import Rider
from gateway.domains.staff.service import audit
from gateway.problems import Conflict, InvalidPayload, NotFound
from gateway.settings import Settings

COMMENT_MAX = 2000
REASONS_MAX = 4000
# What a decision without a contract (a refused booking) may be granted at most: a shift's pay, generously.
UNBOUND_CONTRACT_MAX = Decimal("1000.00")
CENT = Decimal("0.01")


class Outcome(enum.StrEnum):
    UPHELD = "upheld"
    OVERTURNED = "overturned"


class Effect(enum.StrEnum):
    """What an overturn did (stored on the review, shown to the rider and the reviewer)."""

    NONE = "none"  # upheld
    CONTRACT_UNBLOCKED = "contract_unblocked"
    CONTRACT_NOT_BLOCKED = "contract_not_blocked"  # released or closed meanwhile: nothing to open
    PAYOUT_PAID = "payout_paid"
    PAYOUT_RESCHEDULED = "payout_rescheduled"
    PAYOUT_ALREADY_SETTLED = "payout_already_settled"
    PAYOUT_SCHEDULED = "payout_scheduled"  # a cancellation's granted amount, as a new payout
    PAYOUT_RAISED = "payout_raised"  # added to the cancellation's payout not yet paid
    GRANTED_RECORDED = "granted_recorded"  # an amount for staff to pay
    STATUS_ONLY = "status_only"  # overturned with nothing to pay


@dataclass(frozen=True, slots=True)
class Entry:
    """A review with its decision, the rider's platform id and platform, as staff see it."""

    review: DecisionReview
    decision: Decision
    rider: str
    platform: str

    def overdue(self, now: datetime) -> bool:
        return self.review.answered_at is None and self.review.due_at < now


def request(
    session: Session, rider_ids: Collection[int], decision_id: int, comment: str, now: datetime, period_days: int
) -> DecisionReview:
    """The rider's request that a person review one of their decisions. NotFound for another's decision, Conflict
    when it was asked before (one request per decision, answered or not)."""
    decision = session.get(Decision, decision_id)
    if decision is None or decision.rider_id not in rider_ids:
        raise NotFound(f"you have no decision {decision_id}")
    text = comment.strip()
    if len(text) > COMMENT_MAX:
        raise InvalidPayload(
            f"the comment is over {COMMENT_MAX} characters",
            errors=[{"location": "comment", "message": f"at most {COMMENT_MAX} characters"}],
        )
    values = {
        "decision_id": decision_id,
        "comment": text,
        "requested_at": now,
        "due_at": now + timedelta(days=period_days),
    }
    table = DecisionReview.__table__  # type: ignore[attr-defined]
    stmt = insert_for(session, table).values(**values).on_conflict_do_nothing(index_elements=["decision_id"])
    if session.execute(stmt.returning(table.c.id)).first() is None:
        raise Conflict(
            f"a review of decision {decision_id} was already requested: one request per decision",
            decision_id=decision_id,
        )
    review = session.exec(select(DecisionReview).where(DecisionReview.decision_id == decision_id)).one()
    return review


def of_decisions(session: Session, decision_ids: list[int]) -> dict[int, DecisionReview]:
    if not decision_ids:
        return {}
    found = session.exec(select(DecisionReview).where(col(DecisionReview.decision_id).in_(decision_ids))).all()
    return {r.decision_id: r for r in found}


def _entries() -> Any:
    return (
        select(DecisionReview, Decision, Rider.external_id, Platform.slug)
        .join(Decision, col(Decision.id) == col(DecisionReview.decision_id))
        .join(Rider, col(Rider.id) == col(Decision.rider_id))
        .join(Platform, col(Platform.id) == col(Decision.platform_id))
    )


def queue(session: Session, *, answered: bool = False, limit: int = 100) -> list[Entry]:
    """Open reviews, the oldest due first (or answered ones, the latest answered first)."""
    stmt = _entries()
    if answered:
        stmt = stmt.where(col(DecisionReview.answered_at).is_not(None)).order_by(
            col(DecisionReview.answered_at).desc(), col(DecisionReview.id).desc()
        )
    else:
        stmt = stmt.where(col(DecisionReview.answered_at).is_(None)).order_by(
            col(DecisionReview.due_at), col(DecisionReview.id)
        )
    return [Entry(r, d, rider, slug) for r, d, rider, slug in session.exec(stmt.limit(limit)).all()]


def counts(session: Session, now: datetime) -> tuple[int, int]:
    """Open reviews, and those of them past their due date."""
    open_ = col(DecisionReview.answered_at).is_(None)
    total = session.exec(select(func.count()).select_from(DecisionReview).where(open_)).one()
    overdue = session.exec(
        select(func.count()).select_from(DecisionReview).where(open_, col(DecisionReview.due_at) < now)
    ).one()
    return total, overdue


def entry(session: Session, review_id: int) -> Entry:
    found = session.exec(_entries().where(col(DecisionReview.id) == review_id)).first()
    if found is None:
        raise NotFound(f"no review {review_id}")
    r, d, rider, slug = found
    return Entry(r, d, rider, slug)


def most_granted(session: Session, decision: Decision) -> Decimal:
    """The most a reviewer may grant for this decision: the shift's guaranteed or booked hours (whichever is more)
    at the contract's hourly gross, the most any cancellation or correction under the agreement could pay."""
    if decision.contract_id is None:
        return UNBOUND_CONTRACT_MAX
    contract = session.get(Contract, decision.contract_id)
    if contract is None:
        return UNBOUND_CONTRACT_MAX
    booked = Decimal((contract.ends_at - contract.starts_at).total_seconds()) / 3600
    return (max(booked, contract.guaranteed_paid_hours) * contract.hourly_gross).quantize(CENT)


def _amount_refused(detail: str) -> InvalidPayload:
    return InvalidPayload(detail, errors=[{"location": "amount", "message": detail}])


def answer(
    session: Session,
    review_id: int,
    reviewer: str,
    outcome: Outcome,
    reasons: str,
    amount: Decimal | None,
    now: datetime,
    settings: Settings,
) -> Entry:
    """Answer a review in writing; overturned, make the correction it implies (module docstring). Audited. The
    caller commits. Conflict when already answered; InvalidPayload for missing reasons or an amount out of bounds."""
    text = reasons.strip()
    if not text or len(text) > REASONS_MAX:
        raise InvalidPayload(
            f"the reasons are required, at most {REASONS_MAX} characters",
            errors=[{"location": "reasons", "message": f"1 to {REASONS_MAX} characters"}],
        )
    review = session.exec(select(DecisionReview).where(DecisionReview.id == review_id).with_for_update()).first()
    if review is None:
        raise NotFound(f"no review {review_id}")
    if review.answered_at is not None:
        raise Conflict(f"review {review_id} was answered on {review.answered_at.isoformat()}", review_id=review_id)
    decision = session.get(Decision, review.decision_id, with_for_update=True)
    assert decision is not None
    if amount is not None:
        if outcome is Outcome.UPHELD:
            raise _amount_refused("an upheld decision grants nothing: leave out the amount")
        if decision.kind == DecisionKind.PAYOUT_HELD:
            raise _amount_refused("overturning a held payout pays that payout: leave out the amount")
        most = most_granted(session, decision)
        if amount <= 0 or amount != amount.quantize(CENT) or amount > most:
            raise _amount_refused(f"the amount must be over 0, in cents, at most {most} (the shift's most pay)")
    if outcome is Outcome.OVERTURNED and decision.kind == DecisionKind.CANCELLATION_PAID and amount is None:
        raise _amount_refused("overturning what a cancellation paid needs the amount it pays (amount)")
    source = f"review {review_id}"
    effect = Effect.NONE
    if outcome is Outcome.OVERTURNED:
        effect = _overturn(session, decision, amount, now, source, reviewer, settings)
        decision.status = DecisionStatus.OVERTURNED.value
        session.add(decision)
    review.answered_at, review.answer, review.outcome, review.reviewer = now, text, outcome.value, reviewer[:120]
    review.granted = amount if outcome is Outcome.OVERTURNED else None
    review.effect = effect.value
    session.add(review)
    audit(
        session,
        reviewer,
        f"decisions.review_{outcome.value}",
        f"decision:{decision.id}",
        now,
        review=review_id,
        kind=decision.kind,
        effect=effect.value,
        amount=None if amount is None else str(amount),
        late=review.due_at < now,
    )
    assert decision.id is not None
    # The rider is told a person answered (the answer itself is on their page), in the answer's transaction.
    notifications.notify(
        session,
        rider_id=decision.rider_id,
        notice=notifications.ReviewAnswerNotice(
            decision_id=decision.id,
            decision_kind=decision.kind,
            outcome=outcome.value,
            platform_id=decision.platform_id,
            contract_id=decision.contract_id,
        ),
        now=now,
    )
    session.flush()
    return entry(session, review_id)


def _overturn(
    session: Session,
    decision: Decision,
    amount: Decimal | None,
    now: datetime,
    source: str,
    reviewer: str,
    settings: Settings,
) -> Effect:
    contract = None
    if decision.contract_id is not None:
        contract = session.get(Contract, decision.contract_id, with_for_update=True)
    if decision.kind == DecisionKind.CONTRACT_BLOCKED and decision.outcome != "released" and contract is not None:
        why = f"a person reviewed the block at the rider's request and lifted it ({source}, {reviewer})"
        opened = identity.unblock(session, contract, now, source, why)
        return Effect.CONTRACT_UNBLOCKED if opened else Effect.CONTRACT_NOT_BLOCKED
    if decision.kind == DecisionKind.PAYOUT_HELD and contract is not None:
        return _pay_held(session, contract, now, source, settings)
    if decision.kind == DecisionKind.CANCELLATION_PAID and contract is not None and amount is not None:
        return _pay_cancellation(session, contract, amount, now)
    return Effect.GRANTED_RECORDED if amount is not None else Effect.STATUS_ONLY


def _payout_of(session: Session, contract: Contract) -> Payout | None:
    return session.exec(select(Payout).where(Payout.contract_id == contract.id).with_for_update()).first()


def _pay_held(session: Session, contract: Contract, now: datetime, source: str, settings: Settings) -> Effect:
    """The reviewer's decision is the staff decision `gateway payouts pay --allow-negative` takes: the fund may
    advance the payout below its cash. On the SEPA rail the payout goes back to the queue (the batch's release
    takes that decision for the whole batch)."""
    payout = _payout_of(session, contract)
    if payout is None or payout.status != "scheduled":
        return Effect.PAYOUT_ALREADY_SETTLED
    jobs.clear(session, "payouts.execute", Payout, payout.id)
    if settings.payout_rail != "local":
        return Effect.PAYOUT_RESCHEDULED
    payouts.pay(session, payout, payouts.LocalRail(settings.payout_journal), now, source, allow_negative=True)
    return Effect.PAYOUT_PAID


def _pay_cancellation(session: Session, contract: Contract, amount: Decimal, now: datetime) -> Effect:
    """The granted amount reaches the rider through the payout machinery: a payout due today (the job pays it,
    the fund advancing it as for any unpaid invoice), or the amount added to a payout still waiting."""
    payout = _payout_of(session, contract)
    if payout is None:
        today = now.astimezone(ZoneInfo(contract.timezone)).date()
        session.add(
            Payout(
                contract_id=contract.id,
                rider_id=contract.rider_id,
                amount=amount,
                currency=contract.currency,
                due_on=today,
                timezone=contract.timezone,
                scheduled_at=now,
            )
        )
        session.flush()
        return Effect.PAYOUT_SCHEDULED
    if payout.status == "scheduled":
        payout.amount += amount
        session.add(payout)
        return Effect.PAYOUT_RAISED
    return Effect.GRANTED_RECORDED
