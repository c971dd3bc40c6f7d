"""past decisions: the automated decisions taken before they were recorded, derived where the data allows; what a
review's overturn granted and did (decision_review.granted, .effect) (issue 20)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03

Derived under the keys the live code records them with (gateway/domains/decisions, docs/decisions.md), inserted
ON CONFLICT DO NOTHING, so a decision already recorded is never doubled and the code recording it later adds none:

- every correction a booking wrote (`violation`, except a refused declaration: social security's decision, not
  the gateway's) → `booking_corrected`, or `contract_blocked` for an incomplete identity;
- a contract released once the identity was complete (`contract_event` identity_completed) → `contract_blocked`
  outcome `released`;
- a cancelled shift settled as paid (`settlement` cancelled_paid) or closed with nothing due → `cancellation_paid`
  (its clause from the booking's explanation; the policy's parameters are not stored with the contract: empty);
- a payout the fund could not advance (`job_failure` FundShort of payouts.execute) → `payout_held`;
- a CoopCycle work session closed (`coopcycle_session`) → `work_session`.

A booking a term refused left nothing behind (the 422 rolled back): those are not derived.
"""

import re
import uuid
from collections.abc import Sequence
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

from gateway.db.types import ScaledDecimal, UTCDateTime

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_contract = sa.table(
    "contract",
    sa.column("id", sa.Uuid()),
    sa.column("rider_id", sa.Integer()),
    sa.column("platform_id", sa.Integer()),
    sa.column("shift_code", sa.String()),
    sa.column("status", sa.String()),
    sa.column("starts_at", UTCDateTime()),
    sa.column("ends_at", UTCDateTime()),
    sa.column("agreement", sa.String()),
    sa.column("agreement_version", sa.String()),
    sa.column("currency", sa.String()),
    sa.column("hourly_gross", ScaledDecimal(2)),
    sa.column("cancelled_at", UTCDateTime()),
    sa.column("actual_start", UTCDateTime()),
    sa.column("opened_at", UTCDateTime()),
    sa.column("explanation", sa.JSON()),
)
_violation = sa.table(
    "violation",
    sa.column("id", sa.Integer()),
    sa.column("contract_id", sa.Uuid()),
    sa.column("term", sa.String()),
    sa.column("clause", sa.String()),
    sa.column("code", sa.String()),
    sa.column("action", sa.String()),
    sa.column("detail", sa.String()),
    sa.column("offered", sa.String()),
    sa.column("unit", sa.String()),
    sa.column("offered_value", ScaledDecimal(4)),
    sa.column("applied_value", ScaledDecimal(4)),
    sa.column("created_at", UTCDateTime()),
)
_event = sa.table(
    "contract_event",
    sa.column("id", sa.Integer()),
    sa.column("contract_id", sa.Uuid()),
    sa.column("kind", sa.String()),
    sa.column("to_status", sa.String()),
    sa.column("at", UTCDateTime()),
    sa.column("recorded_at", UTCDateTime()),
)
_settlement = sa.table(
    "settlement",
    sa.column("contract_id", sa.Uuid()),
    sa.column("outcome", sa.String()),
    sa.column("paid_hours", ScaledDecimal(4)),
    sa.column("settled_at", UTCDateTime()),
)
_payout = sa.table(
    "payout",
    sa.column("id", sa.Uuid()),
    sa.column("contract_id", sa.Uuid()),
    sa.column("rider_id", sa.Integer()),
    sa.column("amount", ScaledDecimal(2)),
    sa.column("currency", sa.String()),
    sa.column("due_on", sa.Date()),
)
_failure = sa.table(
    "job_failure",
    sa.column("job", sa.String()),
    sa.column("table_name", sa.String()),
    sa.column("row_key", sa.String()),
    sa.column("error_type", sa.String()),
    sa.column("message", sa.String()),
    sa.column("failed_at", UTCDateTime()),
)
_session = sa.table(
    "coopcycle_session",
    sa.column("platform_id", sa.Integer()),
    sa.column("shift_code", sa.String()),
    sa.column("status", sa.String()),
    sa.column("started_at", UTCDateTime()),
    sa.column("ended_at", UTCDateTime()),
    sa.column("closed_at", UTCDateTime()),
    sa.column("deliveries", sa.Integer()),
    sa.column("note", sa.String()),
)
_decisions = sa.table(
    "decision",
    sa.column("key", sa.String()),
    sa.column("rider_id", sa.Integer()),
    sa.column("platform_id", sa.Integer()),
    sa.column("contract_id", sa.Uuid()),
    sa.column("kind", sa.String()),
    sa.column("decided_by", sa.String()),
    sa.column("clause", sa.String()),
    sa.column("outcome", sa.String()),
    sa.column("parameters", sa.JSON()),
    sa.column("facts", sa.JSON()),
    sa.column("reasons", sa.String()),
    sa.column("status", sa.String()),
    sa.column("decided_at", UTCDateTime()),
    sa.column("recorded_at", UTCDateTime()),
)
# As the live code words a correction's numbers (contracts.service.correction_fields).
_EXPONENT = {"hours": Decimal("0.0001"), "hourly_gross": Decimal("0.01"), "per_trip": Decimal("0.01")}
_MISSING = re.compile(r"missing: ([^)]*)\)")
_CENT = Decimal("0.01")


