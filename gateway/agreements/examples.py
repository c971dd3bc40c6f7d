"""Negotiators' worked examples: a shift and an offer, and what the agreement must make of them.

Examples live beside the agreement (`agreements/<id>/examples/*.yaml`); `gateway agreements test` runs them.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from gateway.agreements.engine import (
    Booking,
    HourlyOffer,
    Offer,
    OfferError,
    PerTripOffer,
    ShiftOutcome,
    Statement,
    WorkedBefore,
    Worker,
    evaluate_booking,
    evaluate_shift,
)
from gateway.agreements.issues import Issue
from gateway.agreements.loader import EXAMPLES_SCHEMA, Reader, shown
from gateway.agreements.model import Agreement, AgreementError

AMOUNT_KEYS = (
    "hourly_gross",
    "gross",
    "employee_social_security",
    "net",
    "expenses",
    "payout",
    "employer_contributions",
    "guarantee_levy",
    "invoice_total",
)
HOUR_KEYS = ("paid_hours", "worked_hours")


class ShiftInputError(ValueError):
    """A shift description (example, CSV row, JSON object) that cannot be read."""


def _instant(data: dict[str, Any], key: str) -> datetime | None:
    text = data.get(key)
    if text in (None, ""):
        return None
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError as exc:
        raise ShiftInputError(f"{key}: {text!r} is not an ISO-8601 instant") from exc
    if value.tzinfo is None:
        raise ShiftInputError(f"{key}: {text!r} has no UTC offset; write e.g. 2026-03-01T18:00:00+01:00")
    return value


def _offer(data: Any, currency: str) -> Offer | None:
    if not data:
        return None
    if not isinstance(data, dict):
        raise ShiftInputError('offer: give hourly_gross or per_trip, e.g. {hourly_gross: "12.50"}')
    cur = str(data.get("currency", currency))
    if data.get("hourly_gross") not in (None, ""):
        return HourlyOffer(_amount(data, "hourly_gross"), cur)
    if data.get("per_trip") not in (None, ""):
        return PerTripOffer(_amount(data, "per_trip"), cur)
    raise ShiftInputError("offer: give hourly_gross or per_trip")


def _amount(data: dict[str, Any], key: str) -> Decimal:
    """An offer's amount, bounded as the webhook bounds it (at most 9999999.99)."""
    found = _number(data, key, OFFER_MOST, "12.50")
    assert found is not None  # the caller checked the key is there
    return found


def _number(data: dict[str, Any], key: str, most: Decimal, example: str, where: str = "") -> Decimal | None:
    """A decimal number written with a dot, from 0 to `most` (None: not given). Bounded as the webhook bounds the
    same field: an amount past what Decimal's 28 digits can round to the cent would fail deep in the engine."""
    text = data.get(key)
    if text in (None, ""):
        return None
    said = str(text).strip()
    name = f"{where}{key}"
    try:
        value = Decimal(said)
    except InvalidOperation:
        comma = " (with a dot, not a comma)" if "," in said else ""
        raise ShiftInputError(f"{name}: {said!r} is not a number; write it as {example}{comma}") from None
    if not value.is_finite():
        raise ShiftInputError(f"{name}: {said!r} is not a number; write it as {example}")
    if value < 0:
        raise ShiftInputError(f"{name}: {said!r} must not be negative; write it as {example}")
    if value > most:
        raise ShiftInputError(f"{name}: {said!r} is more than {most}, the most it can be")
    return value


# The bounds of what a shift's data may say, as the webhook's canonical events bound the same fields.
OFFER_MOST = Decimal("9999999.99")
DISTANCE_MOST = Decimal(1000)
BONUS_MOST = Decimal("9999.99")
YEAR_HOURS_MOST = Decimal(366 * 24)
DAY_HOURS_MOST = Decimal(24)
WEEK_HOURS_MOST = Decimal(7 * 24)


