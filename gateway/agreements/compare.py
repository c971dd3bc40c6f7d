"""Two versions of an agreement side by side (`gateway agreements diff`): what changed in the terms, told apart from
what was only relabelled, and what the change does to shifts, counted rather than left to the reader to compute.

A term is matched by name; when a name disappears and another of the same type appears, that is a rename (one term
per type in an agreement, so the pairing is unambiguous). Dates before a side has a term at all are skipped: the
other side starting earlier is not a change of the term.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from gateway.agreements.engine import evaluate_shift, resolve
from gateway.agreements.examples import Example, ShiftInputError, parse_shift, summary
from gateway.agreements.model import Agreement, AgreementError, Term
from gateway.agreements.outcome import Booking, HourlyOffer, Offer, OfferError, PerTripOffer, ShiftOutcome
from gateway.agreements.overview import PROVENANCE, sentence
from gateway.agreements.terms.base import TermValue

LABELS = ("clause", "note")


# --- the terms ---------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} {_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + "; ".join(_text(v) for v in value) + "]"
    return "none" if value is None else str(value)


def _what(v: TermValue) -> dict[str, Any]:
    """What a value makes the gateway do: its written values and its enforcement (a change of mode is a change of
    behaviour, not of wording)."""
    return {**{k: x for k, x in v.written.items() if k not in PROVENANCE}, "enforcement": v.enforcement}


def values_text(v: TermValue | None) -> str:
    if v is None:
        return "ended"
    return ", ".join(f"{k} {_text(x)}" for k, x in _what(v).items())


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    keys = list(dict.fromkeys([*before, *after]))
    return [f"{k} {_text(before.get(k))} -> {_text(after.get(k))}" for k in keys if before.get(k) != after.get(k)]


def _labels(v: TermValue) -> dict[str, str]:
    return {"clause": f'"{v.clause}"', "note": f'"{v.note}"'}


@dataclass
class TermDiff:
    renamed: list[str]
    added: list[str]
    removed: list[str]
    values: list[str]
    labels: list[str]

    def lines(self) -> list[str]:
        out: list[str] = []
        for title, found in (
            ("renamed", self.renamed),
            ("added", self.added),
            ("removed", self.removed),
            ("value changes", self.values),
            ("label changes (clause or note only: nothing is paid or enforced differently)", self.labels),
        ):
            if found:
                out += [f"{title}:", *found]
        return out or ["no term differs"]


def _history(term: Term) -> str:
    return "; ".join(f"from {d}: {values_text(v)}" for d, v in term.values.items())


def _in_words(term: Term, currency: str) -> str:
    """The term's last value as the negotiators' overview words it, on a line of its own (nothing once ended)."""
    found = term.values.items()
    last = found[-1][1] if found else None
    if last is None:
        return ""
    return f"\n      {sentence(term.type, last.written, currency)}"


def pair_terms(old: Agreement, new: Agreement) -> tuple[list[tuple[Term, Term]], list[Term], list[Term]]:
    """(matched pairs, added, removed): by name, then a lone disappearing name to a lone new one of its type."""
    pairs = [(old.terms[n], new.terms[n]) for n in old.terms if n in new.terms]
    gone = [t for n, t in old.terms.items() if n not in new.terms]
    came = [t for n, t in new.terms.items() if n not in old.terms]
    for t in list(gone):
        twin = next((c for c in came if c.type == t.type), None)
        if twin is not None:
            pairs.append((t, twin))
            gone.remove(t)
            came.remove(twin)
    return pairs, came, gone


def term_diff(old: Agreement, new: Agreement) -> TermDiff:
    pairs, came, gone = pair_terms(old, new)
    diff = TermDiff([], [], [], [], [])
    diff.added = [f"  + {t.name} ({t.type}): {_history(t)}{_in_words(t, new.currency)}" for t in came]
    diff.removed = [f"  - {t.name} ({t.type}): was {_history(t)}{_in_words(t, old.currency)}" for t in gone]
    for a, b in pairs:
        if a.name != b.name:
            diff.renamed.append(f"  {a.name} -> {b.name} ({a.type}): {_history(b)}")
        for d in sorted({d for d, _ in a.values.items()} | {d for d, _ in b.values.items()}):
            _date_diff(a, b, d, diff, new.currency)
    return diff


def _date_diff(a: Term, b: Term, d: date, diff: TermDiff, currency: str) -> None:
    first_a, first_b = a.values.first, b.values.first
    if first_a is None or first_b is None or d < first_a or d < first_b:
        return  # one side has no such term yet: the agreements start apart, the term did not change
    before, after = a.values.at(d), b.values.at(d)
    left, right = (before.value if before else None), (after.value if after else None)
    name = b.name
    if left is None or right is None:
        if left is not right:
            diff.values.append(f"  ~ {name} ({b.type}) from {d}: {values_text(left)} -> {values_text(right)}")
        return
    changed = _changed(_what(left), _what(right))
    if changed:
        diff.values.append(f"  ~ {name} ({b.type}) from {d}: " + "; ".join(changed))
        # The same change as the negotiators' overview words it: a reader need not decode the values.
        was, now = sentence(a.type, left.written, currency), sentence(b.type, right.written, currency)
        if was != now:
            diff.values += [f"      was: {was}", f"      now: {now}"]
    relabelled = _changed(_labels(left), _labels(right))
    if relabelled:
        diff.labels.append(f"  ~ {name} from {d}: " + "; ".join(relabelled))


def clause_diff(old: Agreement, new: Agreement) -> list[str]:
    def shown(a: Agreement) -> dict[str, str]:
        return {
            c.ref: f"{c.ref} {c.title}" + (f" (not enforced: {c.not_enforced})" if c.not_enforced else "")
            for c in a.clauses
        }

    a, b = shown(old), shown(new)
    out = [f"  + {b[r]}" for r in b if r not in a]
    out += [f"  - {a[r]}" for r in a if r not in b]
    out += [f"  ~ {a[r]} -> {b[r]}" for r in a if r in b and a[r] != b[r]]
    return ["clauses:", *out] if out else []


# --- the date of the comparison ----------------------------------------------------------------------------


def draft_takes_effect(old: Agreement, new: Agreement) -> date | None:
    """The first date the new side's own amendments change anything (None: a whole other agreement)."""
    known = {a.version for a in old.amendments}
    firsts = [a.first_date for a in new.amendments if a.version not in known]
    return min(firsts) if firsts else None


