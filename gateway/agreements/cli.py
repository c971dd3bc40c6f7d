"""`gateway agreements ...`: the negotiators' tool. Validate, test, explain, simulate and diff agreements.

Everything here reads files and calls the engine; nothing touches the database or the network.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from gateway.agreements.engine import (
    OfferError,
    Statement,
    evaluate_booking,
    evaluate_shift,
    terms_in_force,
)
from gateway.agreements.examples import (
    Example,
    ExampleResult,
    ShiftInputError,
    check,
    load_examples,
    parse_shift,
    parse_worked_before,
    rerun_command,
    summary,
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
from gateway.agreements.terms.base import TermValue
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


def _report_failure(agreement: Agreement, result: ExampleResult) -> None:
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
    typer.echo(f"  rerun: {rerun_command(agreement.id, ex)}\n")


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
                _report_failure(agreement, result)
    colour = typer.colors.RED if failed else typer.colors.GREEN
    typer.secho(f"{passed} passed, {failed} failed", fg=colour)
    if failed:
        raise typer.Exit(1)


# --- explain ----------------------------------------------------------------------------------------------


def _emit(st: Statement, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(st.explanation(), indent=2, ensure_ascii=False))
    else:
        typer.echo(st.plain())


def _settle(agreement: Agreement, data: dict[str, Any], at: date | None) -> Statement:
    try:
        shift = parse_shift(data, agreement.currency)
        return evaluate_shift(agreement, shift, at, worked_before=parse_worked_before(data))
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
) -> None:
    """Every amount of one shift with the term, clause and dated value that produced it."""
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
            "bad_weather": bad_weather,
            "worked_before": {"day_hours": day_hours, "week_hours": week_hours, "previous_end": previous_end},
        }
    else:
        _fail("give --example NAME, or --start and --end (with the offer and what happened)")
    _emit(_settle(agreement, data, _day(at)), as_json)
    if not as_json:
        _booking_limits(agreement, data)


def _booking_limits(agreement: Agreement, data: dict[str, Any]) -> None:
    """What the working-time limits did at booking (refused, opened for fewer hours, reported), which the
    statement of the work done cannot show."""
    shift = parse_shift(data, agreement.currency)
    try:
        decision = evaluate_booking(agreement, shift.booking, worked_before=parse_worked_before(data))
    except (OfferError, AgreementError):
        return
    for c in decision.corrections:
        if c.term_type == "working_time_limits":
            typer.echo(f"At booking ({c.term}, {c.clause}): {c.action}: {c.detail}.")


@agreements_app.command()
def terms(agreement_id: str, at: Annotated[str, typer.Option(help="YYYY-MM-DD")], directory: DirOption = None) -> None:
    """The terms of an agreement in force on a date, each with its clause and the date its value took effect."""
    agreement = _agreement(_book(directory), agreement_id)
    day = _day(at)
    assert day is not None
    try:
        found = terms_in_force(agreement, day)
    except AgreementError as exc:
        _fail(str(exc))
    typer.echo(f"{agreement.id} version {agreement.version_at(day)} on {day.isoformat()}:")
    for t in found:
        typer.echo(f"  {t.term.name} ({t.term.type}; {t.clause}; since {t.since}): {_value_text(t.value)}")


# --- simulate ---------------------------------------------------------------------------------------------

CSV_OFFER = {
    "hourly_gross": "offer",
    "per_trip": "offer",
    "proposed_hourly_gross": "proposed",
    "proposed_per_trip": "proposed",
}


def _rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Shifts from a CSV (one per row, offer in hourly_gross/per_trip columns) or JSON (a list, or {shifts: [...]})."""
    text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        for i, row in enumerate(csv.DictReader(text.splitlines()), start=2):
            data: dict[str, Any] = {k: v for k, v in row.items() if k not in CSV_OFFER and v not in (None, "")}
            for column, target in CSV_OFFER.items():
                if row.get(column):
                    data.setdefault(target, {})[column.removeprefix("proposed_")] = row[column]
            yield row.get("shift_code") or f"line {i}", data
        return
    doc = json.loads(text)
    shifts = doc["shifts"] if isinstance(doc, dict) else doc
    for i, item in enumerate(shifts):
        yield str(item.get("shift_code") or f"#{i + 1}"), item


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


