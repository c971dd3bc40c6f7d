"""Settling a contract: the engine computes, this module records the statement and the invoice, and says what the
rider is owed. The payout itself is scheduled by gateway.domains.payouts (above), in the same transaction
(`payouts.service.settle_and_schedule`): settlement knows nothing of the payouts' table."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from gateway.agreements.engine import (
    Booking,
    Correction,
    Offer,
    OfferError,
    PayLine,
    ShiftOutcome,
    WorkedBefore,
    Worker,
    counts_hours_before,
    evaluate_shift,
    resolve,
)
from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import Agreement, AgreementError
from gateway.agreements.payroll import CENT
from gateway.agreements.render import note_json
from gateway.agreements.terms import working_time_limits
from gateway.canonical import PayOffer
from gateway.domains.contracts import lifecycle
from gateway.domains.contracts import service as contracts
from gateway.domains.contracts.models import Contract, ContractStatus
from gateway.domains.contracts.service import offer_of
from gateway.domains.decisions import service as decisions
from gateway.domains.decisions.service import DecisionKind, Made
from gateway.domains.fund import service as fund
from gateway.domains.members.models import Member
from gateway.domains.outbox import service as outbox
from gateway.domains.platforms.models import Platform
from gateway.domains.riders.models import Rider
from gateway.domains.settlement.models import Invoice, Settlement
from gateway.problems import Conflict, NotFound, ServiceUnavailable


def per_hour(amount: Decimal, hours: Decimal) -> Decimal | None:
    """An amount of settled pay per hour, to the cent; None when there is no hour to divide by (never a verdict on
    nothing). The compliance report and the representatives' figures measure pay per hour with it."""
    return (amount / hours).quantize(CENT, rounding=ROUND_HALF_UP) if hours > 0 else None


def stored_offer(data: dict[str, Any] | None) -> Offer | None:
    return None if data is None else offer_of(PayOffer.model_validate(data))


def outcome_of(contract: Contract, worker: Worker | None = None, *, contracted: bool = True) -> ShiftOutcome:
    """What happened on the shift, as recorded; missing times are the booked ones. `worker`: the rider's status
    (`worker_of`), which settlement reads from the member; without it, the adult scale and ordinary rates.
    `contracted`: settlement pays at least the contract's hourly rate; a what-if replaying the shift under other
    terms passes False (a contract opened under those terms would state their rate, not this one's)."""
    return ShiftOutcome(
        booking=Booking(
            contract.starts_at,
            contract.ends_at,
            stored_offer(contract.offered_pay),
            contract.hourly_gross if contracted else None,
        ),
        actual_start=contract.actual_start,
        actual_end=contract.actual_end,
        first_delivery_at=contract.first_delivery_at,
        deliveries=contract.deliveries,
        cancelled_at=contract.cancelled_at,
        sent_home_early=contract.sent_home_early,
        proposed=stored_offer(contract.proposed_pay),
        distance_km=contract.distance_km,
        bonus=contract.bonus,
        worker=worker,
        bad_weather=contract.bad_weather,
    )


STUDENT = "STU"  # the Dimona worker type of a student


def worker_of(session: Session, contract: Contract, timezone: ZoneInfo) -> Worker | None:
    """The rider's status from the member linked to the contract's rider (None: no member, the adult scale).

    Only what the rules read, never identity: the birth date, whether the member works as a student (Dimona
    worker type STU) and their student hours this calendar year before this shift, across all their riders'
    contracts on every platform (the quota is the person's, not the platform's), and `employed_since`.
    A student is a member whose own worker type is STU: the gateway's default declaration type does not make one
    (settlement reads no settings, and a student rate applied by default would be a wrong deduction).
    """
    rider = session.get(Rider, contract.rider_id)
    if rider is None or rider.member_id is None:
        return None
    member = session.exec(select(Member).where(Member.number == rider.member_id)).first()
    if member is None:
        return None
    student = member.worker_type == STUDENT
    before = _student_hours_before(session, member.number, contract, timezone) if student else Decimal(0)
    return Worker(member.birth_date, student, before, member.employed_since)


