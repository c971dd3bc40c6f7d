"""`gateway agreements ...`: the negotiators' tool. Validate, test, explain, simulate and diff agreements.

Everything here reads files and calls the engine; nothing touches the database or the network.
"""

from __future__ import annotations

import csv
import functools
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import typer

from gateway.agreements.compare import (
    clause_diff,
    comparison_day,
    draft_takes_effect,
    examples_impact,
    sample_impact,
    term_diff,
)
from gateway.agreements.engine import (
    Booking,
    BookingDecision,
    Correction,
    OfferError,
    Statement,
    evaluate_booking,
    evaluate_shift,
)
from gateway.agreements.examples import (
    SHIFT_COLUMNS,
    Example,
    ExampleResult,
    ShiftInputError,
    check,
    csv_data,
    header_problem,
    load_examples,
    parse_shift,
    parse_worked_before,
    rerun_command,
)
from gateway.agreements.loader import (
    AgreementBook,
    Reader,
    amendment_files,
    build_agreement,
    load_profiles,
    shown,
)
from gateway.agreements.model import Agreement, AgreementError
from gateway.agreements.overview import overview_json, overview_text
from gateway.agreements.yamlpos import YamlSyntaxError, read
from gateway.settings import get_settings

agreements_app = typer.Typer(
    help="Agreements as config: validate, test, explain, simulate and diff them (no database, no network).",
    no_args_is_help=True,
)

DirOption = Annotated[
    Path | None, typer.Option("--dir", help="The agreements directory (default: GATEWAY_AGREEMENTS_DIR).")
]
AtOption = Annotated[
    str | None, typer.Option("--at", help="Use the terms in force on this date (YYYY-MM-DD) instead of the shift's.")
]


def _dir(directory: Path | None) -> Path:
    return directory or get_settings().agreements_dir


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _book(directory: Path | None) -> AgreementBook:
    try:
        return AgreementBook.load(_dir(directory))
    except AgreementError as exc:
        _fail(f"{exc}\nrun `gateway agreements validate` to see every problem")


def _agreement(book: AgreementBook, agreement_id: str) -> Agreement:
    agreement = book.get(agreement_id)
    if agreement is None:
        _fail(f"no agreement {agreement_id!r}; the agreements are: {', '.join(book.ids())}")
    return agreement


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"--at {text!r} is not a date (YYYY-MM-DD)")


def _folder(directory: Path, agreement: Agreement) -> Path:
    return directory / agreement.id


# --- validate ---------------------------------------------------------------------------------------------


@agreements_app.command()
def validate(directory: DirOption = None) -> None:
    """Check every agreement, amendment, proposal, payroll profile and example; list all problems at once."""
    root = _dir(directory)
    if not root.is_dir():
        _fail(f"{root}: agreements directory not found")
    rd = Reader(root)
    profiles = load_profiles(root, rd)
    counts = {"agreements": 0, "amendments": 0, "proposals": 0, "examples": 0}
    for path in sorted(root.glob("*/agreement.yaml")):
        agreement = build_agreement(rd, path, profiles)
        counts["amendments"] += len(amendment_files(path.parent))
        for proposal in sorted((path.parent / "proposals").glob("*.yaml")):
            build_agreement(Reader(root, rd.issues), path, profiles, [proposal])
            counts["proposals"] += 1
        counts["examples"] += len(load_examples(path.parent, rd))
        if agreement is not None:
            counts["agreements"] += 1
            if not agreement.clauses:
                # Optional for older files, so not a failure; but without the list a forgotten clause goes unseen.
                typer.secho(
                    f"note: {shown(path)} lists no clauses: add a clauses: list so that no clause is forgotten",
                    fg=typer.colors.YELLOW,
                )
    # A proposal is checked with the agreement it amends, so the agreement's own problems would repeat.
    issues = sorted(set(rd.issues), key=lambda i: (i.file, i.pos.line, i.pos.column, i.message))
    for issue in issues:
        typer.echo(str(issue))
    found = ", ".join(f"{n} {k}" for k, n in counts.items())
    if issues:
        _fail(f"{len(issues)} problem{'s' if len(issues) != 1 else ''} ({found} read)")
    typer.secho(f"valid: {found}", fg=typer.colors.GREEN)


