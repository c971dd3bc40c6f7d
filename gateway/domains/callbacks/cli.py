"""`gateway callbacks ...`: the cooperative manages platforms' callback endpoints."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from gateway.db.base import utcnow
from gateway.db.engine import get_engine
from gateway.domains.callbacks import service as callbacks
from gateway.domains.platforms.service import get_platform
from gateway.settings import get_settings

callbacks_app = typer.Typer(help="Platforms' callback endpoints: add, list, enable, disable.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@callbacks_app.command("add")
def add_cmd(
    platform: str,
    url: str,
    description: Annotated[str, typer.Option()] = "",
    secret: Annotated[str | None, typer.Option(help="A whsec_ secret; default: a new random one.")] = None,
) -> None:
    """Add a callback endpoint for a platform; prints its signing secret."""
    with Session(get_engine(), expire_on_commit=False) as session:
        p = get_platform(session, platform)
        if p is None or p.id is None:
            _fail(f"no platform {platform!r}")
            return
        try:
            e = callbacks.create_endpoint(
                session,
                p.id,
                url,
                require_https=get_settings().callback_require_https,
                allow_private=get_settings().callback_allow_private,
                description=description,
                secret=secret,
            )
        except callbacks.EndpointError as exc:
            _fail(str(exc))
            return
        session.commit()
    typer.echo(f"callback endpoint {e.id} added for {platform}: {e.url}")
    typer.echo(f"signing secret : {e.secret}")


@callbacks_app.command("list")
def list_cmd(platform: Annotated[str | None, typer.Argument()] = None) -> None:
    """List callback endpoints (of one platform, or all)."""
    with Session(get_engine()) as session:
        platform_id = None
        if platform is not None:
            p = get_platform(session, platform)
            if p is None:
                _fail(f"no platform {platform!r}")
                return
            platform_id = p.id
        for e in callbacks.list_endpoints(session, platform_id):
            state = "enabled" if e.enabled else f"DISABLED ({e.disabled_reason})"
            typer.echo(f"{e.id}\tplatform={e.platform_id}\t{e.url}\t{state}\tfailures={e.consecutive_failures}")


@callbacks_app.command("enable")
def enable_cmd(endpoint_id: int) -> None:
    """Enable a disabled endpoint again; its held callbacks are then sent."""
    with Session(get_engine()) as session:
        e = callbacks.get_endpoint(session, endpoint_id)
        if e is None:
            _fail(f"no callback endpoint {endpoint_id}")
            return
        callbacks.enable(session, e)
        session.commit()
    typer.echo(f"callback endpoint {endpoint_id} enabled")


@callbacks_app.command("disable")
def disable_cmd(endpoint_id: int, reason: Annotated[str, typer.Option()] = "disabled by hand") -> None:
    """Disable an endpoint; its callbacks are held until it is enabled."""
    with Session(get_engine()) as session:
        if callbacks.get_endpoint(session, endpoint_id) is None:
            _fail(f"no callback endpoint {endpoint_id}")
            return
        callbacks.disable(session, endpoint_id, reason, utcnow())
        session.commit()
    typer.echo(f"callback endpoint {endpoint_id} disabled")
