"""`gateway transparency publish|show|versions`: the public transparency notice, from the command line.

`publish` stores what the configuration makes now (today's version when it changed, each coming one); the gateway
also publishes at start (in the process that runs the jobs) and whenever the notice is read."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import AgreementError
from gateway.db.engine import get_engine
from gateway.deps import utcnow
from gateway.domains.transparency import service
from gateway.settings import get_settings

transparency_app = typer.Typer(help="The public transparency notice (directive art. 9).", no_args_is_help=True)
Lang = Annotated[str, typer.Option(help="en, fr or nl.")]


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _book() -> AgreementBook:
    try:
        return AgreementBook.load(get_settings().agreements_dir)
    except AgreementError as exc:
        _fail(f"the agreements are invalid:\n{exc}")


@transparency_app.command("publish")
def publish_cmd() -> None:
    """Publish the versions the configuration makes that are not published yet."""
    now = utcnow()
    with Session(get_engine()) as session:
        added = service.publish(session, _book(), get_settings(), now)
        session.commit()
        for v in added:
            typer.echo(f"published version {v.number}, in effect from {v.effective_on} ({v.content_hash[:12]})")
    if not added:
        typer.echo("nothing to publish: the stored versions are what the configuration makes")


def _text(content: dict[str, Any], lang: str) -> list[str]:
    out: list[str] = []

    def item(d: dict[str, Any]) -> None:
        out.append(f"  - {d['decides'][lang]}")
        out.append(f"    data: {d['data'][lang]}")
        values = ", ".join(f"{k}={v}" for k, v in d["values"].items())
        out.append(f"    parameters: {d['parameters'][lang]}" + (f" [{values}]" if values else ""))
        if d.get("clause"):
            out.append(f"    clause: {d['clause']}")

    out.append("Every platform:")
    for d in content["gateway"]:
        item(d)
    for p in content["platforms"]:
        agreement = p["agreement"]
        out.append(
            f"Platform {p['name']} ({p['slug']}, adapter {p['adapter']}, agreement "
            f"{agreement['id'] + ' ' + agreement['version'] if agreement else 'none'}):"
        )
        for d in p["decisions"]:
            item(d)
    return out


@transparency_app.command("show")
def show_cmd(
    number: Annotated[
        int | None, typer.Argument(min=1, help="A version's number; the one in effect without it.")
    ] = None,
    lang: Lang = "en",
    as_json: Annotated[bool, typer.Option("--json", help="The stored content, as JSON.")] = False,
) -> None:
    """Show the version in effect (or one by number) and the coming ones' dates."""
    if lang not in ("en", "fr", "nl"):
        _fail("--lang must be en, fr or nl")
    now: datetime = utcnow()
    with Session(get_engine()) as session:
        version = service.in_effect(session, now.date()) if number is None else service.by_number(session, number)
        if version is None:
            _fail("no such version; `gateway transparency publish` publishes the first")
        if as_json:
            typer.echo(json.dumps(version.content, indent=2, ensure_ascii=False))
            return
        typer.echo(f"Version {version.number}, in effect from {version.effective_on}")
        typer.echo("\n".join(_text(version.content, lang)))
        for v in service.pending(session, now.date()):
            typer.echo(f"\nChanges taking effect on {v.effective_on} (version {v.number}):")
            for c in service.changes(version.content, v.content):
                typer.echo(f"  {c.change}: {c.platform or 'every platform'} {c.key}")
            version = v


@transparency_app.command("versions")
def versions_cmd() -> None:
    """Every version, oldest first."""
    with Session(get_engine()) as session:
        rows = service.versions(session)
    table = Table("number", "effective on", "published", "withdrawn", "hash")
    for v in rows:
        withdrawn = f"{v.withdrawn_at:%Y-%m-%d}" if v.withdrawn_at else ""
        table.add_row(
            str(v.number), str(v.effective_on), f"{v.published_at:%Y-%m-%d %H:%M}", withdrawn, v.content_hash[:12]
        )
    Console().print(table)
