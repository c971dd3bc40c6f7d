"""`gateway portability export`: a rider's data archive, produced by staff on request (audited as `cli:<user>`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlmodel import Session

from gateway.db.engine import get_engine
from gateway.deps import utcnow
from gateway.domains.members import service as members
from gateway.domains.portability import service
from gateway.domains.staff.service import audit, cli_actor
from gateway.files import PRIVATE_FILE

portability_app = typer.Typer(help="Data portability: a rider's data as a ZIP archive.", no_args_is_help=True)


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@portability_app.command("export")
def export_cmd(
    out: Annotated[Path, typer.Option("--out", help="The ZIP file to write (not overwritten).")],
    member: Annotated[str | None, typer.Option(help="A member number: every platform they ride for.")] = None,
    platform: Annotated[str | None, typer.Option(help="A platform's slug, with --rider.")] = None,
    rider: Annotated[str | None, typer.Option(help="The platform's id of the rider, with --platform.")] = None,
) -> None:
    """Write a member's (or one platform rider's) data archive, as the rider downloads it."""
    if (member is None) == (platform is None or rider is None):
        _fail("give --member, or --platform with --rider")
    now = utcnow()
    with Session(get_engine()) as session:
        if member is not None:
            found = members.by_number(session, member)
            if found is None:
                _fail(f"no member {member!r}")
            riders = service.riders_of_member(session, found)
            target = f"member:{found.number}"
        else:
            assert platform is not None and rider is not None
            one = service.platform_rider(session, platform, rider)
            if one is None:
                _fail(f"no rider {rider!r} on platform {platform!r}")
            riders, target = [one], f"rider:{platform}/{rider}"
        body = service.archive(service.gather(session, riders, now))
        try:  # created owner-only at once: it holds the rider's pay and identity (masked)
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        except FileExistsError:
            _fail(f"{out} exists: not overwritten")
        with os.fdopen(fd, "wb") as f:
            f.write(body)
        audit(session, cli_actor(), "member.data_export" if member else "rider.data_export", target, now)
        session.commit()
    typer.echo(f"wrote {out} ({len(body)} bytes, {len(riders)} rider account(s))")