# --- test -------------------------------------------------------------------------------------------------


def _examples(directory: Path, agreement: Agreement) -> list[Example]:
    rd = Reader(directory)
    found = load_examples(_folder(directory, agreement), rd)
    if rd.issues:
        _fail("\n".join(str(i) for i in rd.issues))
    return found


def _report_failure(agreement: Agreement, result: ExampleResult, directory: Path | None) -> None:
    ex = result.example
    typer.secho(f"FAIL {ex.name}  ({ex.file}:{ex.line})", fg=typer.colors.RED, bold=True)
    typer.echo(f"  {ex.about}")
    if result.error:
        typer.echo(f"  error: {result.error}")
    for m in result.mismatches:
        typer.echo(f"  {m.what}:\n    expected {m.expected}\n    actual   {m.actual}")
    if result.settlement is not None:
        typer.echo("  explanation:")
        for line in result.settlement.plain().splitlines():
            typer.echo(f"    {line}")
    typer.echo(f"  rerun: {rerun_command(agreement.id, ex, directory)}\n")


@agreements_app.command()
def test(
    agreement_ids: Annotated[list[str] | None, typer.Argument(help="Agreements to test (default: all).")] = None,
    example: Annotated[str | None, typer.Option("--example", "-k", help="Run only this example.")] = None,
    directory: DirOption = None,
) -> None:
    """Run the negotiators' worked examples (agreements/<id>/examples/*.yaml) against the engine."""
    root = _dir(directory)
    book = _book(root)
    passed = failed = 0
    for agreement_id in agreement_ids or book.ids():
        agreement = _agreement(book, agreement_id)
        examples = [e for e in _examples(root, agreement) if example is None or e.name == example]
        if example is not None and not examples:
            _fail(f"agreement {agreement_id} has no example {example!r}")
        for ex in examples:
            result = check(agreement, ex)
            if result.passed:
                passed += 1
                typer.echo(f"ok   {agreement.id} {ex.name}")
            else:
                failed += 1
                _report_failure(agreement, result, directory)
    colour = typer.colors.RED if failed else typer.colors.GREEN
    typer.secho(f"{passed} passed, {failed} failed", fg=colour)
    if failed:
        raise typer.Exit(1)


# --- explain ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Explained:
    """One shift explained: its statement, and what booking it would have done (None under another date's terms)."""

    statement: Statement
    booking: BookingDecision | None
    refused: list[Correction]

    @property
    def amended(self) -> list[Correction]:
        """The working-time limits that would open the contract for fewer hours than booked."""
        if self.booking is None or self.refused:
            return []
        return [c for c in self.booking.corrections if c.term_type == LIMITS and c.action == "amended"]

    @property
    def reported(self) -> list[Correction]:
        if self.booking is None:
            return []
        return [c for c in self.booking.corrections if c.term_type == LIMITS and c.action == "reported"]


LIMITS = "working_time_limits"


def _refusals(st: Statement, booking: BookingDecision | None) -> list[Correction]:
    """What a term in `reject` mode refuses in this booking. At the shift's own date the booking is evaluated as the
    webhook would be; under another date's terms (`--at`) the booking checks cannot be run, so the statement's
    corrections in reject mode stand for them (a shift cut short then counts too: say so, don't hide it)."""
    found = booking.corrections if booking is not None else st.corrections
    return [c for c in found if c.action == "rejected"]


def _refusal_text(refused: list[Correction]) -> str:
    reasons = [f"{c.detail} ({c.term}, {c.clause})" for c in refused]
    head = (
        f"This booking would be refused: {reasons[0]}. Nothing would be opened."
        if len(reasons) == 1
        else "This booking would be refused, and nothing opened, for each of these:\n"
        + "\n".join(f"  - {r}" for r in reasons)
    )
    return (
        head + "\nWere the shift worked all the same, it would be paid as follows (a refused term still pays the "
        "rider in full):\n"
    )


def _window(x: datetime, zone: ZoneInfo) -> str:
    return f"{x.astimezone(zone):%Y-%m-%d %H:%M}"