def comparison_day(old: Agreement, new: Agreement, at: date | None, today: date) -> date:
    """`at`; else the draft's effective date; else (two whole agreements) today, or the day the later one starts.
    An error when either agreement cannot be evaluated on it (not started, or no payroll figures yet)."""
    both = max(old.effective_from, new.effective_from)
    day = at or draft_takes_effect(old, new) or max(today, both)
    day = max(day, both) if at is None else day
    for a in (old, new):
        if day < a.effective_from:
            raise AgreementError(
                f"{a.id} {a.version} is not in force on {day} (it starts {a.effective_from}); "
                f"compare on {both} or later"
            )
        resolve(a, day)  # raises, naming what is missing, when the payroll profile has no figures for the day
    return day


# --- impact ------------------------------------------------------------------------------------------------

# A generated week of shifts: every day of the week from the comparison day, at morning, noon, evening and late
# starts, short to long, paid by the hour under and over the floors or per trip. Deterministic, so two runs of
# `diff` say the same; 7 × 4 × 4 × 4 = 448 shifts.
SAMPLE_STARTS = (time(7), time(12), time(18), time(22))
SAMPLE_MINUTES = (90, 180, 240, 360)
SAMPLE_OFFERS = ("none", "11.00", "14.00", "trip 5.00")


