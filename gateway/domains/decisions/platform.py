"""Decisions platforms take about their riders (`rider.decision`), and a person's confirmation at the cooperative.

A platform reports its own decisions: a restriction, a suspension, a deactivation, a refusal of remuneration, with
its reasons and the main parameters its system used. Each is one `Decision` row (kind `platform_*`, decided by
`platform:<slug>`, the reasons in the platform's words), keyed `platform:<platform id>:<its decision id>`, so the
same decision sent again records nothing twice and two platforms never share a key.

The cooperative employs the rider (every booked shift is an employment contract it opens), so a platform's
suspension or deactivation has no consequence for the rider's contracts until a person at the cooperative
confirms it (directive 2024/2831 art. 10: such decisions are taken by a human being). Every such decision waits
for that person (`pending_confirmation`), whether or not the rider is yet linked to a member: the link is about
the identity declared, not about who employs the rider. Confirmed, the rider's future contracts on that platform
in the decision's window are cancelled as the platform cancelling them (settlement pays what the agreement says
for a short notice), and while it covers a shift new bookings of that shift are refused. Dismissed, nothing
happens to the contracts. A restriction and a refusal of remuneration are shown, nothing more (`in_effect`): the
cooperative does not restrict what a platform offers, and a worked shift is paid as the agreement says whatever
the platform refuses (the platform is invoiced as for any shift).

The platform may withdraw its decision (`withdrawn: true`): the rider sees it withdrawn, a confirmed one no longer
holds bookings; contracts already cancelled stay cancelled (and paid as cancelled). It never edits one: the same
decision id with other content is a conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from gateway.canonical import PlatformDecisionKind, RiderDecision, ShiftCancelled
from gateway.domains.contracts import lifecycle
from gateway.domains.contracts.models import Contract, ContractStatus
from gateway.domains.decisions import service as decisions
from gateway.domains.decisions.models import HOLDING_KINDS, Decision
from gateway.domains.decisions.platform_schemas import Confirmation, DecisionRecorded, PlatformDecisionOut
from gateway.domains.decisions.service import DecisionKind, DecisionStatus, Made
from gateway.domains.notifications import service as notifications
from gateway.domains.platforms.models import Platform
from gateway.domains.platforms.service import WebhookTarget
from gateway.domains.riders.models import Rider
from gateway.domains.staff import service as staff
from gateway.problems import Conflict, InvalidPayload, NotFound

KINDS: Mapping[PlatformDecisionKind, DecisionKind] = {
    "restriction": DecisionKind.PLATFORM_RESTRICTION,
    "suspension": DecisionKind.PLATFORM_SUSPENSION,
    "deactivation": DecisionKind.PLATFORM_DEACTIVATION,
    "remuneration_refused": DecisionKind.PLATFORM_REMUNERATION_REFUSED,
}
_NAMES: Mapping[str, PlatformDecisionKind] = {k.value: name for name, k in KINDS.items()}
# What the decision is, as a code the pages word in three languages.
OUTCOMES: Mapping[PlatformDecisionKind, str] = {
    "restriction": "restricted",
    "suspension": "suspended",
    "deactivation": "deactivated",
    "remuneration_refused": "remuneration_refused",
}
# Decisions to suspend or terminate: taken by a person (art. 10), here a person at the cooperative, the employer.
NEEDS_CONFIRMATION: frozenset[PlatformDecisionKind] = frozenset({"suspension", "deactivation"})
# The contracts a confirmation cancels: not yet worked (a blocked one cannot be worked; one blocked for an
# incomplete identity is cancelled with nothing due, `lifecycle.apply_cancelled` says so).
_CANCELLABLE = (ContractStatus.open.value, ContractStatus.blocked.value)


def key_of(platform_id: int, decision_id: str) -> str:
    """The decision's unique key: the platform's id for it, within that platform only."""
    return f"platform:{platform_id}:{decision_id}"


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat()


def _instant(text: Any) -> datetime | None:
    return None if text is None else datetime.fromisoformat(str(text))


def _facts(data: RiderDecision) -> dict[str, Any]:
    """What the platform said beyond its reasons and parameters, as the row keeps it (instants in UTC)."""
    return {
        "decision_id": data.decision_id,
        "automated": data.automated,
        "effective_from": _iso(data.starts),
        "effective_until": _iso(data.effective_until),
        "shift_codes": list(data.shift_codes),
    }


def _made(target: WebhookTarget, rider_pk: int, data: RiderDecision, contract_id: Any, now: datetime) -> Made:
    return Made(
        key=key_of(target.id, data.decision_id),
        rider_id=rider_pk,
        platform_id=target.id,
        kind=KINDS[data.kind],
        decided_by=f"platform:{target.slug}",
        outcome=OUTCOMES[data.kind],
        decided_at=data.decided_at,
        contract_id=contract_id,
        parameters=data.parameters,
        facts=_facts(data),
        reasons=data.reasons,
        status=DecisionStatus.PENDING_CONFIRMATION if data.kind in NEEDS_CONFIRMATION else DecisionStatus.IN_EFFECT,
        recorded_at=now,
    )


def _unknown_rider(data: RiderDecision) -> InvalidPayload:
    return InvalidPayload(
        f"unknown rider {data.rider_id!r}: a platform reports decisions about the riders it enrolled (rider.enrolled)",
        errors=[{"location": "data.rider_id", "message": "no enrolled rider with this id"}],
    )


def _the_contract(session: Session, platform_id: int, rider_pk: int, data: RiderDecision) -> Any:
    """The contract a refusal of remuneration names, when it names one shift of this rider's (the rider's page
    shows the decision with that contract); None otherwise."""
    if len(data.shift_codes) != 1:
        return None
    return session.exec(
        select(Contract.id).where(
            Contract.platform_id == platform_id,
            Contract.shift_code == data.shift_codes[0],
            Contract.rider_id == rider_pk,
        )
    ).first()


def _same(stored: Decision, made: Made) -> bool:
    """Whether a decision sent again under its id says what it said the first time."""
    now = decisions.row(made)
    return all(
        getattr(stored, k) == now[k] for k in ("rider_id", "kind", "reasons", "parameters", "decided_at")
    ) and all(stored.facts.get(k) == v for k, v in now["facts"].items())


def _locked(session: Session, key: str) -> Decision | None:
    return session.exec(select(Decision).where(Decision.key == key).with_for_update()).first()


def apply_reported(
    session: Session, target: WebhookTarget, data: RiderDecision, message_id: str, now: datetime
) -> DecisionRecorded:
    """Record the platform's decision once (a replay under another message id changes nothing), or withdraw it.
    The rider is the platform's own: another platform's rider of the same id is not found. Flushes only."""
    rider_pk = session.exec(
        select(Rider.id).where(Rider.platform_id == target.id, Rider.external_id == data.rider_id)
    ).first()
    if rider_pk is None:
        raise _unknown_rider(data)
    key = key_of(target.id, data.decision_id)
    stored = _locked(session, key)
    if data.withdrawn:
        if stored is None or stored.rider_id != rider_pk:
            raise InvalidPayload(
                f"no decision {data.decision_id!r} about rider {data.rider_id!r} to withdraw: send it first",
                errors=[{"location": "data.decision_id", "message": "no such decision about this rider"}],
            )
        _withdraw(session, stored, data, message_id, now)
        return _recorded(stored, data.rider_id)
    made = _made(target, rider_pk, data, _the_contract(session, target.id, rider_pk, data), now)
    if stored is None:
        decisions.record(session, made)  # a concurrent delivery that won the key leaves it as it is
        stored = _locked(session, key)
        assert stored is not None
    if not _same(stored, made):
        raise Conflict(
            f"decision {data.decision_id!r} was recorded with other content; a decision is never edited: withdraw "
            "it (withdrawn: true) and send the new one under a new decision_id",
            decision_status=stored.status,
        )
    return _recorded(stored, data.rider_id)


def _withdraw(session: Session, stored: Decision, data: RiderDecision, message_id: str, now: datetime) -> None:
    if stored.status == DecisionStatus.WITHDRAWN.value:
        return
    # The row records who withdrew it and why; contracts a confirmation cancelled stay cancelled (and paid so).
    stored.facts = {
        **stored.facts,
        "withdrawn": {"at": _iso(now), "reasons": data.reasons, "message_id": message_id, "was": stored.status},
    }
    stored.status = DecisionStatus.WITHDRAWN.value
    session.add(stored)
    session.flush()


def _recorded(d: Decision, rider_external_id: str) -> DecisionRecorded:
    assert d.id is not None
    return DecisionRecorded(
        id=d.id,
        decision_id=str(d.facts["decision_id"]),
        rider_id=rider_external_id,
        kind=_NAMES[d.kind],
        status=d.status,
    )


# --- the cooperative's side: a person confirms or dismisses a suspension or deactivation ----------------------


def view(d: Decision, rider_external_id: str, platform_slug: str) -> PlatformDecisionOut:
    """A platform's decision in full (reviewers' API and CLI)."""
    facts = d.facts
    confirmation = facts.get("confirmation")
    withdrawn = facts.get("withdrawn")
    starts = _instant(facts.get("effective_from")) or d.decided_at
    return PlatformDecisionOut(
        **_recorded(d, rider_external_id).model_dump(),
        platform=platform_slug,
        automated=bool(facts.get("automated")),
        decided_at=d.decided_at,
        effective_from=starts,
        effective_until=_instant(facts.get("effective_until")),
        reasons=d.reasons or "",
        parameters=d.parameters,
        shift_codes=list(facts.get("shift_codes", [])),
        recorded_at=d.recorded_at,
        confirmation=None if confirmation is None else Confirmation.model_validate(confirmation),
        withdrawn_at=None if withdrawn is None else _instant(withdrawn["at"]),
    )


_WITH_NAMES = (Decision, Rider.external_id, Platform.slug)


def _with_names(stmt: Any) -> Any:
    return stmt.join(Rider, col(Rider.id) == col(Decision.rider_id)).join(
        Platform, col(Platform.id) == col(Decision.platform_id)
    )


def pending(session: Session, limit: int = 100, after: int | None = None) -> list[PlatformDecisionOut]:
    """The platforms' suspensions and deactivations waiting for a person, first received first (by id: the one
    that has waited longest), paged by the last id seen."""
    stmt = _with_names(select(*_WITH_NAMES)).where(Decision.status == DecisionStatus.PENDING_CONFIRMATION.value)
    if after is not None:
        stmt = stmt.where(col(Decision.id) > after)
    rows = session.exec(stmt.order_by(col(Decision.id)).limit(limit)).all()
    return [view(d, rider, slug) for d, rider, slug in rows]


def one(session: Session, decision_pk: int) -> PlatformDecisionOut:
    """One platform decision (404 for another kind of decision: the gateway's own are not confirmed)."""
    row = session.exec(_with_names(select(*_WITH_NAMES)).where(Decision.id == decision_pk)).first()
    if row is None or row[0].kind not in _NAMES:
        raise NotFound(f"no platform decision {decision_pk}")
    return view(*row)


def _awaiting(session: Session, decision_pk: int) -> Decision:
    """The decision, locked, if it waits for a person; else a 404 or a 409 that says what became of it."""
    d = session.exec(select(Decision).where(Decision.id == decision_pk).with_for_update()).first()
    if d is None or d.kind not in _NAMES:
        raise NotFound(f"no platform decision {decision_pk}")
    if d.status != DecisionStatus.PENDING_CONFIRMATION.value:
        raise Conflict(
            f"decision {decision_pk} is {d.status}: only a pending suspension or deactivation is confirmed or "
            "dismissed",
            decision_status=d.status,
        )
    return d


def _answered(d: Decision, outcome: DecisionStatus, actor: str, reasons: str, now: datetime) -> None:
    d.facts = {
        **d.facts,
        "confirmation": {"outcome": outcome.value, "by": actor, "at": _iso(now), "reasons": reasons},
    }
    d.status = outcome.value


@dataclass(frozen=True, slots=True)
class Confirmed:
    decision: Decision
    cancelled: list[Contract]


def confirm(
    session: Session, decision_pk: int, actor: str, reasons: str, now: datetime, settle_delay: timedelta
) -> Confirmed:
    """A person confirms the platform's suspension or deactivation: the rider's contracts on that platform that
    start in its window and later than now, not yet worked, are cancelled now, as the platform cancelling them
    (settlement pays what the agreement says for the notice given: from now). Audited. Flushes only."""
    d = _awaiting(session, decision_pk)
    _answered(d, DecisionStatus.CONFIRMED, actor, reasons, now)
    session.add(d)
    starts = _instant(d.facts.get("effective_from")) or d.decided_at
    until = _instant(d.facts.get("effective_until"))
    stmt = select(Contract).where(
        Contract.rider_id == d.rider_id,
        Contract.platform_id == d.platform_id,
        col(Contract.status).in_(_CANCELLABLE),
        Contract.starts_at > now,
        Contract.starts_at >= starts,
    )
    if until is not None:
        stmt = stmt.where(Contract.starts_at < until)
    contracts = session.exec(stmt.order_by(col(Contract.starts_at)).with_for_update()).all()
    why = f"{d.decided_by} {d.outcome} the rider (decision {d.facts['decision_id']}), confirmed by the cooperative"
    cancelled = []
    for contract in contracts:
        # As if the platform had sent shift.cancelled now (built, not parsed: `at` is the gateway's own clock).
        cancel = ShiftCancelled.model_construct(shift_code=contract.shift_code, at=now, reason=why[:500])
        try:
            lifecycle.apply_cancelled(session, contract, cancel, f"decision:{d.id}", now, settle_delay)
        except Conflict:
            continue  # blocked because its declaration was refused: it cannot be worked; nothing to cancel
        cancelled.append(contract)
    staff.audit(
        session,
        actor,
        "decision.confirmed",
        f"decision:{d.id}",
        now,
        reasons=reasons,
        contracts_cancelled=[str(c.id) for c in cancelled],
    )
    _tell(session, d, now)
    return Confirmed(d, cancelled)


def dismiss(session: Session, decision_pk: int, actor: str, reasons: str, now: datetime) -> Decision:
    """A person does not confirm the platform's decision: nothing happens to the rider's contracts or bookings;
    the rider sees that the cooperative did not confirm it, and why. Audited. Flushes only."""
    d = _awaiting(session, decision_pk)
    _answered(d, DecisionStatus.DISMISSED, actor, reasons, now)
    session.add(d)
    staff.audit(session, actor, "decision.dismissed", f"decision:{d.id}", now, reasons=reasons)
    _tell(session, d, now)
    return d


def _tell(session: Session, d: Decision, now: datetime) -> None:
    """The rider is e-mailed that a person at the cooperative answered the platform's decision (the reasons are on
    their page), in the answer's transaction."""
    assert d.id is not None
    notice = notifications.DecisionNotice(
        decision_id=d.id,
        decision_kind=d.kind,
        status=d.status,
        platform_id=d.platform_id,
        decided_at=now,
        contract_id=d.contract_id,
    )
    notifications.notify(session, rider_id=d.rider_id, notice=notice, now=now)


# --- bookings of a held rider ----------------------------------------------------------------------------------


def check_not_held(session: Session, platform_id: int, rider_external_id: str, starts_at: datetime) -> bool:
    """Read only when a booking's statement declined for a held rider (`decisions.service.holds`): refuses (409)
    a shift that starts in the window of a confirmed suspension or deactivation; else True when the rider is held
    by some (for other dates) and False when by none (the statement declined for another reason)."""
    held = session.exec(
        select(Decision)
        .join(Rider, col(Rider.id) == col(Decision.rider_id))
        .where(
            Rider.platform_id == platform_id,
            Rider.external_id == rider_external_id,
            Decision.status == DecisionStatus.CONFIRMED.value,
            col(Decision.kind).in_(HOLDING_KINDS),
        )
        .order_by(col(Decision.decided_at))
    ).all()
    for d in held:
        starts = _instant(d.facts.get("effective_from")) or d.decided_at
        until = _instant(d.facts.get("effective_until"))
        if starts <= starts_at and (until is None or starts_at < until):
            raise Conflict(
                f"rider {rider_external_id!r} is {d.outcome} by the platform (decision {d.facts['decision_id']}, "
                f"confirmed by the cooperative) from {_iso(starts)}"
                + (f" until {_iso(until)}" if until is not None else "")
                + ": no shift starting then can be booked for them",
                decision_id=str(d.facts["decision_id"]),
                decision_kind=_NAMES[d.kind],
                effective_from=_iso(starts),
                effective_until=_iso(until),
            )
    return bool(held)
