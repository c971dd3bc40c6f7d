"""`gateway payouts batches|show|download|release|import-statement|failed|pay`: the SEPA batches, for the guarantee fund's staff.

The CLI acts as the operating system's user (`cli:<user>`), audited as such: a download (the file holds riders'
IBANs) and a release (with the decision and reason when the fund is allowed below zero)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session, col, select

from gateway.db.engine import get_engine
from gateway.deps import utcnow
from gateway.domains.jobs import service as jobs
from gateway.domains.members.vault import VaultError, vault_of
from gateway.domains.payouts import batches, reconcile, service
from gateway.domains.payouts.models import Payout
from gateway.domains.payouts.schemas import TransferOut
from gateway.domains.payouts.service import LocalRail
from gateway.domains.staff.service import audit, cli_actor
from gateway.files import PRIVATE_FILE
from gateway.problems import Problem
from gateway.settings import InsecureSettings, get_settings

BatchId = Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="The batch's id (`gateway payouts batches`).")]
# The staff decision that lets the fund's cash go below zero, the same for a batch and for one payout.
AllowNegative = Annotated[
    bool, typer.Option("--allow-negative", help="A staff decision: the fund's cash may go below zero.")
]
Reason = Annotated[str | None, typer.Option(help="Why (required with --allow-negative; audited).")]
app = typer.Typer(help="Payouts: SEPA credit-transfer batches (pain.001) for the fund's staff.", no_args_is_help=True)


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@app.command("batches")
def list_cmd(limit: Annotated[int, typer.Option(min=1, max=1000)] = 100) -> None:
    """Batches, newest first."""
    with Session(get_engine()) as session:
        rows = batches.listing(session, limit)
    if not rows:
        typer.echo("no batch yet")
        return
    table = Table("id", "message id", "created", "status", "count", "total", "released by")
    for b in rows:
        table.add_row(
            str(b.id),
            b.message_id,
            f"{b.created_at:%Y-%m-%dT%H:%M:%SZ}",
            b.status,
            str(b.count),
            f"{b.total} {b.currency}",
            b.released_by or "-",
        )
    Console(width=200).print(table)


@app.command("show")
def show_cmd(batch_id: BatchId) -> None:
    """One batch and its transfers (IBANs masked)."""
    with Session(get_engine()) as session:
        try:
            batch = batches.get(session, batch_id)
        except Problem as exc:
            _fail(exc.detail)
        transfers = [TransferOut.model_validate(t) for t in batches.transfers_of(session, batch)]
    typer.echo(f"batch {batch.id} {batch.message_id} {batch.status}: {batch.count} transfer(s), {batch.total} EUR")
    typer.echo(f"sha256 {batch.checksum}")
    for t in transfers:
        typer.echo(
            f"{t.end_to_end_id}\t{t.status}\t{t.amount} {t.currency}\t{t.creditor_name}\t{t.iban}\t{t.remittance}"
        )


@app.command("download")
def download_cmd(
    batch_id: BatchId,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the pain.001 (created owner-only).")],
) -> None:
    """Write the batch's pain.001 file for the bank (audited: it holds riders' IBANs)."""
    settings = get_settings()
    try:
        settings.require_secrets()
        vault = vault_of(settings)
    except (InsecureSettings, VaultError) as exc:
        _fail(str(exc))
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            batch = batches.get(session, batch_id)
            data = batches.document(session, settings, vault, batch, cli_actor(), utcnow())
        except Problem as exc:
            _fail(exc.detail)
        with out.open("xb") as f:  # never overwrite: an older file of another batch may sit there
            out.chmod(PRIVATE_FILE)
            f.write(data)
        session.commit()
    typer.echo(f"{out}: batch {batch.id}, {batch.message_id}, sha256 {batch.checksum}")


@app.command("release")
def release_cmd(
    batch_id: BatchId,
    allow_negative: AllowNegative = False,
    reason: Reason = None,
) -> None:
    """Release a built batch to the bank: its transfers are sent and the fund's advances booked."""
    settings = get_settings()
    try:
        settings.require_secrets()
        vault = vault_of(settings)
    except (InsecureSettings, VaultError) as exc:
        _fail(str(exc))
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            done = batches.release(
                session, settings, vault, batch_id, cli_actor(), utcnow(), allow_negative=allow_negative, reason=reason
            )
        except Problem as exc:
            _fail(exc.detail)
        session.commit()
    typer.echo(
        f"batch {done.batch.id} released: {done.batch.count} transfer(s), {done.batch.total} EUR; "
        f"the fund advanced {done.advanced} EUR, its cash is now {done.cash_after} EUR"
    )


