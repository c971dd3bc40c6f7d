"""`gateway contracts blocked`: the contracts the rider must not work, and why."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from gateway.db.engine import get_engine
from gateway.domains.contracts import identity
from gateway.domains.contracts.schemas import BlockReason

contracts_app = typer.Typer(help="Contracts: the blocked ones.", no_args_is_help=True)


@contracts_app.command("blocked")
def blocked_cmd(
    reason: Annotated[
        str | None, typer.Option(help="identity_incomplete or declaration_refused; default: both.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
) -> None:
    """List blocked contracts, soonest start first: contract, platform, shift, rider, member, start, reason, missing."""
    chosen = _reason(reason)
    with Session(get_engine()) as session:
        for b in identity.list_blocked(session, chosen, limit):
            typer.echo(
                f"{b.contract_id}\t{b.platform}\t{b.shift_code}\t{b.rider_id}\t{b.member or '-'}\t"
                f"{b.starts_at.isoformat()}\t{b.reason}\t{','.join(b.missing) or '-'}"
            )


def _reason(given: str | None) -> BlockReason | None:
    if given is None:
        return None
    if given == "identity_incomplete":
        return "identity_incomplete"
    if given == "declaration_refused":
        return "declaration_refused"
    raise typer.BadParameter("identity_incomplete or declaration_refused", param_hint="--reason")
