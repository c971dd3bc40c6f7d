"""The `sepa` rail: due payouts become transfers in a pain.001 batch; the fund's staff release the batch to the
bank; the bank's statement (camt.053, next) marks each transfer paid or failed.

States (docs/payouts.md):
  payout    scheduled → batched (a transfer in a built batch) → sent (batch released) → paid | failed
  transfer  planned (built batch) → sent (released) → paid | failed (with the bank's reason code)
  batch     built → released

A payout is in one batch at a time: `payouts.execute` claims it (SKIP LOCKED) and moves it out of `scheduled` in
the transaction that plans its transfer, and (payout, attempt) is a unique key. A failed payout whose member
corrected the IBAN is scheduled again (`retry`) and its next transfer is a new attempt with its own end-to-end id.

The guarantee fund follows the money: its advance is booked when the batch is released, not when it is built, and
a release that would take the fund's cash below zero is refused unless staff decide otherwise, with a reason."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from gateway.domains.contracts.models import Contract
from gateway.domains.fund import service as fund
from gateway.domains.members import service as members
from gateway.domains.members.models import Member
from gateway.domains.members.vault import Vault
from gateway.domains.payouts import sepa
from gateway.domains.payouts.models import Payout, PayoutBatch, PayoutTransfer
from gateway.domains.payouts.service import complete, is_due
from gateway.domains.platforms.models import Platform
from gateway.domains.riders.models import Rider
from gateway.domains.settlement.service import invoice_of
from gateway.domains.staff.service import audit
from gateway.files import PRIVATE_FILE, private_dir
from gateway.jobs import claim_due
from gateway.problems import Conflict, InvalidPayload, NotFound
from gateway.settings import Settings

READER = "payouts"  # who reads a clear IBAN, in the members' read audit


class NoAccount(Conflict):
    """A payout that cannot be sent: no member, a member without an IBAN, not in euros. `payouts.execute` sets it aside with
    this reason (`gateway jobs failures`); the batch goes on without it. The detail names the member, never a value."""


class FileMismatch(Conflict):
    """The file on disk (or a rebuild) is not the file the batch recorded."""


@dataclass(frozen=True)
class Release:
    batch: PayoutBatch
    advanced: Decimal
    cash_after: Decimal


def end_to_end_id(payout_id: str, attempt: int) -> str:
    """The payout id (32 hex) for the first attempt, `-R<n>` after it for a retry: ≤ 35 characters up to R9 (ten
    attempts; after nine returns, a person looks at the payout rather than a tenth retry)."""
    found = payout_id if attempt == 1 else f"{payout_id}-R{attempt - 1}"
    if len(found) > sepa.MAX_ID:
        # Never truncated: two attempts sharing an id would make the bank's statement ambiguous.
        raise NoAccount(f"payout {payout_id}: {attempt} transfer attempts; look at this payout by hand")
    return found


def _member_of(session: Session, payout: Payout) -> tuple[Rider, Member]:
    rider = session.get(Rider, payout.rider_id)
    assert rider is not None
    member = members.of_rider(session, rider)
    if member is None:
        raise NoAccount(f"payout {payout.id.hex}: rider {rider.id} is not linked to a member: link them to be paid")
    if member.iban_cipher is None:
        raise NoAccount(f"payout {payout.id.hex}: member {member.number} has no IBAN: fill it in to be paid")
    return rider, member


def _remittance(session: Session, payout: Payout) -> str:
    """What the rider recognises on their statement: the shift's local date, the platform, the shift code."""
    contract = session.get(Contract, payout.contract_id)
    assert contract is not None
    platform = session.get(Platform, contract.platform_id)
    assert platform is not None
    day = contract.starts_at.astimezone(ZoneInfo(contract.timezone)).date()
    return f"Shift {day.isoformat()} {platform.name} {contract.shift_code}"[: sepa.MAX_REMITTANCE]


def plan(session: Session, payout: Payout, now: datetime) -> bool:
    """Plan the next transfer attempt of a claimed, scheduled payout (False: not due yet in its time zone)."""
    if not is_due(payout, now):
        return False
    if payout.currency != "EUR":
        raise NoAccount(f"payout {payout.id.hex}: SEPA credit transfers are in EUR, not {payout.currency}")
    rider, member = _member_of(session, payout)
    attempts = session.exec(select(func.count()).where(col(PayoutTransfer.payout_id) == payout.id)).one()
    attempt = int(attempts) + 1
    name = " ".join(p for p in (member.first_name, member.last_name) if p) or rider.name
    session.add(
        PayoutTransfer(
            payout_id=payout.id,
            attempt=attempt,
            end_to_end_id=end_to_end_id(payout.id.hex, attempt),
            amount=payout.amount,
            currency=payout.currency,
            creditor_name=name[:70],
            remittance=_remittance(session, payout),
            iban_last4=member.iban_last4,
            created_at=now,
        )
    )
    payout.status = "batched"
    session.add(payout)
    session.flush()
    return True