def _amended_text(e: _Explained, booked: Booking, zone: ZoneInfo) -> str:
    b = e.booking
    assert b is not None
    starts, ends = b.amended_start or booked.starts_at, b.amended_end or booked.ends_at
    reasons = "; ".join(f"{c.detail} ({c.term}, {c.clause})" for c in e.amended)
    return (
        f"This booking would be opened for {_window(starts, zone)} to {_window(ends, zone)} only, not as booked "
        f"({_window(booked.starts_at, zone)} to {_window(booked.ends_at, zone)}): {reasons}. "
        "The contract as opened is paid as follows:\n"
    )


def _emit(e: _Explained, booked: Booking, zone: ZoneInfo, as_json: bool) -> None:
    st, refused = e.statement, e.refused
    if as_json:
        opened = None
        if e.amended and e.booking is not None:
            opened = {
                "starts_at": (e.booking.amended_start or booked.starts_at).isoformat(),
                "ends_at": (e.booking.amended_end or booked.ends_at).isoformat(),
            }
        booking = {
            "refused": bool(refused),
            "reasons": [{"term": c.term, "clause": c.clause, "code": c.code, "detail": c.detail} for c in refused],
            "opened_for": opened,
            "amended": [{"term": c.term, "clause": c.clause, "code": c.code, "detail": c.detail} for c in e.amended],
        }
        typer.echo(json.dumps({**st.explanation(), "booking": booking}, indent=2, ensure_ascii=False))
        return
    head = _refusal_text(refused) if refused else _amended_text(e, booked, zone) if e.amended else ""
    typer.echo(head + st.plain())
    for c in e.reported:
        typer.echo(f"At booking ({c.term}, {c.clause}): reported: {c.detail}.")


def _settle(agreement: Agreement, data: dict[str, Any], at: date | None) -> tuple[_Explained, Booking]:
    """The shift settled as the gateway would: under a limit that opens the contract for fewer hours than booked,
    the contract as opened (unless the data says when the work really started and ended)."""
    try:
        shift = parse_shift(data, agreement.currency)
        before = parse_worked_before(data)
        booked = shift.booking
        booking = None if at is not None else evaluate_booking(agreement, booked, worked_before=before)
        if booking is not None and booking.rejection is None and (booking.amended_start or booking.amended_end):
            opened = replace(
                booked,
                starts_at=booking.amended_start or booked.starts_at,
                ends_at=booking.amended_end or booked.ends_at,
            )
            shift = replace(shift, booking=opened)
        st = evaluate_shift(agreement, shift, at, worked_before=before)
        return _Explained(st, booking, _refusals(st, booking)), booked
    except (ShiftInputError, OfferError, AgreementError) as exc:
        _fail(str(exc))


