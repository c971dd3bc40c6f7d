"""`gateway reports ...`: what-if runs of a draft agreement and platforms' monthly compliance, for negotiators."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn, Protocol

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from sqlmodel import Session

from gateway.agreements.engine import OfferError, ShiftOutcome
from gateway.agreements.examples import SHIFT_COLUMNS
from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import Agreement, AgreementError
from gateway.db.engine import get_engine
from gateway.deps import utcnow
from gateway.reports import compliance_render, whatif_render
from gateway.reports.compliance import ReportError, compliance
from gateway.reports.drafts import draft_agreement, draft_takes_effect, signed_agreement
from gateway.reports.files import outputs
from gateway.reports.sources import CsvShifts, DatabaseShifts, SourceError
from gateway.reports.whatif import WhatIfResult, run_whatif
from gateway.settings import REPO_ROOT, get_settings

reports_app = typer.Typer(
    help="Before signing: replay shifts under a draft agreement (what-if); platforms' monthly compliance.",
    no_args_is_help=True,
)
DEFAULT_OUT = REPO_ROOT / "var" / "reports"
OutOption = Annotated[Path, typer.Option("--out", help="Directory for the CSV and HTML files.")]


class ShiftSource(Protocol):
    @property
    def label(self) -> str: ...

    def count(self) -> int: ...

    def __iter__(self) -> Iterator[tuple[str, ShiftOutcome]]: ...


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{option} {text!r} is not a date (YYYY-MM-DD)")


def _at(text: str | None, signed: Agreement, draft: Agreement) -> date | None:
    """--at: a date, `shift` (each shift's own day), or by default the day the draft takes effect."""
    if text == "shift":
        return None
    if text is not None:
        return _date(text, "--at")
    return draft_takes_effect(signed, draft)


def whatif_stem(draft: Path, made_on: date) -> str:
    """`whatif-<draft file's stem>-<day the report is made>`: two drafts never overwrite each other's report; the
    same draft run again the same day replaces its own."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", draft.stem).strip("-.") or "draft"
    return f"whatif-{name}-{made_on.isoformat()}"


def write_whatif(result: WhatIfResult, out: Path, stem: str, html: bool = True) -> list[Path]:
    """The riders' CSV, the summary CSV and the HTML page, all or none."""
    with outputs(out) as files:
        files.write_text(f"{stem}-riders.csv", whatif_render.riders_csv(result))
        files.write_text(f"{stem}-summary.csv", whatif_render.summary_csv(result))
        if html:
            files.write_text(f"{stem}.html", whatif_render.html_report(result))
    return [out / f"{stem}-riders.csv", out / f"{stem}-summary.csv", *([out / f"{stem}.html"] if html else [])]


def _tracked(source: ShiftSource, progress: Progress) -> Iterable[tuple[str, ShiftOutcome]]:
    total = source.count()
    task = progress.add_task("replaying shifts", total=total)
    done = 0
    for item in source:
        yield item
        done += 1
        if done % 2000 == 0:
            progress.update(task, completed=done)
    progress.update(task, completed=done)


WHATIF_HELP = f"""\
Replay a period's shifts under the signed agreement and a draft: per rider and in total, who gains and who loses,
the deciles; a table here, CSV and HTML in --out. Ctrl-C stops cleanly and writes nothing.

The --csv file has a header row and one shift a row; columns in any order, unknown ones ignored, empty cells unset:

rider_id (required): whose shift it is; the report sums per rider
{SHIFT_COLUMNS}

The worked_before_* columns are not read here: the report counts each rider's hours from the file itself.
Without worker_* columns, a rider is on the adult scale; the export gives a student's hours already worked this
year itself. --platform reads all of this from the member records.
"""


@reports_app.command(help=WHATIF_HELP)
def whatif(
    agreement_id: Annotated[str, typer.Option("--agreement", help="The signed agreement (with its amendments).")],
    draft: Annotated[Path, typer.Option("--draft", help="A proposal or amendment file, or a whole agreement file.")],
    platform: Annotated[
        str | None, typer.Option("--platform", help="Replay this platform's shifts from the database.")
    ] = None,
    first: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD, local) of the period.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD, local), included.")] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Replay a CSV export instead (rider_id column).")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            help="Terms of this date for both sides; `shift` for each shift's own day. Default: the day the draft takes effect."
        ),
    ] = None,
    out: OutOption = DEFAULT_OUT,
    html: Annotated[bool, typer.Option("--html/--no-html", help="Write the HTML report with charts.")] = True,
    memo: Annotated[bool, typer.Option("--memo/--no-memo", help="Compute shifts of the same shape once.")] = True,
    directory: Annotated[Path | None, typer.Option("--dir", help="Agreements directory.")] = None,
) -> None:
    """Replay shifts under the signed agreement and a draft (the columns: WHATIF_HELP)."""
    root = directory or get_settings().agreements_dir
    console = Console(stderr=False)
    try:
        book = AgreementBook.load(root)
        signed = signed_agreement(book, agreement_id)
        proposed = draft_agreement(root, signed, draft)
    except AgreementError as exc:
        _fail(str(exc))
    day = _at(at, signed, proposed)
    source: ShiftSource
    if csv_file is not None and platform is None:
        if not csv_file.is_file():
            _fail(f"{csv_file}: no such file")
        source = CsvShifts(csv_file, signed.currency)
    elif platform is not None and csv_file is None and first and last:
        source = DatabaseShifts(get_engine(), platform, _date(first, "--from"), _date(last, "--to"), signed.timezone)
    else:
        _fail("give --platform SLUG --from DATE --to DATE, or --csv FILE")
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    try:
        with progress:
            result = run_whatif(
                signed,
                proposed,
                _tracked(source, progress),
                at=day,
                draft_label=f"{proposed.version} ({draft.name})",
                source=source.label,
                memo=memo,
            )
        written = write_whatif(result, out, whatif_stem(draft, utcnow().astimezone(signed.timezone).date()), html)
    except KeyboardInterrupt:
        typer.secho("interrupted: no report written (nothing half-written either)", fg=typer.colors.YELLOW, err=True)
        raise typer.Exit(130) from None
    except (SourceError, OfferError, AgreementError) as exc:
        _fail(str(exc))
    whatif_render.print_terminal(result, console)
    for path in written:
        console.print(f"written: {path}", soft_wrap=True)