def _text(value: Decimal | None, unit: str | None) -> str | None:
    if value is None:
        return None
    exponent = _EXPONENT.get(unit or "")
    return str(value.quantize(exponent) if exponent is not None else value)


def _decision(key: str, c: Any, kind: str, by: str, outcome: str, at: Any, **more: Any) -> dict[str, Any]:
    return {
        "key": key,
        "rider_id": c.rider_id,
        "platform_id": c.platform_id,
        "contract_id": c.id,
        "kind": kind,
        "decided_by": by,
        "clause": more.get("clause"),
        "outcome": outcome,
        "parameters": more.get("parameters", {}),
        "facts": more.get("facts", {}),
        "reasons": None,
        "status": "in_effect",
        "decided_at": at,
        "recorded_at": at,
    }


def _shift(c: Any) -> dict[str, Any]:
    return {
        "shift_code": c.shift_code,
        "starts_at": c.starts_at.isoformat(),
        "ends_at": c.ends_at.isoformat(),
        "agreement": c.agreement,
        "agreement_version": c.agreement_version,
        "currency": c.currency,
    }


def _corrections(conn: sa.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(_violation, *[x.label(f"c_{x.name}") for x in _contract.c])
        .join(_contract, _contract.c.id == _violation.c.contract_id)
        .where(_violation.c.code != "declaration_refused")
        .order_by(_violation.c.id)
    ).mappings()
    out = []
    for v in rows:
        contract = SimpleNamespace(**{k[2:]: v[k] for k in v if k.startswith("c_")})
        key = f"contract:{v['contract_id']}:{v['term']}:{v['code']}"
        if v["action"] == "blocked" and v["code"] == "identity_incomplete":
            found = _MISSING.search(v["detail"] or "")
            missing = [m.strip() for m in found.group(1).split(",")] if found else ["member"]
            out.append(
                _decision(
                    key, contract, "contract_blocked", "gateway:identity-check", "blocked_identity_incomplete",
                    v["created_at"], clause=v["clause"][:100], parameters={"term": v["term"]},
                    facts={**_shift(contract), "missing": missing},
                )
            )  # fmt: skip
        else:
            out.append(
                _decision(
                    key, contract, "booking_corrected", "gateway:agreement-engine", v["code"], v["created_at"],
                    clause=v["clause"][:100],
                    parameters={
                        "term": v["term"], "action": v["action"], "unit": v["unit"],
                        "applied": _text(v["applied_value"], v["unit"]),
                    },
                    facts={**_shift(contract), "offered": _text(v["offered_value"], v["unit"]), "offered_text": v["offered"]},
                )
            )  # fmt: skip
    return out


def _contracts(conn: sa.Connection, ids: set[uuid.UUID]) -> dict[uuid.UUID, Any]:
    if not ids:
        return {}
    return {c.id: c for c in conn.execute(sa.select(_contract).where(_contract.c.id.in_(ids)))}


def _released(conn: sa.Connection) -> list[dict[str, Any]]:
    events = conn.execute(
        sa.select(_event.c.contract_id, _event.c.at).where(_event.c.kind == "identity_completed").order_by(_event.c.id)
    ).all()
    contracts = _contracts(conn, {e.contract_id for e in events})
    return [
        _decision(
            f"contract:{e.contract_id}:released", contracts[e.contract_id], "contract_blocked",
            "gateway:identity-check", "released", e.at,
            clause="social security declaration of employment (Dimona): the worker's identity, before work starts",
            parameters={"term": "identity"},
            facts={"shift_code": contracts[e.contract_id].shift_code, "ends_at": contracts[e.contract_id].ends_at.isoformat()},
        )
        for e in events
    ]  # fmt: skip


