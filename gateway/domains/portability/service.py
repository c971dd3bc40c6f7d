"""A rider's data, gathered in the caller's transaction and packed into one ZIP archive in memory.

Whose data: the riders a rider's session names (a platform's access link names that platform's rider; a login with
the cooperative's identity provider names every rider of the member), or, for staff, every rider of a member or one
platform's rider. Every table is a list of flat rows whose values are strings or null, so the JSON file and the CSV
files hold the same rows; each table is capped (`LIMITS`) and says when it was cut.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from gateway.domains.contracts.models import Contract
from gateway.domains.decisions.models import Decision, DecisionReview
from gateway.domains.decisions.service import of_riders
from gateway.domains.members import service as members
from gateway.domains.members.models import Member
from gateway.domains.platforms.models import Platform
from gateway.domains.readmodel.service import ContractOut, rider_view
from gateway.domains.riders.models import Rider

FORMAT = "gateway-rider-data"
VERSION = 1
# Bounds: a rider working three shifts a day for three years stays under them; a table cut says so (`truncated`).
LIMITS = {"contracts": 3000, "decisions": 10000}
MAX_RIDERS = 50
TABLES = ("contracts", "corrections", "settlements", "pay_lines", "payouts", "declarations", "decisions", "reviews")

Row = dict[str, str | None]


@dataclass
class Export:
    generated_at: datetime
    riders: list[Row]
    member: dict[str, Any] | None
    tables: dict[str, list[Row]] = field(default_factory=lambda: {name: [] for name in TABLES})
    truncated: dict[str, bool] = field(default_factory=dict)


def _s(value: Any) -> str | None:
    """A value as the archive writes it: a string (decimals as written, instants ISO 8601), or None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping | list):
        return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return str(value)


def _row(**values: Any) -> Row:
    return {k: _s(v) for k, v in values.items()}


def riders_by_ids(session: Session, rider_ids: Iterable[int]) -> list[Rider]:
    ids = sorted(rider_ids)[:MAX_RIDERS]
    return list(session.exec(select(Rider).where(col(Rider.id).in_(ids)).order_by(col(Rider.id))).all())


def riders_of_member(session: Session, member: Member) -> list[Rider]:
    stmt = select(Rider).where(Rider.member_id == member.number).order_by(col(Rider.id)).limit(MAX_RIDERS)
    return list(session.exec(stmt).all())


def platform_rider(session: Session, platform_slug: str, external_id: str) -> Rider | None:
    stmt = (
        select(Rider)
        .join(Platform, col(Platform.id) == col(Rider.platform_id))
        .where(Platform.slug == platform_slug, Rider.external_id == external_id)
    )
    return session.exec(stmt).first()


def _member(session: Session, riders: list[Rider]) -> dict[str, Any] | None:
    """The member's identity as every page shows it (SSIN and IBAN masked). Their other platforms' riders are left
    out: a session (or a staff request) for some riders says nothing about the others."""
    for rider in riders:
        member = members.of_rider(session, rider)
        if member is not None:
            shown = members.out(session, member).model_dump(mode="json", exclude={"riders"})
            return dict(shown)
    return None


def gather(session: Session, riders: list[Rider], now: datetime) -> Export:
    """Everything the gateway holds about these riders' work, as rows."""
    slugs = dict(session.exec(select(Platform.id, Platform.slug)).all())
    export = Export(
        generated_at=now,
        riders=[
            _row(
                platform=slugs.get(r.platform_id),
                rider_id=r.external_id,
                name=r.name,
                email=r.email,
                member=r.member_id,
                enrolled_at=r.enrolled_at,
            )
            for r in riders
        ],
        member=_member(session, riders),
    )
    ids = [r.id for r in riders if r.id is not None]
    limit = LIMITS["contracts"]
    contracts = session.exec(
        select(Contract)
        .where(col(Contract.rider_id).in_(ids))
        .order_by(col(Contract.starts_at), col(Contract.id))
        .limit(limit + 1)
    ).all()
    export.truncated["contracts"] = len(contracts) > limit
    for contract in contracts[:limit]:
        _contract(export, rider_view(session, contract, slugs[contract.platform_id]))
    _decisions(session, export, ids, slugs)
    return export