def _student_hours_before(session: Session, member_number: str, contract: Contract, timezone: ZoneInfo) -> Decimal:
    """Paid hours of the member's settled contracts this calendar year (in the agreement's zone) that started
    before this one: the hours already counted against the student quota."""
    local = contract.starts_at.astimezone(timezone)
    year_start = datetime(local.year, 1, 1, tzinfo=timezone)
    total = session.exec(
        select(func.coalesce(func.sum(Settlement.paid_hours), 0))
        .join(Contract, col(Contract.id) == col(Settlement.contract_id))
        .join(Rider, col(Rider.id) == col(Contract.rider_id))
        .where(
            Rider.member_id == member_number,
            col(Contract.starts_at) >= year_start,
            col(Contract.starts_at) < contract.starts_at,
            col(Contract.id) != contract.id,
        )
    ).one()
    return Decimal(total)


def worked_before_of(session: Session, agreement: Agreement, contract: Contract) -> WorkedBefore | None:
    """The member's hours before this contract on every platform, when the agreement's overtime or limits read them
    (else None: no query). Only contracts that started before it count, so re-settling gives the same result."""
    if not counts_hours_before(agreement, contract.starts_at, at_booking=False):
        return None
    return contracts.worked_before(session, contract.rider_id, contract.starts_at, agreement.timezone, contract.id)


def _line_json(line: PayLine) -> dict[str, Any]:
    return {
        "code": line.code,
        "label": line.label,
        "kind": line.kind,
        "term": line.term,
        "clause": line.clause,
        "since": line.since,
        "hours": None if line.hours is None else str(line.hours),
        "rate": None if line.rate is None else str(line.rate),
        "amount": str(line.amount),
        "why": line.why,
        "quantity": None if line.quantity is None else str(line.quantity),
        "per": line.per,
    }


# The corrections a statement records as violations (`contracts.record_at_settlement`): what the platform sent or
# the rider did that the booking could not know. The working-time limits the hours actually worked breached (the
# rider stayed late, came back early); a bonus the agreement does not allow (sent with the shift's end); and, when
# the platform proposed other pay at the end of the shift, the pay corrections that proposal drew (without one, a
# pay correction at settlement repeats the booking's, recorded then). The others stay in the statement, whose pay
# lines explain them: a rider sent home early or a shift cancelled at short notice is what the agreement allows and
# prices (the cancellation is a decision of its own, `cancellation_decision`); a shift worked shorter than the
# minimum is the minimum doing its work.
RECORDED_AT_SETTLEMENT = frozenset((working_time_limits.TYPE,))
SENT_AT_THE_END = frozenset(("bonus_not_allowed",))
PAY_CORRECTIONS = frozenset(("hourly_pay_below_floor", "per_trip_pay_forbidden"))


def recorded_at_settlement(corrections: Sequence[Correction], proposed: bool) -> list[Correction]:
    """`proposed`: the platform proposed pay at the end of the shift (`Contract.proposed_pay`)."""
    return [
        c
        for c in corrections
        if c.term_type in RECORDED_AT_SETTLEMENT
        or c.code in SENT_AT_THE_END
        or (proposed and c.code in PAY_CORRECTIONS)
    ]


def agreement_for(book: AgreementBook, contract: Contract) -> Agreement:
    agreement = book.get(contract.agreement)
    if agreement is None:
        raise ServiceUnavailable(f"agreement {contract.agreement} is not loaded", headers={"Retry-After": "60"})
    return agreement


@dataclass(frozen=True, slots=True)
class Owed:
    """What a settled contract owes its rider, and by when: a payout to schedule (gateway.domains.payouts)."""

    contract_id: uuid.UUID
    rider_id: int
    amount: Decimal
    currency: str
    due_on: date
    timezone: str


@dataclass(frozen=True, slots=True)
class Settled:
    settlement: Settlement
    owed: Owed


