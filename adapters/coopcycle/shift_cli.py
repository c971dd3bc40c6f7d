"""`gateway coopcycle mode` and `gateway coopcycle shifts`: choose how a platform's work becomes contracts,
and see what the planned-shifts mode did with each assignment."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from sqlmodel import Session, col, select

from adapters.coopcycle.shift_models import CoopCyclePlanning, CoopCycleShiftAssignment
from adapters.coopcycle.shifts import MODES, unplanned, worked
from gateway import host
from gateway.db.engine import get_engine


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def mode(
    slug: str,
    mode: Annotated[str, typer.Argument(help="deliveries (work sessions from deliveries) or shifts (planned shifts).")],
    dispatcher: Annotated[
        str | None, typer.Option(help="shifts: a CoopCycle dispatcher account the gateway logs in as.")
    ] = None,
    password: Annotated[str | None, typer.Option(help="shifts: that account's password.", hide_input=True)] = None,
) -> None:
    """Choose how the platform's CoopCycle work books contracts (docs/adapters.md: which to choose and why)."""
    if mode not in MODES:
        _fail(f"unknown mode {mode!r}: deliveries or shifts")
    if mode == "shifts" and not dispatcher:
        _fail("the shifts mode reads CoopCycle's planning as a dispatcher: give --dispatcher USERNAME")
    if mode == "shifts" and password is None:
        password = typer.prompt("dispatcher password", hide_input=True)
    with Session(get_engine(), expire_on_commit=False) as session:
        platform = host.platform_named(session, slug, "coopcycle")
        if platform is None:
            _fail(f"no platform {slug!r} with the coopcycle adapter")
            return
        row = session.exec(select(CoopCyclePlanning).where(CoopCyclePlanning.platform_id == platform.id)).first()
        row = row or CoopCyclePlanning(platform_id=platform.id)
        row.mode, row.poll_due_at, row.last_error = mode, None, None
        if mode == "shifts":
            row.username, row.password = dispatcher or "", password or ""
        session.add(row)
        session.commit()
    if mode == "shifts":
        typer.echo(f"{slug}: planned shifts book contracts (read as dispatcher {dispatcher}); deliveries are evidence")
    else:
        typer.echo(f"{slug}: deliveries make work sessions, each a contract")


def shifts(
    slug: str,
    limit: Annotated[int, typer.Option(min=1, help="The most recent assignments first.")] = 50,
    days: Annotated[int, typer.Option(min=1, help="Look this many days back for unplanned deliveries.")] = 7,
) -> None:
    """List a platform's planned-shift assignments (status, contract code, worked times, note) and the
    deliveries that fell in no planned shift."""
    with Session(get_engine(), expire_on_commit=False) as session:
        platform = host.platform_named(session, slug, "coopcycle")
        if platform is None:
            _fail(f"no platform {slug!r} with the coopcycle adapter")
            return
        planning = session.exec(select(CoopCyclePlanning).where(CoopCyclePlanning.platform_id == platform.id)).first()
        rows = session.exec(
            select(CoopCycleShiftAssignment)
            .where(CoopCycleShiftAssignment.platform_id == platform.id)
            .order_by(col(CoopCycleShiftAssignment.starts_at).desc())
            .limit(limit)
        ).all()
        outside = unplanned(session, platform.id, host.utcnow() - timedelta(days=days))
    if planning is None or planning.mode != "shifts":
        typer.echo(f"{slug}: deliveries mode (`gateway coopcycle mode {slug} shifts --dispatcher ...` to change)")
    else:
        polled = f"{planning.polled_at:%Y-%m-%d %H:%M}Z" if planning.polled_at else "never"
        typer.echo(f"{slug}: shifts mode, dispatcher {planning.username}, last read {polled}")
        if planning.last_error:
            typer.secho(f"  last error: {planning.last_error}", fg=typer.colors.YELLOW)
    for r in rows:
        start, end = worked(r)
        typer.echo(
            f"{r.shift_code}\t{r.status}\t{start:%Y-%m-%d %H:%M}–{end:%H:%M}Z\t"
            f"deliveries={'' if r.deliveries is None else r.deliveries}\t{r.note or ''}"
        )
    if planning is not None and planning.mode == "shifts" and outside:
        typer.secho(
            f"{len(outside)} deliver{'y' if len(outside) == 1 else 'ies'} in no planned shift these {days} days "
            "(not paid in this mode: plan the shift in CoopCycle to book it):",
            fg=typer.colors.YELLOW,
        )
        for d in outside:
            at = f"{d.started_at:%Y-%m-%d %H:%M}Z" if d.started_at else "?"
            typer.echo(f"  {d.iri}\t{d.courier or '?'}\t{at}\t{d.status}")