def build(session: Session, settings: Settings, vault: Vault, now: datetime) -> PayoutBatch | None:
    """One batch of every planned transfer not in a batch yet (claimed: two runs never take the same one), its
    file written owner-only. None when there is nothing to send. In the caller's transaction."""
    planned = claim_due(
        session,
        PayoutTransfer,
        [col(PayoutTransfer.status) == "planned", col(PayoutTransfer.batch_id).is_(None)],
        col(PayoutTransfer.end_to_end_id),
        10_000,
    )
    if not planned:
        return None
    batch = PayoutBatch(
        # Fixed here, once: the file's MsgId and CreDtTm are read from the row, so a rebuild is the same file.
        message_id=f"GW-{now:%Y%m%d}-{secrets.token_hex(8)}",
        created_at=now.replace(microsecond=0),
        execution_date=now.astimezone(ZoneInfo("Europe/Brussels")).date(),
        checksum="",
        count=len(planned),
        total=sum((t.amount for t in planned), Decimal("0.00")),
        currency="EUR",
    )
    session.add(batch)
    session.flush()
    for t in planned:
        t.batch_id = batch.id
        session.add(t)
    session.flush()
    document = render(session, settings, vault, batch, now, purpose=f"SEPA batch {batch.message_id}: built")
    batch.checksum = hashlib.sha256(document).hexdigest()
    session.add(batch)
    session.flush()
    write(settings, batch, document)
    return batch


def transfers_of(session: Session, batch: PayoutBatch) -> list[PayoutTransfer]:
    return list(
        session.exec(
            select(PayoutTransfer)
            .where(col(PayoutTransfer.batch_id) == batch.id)
            .order_by(col(PayoutTransfer.end_to_end_id))
        ).all()
    )


def debtor(settings: Settings) -> sepa.Debtor:
    return sepa.Debtor(settings.payout_debtor_name, settings.payout_debtor_iban, settings.payout_debtor_bic or None)


def render(
    session: Session, settings: Settings, vault: Vault, batch: PayoutBatch, now: datetime, purpose: str
) -> bytes:
    """The batch's pain.001, from its rows: each clear IBAN read through the members' audited `reveal`."""
    transfers: list[sepa.Transfer] = []
    for t in transfers_of(session, batch):
        payout = session.get(Payout, t.payout_id)
        assert payout is not None
        _, member = _member_of(session, payout)
        iban = members.reveal(session, vault, member, "iban", READER, purpose, now)
        assert iban is not None  # _member_of checked the cipher
        if member.iban_last4 != t.iban_last4:
            raise FileMismatch(f"batch {batch.id}: member {member.number}'s IBAN changed since the batch was built")
        transfers.append(
            sepa.Transfer(t.end_to_end_id, t.amount, t.currency, t.creditor_name, iban, member.bic, t.remittance)
        )
    return sepa.build(batch.message_id, batch.created_at, batch.execution_date, debtor(settings), transfers)


def path_of(settings: Settings, batch: PayoutBatch) -> Path:
    return settings.payout_batch_dir / f"{batch.message_id}.xml"


def write(settings: Settings, batch: PayoutBatch, document: bytes) -> None:
    """Owner-only (it holds IBANs), whatever the umask, written before the batch row commits: if the commit
    fails, the file is an orphan under a message id no row has (random), never a batch without its file."""
    private_dir(settings.payout_batch_dir)
    path = path_of(settings, batch)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
        os.write(fd, document)
    finally:
        os.close(fd)


def document(
    session: Session, settings: Settings, vault: Vault, batch: PayoutBatch, actor: str, now: datetime
) -> bytes:
    """The batch's file for download: the stored one, checked against its checksum; rebuilt if it is gone (the
    same bytes, or a refusal). Audited: the file holds riders' IBANs."""
    path = path_of(settings, batch)
    lost = not path.exists()
    if lost:
        data = render(session, settings, vault, batch, now, purpose=f"SEPA batch {batch.message_id}: rebuilt")
    else:
        data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != batch.checksum:
        raise FileMismatch(f"batch {batch.id}: the file is not the one built (checksum differs)")
    if lost:
        write(settings, batch, data)
    audit(session, actor, "payouts.batch.downloaded", f"batch:{batch.id}", now, message_id=batch.message_id)
    return data


def get(session: Session, batch_id: int, *, lock: bool = False) -> PayoutBatch:
    stmt = select(PayoutBatch).where(col(PayoutBatch.id) == batch_id)
    if lock:
        stmt = stmt.with_for_update()
    batch = session.exec(stmt).first()
    if batch is None:
        raise NotFound(f"no payout batch {batch_id}", batch=batch_id)
    return batch


