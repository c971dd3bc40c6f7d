"""`gateway outbox ...`: dead letters, the attempt log, replay."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from sqlmodel import Session

from gateway.db.base import utcnow
from gateway.db.engine import get_engine
from gateway.domains.outbox import service as outbox
from gateway.domains.outbox.models import OutboxMessage
from gateway.domains.staff.service import audit, cli_actor

outbox_app = typer.Typer(help="Outbound delivery: dead letters, attempts, replay.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _instant(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        _fail(f"--{name} must be an ISO-8601 instant with an offset, e.g. 2026-11-26T10:00:00+01:00")
        raise
    if parsed.tzinfo is None:
        _fail(f"--{name} needs a UTC offset (e.g. +00:00)")
    return parsed


@outbox_app.command("list")
def list_cmd(
    status: Annotated[str, typer.Option(help="pending, sent, skipped or dead.")] = "dead",
    kind: Annotated[str | None, typer.Option(help="Kind prefix, e.g. callback.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
) -> None:
    """List outbox messages, newest first (dead letters by default)."""
    with Session(get_engine()) as session:
        for m in outbox.list_messages(session, status, kind, limit):
            typer.echo(
                f"{m.id}\t{m.kind}\t{m.status}\tattempts={m.attempts}\tcreated={m.created_at:%Y-%m-%dT%H:%M:%SZ}"
                f"\t{m.last_error or ''}"
            )


@outbox_app.command("show")
def show_cmd(message_id: int) -> None:
    """One message and its attempt log (status, latency, error)."""
    with Session(get_engine()) as session:
        m = session.get(OutboxMessage, message_id)
        if m is None:
            _fail(f"no outbox message {message_id}")
            return
        typer.echo(f"{m.id} {m.kind} status={m.status} attempts={m.attempts} failures={m.failures}")
        typer.echo(f"next attempt {m.next_attempt_at:%Y-%m-%dT%H:%M:%SZ}; last error: {m.last_error or '-'}")
        for a in outbox.attempts_of(session, message_id):
            typer.echo(
                f"  #{a.number} {a.started_at:%Y-%m-%dT%H:%M:%SZ} {a.outcome} {a.status_code or '-'} "
                f"{a.latency_ms} ms {a.target or ''} {a.error or ''}"
            )


@outbox_app.command("replay")
def replay_cmd(
    ids: Annotated[list[int] | None, typer.Option("--id", help="A message id (repeatable).")] = None,
    since: Annotated[str | None, typer.Option(help="Dead letters created from this instant (ISO-8601).")] = None,
    until: Annotated[str | None, typer.Option(help="...until this instant (exclusive).")] = None,
    include_sent: Annotated[bool, typer.Option(help="In a time range, replay sent messages too.")] = False,
) -> None:
    """Send finished messages again now, with a fresh retry schedule."""
    with Session(get_engine()) as session:
        try:
            chosen = outbox.replay(
                session,
                utcnow(),
                ids=ids or [],
                since=_instant(since, "since"),
                until=_instant(until, "until"),
                include_sent=include_sent,
            )
        except outbox.ReplayError as exc:
            _fail(str(exc))
            return
        audit(session, cli_actor(), "outbox.replayed", "outbox", utcnow(), ids=chosen[:100], count=len(chosen))
        session.commit()
    typer.echo(f"replayed {len(chosen)} message(s)" + (f": {', '.join(map(str, chosen))}" if chosen else ""))
