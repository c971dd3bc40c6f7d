"""The rider's decisions in plain words (issue 20): what was decided about them, why (the clause and its numbers),
when, by which part of the gateway, and the person's review they asked for, if any.

A decision stores codes and numbers (`parameters`, `facts`, as strings); this module words them in the rider's
language. The page (`_decisions.html`, on /rider) and the JSON (`/v1/rider/view`, `decisions`) show the same view.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from gateway.domains.contracts.models import Contract
from gateway.domains.decisions import reviews
from gateway.domains.decisions import service as decisions
from gateway.domains.decisions.models import Decision, DecisionReview
from gateway.problems import NotFound
from gateway.web.i18n import Translator

DEFAULT_ZONE = ZoneInfo("Europe/Brussels")
_CLAUSE_REF = re.compile(r"^\s*((?:§|art\.?|article|clause)\s*[\d.]+[a-z]?)", re.IGNORECASE)


class ReviewView(BaseModel):
    requested: str = Field(description="When the rider asked, in words.")
    comment: str
    status: str = Field(description="The review's state in a sentence: asked (with its due date), or the answer.")
    outcome: str | None = Field(description="upheld or overturned, once answered.")
    answer: str | None = Field(description="The reviewer's written reasons.")
    granted: str | None = Field(description="The amount granted, formatted, when the review overturned the decision.")
    overdue: bool


class DecisionView(BaseModel):
    """One automated decision about the rider, in plain words."""

    id: int
    kind: str
    outcome: str = Field(description="The decision's code (what the sentence words).")
    title: str = Field(description="What was decided, in a few words.")
    why: str = Field(description="Why: the rule, its clause and the numbers it read, in a sentence.")
    when: str
    decided_at: datetime
    by: str = Field(description="The part that decided, in words.")
    clause: str | None
    status: str = Field(description="in_effect or overturned (once a person overturned it).")
    status_label: str
    contract_id: uuid.UUID | None
    review: ReviewView | None
    can_ask_review: bool = Field(description="The rider may still ask a person to review it (once per decision).")
    review_url: str = Field(description="POST a form with `comment` here (or JSON to /v1/rider/decisions/{id}/review).")


def _ref(clause: str | None, t: Translator) -> str:
    if not clause:
        return t("decision.no_clause")
    m = _CLAUSE_REF.match(clause)
    return m.group(1).replace(" ", "") if m else clause


def _dec(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def _hours(t: Translator, value: Any) -> str:
    found = _dec(value)
    return "?" if found is None else t.hours(found)


def _money(t: Translator, value: Any, currency: str) -> str:
    found = _dec(value)
    return "?" if found is None else t.money(found, currency)


def _moment(t: Translator, value: Any, zone: ZoneInfo) -> str:
    try:
        return t.moment(datetime.fromisoformat(str(value)), zone)
    except ValueError:
        return "?"


def _field(t: Translator, name: str) -> str:
    """A missing identity field as the identity form labels it (`member`: no member linked at all)."""
    for key in (f"decision.missing.{name}", f"identity.field.{name}"):
        if t.has(key):
            return t(key)
    return name


def why(d: Decision, t: Translator, zone: ZoneInfo) -> str:
    """The decision's reasons in a sentence, from its codes and numbers."""
    p, f = d.parameters or {}, d.facts or {}
    cur = str(f.get("currency") or "EUR")
    ref = _ref(d.clause, t)
    if d.kind == decisions.DecisionKind.BOOKING_CORRECTED:
        unit = p.get("unit")
        if d.outcome == "shift_shorter_than_minimum":
            return t(
                "decision.why.short_shift",
                offered=_hours(t, f.get("offered")),
                ref=ref,
                applied=_hours(t, p.get("applied")),
            )
        if d.outcome == "hourly_pay_below_floor":
            offered, applied = _money(t, f.get("offered"), cur), _money(t, p.get("applied"), cur)
            return t("decision.why.hourly_floor", offered=offered, ref=ref, applied=applied)
        if d.outcome == "per_trip_pay_forbidden" or unit == "per_trip":
            return t("decision.why.per_trip", offered=_money(t, f.get("offered"), cur), ref=ref)
        return t("decision.why.corrected", ref=ref, term=str(p.get("term") or "?"))
    if d.kind == decisions.DecisionKind.BOOKING_REFUSED:
        start = _moment(t, f.get("starts_at"), zone)
        return t("decision.why.refused", shift=str(f.get("shift_code") or "?"), start=start, ref=ref)
    if d.kind == decisions.DecisionKind.CONTRACT_BLOCKED:
        if d.outcome == "released":
            return t("decision.why.released")
        missing = [_field(t, str(m)) for m in f.get("missing") or []]
        return t("decision.why.blocked", missing=t.join(missing) or "?")
    if d.kind == decisions.DecisionKind.CANCELLATION_PAID:
        notice = _hours(t, f.get("notice_hours"))
        if d.outcome == "paid":
            return t("decision.why.cancel_paid", notice=notice, ref=ref, paid=_hours(t, f.get("paid_hours")))
        return t("decision.why.cancel_unpaid", notice=notice, ref=ref)
    if d.kind == decisions.DecisionKind.PAYOUT_HELD:
        return t("decision.why.held", amount=_money(t, f.get("amount"), cur))
    if d.kind == decisions.DecisionKind.WORK_SESSION:
        gap = _dec(p.get("idle_gap_minutes"))
        return t(
            "decision.why.session",
            start=_moment(t, f.get("started_at"), zone),
            end=_moment(t, f.get("ended_at"), zone),
            deliveries=str(f.get("deliveries") or "0"),
            gap=t.hours(gap / 60) if gap is not None else "?",
        )
    if d.kind.startswith(PLATFORM_PREFIX):
        return _platform_why(d, t)
    return d.reasons or d.outcome