@reports_app.command("compliance")
def compliance_cmd(
    platform: Annotated[str, typer.Option("--platform", help="The platform's slug.")],
    month: Annotated[str, typer.Option("--month", help="YYYY-MM, e.g. 2026-12.")],
    out: OutOption = DEFAULT_OUT,
    html: Annotated[bool, typer.Option("--html/--no-html")] = True,
) -> None:
    """Violations attempted by term, late invoices, fund advances, pay per worked hour against the floors, and
    payout delays against the payment term, for one platform and month: a table here, CSV and HTML in --out."""
    settings = get_settings()
    try:
        book = AgreementBook.load(settings.agreements_dir)
        with Session(get_engine()) as session:
            report = compliance(session, book, platform, month, utcnow())
    except (ReportError, AgreementError) as exc:
        _fail(str(exc))
    console = Console()
    compliance_render.print_terminal(report, console)
    stem = f"compliance-{report.platform}-{report.month}"
    try:
        with outputs(out) as files:
            files.write_text(f"{stem}.csv", compliance_render.to_csv(report))
            if html:
                files.write_text(f"{stem}.html", compliance_render.to_html(report))
    except KeyboardInterrupt:
        typer.secho("interrupted: no report written", fg=typer.colors.YELLOW, err=True)
        raise typer.Exit(130) from None
    console.print(f"written: {out / stem}.csv" + (f", {out / stem}.html" if html else ""), soft_wrap=True)
