"""A what-if as a terminal table (rich), CSV and a self-contained HTML page with charts."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from rich.console import Console
from rich.table import Table

from gateway.reports import charts
from gateway.reports.page import HOURS, hours, page, signed, table
from gateway.reports.whatif import MEASURES, Figures, RiderTotals, WhatIfResult

LABELS = {
    "paid_hours": "Paid hours",
    "gross": "Gross pay",
    "net": "Net pay",
    "expenses": "Expenses paid back",
    "cost": "Cost to the platform",
}
SHOWN_RIDERS = 10


def _terms_text(r: WhatIfResult) -> str:
    return f"terms in force on {r.at.isoformat()}" if r.at else "terms in force on each shift's day"


def headline(r: WhatIfResult) -> str:
    return (
        f"{r.agreement} {r.signed_version} vs {r.draft_label} — {r.source}; {_terms_text(r)}. "
        f"{r.shifts} shifts ({r.changed_shifts} change), {len(r.riders)} riders: "
        f"{len(r.gainers)} gain, {len(r.losers)} lose, {r.unchanged} unchanged (net pay)."
    )


def totals_table(r: WhatIfResult) -> Table:
    before, after = r.signed, r.draft
    t = Table(title=f"Totals ({r.currency})")
    for name in ("", "signed", "draft", "change"):
        t.add_column(name, justify="right" if name else "left")
    for m in MEASURES:
        a, b = before.get(m), after.get(m)
        t.add_row(LABELS[m], _hours_or_money(m, a), _hours_or_money(m, b), _change(m, b - a))
    return t


def _rider_table(title: str, riders: list[RiderTotals]) -> Table:
    t = Table(title=title)
    for name in RIDER_HEADER:
        t.add_column(name, justify="left" if name == "Rider" else "right")
    for row in _rider_rows(riders):
        t.add_row(*row)
    if not riders:
        t.caption = "none"
    return t


def deciles_table(r: WhatIfResult) -> Table:
    """One decile a row, with its meaning in words (as the HTML report): nine columns of figures were cut short
    in a narrow terminal, and a figure alone says nothing to a reader who does not know what a decile is."""
    t = Table(title=f"Per-rider change in net pay, deciles ({r.currency})")
    t.add_column("Decile")
    t.add_column("Change", justify="right", no_wrap=True)
    t.add_column("In words")
    for row in decile_words(r):
        t.add_row(*row)
    return t


def print_terminal(r: WhatIfResult, console: Console) -> None:
    console.print(headline(r), soft_wrap=True)
    for name, meaning in explain_sides(r)[:2]:
        console.print(f"{name}: {meaning}", soft_wrap=True)
    console.print(totals_table(r))
    console.print(deciles_table(r))
    console.print("D1..D9: " + DECILES_EXPLAINED, soft_wrap=True)
    console.print(_rider_table(f"Largest losses (of {len(r.losers)})", largest_losses(r)))
    console.print(_rider_table(f"Largest gains (of {len(r.gainers)})", largest_gains(r)))


def riders_csv(r: WhatIfResult) -> str:
    """One row per rider: each measure signed, draft and change (hours to two decimals); then a TOTAL row."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = ["rider", "shifts"]
    for m in MEASURES:
        header += [f"{m}_signed", f"{m}_draft", f"{m}_change"]
    w.writerow(header)

    def row(name: str, shifts: int, a: Figures, b: Figures) -> list[str]:
        out = [name, str(shifts)]
        for m in MEASURES:
            out += [_hours_or_money(m, a.get(m)), _hours_or_money(m, b.get(m)), _hours_or_money(m, b.get(m) - a.get(m))]
        return out

    for rt in r.riders:
        w.writerow(row(rt.rider, rt.shifts, rt.signed, rt.draft))
    w.writerow(row("TOTAL", r.shifts, r.signed, r.draft))
    return buf.getvalue()