def _sample_offer(spec: str, currency: str) -> Offer | None:
    if spec == "none":
        return None
    if spec.startswith("trip "):
        return PerTripOffer(Decimal(spec.removeprefix("trip ")), currency)
    return HourlyOffer(Decimal(spec), currency)


def sample_shifts(day: date, zone: ZoneInfo, currency: str) -> Iterator[ShiftOutcome]:
    for offset in range(7):
        for start in SAMPLE_STARTS:
            begins = datetime.combine(day + timedelta(days=offset), start, tzinfo=zone)
            for minutes in SAMPLE_MINUTES:
                ends = (begins.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(zone)
                for spec in SAMPLE_OFFERS:
                    booking = Booking(begins, ends, _sample_offer(spec, currency))
                    yield ShiftOutcome(booking, deliveries=minutes // 30)


@dataclass(frozen=True)
class Impact:
    shifts: int
    changed: int  # shifts whose net, payout or invoice changes
    net: list[Decimal]  # the change of the rider's net, one per shift whose net changes
    payout: Decimal  # total change of what the rider is paid (net and expenses)
    invoice: Decimal  # total change of what the platform is invoiced

    def lines(self, currency: str) -> list[str]:
        head = f"  {self.changed} of {self.shifts} shifts change"
        if not self.changed:
            return [head + "."]
        out = [head + ";"]
        if self.net:
            net = sorted(self.net)
            median = Decimal(statistics.median(net)).quantize(Decimal("0.01"))
            out.append(
                f"  the rider's net changes on {len(net)} of them, by {_signed(net[0])} (min), {_signed(median)} "
                f"(median), {_signed(net[-1])} (max) {currency}, {_signed(sum(net, Decimal(0)))} {currency} in all;"
            )
        else:
            out.append("  the rider's net changes on none of them;")
        out.append(
            f"  paid to the rider with expenses: {_signed(self.payout)} {currency} in all; "
            f"invoiced to the platform: {_signed(self.invoice)} {currency} in all."
        )
        return out


def _signed(d: Decimal) -> str:
    return f"+{d}" if d > 0 else str(d)


def sample_impact(old: Agreement, new: Agreement, day: date) -> Impact:
    changed, payout, invoice = 0, Decimal(0), Decimal(0)
    nets: list[Decimal] = []
    shifts = list(sample_shifts(day, old.timezone, old.currency))
    for shift in shifts:
        a, b = evaluate_shift(old, shift, day), evaluate_shift(new, shift, day)
        if (a.net, a.payout, a.invoice_total) == (b.net, b.payout, b.invoice_total):
            continue
        changed += 1
        if b.net != a.net:
            nets.append(b.net - a.net)
        payout += b.payout - a.payout
        invoice += b.invoice_total - a.invoice_total
    return Impact(len(shifts), changed, nets, payout, invoice)


def examples_impact(old: Agreement, new: Agreement, examples: list[Example], day: date) -> list[str]:
    """Each worked example whose figures differ, with the figures, and how many of them change."""
    out: list[str] = []
    changed = failed = 0
    # Two agreements may each have an example of the same name: those are told apart by their file.
    names = [ex.name for ex in examples]
    for ex in examples:
        shown = ex.name if names.count(ex.name) == 1 else f"{ex.name} ({ex.file})"
        try:
            shift = parse_shift(ex.shift, old.currency)
            before = summary(evaluate_shift(old, shift, day))
            after = summary(evaluate_shift(new, shift, day))
        except (ShiftInputError, OfferError, AgreementError) as exc:
            out.append(f"  {shown}: cannot evaluate ({exc})")
            failed += 1
            continue
        differs = [f"{k} {before[k]} -> {after[k]}" for k in before if before[k] != after[k]]
        if differs:
            changed += 1
            out.append(f"  {shown}: " + "; ".join(differs))
    head = f"  {changed} of {len(examples)} change" + (f", {failed} cannot be evaluated" if failed else "")
    return [head + (":" if out else "."), *out]