def settle(session: Session, contract: Contract, book: AgreementBook, now: datetime, source: str) -> Settled | None:
    """Settle a completed contract: statement and invoice (draft), in the caller's transaction; returns them with
    what is owed to the rider, which the caller must schedule in the same transaction (one payout per contract).

    Returns None (and closes the contract as cancelled) when a cancellation leaves nothing to pay.
    """
    agreement = agreement_for(book, contract)
    try:
        before = worked_before_of(session, agreement, contract)
        shift = outcome_of(contract, worker_of(session, contract, agreement.timezone))
        result = evaluate_shift(agreement, shift, worked_before=before)
    except (OfferError, AgreementError) as exc:
        # Recorded facts that cannot be evaluated are a bug upstream, never the rider's loss: keep it visible.
        raise ServiceUnavailable(f"contract {contract.id} cannot be settled: {exc}") from exc
    if result.status in ("cancelled_paid", "cancelled_unpaid"):
        decisions.record(session, cancellation_decision(contract, agreement, result.status, result.paid_hours, now))
    if result.paid_hours == 0 and result.status == "cancelled_unpaid":
        lifecycle.transition(
            session,
            contract,
            ContractStatus.cancelled,
            "closed",
            now,
            source,
            now,
            "cancelled with enough notice: nothing is due",
        )
        _declare_cancellation(session, contract, contract.cancelled_at or now, now)
        return None
    settlement = Settlement(
        contract_id=contract.id,
        outcome=result.status,
        settled_at=now,
        worked_hours=result.worked_hours,
        paid_hours=result.paid_hours,
        hourly_gross=result.hourly_gross,
        gross=result.gross,
        employee_social_security=result.employee_social_security,
        withholding=result.withholding,
        net=result.net,
        expenses=result.expenses,
        payout=result.payout,
        employer_contributions=result.employer_contributions,
        guarantee_levy=result.guarantee_levy,
        invoice_total=result.invoice_total,
        currency=result.currency,
        payment_due=result.payment_due,
        lines=[_line_json(ln) for ln in result.lines],
        notes=[note_json(n) for n in result.notes] or None,
        explanation=result.explanation(),
        source=source,
    )
    session.add(settlement)
    found = recorded_at_settlement(result.corrections, proposed=contract.proposed_pay is not None)
    contracts.record_at_settlement(session, contract.id, found, now)
    platform = session.get(Platform, contract.platform_id)
    assert platform is not None
    session.add(
        Invoice(
            contract_id=contract.id,
            platform_id=contract.platform_id,
            wages=result.gross,
            employer_contributions=result.employer_contributions,
            expenses=result.expenses,
            guarantee_levy=result.guarantee_levy,
            total=result.invoice_total,
            currency=result.currency,
            # An insolvent platform's invoice will not be paid: the guarantee fund pays its riders.
            status="defaulted" if platform.insolvent_at is not None else "draft",
            issued_at=now,
        )
    )
    due = result.payment_due or now.astimezone(agreement.timezone).date()
    owed = Owed(contract.id, contract.rider_id, result.payout, result.currency, due, agreement.timezone.key)
    lifecycle.transition(
        session,
        contract,
        ContractStatus.settled,
        "settled",
        now,
        source,
        now,
        f"{result.paid_hours:.2f} h paid; {result.payout} {result.currency} due by {due.isoformat()}",
    )
    if contract.actual_end is not None and contract.actual_end != contract.ends_at:
        _declare_end(session, contract, contract.actual_end, now)
    outbox.enqueue(
        session, ("callback.contract.settled",), _settled_payload(contract, settlement, due), now, contract.id
    )
    session.flush()
    return Settled(settlement, owed)


CANCELLATION_DECIDED_BY = "gateway:settlement"


def cancellation_key(contract_id: uuid.UUID) -> str:
    """What a cancelled shift pays is decided once per contract (migration 0020 uses the same key)."""
    return f"contract:{contract_id}:cancellation"


