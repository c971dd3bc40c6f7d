"""`gateway declarations list`: the declarations the cooperative must look at."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from gateway.db.engine import get_engine
from gateway.domains.declarations import service as declarations
from gateway.domains.declarations.models import DeclarationState

declarations_app = typer.Typer(help="Declarations of employment: refused and failed ones.", no_args_is_help=True)


@declarations_app.command("list")
def list_cmd(
    state: Annotated[
        list[DeclarationState] | None, typer.Option(help="Repeatable; default: refused and failed.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
) -> None:
    """List declarations by state, newest first."""
    states = tuple(s.value for s in state) if state else tuple(s.value for s in declarations.ATTENTION)
    with Session(get_engine()) as session:
        for d in declarations.list_declarations(session, states, limit):
            typer.echo(
                f"{d.contract_id}\t{d.platform}\t{d.shift_code}\t{d.state.value}\t"
                f"{d.last_operation}:{d.last_operation_state}\t{d.detail or ''}"
            )
