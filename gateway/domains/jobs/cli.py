"""`gateway jobs failures` and `gateway jobs retry`: the rows scheduled jobs set aside, and their release."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from gateway.db.base import utcnow
from gateway.db.engine import get_engine
from gateway.domains.jobs import service as failures
from gateway.domains.staff.service import cli_actor


def failures_cmd(
    job: Annotated[str | None, typer.Option(help="Only this job's rows.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
) -> None:
    """Rows the jobs set aside, with their reason (newest first); each waits for `gateway jobs retry ID`."""
    with Session(get_engine()) as session:
        rows = failures.failures(session, job, limit)
    if not rows:
        typer.echo("no row is set aside")
        return
    table = Table("id", "job", "row", "platform", "failed at", "reason")
    for f in rows:
        table.add_row(
            str(f.id),
            f.job,
            f"{f.table} {f.row_key}",
            f.platform or "-",
            f"{f.failed_at:%Y-%m-%dT%H:%M:%SZ}",
            f"{f.error_type}: {f.message}",
        )
    Console(width=200).print(table)


def retry_cmd(
    failure_id: Annotated[int | None, typer.Argument(help="The id `gateway jobs failures` shows.")] = None,
    all_of: Annotated[str | None, typer.Option("--all", help="Every row this job set aside.")] = None,
) -> None:
    """Release set-aside rows once their cause is fixed: the job claims them again on its next run."""
    if (failure_id is None) == (all_of is None):
        typer.secho("give one ID, or --all JOB", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    with Session(get_engine()) as session:
        released = failures.retry(session, cli_actor(), utcnow(), failure_id=failure_id, job=all_of)
        session.commit()
    if failure_id is not None and not released:
        typer.secho(f"no set-aside row {failure_id}; see `gateway jobs failures`", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    for f in released:
        typer.echo(f"{f.id}\t{f.job}\t{f.table} {f.row_key}: released, claimed again on the job's next run")
    typer.echo(f"{len(released)} row(s) released")
