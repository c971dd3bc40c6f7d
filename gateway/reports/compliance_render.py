"""The compliance report as (section, item, value) CSV rows, a terminal table and an HTML page."""

from __future__ import annotations

import csv
import io
from html import escape

from rich.console import Console
from rich.table import Table

from gateway.reports import charts
from gateway.reports.schemas import ComplianceOut
from gateway.reports.whatif_render import page

Row = tuple[str, str, str]


def _text(value: object) -> str:
    return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def rows(c: ComplianceOut) -> list[Row]:
    out: list[Row] = [
        ("report", "platform", c.platform),
        ("report", "month", c.month),
        ("report", "agreement", c.agreement),
        ("report", "timezone", c.timezone),
        ("report", "currency", c.currency),
        ("report", "as_of", c.as_of.isoformat()),
        ("contracts", "total", str(c.contracts)),
    ]
    out += [("contracts", status, str(n)) for status, n in c.contracts_by_status.items()]
    out += [(f"violations:{v.term}", v.code, str(v.attempts)) for v in c.violations]
    for section, model in (
        ("invoices", c.invoices),
        ("fund", c.fund),
        ("pay", c.pay),
        ("payment_delays", c.payment_delays),
    ):
        out += [(section, name, _text(value)) for name, value in model.model_dump().items()]
    return out


def to_csv(c: ComplianceOut) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["section", "item", "value"])
    w.writerows(rows(c))
    return buf.getvalue()


def print_terminal(c: ComplianceOut, console: Console) -> None:
    table = Table(title=f"Compliance of {c.platform} in {c.month} ({c.agreement}, {c.currency})")
    for name in ("section", "item", "value"):
        table.add_column(name, justify="right" if name == "value" else "left")
    for section, item, value in rows(c)[5:]:
        table.add_row(section, item, value)
    console.print(table)


def _pairs(header: tuple[str, str], items: list[tuple[str, str]]) -> str:
    head = f"<tr><th>{escape(header[0])}</th><th>{escape(header[1])}</th></tr>"
    body = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in items)
    return f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"


def to_html(c: ComplianceOut) -> str:
    cur = c.currency
    p = c.pay
    violations = (
        "<table><thead><tr><th>term</th><th>clause</th><th>code</th><th>attempts</th><th>contracts</th></tr></thead>"
        "<tbody>"
        + "".join(
            f"<tr><td>{escape(v.term)}</td><td>{escape(v.clause)}</td><td>{escape(v.code)}</td>"
            f"<td>{v.attempts}</td><td>{v.contracts}</td></tr>"
            for v in c.violations
        )
        + "</tbody></table>"
    )
    figures = []
    if c.violations:
        figures.append(
            charts.horizontal_bars(
                [v.code for v in c.violations], [v.attempts for v in c.violations], "Violations attempted", "attempts"
            )
        )
    references = [
        ("net earned", p.net_per_worked_hour),
        ("agreement floor (net)", p.floor_net_hourly),
        ("statutory minimum (net)", p.statutory_minimum_net_hourly),
    ]
    shown = [(k, v) for k, v in references if v is not None]
    if shown:
        figures.append(
            charts.bars([k for k, _ in shown], [v for _, v in shown], "Net per worked hour", f"{cur} an hour")
        )
    sections = "".join(
        f"<h2>{escape(title)}</h2>" + _pairs(("item", "value"), [(k, _text(v)) for k, v in model.model_dump().items()])
        for title, model in (
            ("Pay per worked hour (Fairwork fair pay)", c.pay),
            ("Riders' payouts against the payment term", c.payment_delays),
            ("The platform's invoices", c.invoices),
            ("Guarantee fund advances", c.fund),
        )
    )
    body = (
        f"<p>Agreement {escape(c.agreement)}, shifts booked to start from {c.first_day} to {c.last_day} "
        f"({escape(c.timezone)}); {c.contracts} contracts; as of {escape(c.as_of.isoformat())}.</p>"
        + _pairs(("status", "contracts"), [(k, str(v)) for k, v in c.contracts_by_status.items()])
        + "<h2>Violations attempted, by term</h2>"
        + (violations if c.violations else "<p>None.</p>")
        + "".join(f"<figure>{svg}</figure>" for svg in figures)
        + sections
    )
    return page(f"Compliance: {c.platform}, {c.month}", body)
