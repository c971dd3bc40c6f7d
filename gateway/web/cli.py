"""`gateway web ...`: the rider's pages from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gateway.settings import REPO_ROOT

web_app = typer.Typer(help="The rider's pages: screenshots for the README.", no_args_is_help=True)


@web_app.command("screenshots")
def screenshots(
    out: Annotated[Path, typer.Option(help="Folder for the PNG files.")] = REPO_ROOT / "docs" / "screenshots",
    lang: Annotated[list[str] | None, typer.Option(help="Language(s): en, fr, nl (repeat the option).")] = None,
) -> None:
    """Render the rider's pages (list and one contract) at a phone's size in headless Chromium, from demo data."""
    from gateway.web.screenshots import render

    try:
        files = render(out, lang or ["en", "fr"])
    except RuntimeError as exc:
        typer.echo(f"cannot take screenshots: {exc}", err=True)
        raise typer.Exit(1) from exc
    for f in files:
        typer.echo(str(f))
