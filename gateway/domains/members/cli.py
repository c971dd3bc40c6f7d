"""`gateway members ...`: the cooperative's members and their identity (SSIN and IBAN shown masked)."""

from __future__ import annotations

import typer

from gateway.domains.members import vault

members_app = typer.Typer(help="Members: identity, links to platforms' riders, encryption keys.", no_args_is_help=True)


@members_app.command("new-key")
def new_key() -> None:
    """Print a new random key for GATEWAY_IDENTITY_KEYS (Fernet)."""
    typer.echo(vault.new_key())
