"""The negotiator's overview of an agreement: every clause in the agreement's order, in plain language, with how
the gateway enforces it and since when (`gateway agreements terms`).

The sentences are made from each dated value as the file writes it (`TermValue.written`), one function per term
type in `SENTENCES`. A type without a sentence still reads: `generic` names the type and its values in words.
Each sentence reads in English, French or Dutch: the functions pick the pieces, `overview_words` holds each
language's words for them. The command prints English; the transparency notice stores all three (`sentences`).
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
from gateway.agreements.overview_words import LANGUAGES, NAMES, WORDS, singular
from gateway.agreements.terms.base import InForce, TermValue

# Keys every dated value carries for provenance; they are not part of what the term says.
PROVENANCE = ("clause", "note", "enforcement", "version")


@dataclass(frozen=True)
class Words:
    """One language's words for the sentences (`overview_words`): a message by key, hours, a free-text name."""

    lang: str

    def __call__(self, key: str, **fields: Any) -> str:
        return WORDS[self.lang][key].format(**fields)

    def choice(self, prefix: str, value: Any, fallback: str | None = None) -> str:
        """The words for one of a field's known values (`prefix.value`); an unknown value as written."""
        key = f"{prefix}.{value}"
        return self(key) if key in WORDS[self.lang] else (str(value) if fallback is None else fallback)

    def hours(self, text: Any) -> str:
        n = Decimal(str(text)).normalize()
        return self("hours.one" if singular(self.lang, n) else "hours.other", n=f"{n:f}")

    def name(self, written: Any) -> str:
        return NAMES[self.lang].get(str(written), str(written))

    def join(self, items: list[str], key: str = "sep") -> str:
        return self(key).join(items)


Sentence = Callable[[Mapping[str, Any], str, Words], str]


def _number(text: Any) -> str:
    return f"{Decimal(str(text)).normalize():f}"


def _minimum_engagement(v: Mapping[str, Any], currency: str, w: Words) -> str:
    counted = w("min.counted.first_delivery" if v.get("counted_from") == "first_delivery" else "min.counted.start")
    out = [w("min.paid", hours=w.hours(v["paid_hours"]), counted=counted)]
    notice = v.get("short_notice_cancellation")
    if isinstance(notice, Mapping):
        out.append(w("min.notice", hours=w.hours(notice["notice_hours"]), pays=w.choice("min.notice", notice["pays"])))
    graded = v.get("graded_cancellation")
    if isinstance(graded, Mapping):
        of = w("min.graded.booked" if graded.get("of") == "booked" else "min.graded.guaranteed")
        bands = [
            w("min.graded.band", percent=_number(b["pays_percent"]), of=of, hours=w.hours(b["notice_under_hours"]))
            for b in graded.get("bands", [])
        ]
        out.append(w("min.graded", bands=w.join(bands)))
    home = v.get("sent_home_early")
    if isinstance(home, Mapping):
        out.append(w("min.home", pays=w.choice("min.home", home["pays"])))
    return " ".join(out)


def _hourly_floor(v: Mapping[str, Any], currency: str, w: Words) -> str:
    hours = w("floor.worked" if v.get("hours") == "worked" else "floor.paid")
    basis = "floor.net" if v.get("basis") == "net" else "floor.gross"
    return w(basis, hours=hours, amount=v["amount"], currency=currency)


def _statutory_minimum(v: Mapping[str, Any], currency: str, w: Words) -> str:
    return w("statutory_minimum")


def _piece_rate(v: Mapping[str, Any], currency: str, w: Words) -> str:
    policy = v.get("policy")
    return w(f"piece.{policy}" if policy in ("forbidden", "no_less_favourable") else "piece.allowed")


def _expenses(v: Mapping[str, Any], currency: str, w: Words) -> str:
    items = [
        w("expenses.item", amount=i["amount"], currency=currency, per=w.choice("per", i["per"]), name=w.name(i["name"]))
        for i in v["items"]
    ]
    return w("expenses", items=w.join(items))


def _insurance(v: Mapping[str, Any], currency: str, w: Words) -> str:
    cover = w.join([w.name(c) for c in v.get("cover", [])], "and")
    insurer = w("insurance.insurer", name=w.name(v.get("insurer", "cooperative")))
    return w("insurance", cover=cover, insurer=insurer)


def _payment_term(v: Mapping[str, Any], currency: str, w: Words) -> str:
    days = w("payment.business" if v.get("kind") == "business" else "payment.calendar", days=v["days"])
    return w("payment", days=days)


def _guarantee_levy(v: Mapping[str, Any], currency: str, w: Words) -> str:
    pct = f"{(Decimal(str(v['rate'])) * 100).normalize():f}"
    base = w("levy.invoice_excl_vat" if v.get("levied_on") == "invoice_excl_vat" else "levy.cost")
    return w("levy", pct=pct, base=base)


