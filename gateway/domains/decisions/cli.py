"""`gateway decisions reviews|show|answer`: the reviewers' queue from the command line (as /v1/admin/decision-reviews).

The CLI acts as the operating system's user (`cli:<user>`), audited as such."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Annotated, NoReturn

import typer
from sqlmodel import Session

from gateway.db.engine import get_engine
from gateway.deps import utcnow
from gateway.domains.decisions import reviews
from gateway.domains.decisions.platform_cli import app as platform_app
from gateway.domains.staff.service import cli_actor
from gateway.problems import Problem
from gateway.settings import get_settings

app = typer.Typer(
    help="Decisions about riders: the reviews riders asked for, answered by a person.", no_args_is_help=True
)
# A platform's own decisions (rider.decision) waiting for a person: `gateway decisions platform ...`.
app.add_typer(platform_app, name="platform")
ReviewId = Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="The review's id (`gateway decisions reviews`).")]


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@app.command("reviews")
def reviews_cmd(
    answered: Annotated[bool, typer.Option("--answered", help="The answered ones, latest first.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
) -> None:
    """Open reviews, the oldest due first: id, due date, OVERDUE, decision kind, platform and rider."""
    now = utcnow()
    with Session(get_engine()) as session:
        total, overdue = reviews.counts(session, now)
        listed = reviews.queue(session, answered=answered, limit=limit)
    typer.echo(f"{total} open review(s), {overdue} overdue")
    for e in listed:
        late = "OVERDUE" if e.overdue(now) else ("-" if e.review.answered_at is None else e.review.outcome or "")
        typer.echo(
            f"{e.review.id}\tdue {e.review.due_at.isoformat()}\t{late}\t{e.decision.kind}:{e.decision.outcome}\t"
            f"{e.platform}\t{e.rider}"
        )


@app.command("show")
def show_cmd(review_id: ReviewId) -> None:
    """One review: the decision (clause, parameters, data read) and the rider's comment; the answer once given."""
    now = utcnow()
    with Session(get_engine()) as session:
        try:
            e = reviews.entry(session, review_id)
        except Problem as exc:
            _fail(exc.detail)
    r, d = e.review, e.decision
    typer.echo(f"review {r.id} of decision {d.id} ({d.kind}: {d.outcome}, {d.status})")
    typer.echo(f"  rider {e.rider} on {e.platform}; decided {d.decided_at.isoformat()} by {d.decided_by}")
    typer.echo(f"  clause: {d.clause or '-'}")
    typer.echo(f"  parameters: {json.dumps(d.parameters, sort_keys=True)}")
    typer.echo(f"  facts: {json.dumps(d.facts, sort_keys=True)}")
    typer.echo(
        f"  requested {r.requested_at.isoformat()}, due {r.due_at.isoformat()}{' OVERDUE' if e.overdue(now) else ''}"
    )
    typer.echo(f"  comment: {r.comment or '-'}")
    if r.answered_at is not None:
        granted = "" if r.granted is None else f", granted {r.granted}"
        typer.echo(f"  answered {r.answered_at.isoformat()} by {r.reviewer}: {r.outcome} ({r.effect}{granted})")
        typer.echo(f"  reasons: {r.answer}")


@app.command("answer")
def answer_cmd(
    review_id: ReviewId,
    outcome: Annotated[reviews.Outcome, typer.Option(help="upheld or overturned.")],
    reasons: Annotated[
        str, typer.Option(help=f"Written reasons, for the rider (1 to {reviews.REASONS_MAX} characters).")
    ],
    amount: Annotated[str | None, typer.Option(help="Overturned: the amount granted (e.g. 38.49).")] = None,
) -> None:
    """Answer a review: upheld, or overturned (which makes the correction it implies: docs/decisions.md)."""
    granted = None
    if amount is not None:
        try:
            granted = Decimal(amount)
        except InvalidOperation:
            _fail(f"{amount!r} is not an amount")
        if not granted.is_finite():
            _fail(f"{amount!r} is not an amount")
    now = utcnow()
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            e = reviews.answer(session, review_id, cli_actor(), outcome, reasons, granted, now, get_settings())
        except Problem as exc:
            _fail(exc.detail)
        session.commit()
    typer.echo(f"review {review_id} answered: {e.review.outcome} ({e.review.effect})")
