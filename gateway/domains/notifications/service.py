"""Queueing the rider's e-mails (in the caller's transaction) and the rider's choice of which ones they get.

The opt-out is checked when an e-mail is sent, not when it is queued: a rider who turns a kind off after it was
queued does not get it, and the booking's rows (`CONTRACT_OPENED`, queued with the contract's other outbound
messages by both booking paths) never depend on the rider's choices or on the configuration.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

from sqlalchemy import delete, select
from sqlmodel import Session, col

from gateway.db.upsert import insert_for
from gateway.domains.members.models import Member
from gateway.domains.notifications.addresses import usable_address
from gateway.domains.notifications.models import NotificationOptOut
from gateway.domains.outbox import service as outbox
from gateway.domains.platforms.models import Platform
from gateway.domains.riders.models import Rider

PREFIX = "notification."


class NotificationKind(StrEnum):
    """The e-mails a rider gets; each one they may turn off."""

    CONTRACT_OPENED = "contract_opened"
    DECISION = "decision"
    REVIEW_ANSWERED = "review_answered"

    @property
    def outbox_kind(self) -> str:
        return PREFIX + self.value


CONTRACT_OPENED = NotificationKind.CONTRACT_OPENED.outbox_kind
"""The outbox kind a booking queues beside the declaration and the platform's callback; its payload is the contract
as the platform was answered (both booking paths write it so), its rider found from it when it is sent."""

# Decisions the contract's own e-mail already tells (a corrected offer, a contract blocked for an incomplete
# identity, a work session that opened a contract): one e-mail per booking, not two.
TOLD_BY_CONTRACT_MAIL = frozenset({"booking_corrected", "contract_blocked", "work_session"})


def decision_worth_mail(decision_kind: str) -> bool:
    """Whether a newly recorded decision of this kind (a `DecisionKind` value) gets its own e-mail."""
    return decision_kind not in TOLD_BY_CONTRACT_MAIL


@dataclass(frozen=True, slots=True)
class DecisionNotice:
    """A decision about the rider was recorded: what it was, on which platform, and whether it still waits for a
    person at the cooperative (a platform's suspension). The reasons are on the rider's page, not in the e-mail."""

    kind: ClassVar[NotificationKind] = NotificationKind.DECISION
    decision_id: int
    decision_kind: str
    status: str
    platform_id: int
    decided_at: datetime
    contract_id: uuid.UUID | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "decision_kind": self.decision_kind[:40],
            "status": self.status[:24],
            "platform_id": self.platform_id,
            "decided_at": self.decided_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class ReviewAnswerNotice:
    """A person answered the rider's request to review a decision; the written answer is on the rider's page."""

    kind: ClassVar[NotificationKind] = NotificationKind.REVIEW_ANSWERED
    decision_id: int
    decision_kind: str
    outcome: Literal["upheld", "overturned"]
    platform_id: int
    contract_id: uuid.UUID | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "decision_kind": self.decision_kind[:40],
            "outcome": self.outcome,
            "platform_id": self.platform_id,
        }


Notice = DecisionNotice | ReviewAnswerNotice


def notify(session: Session, *, rider_id: int, notice: Notice, now: datetime) -> None:
    """Queue the rider's e-mail for `notice` in the caller's transaction (a rollback takes it back). Whether the
    rider wants it, and in which language, is decided when it is sent."""
    payload = {"rider_id": rider_id, "notice": notice.payload()}
    outbox.enqueue(session, [notice.kind.outbox_kind], payload, now, notice.contract_id)


# --- the rider's choices ------------------------------------------------------------------------------------


def choices(session: Session, rider_ids: Collection[int]) -> dict[NotificationKind, bool]:
    """Which kinds the rider gets. A person with several rider rows (one per platform) chooses once for all: a kind
    is on unless turned off."""
    off = set(
        session.scalars(
            select(col(NotificationOptOut.kind)).where(col(NotificationOptOut.rider_id).in_(list(rider_ids)))
        ).all()
    )
    return {kind: kind.value not in off for kind in NotificationKind}


def set_choices(
    session: Session, rider_ids: Collection[int], wanted: Mapping[NotificationKind, bool], now: datetime
) -> None:
    """Turn kinds on (their opt-out rows go) and off (one row per rider row and kind: turning off twice is one)."""
    ids = sorted(rider_ids)
    on = [k.value for k, v in wanted.items() if v]
    off = [k.value for k, v in wanted.items() if not v]
    if on and ids:
        session.execute(
            delete(NotificationOptOut).where(
                col(NotificationOptOut.rider_id).in_(ids), col(NotificationOptOut.kind).in_(on)
            )
        )
    if off and ids:
        rows = [{"rider_id": r, "kind": k, "created_at": now} for r in ids for k in off]
        table = NotificationOptOut.__table__  # type: ignore[attr-defined]
        session.execute(insert_for(session, table).values(rows).on_conflict_do_nothing())
    session.flush()


def has_usable_address(session: Session, rider_ids: Collection[int]) -> bool:
    """Whether any of the person's rider rows has an address an e-mail can go to."""
    emails = session.scalars(select(col(Rider.email)).where(col(Rider.id).in_(list(rider_ids)))).all()
    return any(usable_address(e) for e in emails)


def opted_out(session: Session, rider_id: int, kind: NotificationKind) -> bool:
    found = session.get(NotificationOptOut, (rider_id, kind.value))
    return found is not None


# --- who gets an e-mail ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recipient:
    """What an e-mail needs of its rider: the address, the language, the platform's name. Nothing else (no name,
    no identity field) is read, so nothing else can end up in an e-mail."""

    rider_id: int
    email: str
    language: str | None  # the member's, when the rider is linked to one
    platform: str


def recipient(session: Session, rider_id: int) -> Recipient | None:
    return _recipient(session, col(Rider.id) == rider_id)


def recipient_of_contract(session: Session, platform_slug: str, rider_external_id: str) -> Recipient | None:
    """The rider of a contract as its document names them (the platform's slug and its own id for the rider)."""
    return _recipient(session, col(Platform.slug) == platform_slug, col(Rider.external_id) == rider_external_id)


def _recipient(session: Session, *where: Any) -> Recipient | None:
    stmt = (
        select(col(Rider.id), col(Rider.email), col(Member.language), col(Platform.name))
        .join(Platform, col(Platform.id) == col(Rider.platform_id))
        .outerjoin(Member, col(Member.number) == col(Rider.member_id))
        .where(*where)
    )
    row = session.execute(stmt).first()
    if row is None:
        return None
    rider_id, email, language, platform = row
    return Recipient(rider_id, email, language, platform)