@agreements_app.command()
def simulate(
    agreement_id: str,
    shifts: Annotated[Path, typer.Argument(help="CSV or JSON file of shifts (- for JSON on stdin).")],
    at: AtOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Each shift's explanation as JSON.")] = False,
    directory: DirOption = None,
) -> None:
    """Settle many shifts under an agreement (optionally at a date): totals and each shift, no side effects."""
    agreement = _agreement(_book(directory), agreement_id)
    day = _day(at)
    totals, out = _Totals(), []
    try:
        rows = list(_rows(shifts))
    except (OSError, ValueError, KeyError) as exc:
        _fail(f"{shifts}: cannot read the shifts ({exc})")
    for ref, data in rows:
        try:
            st = evaluate_shift(agreement, parse_shift(data, agreement.currency), day)
        except (ShiftInputError, OfferError, AgreementError) as exc:
            _fail(f"{shifts}: {ref}: {exc}")
        totals.add(st)
        if as_json:
            out.append({"shift": ref, **st.explanation()})
        else:
            codes = ",".join(c.code for c in st.corrections) or "-"
            due = st.payment_due.isoformat() if st.payment_due else "-"
            typer.echo(
                f"{ref:<16} paid {st.paid_hours:>7} h  gross {st.gross:>8}  payout {st.payout:>8}  "
                f"invoice {st.invoice_total:>8}  due {due}  {codes}"
            )
    total = {k: str(v) for k, v in vars(totals).items()}
    if as_json:
        typer.echo(json.dumps({"agreement": agreement.id, "at": at, "shifts": out, "totals": total}, indent=2))
    else:
        typer.echo("totals: " + ", ".join(f"{k} {v}" for k, v in total.items()))


# --- diff -------------------------------------------------------------------------------------------------


def _value_text(typed: TermValue | None) -> str:
    if typed is None:
        return "ends (null)"
    value = typed.written
    shown_value = {k: v for k, v in value.items() if k not in ("note", "version", "enforcement", "clause")}
    extra = f" [{typed.clause}, {typed.enforcement}]"
    return json.dumps(shown_value, ensure_ascii=False, sort_keys=True) + extra


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


def _term_diff(old: Agreement, new: Agreement) -> list[str]:
    out: list[str] = []
    for name in dict.fromkeys([*old.terms, *new.terms]):
        a, b = old.terms.get(name), new.terms.get(name)
        if a is None or b is None:
            present = b or a
            assert present is not None
            out.append(f"{'+' if a is None else '-'} {name} ({present.type}): {'added' if a is None else 'removed'}")
            continue
        changes = []
        for d in sorted({d for d, _ in a.values.items()} | {d for d, _ in b.values.items()}):
            # Compare what is in force on each date either side sets, so a new date shows what it replaces.
            before, after = a.values.at(d), b.values.at(d)
            left = _value_text(before.value) if before else "not in force"
            right = _value_text(after.value) if after else "not in force"
            if left != right:
                changes.append(f"    from {d.isoformat()}: {left}\n                  -> {right}")
        if changes:
            out.append(f"~ {name} ({a.type}):\n" + "\n".join(changes))
    return out


def _impact(old: Agreement, new: Agreement, examples: list[Example], at: date | None) -> list[str]:
    out: list[str] = []
    for ex in examples:
        try:
            shift = parse_shift(ex.shift, old.currency)
            before = summary(evaluate_shift(old, shift, at))
            after = summary(evaluate_shift(new, shift, at))
        except (ShiftInputError, OfferError, AgreementError) as exc:
            out.append(f"  {ex.name}: cannot evaluate ({exc})")
            continue
        changed = [f"{k} {before[k]} -> {after[k]}" for k in before if before[k] != after[k]]
        if changed:
            out.append(f"  {ex.name}: " + "; ".join(changed))
    return out


@agreements_app.command()
def diff(
    old: Annotated[str, typer.Argument(help="An agreement id or agreement file.")],
    new: Annotated[str, typer.Argument(help="An agreement id or file, or an amendment/proposal file to lay over OLD.")],
    at: AtOption = None,
    directory: DirOption = None,
) -> None:
    """Compare two versions term by term, with dates, and show how the worked examples change."""
    root = _dir(directory)
    book = _book(root)
    a = _resolve_side(old, book, root, None)
    b = _resolve_side(new, book, root, a)
    typer.echo(f"{a.id} {a.version}  ->  {b.id} {b.version}")
    lines = _term_diff(a, b)
    typer.echo("\n".join(lines) if lines else "no term differs")
    examples = _examples(root, a) if (root / a.id).is_dir() else []
    impact = _impact(a, b, examples, _day(at))
    typer.echo(f"\nimpact on the {len(examples)} worked examples" + (f" (terms of {at})" if at else "") + ":")
    typer.echo("\n".join(impact) if impact else "  none changes")
