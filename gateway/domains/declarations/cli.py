"""`gateway declarations list`: the declarations the cooperative must look at; `gateway declarations check`: the
Dimona set-up proven without declaring anything."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import httpx
import typer
from sqlmodel import Session

from gateway.db.engine import get_engine
from gateway.domains.declarations import service as declarations
from gateway.domains.declarations.connectors import check_configuration
from gateway.domains.declarations.models import DeclarationState
from gateway.settings import get_settings

declarations_app = typer.Typer(
    help="Declarations of employment (Dimona): refused and failed ones; the set-up check.", no_args_is_help=True
)


@declarations_app.command("list")
def list_cmd(
    state: Annotated[
        list[DeclarationState] | None, typer.Option(help="Repeatable; default: refused and failed.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
) -> None:
    """List declarations by state, newest first, with the service's anomalies."""
    states = tuple(s.value for s in state) if state else tuple(s.value for s in declarations.ATTENTION)
    with Session(get_engine()) as session:
        for d in declarations.list_declarations(session, states, limit):
            anomalies = " | ".join(f"{a.code} {a.description}".strip() for a in d.anomalies)
            typer.echo(
                f"{d.contract_id}\t{d.platform}\t{d.shift_code}\t{d.state.value}\t"
                f"{d.last_operation}:{d.last_operation_state}\t{d.detail or ''}\t{anomalies}"
            )


@declarations_app.command("check")
def check_cmd() -> None:
    """Obtain a token for each Dimona scope and check the private key against the registered public key or
    certificate. Declares nothing. Exit code 1 if any check fails."""
    settings = get_settings()
    if settings.declaration_connector != "http":
        typer.echo("GATEWAY_DECLARATION_CONNECTOR is local: the embedded connector needs no set-up")
        raise typer.Exit(1)
    where = " (GATEWAY_DECLARATION_BASE_URL)" if settings.declaration_base_url else ""
    typer.echo(f"Dimona {settings.declaration_environment}: {settings.declaration_service_url}{where}")
    with httpx.Client(timeout=settings.outbox_http_timeout_seconds, follow_redirects=False) as http:
        checks = check_configuration(settings, http, lambda: datetime.now(UTC))
    for c in checks:
        typer.echo(f"{'ok    ' if c.ok else 'FAILED'}  {c.name}: {c.detail}")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)