def parse_shift(data: dict[str, Any], currency: str) -> ShiftOutcome:
    """A shift from plain data (example YAML, JSON, a CSV row); instants carry their UTC offset."""
    starts, ends = _instant(data, "starts_at"), _instant(data, "ends_at")
    if starts is None or ends is None:
        raise ShiftInputError("starts_at and ends_at are required")
    if ends <= starts:
        raise ShiftInputError(f"ends_at {ends.isoformat()} is not after starts_at {starts.isoformat()}")
    deliveries = _count(data, "deliveries")
    home = data.get("sent_home_early", False)
    distance = _number(data, "distance_km", DISTANCE_MOST, "12.5")
    bonus = _number(data, "bonus", BONUS_MOST, "5.00")
    weather = data.get("bad_weather", False)
    return ShiftOutcome(
        booking=Booking(starts, ends, _offer(data.get("offer"), currency)),
        actual_start=_instant(data, "actual_start"),
        actual_end=_instant(data, "actual_end"),
        first_delivery_at=_instant(data, "first_delivery_at"),
        deliveries=deliveries,
        cancelled_at=_instant(data, "cancelled_at"),
        sent_home_early=home if isinstance(home, bool) else str(home).lower() in ("1", "true", "yes"),
        proposed=_offer(data.get("proposed"), currency),
        distance_km=distance,
        bonus=bonus,
        worker=_worker(data.get("worker") or _worker_columns(data)),
        bad_weather=weather if isinstance(weather, bool) else str(weather).lower() in ("1", "true", "yes"),
    )


def _count(data: dict[str, Any], key: str) -> int | None:
    text = data.get(key)
    if text in (None, ""):
        return None
    try:
        value = int(str(text).strip())
    except ValueError:
        raise ShiftInputError(f"{key}: {text!r} is not a whole number such as 4") from None
    if value < 0:
        raise ShiftInputError(f"{key}: {text!r} must not be negative")
    return value


WORKER_KEYS = ("birth_date", "student", "student_hours_this_year", "employed_since")
WORKED_BEFORE_KEYS = ("day_hours", "week_hours", "previous_end")

# The offers' columns of a CSV row, gathered into the objects `parse_shift` reads.
CSV_OFFER = {
    "hourly_gross": "offer",
    "per_trip": "offer",
    "proposed_hourly_gross": "proposed",
    "proposed_per_trip": "proposed",
}

# What a CSV row of shifts may hold (`gateway agreements simulate`, `gateway reports whatif --csv`), said once.
SHIFT_COLUMNS = """\
starts_at, ends_at (required): the booked times, ISO-8601 with the UTC offset, e.g. 2026-03-02T18:00:00+01:00
hourly_gross or per_trip: the offer at booking, an amount such as 12.50 (in the agreement's currency)
proposed_hourly_gross or proposed_per_trip: the pay the platform proposes at the end (default: the offer)
actual_start, actual_end: when the work really started and ended (default: the booked times)
first_delivery_at: the time of the first delivery
deliveries: the number of deliveries (trips), a whole number
cancelled_at: when the shift was cancelled, if it was
sent_home_early: true when the rider was sent home before the booked end (also 1 or yes)
distance_km: the kilometres the platform recorded (expenses per km), such as 12.4
bonus: a bonus the platform sent with the shift's end, such as 5.00
bad_weather: true when the platform flagged the shift as in bad weather (also 1 or yes)
worker_birth_date, worker_employed_since: the rider's birth date and start date, YYYY-MM-DD
worker_student: true for a student; worker_student_hours_this_year: hours worked as a student before this shift
worked_before_day_hours, worked_before_week_hours: the rider's hours earlier that day and week, every platform
worked_before_previous_end: when the rider's previous working day ended (the rest between two working days)"""


def header_problem(columns: Sequence[str] | None) -> str | None:
    """What is wrong with a CSV of shifts' header row, in words (None: nothing): the file is empty, or its cells
    are separated by something else than commas (a spreadsheet's semicolons)."""
    if not columns:
        return "the file is empty: its first line names the columns (starts_at, ends_at, ...)"
    if "starts_at" not in columns and any(";" in c or "\t" in c for c in columns):
        return (
            "the columns are separated by semicolons or tabs; save the file as CSV with commas "
            "(starts_at,ends_at,hourly_gross,...)"
        )
    return None