def listing(session: Session, limit: int = 100, before: int | None = None) -> list[PayoutBatch]:
    stmt = select(PayoutBatch).order_by(col(PayoutBatch.id).desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(col(PayoutBatch.id) < before)
    return list(session.exec(stmt).all())


def _funded_by_fund(session: Session, payout: Payout) -> bool:
    invoice = invoice_of(session, payout.contract_id)
    return not (invoice is not None and invoice.status == "paid")


def release(
    session: Session,
    settings: Settings,
    vault: Vault,
    batch_id: int,
    actor: str,
    now: datetime,
    *,
    allow_negative: bool = False,
    reason: str | None = None,
) -> Release:
    """Hand a built batch to the bank: book the fund's advances, mark its transfers and payouts sent. Refused when
    the fund's cash would go below zero, unless staff allow it with a reason (audited). The caller commits."""
    if allow_negative and not (reason and reason.strip()):
        raise InvalidPayload(
            "allowing the fund to go negative needs a reason",
            errors=[{"location": "reason", "message": "give the staff decision's reason", "code": "reason_missing"}],
        )
    fund.lock_cash(session)
    batch = get(session, batch_id, lock=True)
    if batch.status != "built":
        raise Conflict(f"batch {batch.id} is {batch.status}, not built", batch=batch.id, status=batch.status)
    # The file the bank gets is the one built: verified before anything is booked.
    data = render(session, settings, vault, batch, now, purpose=f"SEPA batch {batch.message_id}: released")
    if hashlib.sha256(data).hexdigest() != batch.checksum:
        raise FileMismatch(f"batch {batch.id}: a rebuild differs from the file built; build a new batch")
    transfers = transfers_of(session, batch)
    payouts = {t.id: session.get(Payout, t.payout_id) for t in transfers}
    # A retry's advance was booked with the first attempt: only payouts with no funding yet are advanced now.
    advancing = [p for p in payouts.values() if p is not None and p.funded_by is None and _funded_by_fund(session, p)]
    advanced = sum((p.amount for p in advancing), Decimal("0.00"))
    cash_after = fund.balance(session) - advanced
    if cash_after < 0 and not allow_negative:
        raise fund.FundShort(
            f"releasing batch {batch.id} advances {advanced} EUR and would leave the guarantee fund at {cash_after} "
            "EUR: deposit into the fund, or release with an explicit staff decision (allow_negative and a reason)",
            batch=batch.id,
            advances=str(advanced),
            cash_after=str(cash_after),
        )
    for p in advancing:
        contract = session.get(Contract, p.contract_id)
        platform = session.get(Platform, contract.platform_id) if contract is not None else None
        assert contract is not None and platform is not None
        fund.advance(session, platform.slug, p.amount, p.currency, now, contract.id)
        p.funded_by = "guarantee_fund"
    for t in transfers:
        sent = payouts[t.id]
        assert sent is not None
        if sent.funded_by is None:
            sent.funded_by = "platform"
        sent.status, sent.reference = "sent", t.end_to_end_id
        t.status = "sent"
        session.add_all([sent, t])
    batch.status, batch.released_at, batch.released_by = "released", now, actor[:200]
    session.add(batch)
    audit(
        session,
        actor,
        "payouts.batch.released",
        f"batch:{batch.id}",
        now,
        message_id=batch.message_id,
        count=batch.count,
        total=str(batch.total),
        advanced=str(advanced),
        cash_after=str(cash_after),
        allow_negative=allow_negative,
        reason=reason or "",
    )
    session.flush()
    return Release(batch, advanced, cash_after)


# For the statement's reconciliation (camt.053): what a booked or returned transfer does.


def mark_paid(session: Session, transfer: PayoutTransfer, now: datetime) -> None:
    """The statement shows the transfer credited: the payout is paid (contract, callback), once."""
    if transfer.status == "paid":
        return
    transfer.status = "paid"
    session.add(transfer)
    payout = session.get(Payout, transfer.payout_id)
    assert payout is not None
    complete(session, payout, now, "sepa statement")


def mark_failed(session: Session, transfer: PayoutTransfer, reason_code: str, now: datetime) -> None:
    """The bank returned the transfer (AC01 wrong account, AC04 closed, MD07 deceased...): the payout waits for a
    corrected IBAN, then `retry`. The fund's advance stays booked: the money comes back to the cooperative's
    account, not to the fund's cash, and goes out again with the next attempt."""
    transfer.status, transfer.reason_code = "failed", reason_code[:8]
    payout = session.get(Payout, transfer.payout_id)
    assert payout is not None
    payout.status = "failed"
    session.add_all([transfer, payout])
    session.flush()


def retry(session: Session, payout: Payout) -> None:
    """Schedule a failed payout again (its member corrected the IBAN): the next batch holds a new attempt."""
    if payout.status != "failed":
        raise Conflict(f"payout {payout.id.hex} is {payout.status}, not failed", payout=payout.id.hex)
    payout.status = "scheduled"
    session.add(payout)
    session.flush()
