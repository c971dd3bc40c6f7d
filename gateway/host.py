"""The host interface: what a platform adapter may use of the gateway, beside the kit (`gateway.db`, `settings`,
`problems`, `agreements`) and its own side (`adapters.base`, `gateway.canonical`, `adapters.jsonbody`).

An adapter under `adapters/` imports the gateway's domains through this module only (the `adapters-host-interface`
contract in pyproject.toml forbids the rest), so what a platform may do to the gateway is written down in one
place (docs/adapters.md) and a domain can change its internals without breaking an adapter. It offers:

- feeding canonical events to the webhook intake (`handle`, the same path a webhook takes, `DuplicateDelivery`);
- reading a platform (`platform_named`, `intake_target`) and its riders (`enrol_rider`, `rider_pk`, `lock_rider`);
- jobs (`job`, `JobContext`, `claim_due`, `drain`, `set_aside_now`, `not_set_aside`);
- recording a decision the adapter took about a rider (`record_work_session`: deliveries grouped into one
  worked period, issue 20), and a booking the agreement refused (`record_refused_booking`), in the adapter's
  transaction;
- calling the platform's API (`ClientCredentials`, `SendError`, `describe_transport_error`);
- `utcnow`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from gateway.canonical import RiderEnrolled, ShiftBooked
from gateway.db.base import utcnow
from gateway.domains.contracts.models import Contract
from gateway.domains.decisions import service as decisions
from gateway.domains.decisions.service import DecisionKind, Made
from gateway.domains.inbox.service import DuplicateDelivery, handle, record_refusal
from gateway.domains.jobs.service import not_set_aside
from gateway.domains.outbox.delivery import SendError, describe_transport_error
from gateway.domains.outbox.oauth import ClientCredentials
from gateway.domains.platforms.models import Platform
from gateway.domains.platforms.service import WebhookTarget, get_platform, webhook_target
from gateway.domains.riders import service as riders
from gateway.domains.riders.models import Rider
from gateway.jobs import JobContext, claim_due, drain, job, set_aside_now
from gateway.problems import Problem

__all__ = [
    "ClientCredentials",
    "DuplicateDelivery",
    "JobContext",
    "PlatformRef",
    "SendError",
    "WebhookTarget",
    "claim_due",
    "describe_transport_error",
    "drain",
    "enrol_rider",
    "handle",
    "intake_target",
    "job",
    "lock_rider",
    "not_set_aside",
    "platform_named",
    "record_refused_booking",
    "record_work_session",
    "rider_pk",
    "set_aside_now",
    "utcnow",
]


@dataclass(frozen=True, slots=True)
class PlatformRef:
    """A platform as an adapter sees it: never the ORM row, so an adapter cannot change what it does not own."""

    id: int
    slug: str
    adapter: str


def platform_named(session: Session, slug: str, adapter: str) -> PlatformRef | None:
    """The platform `slug` if it uses the adapter `adapter` (an adapter's setup commands act on its own only)."""
    platform = get_platform(session, slug)
    if platform is None or platform.id is None or platform.adapter != adapter:
        return None
    return PlatformRef(platform.id, platform.slug, platform.adapter)


def intake_target(session: Session, platform_id: int, now: datetime) -> WebhookTarget:
    """What `handle` needs about the platform (its agreement, whether it is insolvent), read now."""
    slug = session.exec(select(Platform.slug).where(Platform.id == platform_id)).one()
    target = webhook_target(session, slug, now)
    assert target is not None  # the row was just read in this transaction
    return target


def enrol_rider(session: Session, platform_id: int, data: RiderEnrolled, now: datetime) -> None:
    """Enrol (or update) a rider, as a `rider.enrolled` webhook would."""
    riders.enrol(session, platform_id, data, now)


def rider_pk(session: Session, platform_id: int, rider_id: str) -> int | None:
    """The gateway's key of the platform's rider `rider_id`, or None if not enrolled."""
    return riders.rider_id_for(session, platform_id, rider_id)


def lock_rider(session: Session, pk: int) -> None:
    """Lock the rider's row until the transaction ends: an adapter's work for one rider is done one at a time."""
    session.exec(select(Rider.id).where(Rider.id == pk).with_for_update()).one()


def record_work_session(
    session: Session,
    platform_id: int,
    shift_code: str,
    *,
    decided_by: str,
    outcome: str,
    parameters: Mapping[str, Any],
    facts: Mapping[str, Any],
    now: datetime,
) -> bool:
    """Record that the adapter grouped a rider's deliveries into one worked period, the contract of `shift_code`
    (a decision about the rider, issue 20), once per contract. Values as strings. False when the shift has no
    contract (nothing to show the rider)."""
    found = session.exec(
        select(Contract.id, Contract.rider_id).where(
            Contract.platform_id == platform_id, Contract.shift_code == shift_code
        )
    ).first()
    if found is None:
        return False
    contract_id, rider_id = found
    decisions.record(
        session,
        Made(
            key=f"contract:{contract_id}:work_session",
            rider_id=rider_id,
            platform_id=platform_id,
            contract_id=contract_id,
            kind=DecisionKind.WORK_SESSION,
            decided_by=decided_by[:80],
            outcome=outcome[:64],
            parameters=parameters,
            facts=facts,
            decided_at=now,
        ),
    )
    return True


def record_refused_booking(
    session: Session,
    target: WebhookTarget,
    data: ShiftBooked,
    problem: Problem,
    message_id: str,
    now: datetime,
) -> bool:
    """A booking the adapter fed (`handle`) that a term refused is a decision about the rider, as a webhook's is:
    recorded once per message id, after the refused booking's savepoint rolled back. False when there is nothing
    to record (another refusal than a term's, or a rider the platform never enrolled)."""
    return record_refusal(session, target, data, problem, message_id, now)