@agreements_app.command()
def explain(
    agreement_id: str,
    example: Annotated[str | None, typer.Option("--example", help="Explain one of the agreement's examples.")] = None,
    start: Annotated[str | None, typer.Option(help="Booked start, e.g. 2026-03-01T18:00:00+01:00.")] = None,
    end: Annotated[str | None, typer.Option(help="Booked end.")] = None,
    hourly: Annotated[str | None, typer.Option(help="Hourly gross offered.")] = None,
    per_trip: Annotated[str | None, typer.Option(help="Per-trip price offered.")] = None,
    actual_start: Annotated[str | None, typer.Option()] = None,
    actual_end: Annotated[str | None, typer.Option()] = None,
    first_delivery: Annotated[str | None, typer.Option(help="Time of the first delivery.")] = None,
    deliveries: Annotated[int | None, typer.Option(min=0)] = None,
    cancelled_at: Annotated[str | None, typer.Option()] = None,
    sent_home_early: Annotated[bool, typer.Option("--sent-home-early")] = False,
    bad_weather: Annotated[bool, typer.Option("--bad-weather", help="The platform flagged bad weather.")] = False,
    day_hours: Annotated[
        str | None, typer.Option(help="Hours the rider worked earlier that day, on every platform (overtime, limits).")
    ] = None,
    week_hours: Annotated[
        str | None, typer.Option(help="Hours the rider worked earlier that ISO week, on every platform.")
    ] = None,
    previous_end: Annotated[str | None, typer.Option(help="When the rider's previous shift ended (rest).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Versioned JSON instead of plain language.")] = False,
    at: AtOption = None,
    directory: DirOption = None,
    distance_km: Annotated[str | None, typer.Option("--distance-km", help="Kilometres the platform recorded.")] = None,
    bonus: Annotated[str | None, typer.Option(help="A bonus the platform sent with the shift's end.")] = None,
    birth_date: Annotated[
        str | None, typer.Option("--birth-date", help="The rider's birth date (youth scale).")
    ] = None,
    student: Annotated[bool, typer.Option("--student", help="The rider works as a student (Dimona STU).")] = False,
    student_hours: Annotated[
        str | None, typer.Option("--student-hours", help="Hours already worked as a student this calendar year.")
    ] = None,
    employed_since: Annotated[
        str | None, typer.Option("--employed-since", help="When the cooperative first employed the rider.")
    ] = None,
) -> None:
    """Every amount of one shift with the term, clause and dated value that produced it; first, when a term in
    reject mode would refuse the booking, that it would be refused and why."""
    root = _dir(directory)
    agreement = _agreement(_book(root), agreement_id)
    if example is not None:
        found = [e for e in _examples(root, agreement) if e.name == example]
        if not found:
            _fail(f"agreement {agreement_id} has no example {example!r}")
        data = found[0].shift
    elif start and end:
        offer = {"hourly_gross": hourly} if hourly else ({"per_trip": per_trip} if per_trip else None)
        data = {
            "starts_at": start,
            "ends_at": end,
            "offer": offer,
            "actual_start": actual_start,
            "actual_end": actual_end,
            "first_delivery_at": first_delivery,
            "deliveries": deliveries,
            "cancelled_at": cancelled_at,
            "sent_home_early": sent_home_early,
            "distance_km": distance_km,
            "bonus": bonus,
            "bad_weather": bad_weather,
            "worked_before": {"day_hours": day_hours, "week_hours": week_hours, "previous_end": previous_end},
        }
        if birth_date or student or student_hours or employed_since:
            data["worker"] = {
                "birth_date": birth_date,
                "student": student,
                "student_hours_this_year": student_hours,
                "employed_since": employed_since,
            }
    else:
        _fail("give --example NAME, or --start and --end (with the offer and what happened)")
    explained, booked = _settle(agreement, data, _day(at))
    _emit(explained, booked, agreement.timezone, as_json)


def _default_day(agreement: Agreement) -> date:
    """Today in the agreement's time zone, or its first day when it has not started yet."""
    today = datetime.now(agreement.timezone).date()
    return max(today, agreement.effective_from)