def _cancellation(c: Any, outcome: str, paid_hours: Decimal, at: Any) -> dict[str, Any]:
    notice = max((c.starts_at - c.cancelled_at).total_seconds() / 3600, 0.0)
    booked = (c.ends_at - c.starts_at).total_seconds() / 3600
    facts = {
        "shift_code": c.shift_code,
        "starts_at": c.starts_at.isoformat(),
        "cancelled_at": c.cancelled_at.isoformat(),
        "notice_hours": str(Decimal(str(notice)).quantize(_CENT)),
        "booked_hours": str(Decimal(str(booked)).quantize(_CENT)),
        "paid_hours": str(paid_hours.quantize(_CENT)),
        "hourly_gross": str(c.hourly_gross),
        "currency": c.currency,
    }
    return _decision(
        f"contract:{c.id}:cancellation", c, "cancellation_paid", "gateway:settlement", outcome, at, facts=facts
    )


def _cancellations(conn: sa.Connection) -> list[dict[str, Any]]:
    cancelled = sa.and_(_contract.c.cancelled_at.is_not(None), _contract.c.actual_start.is_(None))
    paid = conn.execute(
        sa.select(_contract, _settlement.c.paid_hours, _settlement.c.settled_at)
        .join(_settlement, _settlement.c.contract_id == _contract.c.id)
        .where(cancelled, _settlement.c.outcome == "cancelled_paid")
    ).all()
    out = [_cancellation(c, "paid", c.paid_hours, c.settled_at) for c in paid]
    closed = conn.execute(
        sa.select(_contract, _event.c.recorded_at)
        .join(_event, _event.c.contract_id == _contract.c.id)
        .where(cancelled, _event.c.kind == "closed", _event.c.to_status == "cancelled")
    ).all()
    out += [_cancellation(c, "unpaid", Decimal(0), c.recorded_at) for c in closed]
    return out


def _held(conn: sa.Connection) -> list[dict[str, Any]]:
    failures = conn.execute(
        sa.select(_failure).where(
            _failure.c.job == "payouts.execute", _failure.c.table_name == "payout", _failure.c.error_type == "FundShort"
        )
    ).all()
    keys = {}
    for f in failures:
        try:
            keys[uuid.UUID(f.row_key)] = f
        except ValueError:
            continue
    if not keys:
        return []
    payouts = conn.execute(sa.select(_payout).where(_payout.c.id.in_(set(keys)))).all()
    contracts = _contracts(conn, {p.contract_id for p in payouts})
    out = []
    for p in payouts:
        c, f = contracts[p.contract_id], keys[p.id]
        facts = {
            "shift_code": c.shift_code,
            "amount": str(p.amount),
            "currency": p.currency,
            "due_on": p.due_on.isoformat(),
            "reason": (f.message or "")[:300],
        }
        parameters = {"rule": "the guarantee fund advances unpaid wages within its cash"}
        out.append(
            _decision(
                f"payout:{p.id}:held", c, "payout_held", "gateway:guarantee-fund", "held_fund_short", f.failed_at,
                parameters=parameters, facts=facts,
            )
        )  # fmt: skip
    return out


def _sessions(conn: sa.Connection) -> list[dict[str, Any]]:
    if not sa.inspect(conn).has_table("coopcycle_session"):
        return []
    rows = conn.execute(
        sa.select(_contract, _session.c.started_at, _session.c.ended_at, _session.c.closed_at, _session.c.deliveries,
                  _session.c.note)
        .join(_session, sa.and_(_session.c.platform_id == _contract.c.platform_id,
                                _session.c.shift_code == _contract.c.shift_code))
        .where(_session.c.status == "closed", _session.c.ended_at.is_not(None))
    ).all()  # fmt: skip
    return [
        _decision(
            f"contract:{r.id}:work_session", r, "work_session", "gateway:coopcycle-sessions", "session_closed",
            r.closed_at or r.ended_at,
            facts={"started_at": r.started_at.isoformat(), "ended_at": r.ended_at.isoformat(),
                   "deliveries": str(r.deliveries), "note": r.note},
        )
        for r in rows
    ]  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("decision_review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("granted", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("effect", sa.String(40), nullable=True))
    conn = op.get_bind()
    rows = [*_corrections(conn), *_released(conn), *_cancellations(conn), *_held(conn), *_sessions(conn)]
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    for start in range(0, len(rows), 500):
        conn.execute(
            insert(_decisions).values(rows[start : start + 500]).on_conflict_do_nothing(index_elements=["key"])
        )


def downgrade() -> None:
    # The derived decisions stay: they are indistinguishable from the ones recorded live, and true.
    with op.batch_alter_table("decision_review", schema=None) as batch_op:
        batch_op.drop_column("effect")
        batch_op.drop_column("granted")