@app.command("import-statement")
def import_statement_cmd(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The bank's camt.053 or camt.054 file.")],
) -> None:
    """Import a bank statement or return notice: paid and returned payouts marked, unknown lines reported."""
    data = file.read_bytes()
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            report = reconcile.import_statement(session, data, utcnow(), cli_actor())
        except Problem as exc:
            _fail(exc.detail)
        session.commit()
    again = " (imported before: nothing new applied)" if report.already_imported else ""
    typer.echo(f"{report.message} {report.message_id}{again}")
    for r in report.lines:
        extra = f" {r.reason_code}: {r.reason_label}" if r.outcome == "returned" else ""
        state = "applied" if r.applied else f"unchanged ({r.why})"
        typer.echo(f"{r.outcome}\t{state}\t{r.detail}{extra}")
    codes = sorted({r.reason_code or "no code" for r in report.lines if r.outcome == "returned" and r.applied})
    typer.echo(
        f"paid {report.paid}, returned {report.returned}{' (' + ', '.join(codes) + ')' if codes else ''}, "
        f"unknown {report.unknown}, unchanged {report.unchanged}"
    )


@app.command("failed")
def failed_cmd(limit: Annotated[int, typer.Option(min=1, max=1000)] = 100) -> None:
    """Payouts the bank returned, with its reason code (retried by the next batch once the IBAN is corrected)."""
    with Session(get_engine()) as session:
        rows = reconcile.failed_out(session, limit)
    if not rows:
        typer.echo("no failed payout")
        return
    for f in rows:
        corrected = "IBAN corrected: next batch" if f.iban_corrected else "waiting"
        typer.echo(
            f"{f.payout_id.hex}\t{f.amount} {f.currency}\t{f.end_to_end_id}\t{f.reason_code or '-'}\t"
            f"{f.reason_label}\t{corrected}"
        )


@app.command("pay")
def pay_cmd(
    payout_id: Annotated[str, typer.Argument(help="The payout's id (`gateway jobs failures` names it).")],
    allow_negative: AllowNegative = False,
    reason: Reason = None,
) -> None:
    """Pay one scheduled payout now on the embedded `local` rail: the way out for a payout `payouts.execute` set aside
    because the fund was short, when staff decide the fund may advance it anyway (SEPA payouts go through
    `release`, which takes the same decision for a whole batch)."""
    settings = get_settings()
    if settings.payout_rail != "local":
        _fail("payouts go by SEPA batch here: `gateway payouts release BATCH --allow-negative --reason ...`")
    if allow_negative and not (reason and reason.strip()):
        _fail("allowing the fund to go negative needs a reason (--reason)")
    try:
        key = uuid.UUID(payout_id)
    except ValueError:
        _fail(f"{payout_id!r} is not a payout id")
    now = utcnow()
    with Session(get_engine(), expire_on_commit=False) as session:
        payout = session.exec(select(Payout).where(col(Payout.id) == key).with_for_update()).first()
        if payout is None:
            _fail(f"no payout {payout_id}")
        # Before its due date too: paying a rider early is staff's call, and never pays twice (status checked
        # under the row lock).
        if payout.status != "scheduled":
            _fail(f"payout {payout_id} is {payout.status}: only a scheduled payout is paid")
        try:
            service.pay(
                session,
                payout,
                LocalRail(settings.payout_journal),
                now,
                "cli payouts pay",
                allow_negative=allow_negative,
            )
        except Problem as exc:
            _fail(exc.detail)
        jobs.clear(session, "payouts.execute", Payout, payout.id)
        audit(
            session,
            cli_actor(),
            "payouts.paid_by_staff",
            f"payout:{payout.id}",
            now,
            amount=str(payout.amount),
            funded_by=payout.funded_by or "",
            allow_negative=allow_negative,
            reason=reason or "",
        )
        session.commit()
    typer.echo(
        f"payout {payout.id} paid: {payout.amount} {payout.currency} ({payout.funded_by}), ref {payout.reference}"
    )
