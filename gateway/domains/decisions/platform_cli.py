"""`gateway decisions platform ...` (mounted by `gateway decisions`): the platforms' suspensions and deactivations
waiting for a person at the cooperative, confirmed or dismissed with written reasons, as the reviewers' API does.

Answers are audited as the operating system's user (`cli:<user>`), in the transaction that applies them.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from sqlmodel import Session

from gateway.db.engine import get_engine
from gateway.deps import utcnow
from gateway.domains.decisions import platform
from gateway.domains.decisions.platform_schemas import ConfirmationIn, PlatformDecisionOut
from gateway.domains.staff.service import cli_actor
from gateway.problems import Problem
from gateway.settings import get_settings

app = typer.Typer(
    help="Platforms' decisions about riders: confirm or dismiss a suspension or deactivation.", no_args_is_help=True
)
DecisionId = Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="The gateway's id for the decision.")]
Reasons = Annotated[str, typer.Option("--reasons", help="Why, in plain words the rider reads (1 to 2000 characters).")]


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _reasons(text: str) -> str:
    try:
        return ConfirmationIn(reasons=text).reasons
    except ValidationError as exc:
        _fail("; ".join(f"--reasons: {e['msg']}" for e in exc.errors(include_input=False)))


def _show(d: PlatformDecisionOut) -> None:
    until = d.effective_until.isoformat() if d.effective_until else "-"
    typer.echo(
        f"{d.id}\t{d.platform}\t{d.rider_id}\t{d.kind}\t{d.status}\t{d.effective_from.isoformat()}\t{until}\t"
        f"{'automated' if d.automated else 'by a person'}"
    )
    typer.echo(f"  reasons: {d.reasons}")
    if d.parameters:
        typer.echo(f"  parameters: {json.dumps(d.parameters, ensure_ascii=False)}")
    if d.confirmation is not None:
        c = d.confirmation
        typer.echo(f"  {c.outcome} by {c.by} at {c.at.isoformat()}: {c.reasons}")


@app.command("pending")
def pending_cmd(limit: Annotated[int, typer.Option(min=1, max=500)] = 100) -> None:
    """The suspensions and deactivations waiting for a person, oldest first."""
    with Session(get_engine()) as session:
        for d in platform.pending(session, limit):
            _show(d)


@app.command("show")
def show_cmd(decision: DecisionId) -> None:
    """One platform decision in full."""
    with Session(get_engine()) as session:
        try:
            _show(platform.one(session, decision))
        except Problem as exc:
            _fail(exc.detail)


@app.command("confirm")
def confirm_cmd(decision: DecisionId, reasons: Reasons) -> None:
    """Confirm it: the rider's future contracts on that platform in its window are cancelled (as by the platform:
    a short notice pays what the agreement says) and new bookings then are refused."""
    text = _reasons(reasons)
    delay = timedelta(seconds=get_settings().settle_delay_seconds)
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            done = platform.confirm(session, decision, cli_actor(), text, utcnow(), delay)
        except Problem as exc:
            _fail(exc.detail)
        session.commit()
        _show(platform.one(session, decision))
        typer.echo(f"{len(done.cancelled)} contract(s) cancelled")
        for c in done.cancelled:
            typer.echo(f"  {c.id}\t{c.shift_code}\t{c.starts_at.isoformat()}")


@app.command("dismiss")
def dismiss_cmd(decision: DecisionId, reasons: Reasons) -> None:
    """Do not confirm it: nothing happens to the rider's contracts; the rider sees it was not confirmed, and why."""
    text = _reasons(reasons)
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            platform.dismiss(session, decision, cli_actor(), text, utcnow())
        except Problem as exc:
            _fail(exc.detail)
        session.commit()
        _show(platform.one(session, decision))