@agreements_app.command()
def terms(
    agreement_id: str,
    at: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD (default: today, or the agreement's first day if later).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The machine form: values as written, as JSON.")] = False,
    directory: DirOption = None,
) -> None:
    """Every clause of an agreement in plain language: what it says, how the gateway enforces it (or why it
    does not), the date its value took effect and the version."""
    agreement = _agreement(_book(directory), agreement_id)
    day = _day(at) or _default_day(agreement)
    try:
        if as_json:
            typer.echo(json.dumps(overview_json(agreement, day), indent=2, ensure_ascii=False))
        else:
            typer.echo(overview_text(agreement, day))
    except AgreementError as exc:
        _fail(str(exc))


# --- simulate ---------------------------------------------------------------------------------------------


Row = tuple[str, Callable[[], dict[str, Any]]]


def _rows(path: Path) -> Iterator[Row]:
    """Shifts from a CSV (one per row, offer in hourly_gross/per_trip columns) or JSON (a list, or {shifts: [...]}):
    each with its reference and how to read it (a row that cannot be read fails alone, named by its line)."""
    text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        problem = header_problem(reader.fieldnames)
        if problem is not None:
            raise ValueError(problem)
        for i, row in enumerate(reader, start=2):
            yield str(row.get("shift_code") or f"line {i}"), functools.partial(csv_data, row, skip=("shift_code",))
        return
    doc = json.loads(text)
    shifts = doc["shifts"] if isinstance(doc, dict) else doc
    for i, item in enumerate(shifts):
        if not isinstance(item, dict):
            raise ValueError(f"shift #{i + 1} is not an object of the shift's keys")
        yield str(item.get("shift_code") or f"#{i + 1}"), functools.partial(dict, item)


@dataclass
class _Totals:
    shifts: int = 0
    paid_hours: Decimal = Decimal(0)
    worked_hours: Decimal = Decimal(0)
    gross: Decimal = Decimal(0)
    top_ups: Decimal = Decimal(0)
    payout: Decimal = Decimal(0)
    levy: Decimal = Decimal(0)
    invoice: Decimal = Decimal(0)
    violations: int = 0
    # Bookings a term in reject mode refuses: no contract, so none of the amounts above.
    refused: int = 0

    def add(self, st: Statement) -> None:
        self.shifts += 1
        self.paid_hours += st.paid_hours
        self.worked_hours += st.worked_hours
        self.gross += st.gross
        self.top_ups += sum(
            (ln.amount for ln in st.lines if ln.code in ("floor_top_up", "minimum_engagement")), Decimal(0)
        )
        self.payout += st.payout
        self.levy += st.guarantee_levy
        self.invoice += st.invoice_total
        self.violations += len(st.corrections)


SIMULATE_HELP = f"""\
Settle many shifts under an agreement (optionally at a date): totals and each shift, no side effects.

A CSV has a header row and one shift a row; columns in any order, unknown ones ignored, empty cells unset:

shift_code: the shift's name in the output (default: its line number)
{SHIFT_COLUMNS}

A JSON file is a list of shifts (or {{"shifts": [...]}}), each with the same keys, the offers, the rider and
the hours before as objects: "offer": {{"hourly_gross": "12.50"}}, "proposed": {{"per_trip": "5.00"}},
"worker": {{"birth_date": "2008-05-01", "student": true}}, "worked_before": {{"week_hours": "36"}}.
"""


@agreements_app.command(help=SIMULATE_HELP)
def simulate(
    agreement_id: str,
    shifts: Annotated[Path, typer.Argument(help="CSV or JSON file of shifts (- for JSON on stdin).")],
    at: AtOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Each shift's explanation as JSON.")] = False,
    directory: DirOption = None,
) -> None:
    """Settle many shifts under an agreement, no side effects (the columns: SIMULATE_HELP)."""
    agreement = _agreement(_book(directory), agreement_id)
    day = _day(at)
    totals, out, problems = _Totals(), [], []
    try:
        rows = list(_rows(shifts))
    except (OSError, ValueError, KeyError) as exc:
        _fail(f"{shifts}: cannot read the shifts ({exc})")
    for ref, reading in rows:
        try:
            data = reading()
            shift, before = parse_shift(data, agreement.currency), parse_worked_before(data)
            st = evaluate_shift(agreement, shift, day, worked_before=before)
            booked = None if day is not None else evaluate_booking(agreement, shift.booking, worked_before=before)
        except (ShiftInputError, OfferError, AgreementError) as exc:
            problems.append(f"{shifts}: {ref}: {exc}")  # every bad row is named, not only the first
            continue
        refused = booked.rejection if booked is not None else None
        if refused is not None:
            # A booking a term refuses opens no contract: nothing is paid or invoiced, so it is not in the totals.
            totals.refused += 1
        else:
            totals.add(st)
        if as_json:
            why = None if refused is None else {"term": refused.term, "code": refused.code, "detail": refused.detail}
            out.append({"shift": ref, "refused_at_booking": why, **st.explanation()})
        elif refused is not None:
            typer.echo(f"{ref:<16} refused at booking ({refused.term}, {refused.clause}): {refused.detail}")
        else:
            codes = ",".join(c.code for c in st.corrections) or "-"
            due = st.payment_due.isoformat() if st.payment_due else "-"
            typer.echo(
                f"{ref:<16} paid {st.paid_hours:>7} h  gross {st.gross:>8}  payout {st.payout:>8}  "
                f"invoice {st.invoice_total:>8}  due {due}  {codes}"
            )
    if problems:
        _fail("\n".join([*problems, f"{len(problems)} of {len(rows)} shifts cannot be read: no totals"]))
    total = {k: str(v) for k, v in vars(totals).items()}
    if as_json:
        typer.echo(json.dumps({"agreement": agreement.id, "at": at, "shifts": out, "totals": total}, indent=2))
    else:
        typer.echo("totals: " + ", ".join(f"{k} {v}" for k, v in total.items()))


# --- diff -------------------------------------------------------------------------------------------------


def _resolve_side(spec: str, book: AgreementBook, root: Path, base: Agreement | None) -> Agreement:
    """An agreement id, an agreement file, or an amendment/proposal file laid over `base` (or what it amends)."""
    if book.get(spec) is not None:
        return _agreement(book, spec)
    path = Path(spec)
    if not path.is_file():
        _fail(f"{spec!r} is neither an agreement id ({', '.join(book.ids())}) nor a file")
    try:
        doc = read(path).data
    except YamlSyntaxError as exc:
        _fail(f"{shown(path)}:{exc.pos.line}:{exc.pos.column}: {exc.message}")
    rd = Reader(root)
    profiles = load_profiles(root, rd)
    if isinstance(doc, dict) and "amends" in doc:
        target = base or book.get(str(doc["amends"]))
        if target is None:
            _fail(f"{shown(path)} amends {doc['amends']!r}, which is not loaded")
        agreement = build_agreement(rd, root / target.id / "agreement.yaml", profiles, [path])
    else:
        agreement = build_agreement(rd, path, profiles)
    if agreement is None:
        _fail("\n".join(str(i) for i in rd.issues))
    return agreement


def _both_examples(root: Path, old: Agreement, new: Agreement) -> list[Example]:
    """The worked examples of both agreements (once when they are one agreement, a version against a draft)."""
    found: list[Example] = []
    for agreement in dict.fromkeys([old.id, new.id]):
        if (root / agreement).is_dir():
            rd = Reader(root)
            found += load_examples(root / agreement, rd)
    return found


@agreements_app.command()
def diff(
    old: Annotated[str, typer.Argument(help="An agreement id or agreement file.")],
    new: Annotated[str, typer.Argument(help="An agreement id or file, or an amendment/proposal file to lay over OLD.")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Evaluate the impact under both agreements' terms of this date (YYYY-MM-DD); default: the draft's "
            "effective date, or the first date both are in force.",
        ),
    ] = None,
    directory: DirOption = None,
) -> None:
    """Compare two versions: terms renamed, added, removed; changes of value apart from changes of label only; the
    clauses; and the impact, on both agreements' worked examples and on a generated week of shifts, evaluated
    under the terms both sides have in force on one date."""
    root = _dir(directory)
    book = _book(root)
    a = _resolve_side(old, book, root, None)
    b = _resolve_side(new, book, root, a)
    try:
        day = comparison_day(a, b, _day(at), datetime.now(a.timezone).date())  # today in the agreement's zone
    except AgreementError as exc:
        _fail(str(exc))
    typer.echo(f"{a.id} {a.version}  ->  {b.id} {b.version}\n")
    typer.echo("\n".join(term_diff(a, b).lines() + clause_diff(a, b)))
    today = datetime.now(a.timezone).date()
    why = (
        "--at"
        if at
        else "the draft's effective date"
        if draft_takes_effect(a, b)
        else "today"
        if day == today
        else "the first day both are in force"
    )
    typer.echo(f"\nimpact, under the terms of {day} ({why}):")
    examples = _both_examples(root, a, b)
    typer.echo("worked examples (payout: the net pay and the expenses, what the rider receives; invoice_total: what")
    typer.echo("the platform is invoiced, excluding VAT; corrections: what each term corrected or reported, by code):")
    typer.echo("\n".join(examples_impact(a, b, examples, day)))
    impact = sample_impact(a, b, day)
    typer.echo(f"a generated week of shifts from {day} (starts × lengths × offers):")
    typer.echo("\n".join(impact.lines(a.currency)))