def summary_csv(r: WhatIfResult) -> str:
    """Totals, gainers and losers, and the deciles, as (item, value) rows."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["item", "value"])
    w.writerows(
        [
            ("agreement", r.agreement),
            ("signed_version", r.signed_version),
            ("draft", r.draft_label),
            ("terms_of", r.at.isoformat() if r.at else "each shift's day"),
            ("source", r.source),
            ("currency", r.currency),
            ("shifts", r.shifts),
            ("shifts_changed", r.changed_shifts),
            ("shifts_with_member_status", r.with_status),
            ("riders", len(r.riders)),
            ("riders_gaining", len(r.gainers)),
            ("riders_losing", len(r.losers)),
            ("riders_unchanged", r.unchanged),
        ]
    )
    before, after = r.signed, r.draft
    for m in MEASURES:
        w.writerow((f"{m}_signed", _hours_or_money(m, before.get(m))))
        w.writerow((f"{m}_draft", _hours_or_money(m, after.get(m))))
        w.writerow((f"{m}_change", _hours_or_money(m, after.get(m) - before.get(m))))
    for i, cut in enumerate(r.deciles("net"), start=1):
        w.writerow((f"net_change_D{i}", cut))
    return buf.getvalue()


def _hours_or_money(measure: str, value: Decimal) -> str:
    return hours(value) if measure == "paid_hours" else str(value)


def _change(measure: str, value: Decimal) -> str:
    return signed(value.quantize(HOURS, rounding=ROUND_HALF_UP)) if measure == "paid_hours" else signed(value)


def explain_sides(r: WhatIfResult) -> list[tuple[str, str]]:
    """What "signed" and "draft" mean in this report, for a reader who did not run it."""
    return [
        (
            "Signed",
            f"the agreement as signed and in force: {r.agreement}, version {r.signed_version}, with the "
            "amendments already signed.",
        ),
        (
            "Draft",
            f"the proposal being negotiated: {r.draft_label}, laid over the signed agreement (what it does not "
            "change stays as signed).",
        ),
        ("Terms compared", f"both sides use the {_terms_text(r)}."),
        (
            "Shifts replayed",
            f"{r.source}: {r.shifts} shifts of {len(r.riders)} riders, each computed twice by the agreement "
            f"engine, once under each side; {r.changed_shifts} of them come out differently under the draft. "
            f"{r.with_status} with the rider's status from their member record (age, student hours this year, "
            "seniority), as settlement reads it; the others on the adult scale with ordinary contributions.",
        ),
        ("Change", "draft minus signed: a positive change is a gain for the rider (or a higher cost)."),
    ]


def in_short(r: WhatIfResult) -> list[str]:
    signed_, draft = r.signed, r.draft
    cur = r.currency
    said = [
        f"{len(r.gainers)} riders gain, {len(r.losers)} lose and {r.unchanged} see no change in their net pay.",
        f"Riders' net pay goes from {signed_.net} to {draft.net} {cur} in total ({signed(draft.net - signed_.net)} "
        f"{cur}); the cost to the platform from {signed_.cost} to {draft.cost} {cur} "
        f"({signed(draft.cost - signed_.cost)} {cur}).",
    ]
    if r.losers:
        worst = r.losers[0]
        said.append(f"The largest loss is {signed(worst.change.net)} {cur} (rider {worst.rider}).")
    if r.gainers:
        best = r.gainers[-1]
        said.append(f"The largest gain is {signed(best.change.net)} {cur} (rider {best.rider}).")
    return said


def _decile_meaning(below: int, cut: Decimal, cur: str) -> str:
    above = 100 - below
    if cut > 0:
        return f"{below} % of riders gain at most {cut} {cur} (or lose), {above} % gain more"
    if cut < 0:
        return f"{below} % of riders lose {-cut} {cur} or more, {above} % lose less (or gain)"
    return f"{below} % of riders lose or see no change, {above} % see no change or gain"


def decile_words(r: WhatIfResult) -> list[list[str]]:
    """Each cut point with what it means in words."""
    out = []
    for i, cut in enumerate(r.deciles("net"), start=1):
        meaning = _decile_meaning(i * 10, cut, r.currency)
        if i == 5:
            meaning += " (the median: the rider in the middle)"
        out.append([f"D{i}", f"{signed(cut)} {r.currency}", meaning])
    return out


DECILES_EXPLAINED = (
    "Line the riders up from the largest loss to the largest gain in net pay, and cut the line into ten groups "
    "of the same size. The nine cuts are the deciles: D1 is the change at the first cut (one rider in ten does "
    "worse), D5 the change of the rider in the middle, D9 the change that only one rider in ten beats. If D1 is "
    "already positive, nine riders in ten or more gain; if D9 is negative, nine in ten or more lose."
)
RIDER_HEADER = [
    "Rider",
    "Shifts",
    "Paid hours, signed",
    "Paid hours, draft",
    "Net pay, signed",
    "Net pay, draft",
    "Net change",
    "Cost change",
]


def _rider_rows(riders: list[RiderTotals]) -> list[list[str]]:
    return [
        [
            rt.rider,
            str(rt.shifts),
            hours(rt.signed.paid_hours),
            hours(rt.draft.paid_hours),
            str(rt.signed.net),
            str(rt.draft.net),
            signed(rt.change.net),
            signed(rt.change.cost),
        ]
        for rt in riders
    ]


def _shown(verb: str, n: int) -> str:
    if n == 0:
        return ""  # the table says so
    largest = "loss" if verb == "lose" else "gain"
    return (
        f"{min(n, SHOWN_RIDERS)} of the {n} riders who would {verb} net pay under the draft, largest {largest} first."
    )


def largest_losses(r: WhatIfResult) -> list[RiderTotals]:
    return r.losers[:SHOWN_RIDERS]


def largest_gains(r: WhatIfResult) -> list[RiderTotals]:
    return list(reversed(r.gainers))[:SHOWN_RIDERS]


def _figure(svg: str) -> str:
    return f"<figure>{svg}</figure>" if svg else ""


def html_report(r: WhatIfResult) -> str:
    signed_, draft = r.signed, r.draft
    cur = r.currency
    totals = table(
        ["", "Signed", "Draft", "Change"],
        [
            [
                LABELS[m],
                _hours_or_money(m, signed_.get(m)),
                _hours_or_money(m, draft.get(m)),
                _change(m, draft.get(m) - signed_.get(m)),
            ]
            for m in MEASURES
        ],
    )
    cuts = r.deciles("net")
    changes = [rt.change.net for rt in r.riders]
    sides = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in explain_sides(r))
    n_losers, n_gainers = len(r.losers), len(r.gainers)
    totals_chart = charts.paired_bars(
        ["gross pay", "net pay", "cost to the platform"],
        [signed_.gross, signed_.net, signed_.cost],
        [draft.gross, draft.net, draft.cost],
        f"Totals, signed vs draft ({cur})",
    )
    # No rider, no spread and no deciles to draw: the tables say so.
    spread = (
        charts.histogram(changes, "Riders by change in net pay", f"change in net pay over the period ({cur})", cuts)
        if changes
        else ""
    )
    deciles_chart = (
        charts.bars([f"D{i}" for i in range(1, 10)], cuts, "Deciles of the per-rider change in net pay", cur)
        if cuts
        else ""
    )
    parts = [
        f"<h2>What this compares</h2><dl>{sides}</dl>",
        "<h2>In short</h2><ul>" + "".join(f"<li>{escape(s)}</li>" for s in in_short(r)) + "</ul>",
        f"<h2>Totals over all riders ({escape(cur)}; hours to two decimals)</h2>{totals}",
        f'<p class="note">{escape(NOTE)}</p>',
        _figure(totals_chart),
        "<h2>How the change in net pay is spread over riders</h2>",
        "<p>Each bar counts the riders whose net pay changes by about that much over the period: red bars lose, "
        "green bars gain, a grey bar (if any) holds the riders with no change. Dotted lines mark the deciles.</p>",
        _figure(spread),
        "<h2>Deciles of the per-rider change in net pay</h2>",
        f"<p>{escape(DECILES_EXPLAINED)}</p>",
        table(["Decile", "Change in net pay", "In words"], decile_words(r), empty="No rider in this run.", words=(2,)),
        _figure(deciles_chart),
        "<h2>Largest losses</h2>",
        _shown("lose", n_losers),
        table(RIDER_HEADER, _rider_rows(largest_losses(r)), empty="No rider loses net pay under the draft."),
        "<h2>Largest gains</h2>",
        _shown("gain", n_gainers),
        table(RIDER_HEADER, _rider_rows(largest_gains(r)), empty="No rider gains net pay under the draft."),
        '<p class="note">The full list of riders is in the CSV file beside this page.</p>',
    ]
    body = "".join(parts)
    return page(f"What-if: {r.draft_label} against the signed {r.agreement}", body)


NOTE = (
    "Every amount is computed by the agreement engine, shift by shift, under each side. Net pay is after the "
    "employee's social security and withholding; the cost to the platform is the invoice excluding VAT (wages, "
    "employer contributions, expenses and the guarantee levy)."
)