PLATFORM_PREFIX = "platform_"


def _platform(d: Decision) -> str:
    return d.decided_by.removeprefix("platform:")


def _platform_why(d: Decision, t: Translator) -> str:
    """A platform's decision (rider.decision): its own reasons as it wrote them, what its status means for the
    rider, and the cooperative's reasons once a person confirmed or dismissed it."""
    f = d.facts or {}
    parts = [f"{t('platform_decision.platform_reasons')}: {d.reasons or '?'}"]
    meaning = f"platform_decision.status.{d.status}.text"
    if t.has(meaning):
        parts.append(t(meaning, platform=_platform(d)))
    answered = f.get("confirmation")
    if isinstance(answered, dict) and answered.get("reasons"):
        parts.append(f"{t('platform_decision.cooperative_reasons')}: {answered['reasons']}")
    return " ".join(parts)


def _title(d: Decision, t: Translator) -> str:
    key = f"decision.title.{d.kind}"
    if d.kind == decisions.DecisionKind.CONTRACT_BLOCKED and d.outcome == "released":
        key = "decision.title.released"
    return t(key) if t.has(key) else d.kind


def _by(d: Decision, t: Translator) -> str:
    if d.kind.startswith(PLATFORM_PREFIX):
        how = "automated" if (d.facts or {}).get("automated", True) else "by_person"
        return f"{_platform(d)} ({t(f'platform_decision.{how}')})"
    key = "decision.by." + d.decided_by.replace(":", "_").replace("-", "_")
    return t(key) if t.has(key) else d.decided_by


def _review(r: DecisionReview, t: Translator, zone: ZoneInfo, currency: str, now: datetime) -> ReviewView:
    requested = t.short_day(r.requested_at.astimezone(zone).date())
    if r.answered_at is None:
        status = t("decision.review.asked", due=t.short_day(r.due_at.astimezone(zone).date()))
    else:
        status = t(f"decision.review.{r.outcome}", day=t.short_day(r.answered_at.astimezone(zone).date()))
    return ReviewView(
        requested=requested,
        comment=r.comment,
        status=status,
        outcome=r.outcome,
        answer=r.answer,
        granted=None if r.granted is None else t.money(r.granted, currency),
        overdue=r.answered_at is None and r.due_at < now,
    )


def _status_label(d: Decision, t: Translator) -> str:
    key = f"platform_decision.status.{d.status}.label" if d.kind.startswith(PLATFORM_PREFIX) else ""
    if not t.has(key):
        key = f"decision.status.{d.status}"
    return t(key) if t.has(key) else d.status


def decision_view(
    d: Decision, review: DecisionReview | None, t: Translator, zone: ZoneInfo, now: datetime
) -> DecisionView:
    assert d.id is not None
    currency = str((d.facts or {}).get("currency") or "EUR")
    return DecisionView(
        id=d.id,
        kind=d.kind,
        outcome=d.outcome,
        title=_title(d, t),
        why=why(d, t, zone),
        when=t.moment(d.decided_at, zone),
        decided_at=d.decided_at,
        by=_by(d, t),
        clause=d.clause,
        status=d.status,
        status_label=_status_label(d, t),
        contract_id=d.contract_id,
        review=None if review is None else _review(review, t, zone, currency, now),
        can_ask_review=review is None,
        review_url=f"/rider/decisions/{d.id}/review",
    )


def _zones(session: Session, found: list[Decision]) -> dict[uuid.UUID, ZoneInfo]:
    ids = {d.contract_id for d in found if d.contract_id is not None}
    if not ids:
        return {}
    rows = session.exec(select(Contract.id, Contract.timezone).where(col(Contract.id).in_(ids))).all()
    return {cid: ZoneInfo(tz) for cid, tz in rows}


def of_rider(session: Session, rider_ids: Collection[int], t: Translator, now: datetime) -> list[DecisionView]:
    """The rider's decisions, newest first (all their platforms), each with its review."""
    found = decisions.of_riders(session, sorted(rider_ids))
    asked = reviews.of_decisions(session, [d.id for d in found if d.id is not None])
    zones = _zones(session, found)
    return [
        decision_view(d, asked.get(d.id or 0), t, zones.get(d.contract_id or uuid.UUID(int=0), DEFAULT_ZONE), now)
        for d in found
    ]


def one(session: Session, rider_ids: Collection[int], decision_id: int, t: Translator, now: datetime) -> DecisionView:
    d = session.get(Decision, decision_id)
    if d is None or d.rider_id not in rider_ids:
        raise NotFound(f"you have no decision {decision_id}")
    zone = _zones(session, [d]).get(d.contract_id or uuid.UUID(int=0), DEFAULT_ZONE)
    return decision_view(d, reviews.of_decisions(session, [decision_id]).get(decision_id), t, zone, now)