def csv_data(row: Mapping[str, str | None], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A CSV row as `parse_shift` reads it: empty cells unset, the offers' columns gathered into `offer` and
    `proposed`, the worked_before_* columns into `worked_before` (worker_* columns are read by `parse_shift`)."""
    data: dict[str, Any] = {}
    extra = row.get(None)  # type: ignore[call-overload]  # csv.DictReader's cells past the header
    if extra:
        raise ShiftInputError(
            f"{len(extra)} more cell(s) than the header has columns ({', '.join(map(str, extra))}): an amount "
            "written with a comma (write 12.50, not 12,50) or a comma inside a value"
        )
    for column, value in row.items():
        if value in (None, "") or column in skip:
            continue
        if column in CSV_OFFER:
            data.setdefault(CSV_OFFER[column], {})[column.removeprefix("proposed_")] = value
        elif column.startswith("worked_before_") and column.removeprefix("worked_before_") in WORKED_BEFORE_KEYS:
            data.setdefault("worked_before", {})[column.removeprefix("worked_before_")] = value
        else:
            data[column] = value
    return data


def _worker_columns(data: dict[str, Any]) -> dict[str, Any] | None:
    """A CSV row's worker_birth_date, worker_student, worker_student_hours_this_year, worker_employed_since."""
    found = {k: data[f"worker_{k}"] for k in WORKER_KEYS if data.get(f"worker_{k}") not in (None, "")}
    return found or None


def _day(data: dict[str, Any], key: str) -> date | None:
    text = data.get(key)
    if text in (None, ""):
        return None
    try:
        return date.fromisoformat(str(text))
    except ValueError as exc:
        raise ShiftInputError(f"worker.{key}: {text!r} is not a date written YYYY-MM-DD") from exc


def _worker(data: Any) -> Worker | None:
    """The rider's status (example YAML, JSON; a CSV row's worker_* columns are gathered by the caller)."""
    if not data:
        return None
    if not isinstance(data, dict):
        raise ShiftInputError("worker: give birth_date, student, student_hours_this_year, employed_since")
    student = data.get("student", False)
    return Worker(
        birth_date=_day(data, "birth_date"),
        student=student if isinstance(student, bool) else str(student).lower() in ("1", "true", "yes"),
        student_hours_this_year=_number(data, "student_hours_this_year", YEAR_HOURS_MOST, "120", "worker.")
        or Decimal(0),
        employed_since=_day(data, "employed_since"),
    )


def parse_worked_before(data: dict[str, Any]) -> WorkedBefore | None:
    """What the rider worked before the shift (`worked_before: {day_hours, week_hours, previous_end}`), if given."""
    raw = data.get("worked_before")
    if not raw:
        return None
    day = _number(raw, "day_hours", DAY_HOURS_MOST, "7.5", "worked_before.") or Decimal(0)
    week = _number(raw, "week_hours", WEEK_HOURS_MOST, "36", "worked_before.") or Decimal(0)
    return WorkedBefore(day, week, _instant(raw, "previous_end"))


@dataclass(frozen=True)
class Example:
    name: str
    about: str
    file: str
    line: int
    shift: dict[str, Any]
    expect: dict[str, Any]


@dataclass(frozen=True)
class Mismatch:
    what: str
    expected: str
    actual: str


@dataclass
class ExampleResult:
    example: Example
    settlement: Statement | None = None
    error: str | None = None
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.error is None and not self.mismatches


def example_files(folder: Path) -> list[Path]:
    return sorted((folder / "examples").glob("*.yaml"))


def load_examples(folder: Path, rd: Reader) -> list[Example]:
    """Every example beside the agreement in `folder`; problems go to the reader's issues."""
    out: list[Example] = []
    seen: dict[str, str] = {}
    for path in example_files(folder):
        doc = rd.read(path, EXAMPLES_SCHEMA)
        if doc is None:
            continue
        for i, ex in enumerate(doc.data["examples"]):
            pos = doc.where(("examples", i))
            if ex["name"] in seen:
                rd.issues.append(
                    Issue(shown(path), pos, f"example name {ex['name']!r} is already used in {seen[ex['name']]}")
                )
                continue
            seen[ex["name"]] = shown(path)
            try:
                parse_shift(ex["shift"], "XXX")
                parse_worked_before(ex["shift"])
            except ShiftInputError as exc:
                rd.issues.append(Issue(shown(path), doc.where(("examples", i, "shift")), str(exc), ex["name"]))
                continue
            out.append(Example(ex["name"], ex["about"], shown(path), pos.line, ex["shift"], ex["expect"]))
    return out


def rerun_command(agreement_id: str, example: Example, directory: Path | None = None) -> str:
    """The command that runs this example alone; `directory` when the agreements are not in the default one."""
    where = f" --dir {shlex.quote(str(directory))}" if directory is not None else ""
    return f"gateway agreements test {agreement_id} --example {example.name}{where}"


def _compare(what: str, expected: Any, actual: Any, same: Callable[[Any, Any], bool], out: list[Mismatch]) -> None:
    if not same(expected, actual):
        out.append(Mismatch(what, str(expected), str(actual)))


def _dec_equal(a: Any, b: Any) -> bool:
    return b is not None and Decimal(str(a)) == Decimal(str(b))


def _lines_text(lines: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{ln['code']} {ln['amount']}"
        + (f" ({ln['hours']} h)" if "hours" in ln else "")
        + (f" [{ln['term']}]" if "term" in ln else "")
        for ln in lines
    )


def _check_lines(expected: list[dict[str, Any]], st: Statement, out: list[Mismatch]) -> None:
    """Lines match in order, on code and amount, and on hours and term where the example gives them."""
    actual = []
    for want, ln in zip(expected, st.lines, strict=False):
        got: dict[str, Any] = {"code": ln.code, "amount": str(ln.amount)}
        if "hours" in want:
            got["hours"] = str(ln.hours)
        if "term" in want:
            got["term"] = ln.term
        actual.append(got)
    actual += [{"code": ln.code, "amount": str(ln.amount)} for ln in st.lines[len(expected) :]]
    same = len(expected) == len(st.lines) and all(
        w["code"] == a["code"]
        and Decimal(w["amount"]) == Decimal(a["amount"])
        and ("hours" not in w or Decimal(w["hours"]) == Decimal(a["hours"]))
        and ("term" not in w or w["term"] == a["term"])
        for w, a in zip(expected, actual, strict=False)
    )
    if not same:
        out.append(Mismatch("lines", _lines_text(expected), _lines_text(actual)))


def check(agreement: Agreement, example: Example) -> ExampleResult:
    result = ExampleResult(example)
    exp = example.expect
    try:
        shift = parse_shift(example.shift, agreement.currency)
        before = parse_worked_before(example.shift)
        st = evaluate_shift(agreement, shift, worked_before=before)
        decision = evaluate_booking(agreement, shift.booking, worked_before=before)
        rejection = decision.rejection
    except (ShiftInputError, OfferError, AgreementError) as exc:
        result.error = str(exc)
        return result
    result.settlement = st
    out = result.mismatches
    for key in HOUR_KEYS + AMOUNT_KEYS:
        if key in exp:
            _compare(key, exp[key], getattr(st, key), _dec_equal, out)
    if "lines" in exp:
        _check_lines(exp["lines"], st, out)
    if "payment_due" in exp:
        actual_due = st.payment_due.isoformat() if st.payment_due else "none"
        _compare("payment_due", exp["payment_due"], actual_due, lambda a, b: a == b, out)
    if "notes" in exp:
        _compare("notes", sorted(exp["notes"]), sorted(n.code for n in st.notes), lambda a, b: a == b, out)
    if "violations" in exp:
        codes = sorted(c.code for c in st.corrections)
        _compare("violations", sorted(exp["violations"]), codes, lambda a, b: a == b, out)
    if "rejected_by" in exp:
        _compare("rejected_by", exp["rejected_by"], rejection.term if rejection else "none", lambda a, b: a == b, out)
    if "reported" in exp:
        reported = sorted(c.code for c in decision.corrections if c.action == "reported")
        _compare("reported", sorted(exp["reported"]), reported, lambda a, b: a == b, out)
    for key, got in (("booked_from", decision.amended_start), ("booked_until", decision.amended_end)):
        if key in exp and _instant(exp, key) != got:
            out.append(Mismatch(key, str(exp[key]), got.isoformat() if got else "as booked"))
    return result


def summary(st: Statement) -> dict[str, str]:
    """The figures an example can expect, as text: what `diff` compares between two versions."""
    return {
        "paid_hours": f"{st.paid_hours:.2f}",  # hours as the statements show them, to two decimals
        "hourly_gross": str(st.hourly_gross),
        "gross": str(st.gross),
        "payout": str(st.payout),
        "invoice_total": str(st.invoice_total),
        "payment_due": st.payment_due.isoformat() if st.payment_due else "none",
        "corrections": ",".join(sorted(c.code for c in st.corrections)) or "none",
    }