def _premium_item(i: Mapping[str, Any], currency: str, w: Words) -> str:
    if i.get("percent") is not None:
        more = w("premium.percent", percent=i["percent"])
    else:
        more = w("premium.amount", amount=i["amount"], currency=currency)
    kind = str(i["kind"])
    if kind == "night":
        where = w("premium.night", start=i.get("from"), end=i.get("to"))
    elif kind == "public_holiday":
        where = w("premium.public_holiday") + (f" ({i['subdivision']})" if i.get("subdivision") else "")
    elif kind in ("sunday", "bad_weather"):
        where = w(f"premium.{kind}")
    else:
        where = w("premium.other", kind=i["kind"])
    return w("premium.item", where=where, more=more)


def _premiums(v: Mapping[str, Any], currency: str, w: Words) -> str:
    items = [_premium_item(i, currency, w) for i in v["items"]]
    combine = w("premium.stack" if v.get("combine", "stack") == "stack" else "premium.highest")
    return w("premiums", items=w.join(items), combine=combine)


def _overtime(v: Mapping[str, Any], currency: str, w: Words) -> str:
    past = []
    if v.get("daily_hours") is not None:
        past.append(w("overtime.day", hours=w.hours(v["daily_hours"])))
    if v.get("weekly_hours") is not None:
        past.append(w("overtime.week", hours=w.hours(v["weekly_hours"])))
    both = w("overtime.both") if len(past) == 2 else ""
    return w("overtime", past=w.join(past, "or"), percent=v["percent"], both=both)


def _working_time_limits(v: Mapping[str, Any], currency: str, w: Words) -> str:
    said = []
    for key in ("max_hours_day", "max_hours_week", "min_rest_hours"):
        limit = v.get(key)
        if isinstance(limit, Mapping):
            mode = w.choice("limits", limit.get("enforcement", "report"))
            said.append(w("limits.item", limit=w(f"limits.{key}", hours=w.hours(limit["hours"])), mode=mode))
    return w("limits", limits=w.join(said))


def _waiting_time(v: Mapping[str, Any], currency: str, w: Words) -> str:
    return w("waiting", percent=v["percent"])


def _bonus(v: Mapping[str, Any], currency: str, w: Words) -> str:
    return w("bonus.forbidden" if v.get("policy") == "forbidden" else "bonus.allowed")


def _seniority(v: Mapping[str, Any], currency: str, w: Words) -> str:
    steps = []
    for s in v.get("steps", []):
        years = int(s["after_years"])
        after = w("seniority.after.one" if singular(w.lang, Decimal(years)) else "seniority.after.other", n=years)
        if s.get("amount") is not None:
            more = w("seniority.amount", amount=s["amount"], currency=currency)
        else:
            more = w("seniority.percent", percent=_number(s["percent"]))
        steps.append(w("seniority.step", after=after, more=more))
    return w("seniority", steps=w.join(steps))


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


def _words(value: Any, none: str = "none") -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{str(k).replace('_', ' ')} {_words(v, none)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_words(v, none) for v in value)
    if value is None:
        return none
    return str(value).replace("_", " ")


def generic(type_: str, v: Mapping[str, Any], lang: str = "en") -> str:
    """A type with no sentence of its own: its name and its values, in words rather than JSON (the names and values
    as the file writes them, whatever the language)."""
    w = Words(lang)
    said = _words({k: x for k, x in v.items() if k not in PROVENANCE}, w("none"))
    name = type_.replace("_", " ")
    name = name.capitalize() if lang == "en" else name
    return w("generic", type=name, said=said) if said else w("generic.empty", type=name)


def sentence(type_: str, written: Mapping[str, Any], currency: str, lang: str = "en") -> str:
    """The term in plain language: English unless `lang` is fr or nl."""
    said = SENTENCES.get(type_)
    return said(written, currency, Words(lang)) if said is not None else generic(type_, written, lang)


def sentences(type_: str, written: Mapping[str, Any], currency: str) -> dict[str, str]:
    """The sentence in each of the riders' languages, side by side (the transparency notice stores all three)."""
    return {lang: sentence(type_, written, currency, lang) for lang in LANGUAGES}


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


def how(type_: str, enforcement: str, written: Mapping[str, Any] | None = None) -> str:
    if type_ == "piece_rate" and (written or {}).get("policy") == "no_less_favourable":
        # The agreement allows the offer: nothing is corrected, the two are compared when the trips are known.
        return "compared at settlement: the better of the hourly pay and the trips at the offered price is paid"
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
        how=how(r.term.type, v.enforcement, v.written),
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