def _contract(export: Export, c: ContractOut) -> None:
    t = export.tables
    t["contracts"].append(
        _row(
            contract_id=c.id,
            platform=c.platform,
            rider_id=c.rider_id,
            shift_code=c.shift_code,
            status=c.status.value,
            starts_at=c.shift.starts_at,
            ends_at=c.shift.ends_at,
            timezone=c.shift.timezone,
            booked_hours=c.shift.booked_hours,
            zone=c.shift.zone,
            agreement=c.agreement.id,
            agreement_version=c.agreement.version,
            minimum_paid_hours=c.minimum_paid_hours,
            guaranteed_paid_hours=c.guaranteed_paid_hours,
            hourly_gross=c.pay.hourly_gross,
            hourly_net=c.pay.hourly_net,
            currency=c.pay.currency,
            offered=c.pay.offered.model_dump(mode="json", exclude_none=True) if c.pay.offered else None,
            started_at=c.actual.started_at,
            first_delivery_at=c.actual.first_delivery_at,
            ended_at=c.actual.ended_at,
            deliveries=c.actual.deliveries,
            cancelled_at=c.actual.cancelled_at,
            cancel_reason=c.actual.cancel_reason,
            opened_at=c.opened_at,
        )
    )
    for i, k in enumerate(c.corrections, 1):
        t["corrections"].append(
            _row(
                contract_id=c.id,
                number=i,
                term=k.term,
                clause=k.clause,
                code=k.code,
                action=k.action,
                offered=k.offered,
                applied=k.applied,
                detail=k.detail,
            )
        )
    s = c.statement
    if s is not None:
        t["settlements"].append(
            _row(
                contract_id=c.id,
                outcome=s.outcome,
                worked_hours=s.worked_hours,
                paid_hours=s.paid_hours,
                minimum_applied=s.minimum_applied,
                hourly_gross=s.hourly_gross,
                gross=s.gross,
                employee_social_security=s.employee_social_security,
                withholding=s.withholding,
                net=s.net,
                expenses=s.expenses,
                payout=s.payout,
                currency=s.currency,
                payment_due=s.payment_due,
                settled_at=s.settled_at,
            )
        )
        for i, line in enumerate(s.lines, 1):
            t["pay_lines"].append(
                _row(
                    contract_id=c.id,
                    number=i,
                    code=line.code,
                    label=line.label,
                    kind=line.kind,
                    term=line.term,
                    clause=line.clause,
                    since=line.since,
                    hours=line.hours,
                    rate=line.rate,
                    quantity=line.quantity,
                    per=line.per,
                    amount=line.amount,
                    why=line.why,
                )
            )
    if c.payout is not None:
        p = c.payout
        t["payouts"].append(
            _row(
                contract_id=c.id,
                amount=p.amount,
                currency=p.currency,
                due_on=p.due_on,
                status=p.status,
                funded_by=p.funded_by,
                paid_at=p.paid_at,
            )
        )
    d = c.declaration
    t["declarations"].append(
        _row(
            contract_id=c.id,
            state=d.state,
            reference=d.reference,
            result_code=d.result_code,
            detail=d.detail,
            last_operation=d.last_operation,
            last_operation_state=d.last_operation_state,
            decided_at=d.decided_at,
            ended_at=d.ended_at,
        )
    )


def _decisions(session: Session, export: Export, ids: list[int], slugs: Mapping[int | None, str]) -> None:
    limit = LIMITS["decisions"]
    decisions: list[Decision] = of_riders(session, ids, limit=limit + 1)
    export.truncated["decisions"] = len(decisions) > limit
    decisions = sorted(decisions[:limit], key=lambda d: (d.decided_at, d.id or 0))
    for d in decisions:
        export.tables["decisions"].append(
            _row(
                decision_id=d.id,
                platform=slugs.get(d.platform_id),
                contract_id=d.contract_id,
                kind=d.kind,
                decided_by=d.decided_by,
                clause=d.clause,
                outcome=d.outcome,
                status=d.status,
                decided_at=d.decided_at,
                parameters=d.parameters,
                facts=d.facts,
                reasons=d.reasons,
            )
        )
    decision_ids = [d.id for d in decisions if d.id is not None]
    reviews = session.exec(
        select(DecisionReview)
        .where(col(DecisionReview.decision_id).in_(decision_ids))
        .order_by(col(DecisionReview.requested_at), col(DecisionReview.id))
    ).all()
    for r in reviews:
        # The reviewer's name is the cooperative's staff member's, not the rider's data: left out.
        export.tables["reviews"].append(
            _row(
                decision_id=r.decision_id,
                requested_at=r.requested_at,
                comment=r.comment,
                due_at=r.due_at,
                answered_at=r.answered_at,
                outcome=r.outcome,
                answer=r.answer,
            )
        )


def document(export: Export) -> dict[str, Any]:
    """The JSON file's content (docs/transparency.md, "Data portability")."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": export.generated_at.isoformat(),
        "riders": export.riders,
        "member": export.member,
        "limits": dict(LIMITS),
        "truncated": {name: export.truncated.get(name, False) for name in TABLES},
        "tables": export.tables,
    }


def _csv(rows: list[Row]) -> bytes:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows([{k: "" if v is None else v for k, v in r.items()} for r in rows])
    # UTF-8 with a byte-order mark: spreadsheet programs then read accented names right.
    return out.getvalue().encode("utf-8-sig")


def archive(export: Export) -> bytes:
    """The ZIP archive: data.json, one CSV file per table, and a short README."""
    buffer = io.BytesIO()
    stamp = export.generated_at.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:

        def put(name: str, data: bytes) -> None:
            z.writestr(zipfile.ZipInfo(name, date_time=stamp), data, compress_type=zipfile.ZIP_DEFLATED)

        put("README.txt", README.encode())
        put("data.json", json.dumps(document(export), indent=2, ensure_ascii=False).encode())
        for name in TABLES:
            put(f"{name}.csv", _csv(export.tables[name]))
    return buffer.getvalue()


README = f"""Your data, as the cooperative's gateway holds it ({FORMAT}, version {VERSION}).

data.json holds everything: the riders (your accounts on the platforms), your identity as the cooperative knows it
(national number and IBAN masked to their last four characters), and one table per kind of record. Each CSV file
holds the same rows as the table of the same name in data.json (an empty cell is a missing value).

Tables: {", ".join(TABLES)}.
Amounts are in the contract's currency, written with a dot; instants are ISO 8601 in UTC.
The format is described in the gateway's documentation (docs/transparency.md, "Data portability").
"""