def cancellation_decision(
    contract: Contract, agreement: Agreement, status: str, paid_hours: Decimal, now: datetime
) -> Made:
    """What a shift cancelled before it started pays (issue 20): the minimum-engagement term's cancellation
    policy (short notice, or graded by notice) applied to the notice the platform gave."""
    assert contract.cancelled_at is not None
    parameters: dict[str, Any] = {}
    clause = None
    try:
        rule = resolve(agreement, contract.starts_at.astimezone(agreement.timezone).date()).minimum
    except AgreementError:
        rule = None
    if rule is not None:
        clause = rule.clause[:100]
        policy, graded = rule.value.short_notice_cancellation, rule.value.graded_cancellation
        parameters["minimum_paid_hours"] = str(rule.value.paid_hours)
        if graded is not None:
            parameters["graded_of"] = graded.of
            parameters["bands"] = [
                {"notice_under_hours": str(b.notice_under_hours), "pays_percent": str(b.pays_percent)}
                for b in graded.bands
            ]
        elif policy is not None:
            parameters["notice_hours"] = str(policy.notice_hours)
            parameters["pays"] = policy.pays
    notice = (contract.starts_at - contract.cancelled_at).total_seconds() / 3600
    booked = (contract.ends_at - contract.starts_at).total_seconds() / 3600
    return Made(
        key=cancellation_key(contract.id),
        rider_id=contract.rider_id,
        platform_id=contract.platform_id,
        contract_id=contract.id,
        kind=DecisionKind.CANCELLATION_PAID,
        decided_by=CANCELLATION_DECIDED_BY,
        clause=clause,
        outcome="paid" if status == "cancelled_paid" else "unpaid",
        parameters=parameters,
        facts={
            "shift_code": contract.shift_code,
            "starts_at": contract.starts_at.isoformat(),
            "cancelled_at": contract.cancelled_at.isoformat(),
            "notice_hours": str(Decimal(str(max(notice, 0.0))).quantize(Decimal("0.01"))),
            "booked_hours": str(Decimal(str(booked)).quantize(Decimal("0.01"))),
            "paid_hours": str(paid_hours.quantize(Decimal("0.01"))),
            "hourly_gross": str(contract.hourly_gross),
            "currency": contract.currency,
        },
        decided_at=now,
    )


def close_as_booked(session: Session, contract: Contract, now: datetime, source: str, why: str) -> None:
    """The shift is taken as worked as booked (the rider was available for it)."""
    contract.actual_end = contract.actual_end or contract.ends_at
    lifecycle.transition(
        session, contract, ContractStatus.completed, "closed", contract.ends_at, source, now, f"{why}: paid as booked"
    )


def _declare_end(session: Session, contract: Contract, ended_at: datetime, now: datetime) -> None:
    """The IN declared the booked window with its end date, so no OUT is due; when the work ended otherwise, the
    declaration is updated (its handler sends nothing if what was declared still holds: the same days)."""
    outbox.enqueue(session, ("declaration.update",), {"ended_at": ended_at.isoformat()}, now, contract.id)


def _declare_cancellation(session: Session, contract: Contract, cancelled_at: datetime, now: datetime) -> None:
    """Cancelled before the start: the IN is cancelled (Dimona Cancel), as if no employment was declared. A later
    cancellation (none pays nothing today) is an end like any other."""
    if cancelled_at < contract.starts_at:
        outbox.enqueue(session, ("declaration.cancel",), {"cancelled_at": cancelled_at.isoformat()}, now, contract.id)
    else:
        _declare_end(session, contract, cancelled_at, now)


def _settled_payload(contract: Contract, s: Settlement, due: date) -> dict[str, Any]:
    return {
        "contract_id": str(contract.id),
        "shift_code": contract.shift_code,
        "paid_hours": str(s.paid_hours),
        "gross": str(s.gross),
        "net": str(s.net),
        "expenses": str(s.expenses),
        "payout": str(s.payout),
        "invoice_total": str(s.invoice_total),
        "currency": s.currency,
        "payment_due": due.isoformat(),
    }


def settlement_of(session: Session, contract_id: Any) -> Settlement | None:
    return session.get(Settlement, contract_id)


def invoice_of(session: Session, contract_id: Any) -> Invoice | None:
    return session.exec(select(Invoice).where(Invoice.contract_id == contract_id)).first()


def record_invoice_payment(session: Session, invoice_id: uuid.UUID, now: datetime) -> Invoice:
    """The platform paid an invoice: the levy goes to the fund, and any advance for it is recovered."""
    invoice = session.get(Invoice, invoice_id, with_for_update=True)
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}")
    if invoice.status == "paid":
        raise Conflict(f"invoice {invoice_id} was already paid on {invoice.paid_at}")
    platform = session.get(Platform, invoice.platform_id)
    assert platform is not None
    invoice.status = "paid"
    invoice.paid_at = now
    session.add(invoice)
    if invoice.guarantee_levy > 0:
        fund.levy(session, invoice.guarantee_levy, invoice.currency, now, invoice.contract_id)
    owed = fund.advanced_for(session, invoice.contract_id)
    if owed > 0:
        fund.recover(session, platform.slug, owed, invoice.currency, now, invoice.contract_id)
    session.flush()
    return invoice
