"""The negotiator's overview of an agreement: every clause in the agreement's order, in plain language, with how
the gateway enforces it and since when (`gateway agreements terms`).

The sentences are made from each dated value as the file writes it (`TermValue.written`), one function per term
type in `SENTENCES`. A type without a sentence still reads: `generic` names the type and its values in words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from gateway.agreements.clauses import Clause, best
from gateway.agreements.engine import terms_in_force
from gateway.agreements.model import Agreement
from gateway.agreements.terms.base import InForce, TermValue

# Keys every dated value carries for provenance; they are not part of what the term says.
PROVENANCE = ("clause", "note", "enforcement", "version")

Sentence = Callable[[Mapping[str, Any], str], str]


def _hours(text: Any) -> str:
    n = Decimal(str(text)).normalize()
    return f"{n:f} hour" + ("" if n == 1 else "s")


def _number(text: Any) -> str:
    return f"{Decimal(str(text)).normalize():f}"


def _minimum_engagement(v: Mapping[str, Any], currency: str) -> str:
    counted = (
        "counted from the first delivery (from the start of the shift when there is none)"
        if v.get("counted_from") == "first_delivery"
        else "counted from the start of the shift"
    )
    out = [f"Every shift is paid at least {_hours(v['paid_hours'])}, {counted}, even with no delivery."]
    notice = v.get("short_notice_cancellation")
    if isinstance(notice, Mapping):
        pays = {"minimum": "the minimum hours", "booked": "the hours booked", "nothing": "nothing"}
        out.append(
            f"A shift cancelled less than {_hours(notice['notice_hours'])} before its start is paid "
            f"{pays.get(str(notice['pays']), notice['pays'])}."
        )
    graded = v.get("graded_cancellation")
    if isinstance(graded, Mapping):
        of = "booked hours" if graded.get("of") == "booked" else "hours the booking guaranteed"
        bands = [
            f"{_number(b['pays_percent'])} % of the {of} with less than {_hours(b['notice_under_hours'])}' notice"
            for b in graded.get("bands", [])
        ]
        out.append(f"A shift the platform cancels before its start pays {'; '.join(bands)}; nothing with more notice.")
    home = v.get("sent_home_early")
    if isinstance(home, Mapping):
        pays = {"minimum": "at least the minimum hours", "booked": "the hours booked"}
        out.append(f"A rider sent home before the end is paid {pays.get(str(home['pays']), home['pays'])}.")
    return " ".join(out)


def _hourly_floor(v: Mapping[str, Any], currency: str) -> str:
    hours = "Each hour worked" if v.get("hours") == "worked" else "Each paid hour (the guaranteed ones too)"
    if v.get("basis") == "net":
        return (
            f"{hours} earns at least {v['amount']} {currency} net, after the employee's social security and "
            "withholding; the gateway works out the gross that gives it."
        )
    return f"{hours} earns at least {v['amount']} {currency} gross."


def _statutory_minimum(v: Mapping[str, Any], currency: str) -> str:
    return (
        "Every hour is paid at least the statutory minimum wage, pro rata; where it is higher than the agreement's "
        "own floor, the higher one wins."
    )


def _piece_rate(v: Mapping[str, Any], currency: str) -> str:
    if v.get("policy") == "forbidden":
        return (
            "Riders are paid by the hour, never per trip, and are paid even with no delivery: an offer per trip is "
            "replaced by hourly pay."
        )
    if v.get("policy") == "no_less_favourable":
        return (
            "Riders are paid by the hour, never per trip. When a platform offers a price per trip, the booking "
            "guarantees the hourly floor and, at the end of the shift, the rider gets the better of the hourly pay "
            "and the trips at the offered price, paid as hours."
        )
    return "Pay per trip is allowed; the trips are topped up to the hourly floor when they pay less."


_PER = {
    "paid_hour": "an hour paid",
    "shift": "a shift",
    "month": "a month",
    "km": "a kilometre the platform records",
    "delivery": "a delivery",
}


def _expenses(v: Mapping[str, Any], currency: str) -> str:
    items = [f"{i['amount']} {currency} {_PER.get(str(i['per']), i['per'])} for {i['name']}" for i in v["items"]]
    return "The platform pays expenses on top of the salary, untaxed: " + "; ".join(items) + "."


def _insurance(v: Mapping[str, Any], currency: str) -> str:
    cover = " and ".join(str(c) for c in v.get("cover", []))
    return f"The rider is insured ({cover}); the insurance is taken out by the {v.get('insurer', 'cooperative')}."


def _payment_term(v: Mapping[str, Any], currency: str) -> str:
    kind = "working" if v.get("kind") == "business" else "calendar"
    return f"The rider is paid within {v['days']} {kind} days after the shift, whether or not the platform has paid."


def _guarantee_levy(v: Mapping[str, Any], currency: str) -> str:
    pct = f"{(Decimal(str(v['rate'])) * 100).normalize():f}"
    base = "the invoice excluding VAT" if v.get("levied_on") == "invoice_excl_vat" else "the cost of the shift"
    return f"{pct} % of {base} goes to the guarantee fund, which pays the riders when a platform pays late or never."


def _premium_item(i: Mapping[str, Any], currency: str) -> str:
    more = f"{i['percent']} % more" if i.get("percent") is not None else f"{i['amount']} {currency} more an hour"
    where = {
        "night": f"worked between {i.get('from')} and {i.get('to')} (local time)",
        "sunday": "worked on a Sunday",
        "public_holiday": "worked on a public holiday" + (f" ({i['subdivision']})" if i.get("subdivision") else ""),
        "bad_weather": "of a shift the platform flags as in bad weather",
    }.get(str(i["kind"]), f"of kind {i['kind']}")
    return f"hours {where} are paid {more}"


def _premiums(v: Mapping[str, Any], currency: str) -> str:
    items = [_premium_item(i, currency) for i in v["items"]]
    combine = (
        "premiums over the same hour add up"
        if v.get("combine", "stack") == "stack"
        else "only the highest premium is paid on an hour"
    )
    return "On top of the hourly pay, " + "; ".join(items) + f"; {combine}. A premium never fills the hourly floor."


def _overtime(v: Mapping[str, Any], currency: str) -> str:
    past = []
    if v.get("daily_hours") is not None:
        past.append(f"past {_hours(v['daily_hours'])} in a day")
    if v.get("weekly_hours") is not None:
        past.append(f"past {_hours(v['weekly_hours'])} in a week (Monday to Sunday, across every platform)")
    both = " (the larger of the two, never both)" if len(past) == 2 else ""
    return f"Hours worked {' or '.join(past)} are paid {v['percent']} % more{both}."


_LIMIT_HOW = {"amend": "the booking is shortened to fit", "reject": "the booking is refused", "report": "reported"}


def _working_time_limits(v: Mapping[str, Any], currency: str) -> str:
    said = []
    for key, words in (
        ("max_hours_day", "at most {} a day"),
        ("max_hours_week", "at most {} a week"),
        ("min_rest_hours", "at least {} of rest between two working days"),
    ):
        limit = v.get(key)
        if isinstance(limit, Mapping):
            mode = _LIMIT_HOW.get(str(limit.get("enforcement", "report")), str(limit.get("enforcement")))
            said.append(words.format(_hours(limit["hours"])) + f" ({mode})")
    return "A rider works " + "; ".join(said) + ". Hours already worked are always paid."


def _waiting_time(v: Mapping[str, Any], currency: str) -> str:
    return (
        f"Time waiting for the first order is paid at {v['percent']} % of the hourly rate, never below the floor, "
        "as its own line."
    )


def _bonus(v: Mapping[str, Any], currency: str) -> str:
    if v.get("policy") == "forbidden":
        return "A bonus the platform sends is not paid: the agreement does not allow bonuses."
    return (
        "A bonus the platform sends with the shift is paid on top of the hourly pay; it never counts towards the floor."
    )


def _seniority(v: Mapping[str, Any], currency: str) -> str:
    steps = [
        f"after {s['after_years']} full year{'' if int(s['after_years']) == 1 else 's'}, "
        + (
            f"{s['amount']} {currency} more an hour"
            if s.get("amount") is not None
            else f"{_number(s['percent'])} % more an hour"
        )
        for s in v.get("steps", [])
    ]
    return (
        "Counted from the date the rider joined the cooperative (on the day of the shift): "
        + "; ".join(steps)
        + ", on every paid hour."
    )


SENTENCES: dict[str, Sentence] = {
    "bonus": _bonus,
    "seniority": _seniority,
    "minimum_engagement": _minimum_engagement,
    "hourly_floor": _hourly_floor,
    "statutory_minimum": _statutory_minimum,
    "piece_rate": _piece_rate,
    "expenses": _expenses,
    "insurance": _insurance,
    "payment_term": _payment_term,
    "guarantee_levy": _guarantee_levy,
    "premiums": _premiums,
    "overtime": _overtime,
    "working_time_limits": _working_time_limits,
    "waiting_time": _waiting_time,
}


def _words(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{str(k).replace('_', ' ')} {_words(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_words(v) for v in value)
    if value is None:
        return "none"
    return str(value).replace("_", " ")


def generic(type_: str, v: Mapping[str, Any]) -> str:
    """A type with no sentence of its own: its name and its values, in words rather than JSON."""
    said = _words({k: x for k, x in v.items() if k not in PROVENANCE})
    return f"{type_.replace('_', ' ').capitalize()}: {said}." if said else f"{type_.replace('_', ' ').capitalize()}."


def sentence(type_: str, written: Mapping[str, Any], currency: str) -> str:
    said = SENTENCES.get(type_)
    return said(written, currency) if said is not None else generic(type_, written)


# How each enforcement reads; a term that only computes an amount or a date is applied whatever its mode.
HOW = {
    "amend": "corrected automatically: what breaks it is brought into line, and the correction recorded",
    "reject": "a booking that breaks it is refused (a shift already worked is still paid in full)",
    "report": "reported only: a breach is recorded, nothing is changed",
}
APPLIED = frozenset(
    {
        "expenses",
        "insurance",
        "payment_term",
        "guarantee_levy",
        "premiums",
        "overtime",
        "waiting_time",
        "seniority",
        "bonus",
    }
)
# Each limit says its own enforcement in the sentence.
OWN_ENFORCEMENT = frozenset({"working_time_limits"})


def how(type_: str, enforcement: str) -> str:
    if type_ in APPLIED:
        return "applied by the gateway to every shift it settles"
    if type_ in OWN_ENFORCEMENT:
        return "each limit as it says: shortened to fit, refused, or reported"
    return HOW.get(enforcement, f"enforcement {enforcement}")


@dataclass(frozen=True)
class TermView:
    term: str
    type: str
    clause: str
    sentence: str
    enforcement: str
    how: str
    since: date
    version: str
    value: dict[str, Any]
    note: str


@dataclass(frozen=True)
class ClauseView:
    ref: str
    title: str
    not_enforced: str | None
    terms: list[TermView]

    @property
    def heading(self) -> str:
        return f"{self.ref} {self.title}".strip()


def _view(agreement: Agreement, r: InForce[TermValue]) -> TermView:
    v = r.value
    return TermView(
        term=r.term.name,
        type=r.term.type,
        clause=v.clause,
        sentence=sentence(r.term.type, v.written, agreement.currency),
        enforcement=v.enforcement,
        how=how(r.term.type, v.enforcement),
        since=r.since,
        version=v.version,
        value={k: x for k, x in v.written.items() if k not in PROVENANCE},
        note=v.note,
    )


def overview(agreement: Agreement, day: date) -> list[ClauseView]:
    """Every listed clause in order with the terms in force on `day` that enforce it; a term whose clause is not
    listed (an older file without a list) becomes a clause of its own, after them."""
    refs = [c.ref for c in agreement.clauses]
    views = [_view(agreement, r) for r in terms_in_force(agreement, day)]
    by_ref: dict[str, list[TermView]] = {c.ref: [] for c in agreement.clauses}
    loose: list[TermView] = []
    for tv in views:
        ref = best(refs, tv.clause)
        (by_ref[ref] if ref is not None else loose).append(tv)
    out = [ClauseView(c.ref, c.title, c.not_enforced, by_ref[c.ref]) for c in _unique(agreement.clauses)]
    out += [ClauseView(tv.clause, "", None, [tv]) for tv in loose]
    return out


def _unique(clauses: tuple[Clause, ...]) -> list[Clause]:
    seen: dict[str, Clause] = {}
    for c in clauses:
        seen.setdefault(c.ref, c)
    return list(seen.values())


def overview_text(agreement: Agreement, day: date) -> str:
    out = [f"{agreement.title}", f"{agreement.id} version {agreement.version_at(day)}, as in force on {day}:"]
    for cv in overview(agreement, day):
        out.append("")
        out.append(cv.heading)
        if cv.not_enforced is not None:
            out.append(f"  Not enforced by the gateway: {cv.not_enforced}.")
            continue
        if not cv.terms:
            out.append(f"  No term of this clause is in force on {day}.")
        for tv in cv.terms:
            out.append(f"  {tv.sentence}")
            out.append(f"  How: {tv.how}.")
            out.append(f"  Since {tv.since}, version {tv.version} (term {tv.term}, clause “{tv.clause}”).")
    return "\n".join(out)


def overview_json(agreement: Agreement, day: date) -> dict[str, Any]:
    return {
        "agreement": agreement.id,
        "version": agreement.version_at(day),
        "at": day.isoformat(),
        "clauses": [
            {
                "ref": cv.ref,
                "title": cv.title,
                "not_enforced": cv.not_enforced,
                "terms": [
                    {
                        "term": tv.term,
                        "type": tv.type,
                        "clause": tv.clause,
                        "sentence": tv.sentence,
                        "enforcement": tv.enforcement,
                        "how": tv.how,
                        "since": tv.since.isoformat(),
                        "version": tv.version,
                        "value": tv.value,
                        "note": tv.note,
                    }
                    for tv in cv.terms
                ],
            }
            for cv in overview(agreement, day)
        ],
    }
