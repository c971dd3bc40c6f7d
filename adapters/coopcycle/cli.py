"""`gateway coopcycle ...`: connect a platform to its CoopCycle API and enrol its couriers as riders."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from sqlmodel import Session, select

from adapters.coopcycle import shift_cli
from adapters.coopcycle.models import CoopCycleAccount
from adapters.coopcycle.queue import requeue_held
from gateway import host
from gateway.canonical import RiderEnrolled
from gateway.db.engine import get_engine

STORE_IRI = re.compile(r"^/api/stores/[1-9][0-9]{0,17}$")

coopcycle_app = typer.Typer(help="Set up platforms that use the CoopCycle adapter.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@coopcycle_app.command("connect")
def connect(
    slug: str,
    base_url: Annotated[str, typer.Option(help="The CoopCycle instance, e.g. https://acme.coopcycle.org")],
    client_id: Annotated[str, typer.Option(help="The API app's key (OAuth2 client id).")],
    client_secret: Annotated[str, typer.Option(help="The API app's secret.", prompt=True, hide_input=True)],
    scope: Annotated[str, typer.Option()] = "tasks deliveries",
    store: Annotated[
        str | None,
        typer.Option(help="The API app's store IRI, e.g. /api/stores/1: its deliveries are swept for lost webhooks."),
    ] = None,
) -> None:
    """Give the gateway the OAuth2 client credentials of one of the platform's CoopCycle API apps.

    Each store's API app sees only that store's deliveries: connect each one (same platform, its own client id),
    so a courier who works for several stores is one rider.
    """
    if not base_url.startswith("https://") and not base_url.startswith("http://127.0.0.1"):
        _fail("the CoopCycle base URL must be https://")
    if store is not None and not STORE_IRI.match(store):
        _fail("--store is the store's IRI, such as /api/stores/1")
    with Session(get_engine(), expire_on_commit=False) as session:
        platform = host.platform_named(session, slug, "coopcycle")
        if platform is None:
            _fail(f"no platform {slug!r} with the coopcycle adapter")
            return
        account = session.exec(
            select(CoopCycleAccount).where(
                CoopCycleAccount.platform_id == platform.id, CoopCycleAccount.client_id == client_id
            )
        ).first()
        account = account or CoopCycleAccount(platform_id=platform.id, base_url="", client_id="", client_secret="")
        account.base_url, account.client_id, account.client_secret, account.scope = (
            base_url.rstrip("/"),
            client_id,
            client_secret,
            scope,
        )
        account.store = store
        session.add(account)
        session.commit()
    swept = f", store {store} swept" if store else ""
    typer.echo(f"{slug}: CoopCycle API at {base_url} (client {client_id}, scope {scope!r}{swept})")


@coopcycle_app.command("enrol")
def enrol(
    slug: str,
    username: Annotated[str, typer.Argument(help="The courier's CoopCycle username: their rider id here.")],
    name: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    member_id: Annotated[str | None, typer.Option(help="The cooperative's member id, if a member.")] = None,
) -> None:
    """Enrol a CoopCycle courier as a rider; deliveries held for want of the rider are read again."""
    try:
        data = RiderEnrolled(rider_id=username, name=name, email=email, member_id=member_id)
    except ValueError as exc:
        _fail(f"invalid rider: {exc}")
        return
    now = host.utcnow()
    with Session(get_engine(), expire_on_commit=False) as session:
        platform = host.platform_named(session, slug, "coopcycle")
        if platform is None:
            _fail(f"no platform {slug!r} with the coopcycle adapter")
            return
        host.enrol_rider(session, platform.id, data, now)
        held = requeue_held(session, platform.id, username, now)
        session.commit()
    typer.echo(f"{slug}: courier {username} enrolled; {held} held deliver{'y' if held == 1 else 'ies'} queued again")


# The planned-shifts mode's commands live beside its code (shift_cli.py).
coopcycle_app.command("mode")(shift_cli.mode)
coopcycle_app.command("shifts")(shift_cli.shifts)
