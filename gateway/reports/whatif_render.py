"""A what-if as a terminal table (rich), CSV and a self-contained HTML page with charts."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from html import escape

from rich.console import Console
from rich.table import Table

from gateway.reports import charts
from gateway.reports.whatif import MEASURES, Figures, WhatIfResult

LABELS = {
    "paid_hours": "paid hours",
    "gross": "gross",
    "net": "net",
    "expenses": "expenses",
    "cost": "cost to the platform",
}
SHOWN_RIDERS = 10


def _signed(d: Decimal) -> str:
    return f"+{d}" if d > 0 else str(d)


def _terms_text(r: WhatIfResult) -> str:
    return f"terms in force on {r.at.isoformat()}" if r.at else "terms in force on each shift's day"


def headline(r: WhatIfResult) -> str:
    return (
        f"{r.agreement} {r.signed_version} vs {r.draft_label} — {r.source}; {_terms_text(r)}. "
        f"{r.shifts} shifts ({r.changed_shifts} change), {len(r.riders)} riders: "
        f"{len(r.gainers)} gain, {len(r.losers)} lose, {r.unchanged} unchanged (net pay)."
    )


def totals_table(r: WhatIfResult) -> Table:
    signed, draft = r.signed, r.draft
    table = Table(title=f"Totals ({r.currency})")
    for name in ("measure", "signed", "draft", "change"):
        table.add_column(name, justify="left" if name == "measure" else "right")
    for m in MEASURES:
        a, b = signed.get(m), draft.get(m)
        table.add_row(LABELS[m], str(a), str(b), _signed(b - a))
    return table


def _rider_table(r: WhatIfResult, title: str, which: str) -> Table:
    chosen = r.losers[:SHOWN_RIDERS] if which == "losers" else list(reversed(r.gainers))[:SHOWN_RIDERS]
    table = Table(title=title)
    for name in ("rider", "shifts", "net signed", "net draft", "net change", "cost change"):
        table.add_column(name, justify="left" if name == "rider" else "right")
    for rt in chosen:
        change = rt.change
        table.add_row(
            rt.rider, str(rt.shifts), str(rt.signed.net), str(rt.draft.net), _signed(change.net), _signed(change.cost)
        )
    return table


def deciles_table(r: WhatIfResult) -> Table:
    table = Table(title=f"Per-rider change in net pay, deciles ({r.currency})")
    cuts = r.deciles("net")
    for i in range(1, 10):
        table.add_column(f"D{i}", justify="right")
    if cuts:
        table.add_row(*(_signed(c) for c in cuts))
    return table


def print_terminal(r: WhatIfResult, console: Console) -> None:
    console.print(headline(r), soft_wrap=True)
    console.print(totals_table(r))
    console.print(deciles_table(r))
    if r.losers:
        console.print(_rider_table(r, f"Largest losses (of {len(r.losers)})", "losers"))
    if r.gainers:
        console.print(_rider_table(r, f"Largest gains (of {len(r.gainers)})", "gainers"))


def riders_csv(r: WhatIfResult) -> str:
    """One row per rider: each measure signed, draft and change; then a TOTAL row."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = ["rider", "shifts"]
    for m in MEASURES:
        header += [f"{m}_signed", f"{m}_draft", f"{m}_change"]
    w.writerow(header)

    def row(name: str, shifts: int, a: Figures, b: Figures) -> list[str]:
        out = [name, str(shifts)]
        for m in MEASURES:
            out += [str(a.get(m)), str(b.get(m)), str(b.get(m) - a.get(m))]
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
            ("riders", len(r.riders)),
            ("riders_gaining", len(r.gainers)),
            ("riders_losing", len(r.losers)),
            ("riders_unchanged", r.unchanged),
        ]
    )
    signed, draft = r.signed, r.draft
    for m in MEASURES:
        w.writerow((f"{m}_signed", signed.get(m)))
        w.writerow((f"{m}_draft", draft.get(m)))
        w.writerow((f"{m}_change", draft.get(m) - signed.get(m)))
    for i, cut in enumerate(r.deciles("net"), start=1):
        w.writerow((f"net_change_D{i}", cut))
    return buf.getvalue()


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}figure{margin:1.5rem 0}svg{max-width:100%;height:auto}
.note{color:#555;font-size:.9rem}
"""


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )


def html_report(r: WhatIfResult) -> str:
    signed, draft = r.signed, r.draft
    cur = r.currency
    totals = _html_table(
        ["measure", "signed", "draft", "change"],
        [[LABELS[m], str(signed.get(m)), str(draft.get(m)), _signed(draft.get(m) - signed.get(m))] for m in MEASURES],
    )
    cuts = r.deciles("net")
    changes = [rt.change.net for rt in r.riders]
    figures = [
        charts.paired_bars(
            ["gross", "net", "cost to the platform"],
            [signed.gross, signed.net, signed.cost],
            [draft.gross, draft.net, draft.cost],
            f"Totals, signed vs draft ({cur})",
        ),
        charts.histogram(changes, "Per-rider change in net pay", f"{cur} over the period", cuts),
        charts.bars([f"D{i}" for i in range(1, 10)], cuts, "Deciles of the per-rider change in net pay", cur),
    ]
    riders = _html_table(
        [
            "rider",
            "shifts",
            "paid hours signed",
            "paid hours draft",
            "net signed",
            "net draft",
            "net change",
            "cost change",
        ],
        [
            [
                rt.rider,
                str(rt.shifts),
                str(rt.signed.paid_hours),
                str(rt.draft.paid_hours),
                str(rt.signed.net),
                str(rt.draft.net),
                _signed(rt.change.net),
                _signed(rt.change.cost),
            ]
            for rt in (r.losers[:SHOWN_RIDERS] + list(reversed(r.gainers))[:SHOWN_RIDERS])
        ],
    )
    body = (
        f"<p>{escape(headline(r))}</p>"
        f"<h2>Totals ({escape(cur)})</h2>{totals}"
        + "".join(f"<figure>{svg}</figure>" for svg in figures)
        + "<h2>Deciles of the per-rider change in net pay</h2>"
        + _html_table([f"D{i}" for i in range(1, 10)], [[_signed(c) for c in cuts]] if cuts else [])
        + f"<h2>Largest losses and gains</h2>{riders}"
        + '<p class="note">Every amount is computed by the agreement engine, shift by shift, under each side; '
        "net pay is after the employee's social security and withholding; the cost to the platform is the "
        "invoice excluding VAT (wages, employer contributions, expenses and the guarantee levy). The full list "
        "of riders is in the CSV beside this page.</p>"
    )
    return page(f"What-if: {r.agreement} under {r.draft_label}", body)
