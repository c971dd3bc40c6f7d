"""The bank's statement (camt.053) and return notices (camt.054) applied to the transfers we sent.

`camt` reads and decides (pure); this applies: a `paid` line marks its transfer paid, a `returned` one marks it
failed with the bank's reason code (and, when the reason says the rider's account cannot take the money, flags the
member's IBAN so the rider may replace it on their page), an `unknown` one is reported with why and applies
nothing. Every decision is checked against the transfer's state, so importing a file again changes nothing; each
file is recorded once by its SHA-256 (`bank_statement_import`) and audited."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from gateway.domains.members import service as members
from gateway.domains.members.models import Member
from gateway.domains.payouts import batches, camt
from gateway.domains.payouts.models import BankStatementImport, Payout, PayoutTransfer
from gateway.domains.payouts.schemas import FailedPayoutOut
from gateway.domains.riders.models import Rider
from gateway.domains.staff.service import audit
from gateway.problems import Conflict

log = logging.getLogger("gateway.payouts")
_KNOWN = ("sent", "paid", "failed")  # a transfer the bank may report: its batch was released


class AlreadyImporting(Conflict):
    pass


@dataclass(frozen=True)
class LineResult:
    where: str
    outcome: str  # paid | returned | unknown
    applied: bool  # False: the transfer was already in that state (a second import), or the line is unknown
    end_to_end_id: str | None
    amount: Decimal | None
    why: str | None  # for an unknown line (camt.Why), or `already_paid` / `already_failed`
    reason_code: str | None
    reason_label: str | None
    rider_must_correct_iban: bool
    detail: str


@dataclass
class ImportReport:
    import_id: int | None
    message_id: str
    message: str
    already_imported: bool  # this very file (same SHA-256) was imported before: nothing new was applied
    lines: list[LineResult] = field(default_factory=list)

    def count(self, outcome: str, *, applied: bool | None = None) -> int:
        return sum(1 for r in self.lines if r.outcome == outcome and (applied is None or r.applied is applied))

    @property
    def paid(self) -> int:
        return self.count("paid", applied=True)

    @property
    def returned(self) -> int:
        return self.count("returned", applied=True)

    @property
    def unknown(self) -> int:
        return self.count("unknown")

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.lines if r.outcome != "unknown" and not r.applied)


def _transfers(session: Session, ids: Iterable[str]) -> dict[str, PayoutTransfer]:
    wanted = sorted({i for i in ids})
    if not wanted:
        return {}
    rows = session.exec(
        select(PayoutTransfer)
        .where(col(PayoutTransfer.end_to_end_id).in_(wanted), col(PayoutTransfer.status).in_(_KNOWN))
        .order_by(col(PayoutTransfer.id))
        .with_for_update()
    ).all()
    return {t.end_to_end_id: t for t in rows}


def member_of(session: Session, payout: Payout) -> Member | None:
    rider = session.get(Rider, payout.rider_id)
    return None if rider is None else members.of_rider(session, rider)


def _reject_iban(session: Session, payout: Payout, code: str, now: datetime) -> None:
    member = member_of(session, payout)
    if member is None or member.iban_rejected_at is not None:
        return
    member.iban_rejected_at, member.iban_rejected_reason = now, code[:8]
    session.add(member)


def _apply(session: Session, decision: camt.Decision, transfer: PayoutTransfer | None, now: datetime) -> LineResult:
    line = decision.line
    why = decision.why.value if decision.why else None
    applied = False
    if decision.outcome is camt.Outcome.PAID and transfer is not None:
        if transfer.status == "sent":
            batches.mark_paid(session, transfer, now)
            applied = True
        else:
            why = f"already_{transfer.status}"
    elif decision.outcome is camt.Outcome.RETURNED and transfer is not None:
        if transfer.status != "failed":
            code = decision.reason_code or "NONE"
            batches.mark_failed(session, transfer, code, now)
            payout = session.get(Payout, transfer.payout_id)
            assert payout is not None
            if decision.rider_must_correct_iban:
                _reject_iban(session, payout, code, now)
            log.warning(
                "payouts.returned: transfer %s returned by the bank (%s); payout %s failed",
                transfer.end_to_end_id,
                code,
                payout.id.hex,
            )
            applied = True
        else:
            why = "already_failed"
    returned = line.returned
    return LineResult(
        where=line.where,
        outcome=decision.outcome.value,
        applied=applied,
        end_to_end_id=line.end_to_end_id,
        amount=line.amount,
        why=why,
        reason_code=decision.reason_code,
        reason_label=returned.label if returned is not None else None,
        rider_must_correct_iban=decision.rider_must_correct_iban,
        detail=decision.detail,
    )


def import_statement(session: Session, data: bytes, now: datetime, actor: str) -> ImportReport:
    """Parse (a refused file raises `camt.StatementRefused`, a 422, and applies nothing), decide, apply, record."""
    bank_file = camt.parse(data)
    lines = bank_file.lines
    transfers = _transfers(session, (line.end_to_end_id for line in lines if line.end_to_end_id))
    expected = {e2e: t.amount for e2e, t in transfers.items()}
    decisions = camt.match(lines, expected, currency="EUR")
    checksum = hashlib.sha256(data).hexdigest()
    before = session.exec(select(BankStatementImport).where(col(BankStatementImport.checksum) == checksum)).first()
    report = ImportReport(
        import_id=before.id if before else None,
        message_id=bank_file.message_id,
        message=bank_file.message,
        already_imported=before is not None,
    )
    report.lines = [_apply(session, d, transfers.get(d.end_to_end_id or ""), now) for d in decisions]
    session.flush()
    if before is None:
        row = BankStatementImport(
            message_id=bank_file.message_id[:35],
            message=bank_file.message[:20],
            checksum=checksum,
            paid=report.paid,
            returned=report.returned,
            unknown=report.unknown,
            unchanged=report.unchanged,
            imported_at=now,
            imported_by=actor[:200],
        )
        session.add(row)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError as exc:
            raise AlreadyImporting(
                f"statement {bank_file.message_id} is being imported by another request: try again"
            ) from exc
        report.import_id = row.id
    audit(
        session,
        actor,
        "payouts.statement.imported",
        bank_file.message_id,
        now,
        message=bank_file.message,
        already_imported=report.already_imported,
        paid=report.paid,
        returned=report.returned,
        unknown=report.unknown,
        unchanged=report.unchanged,
    )
    return report


def failed(session: Session, limit: int = 100) -> list[tuple[Payout, PayoutTransfer]]:
    """Failed payouts with their last (returned) transfer: what staff follow up."""
    payouts = session.exec(
        select(Payout).where(col(Payout.status) == "failed").order_by(col(Payout.scheduled_at)).limit(limit)
    ).all()
    out: list[tuple[Payout, PayoutTransfer]] = []
    for payout in payouts:
        last = session.exec(
            select(PayoutTransfer)
            .where(col(PayoutTransfer.payout_id) == payout.id)
            .order_by(col(PayoutTransfer.attempt).desc())
            .limit(1)
        ).first()
        if last is not None:
            out.append((payout, last))
    return out


def retry_corrected(session: Session) -> int:
    """Schedule again every failed payout whose return asked the rider for a new IBAN and whose member has given
    one since (the flag `iban_rejected_at` is cleared by the new IBAN). Idempotent: a retried payout is
    `scheduled`, no longer `failed`. A failure staff must handle (MD07, AM05...) is never retried here."""
    retried = 0
    for payout, last in failed(session, limit=10_000):
        if last.reason_code not in camt.RIDER_MUST_CORRECT_IBAN:
            continue
        member = member_of(session, payout)
        if member is None or member.iban_cipher is None or member.iban_rejected_at is not None:
            continue
        batches.retry(session, payout)
        retried += 1
    return retried


def failed_out(session: Session, limit: int = 100) -> list[FailedPayoutOut]:
    out: list[FailedPayoutOut] = []
    for payout, last in failed(session, limit):
        member = member_of(session, payout)
        code = last.reason_code
        out.append(
            FailedPayoutOut(
                payout_id=payout.id,
                contract_id=payout.contract_id,
                amount=payout.amount,
                currency=payout.currency,
                end_to_end_id=last.end_to_end_id,
                reason_code=code,
                reason_label=camt.ReturnInfo(code, None, ()).label,
                rider_must_correct_iban=code in camt.RIDER_MUST_CORRECT_IBAN,
                iban_corrected=member is not None
                and member.iban_cipher is not None
                and member.iban_rejected_at is None,
            )
        )
    return out
