"""The compliance report as (section, item, value) CSV rows, a terminal table and an HTML page.

The CSV keeps the API's keys (for spreadsheets and scripts); the terminal and the page speak to negotiators: plain
names, sentences, hours to two decimals, times in the agreement's zone.
"""

from __future__ import annotations

import csv
import io
from html import escape

from rich.console import Console
from rich.table import Table

from gateway.reports import charts, labels
from gateway.reports.page import MONTHS, day, hours, moment, money, page, table
from gateway.reports.schemas import ComplianceOut

Row = tuple[str, str, str]
Section = tuple[str, str, list[tuple[str, str]]]  # title, what it measures, (label, value) rows
NO_SETTLED = "No settled shifts in this period"


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
    out += [("violations", v.term, str(v.contracts)) for v in c.violations]
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


def _days(n: int | None) -> str:
    return "—" if n is None else "1 day" if n == 1 else f"{n} days"


def pay_verdict(c: ComplianceOut) -> list[str]:
    """What the month's pay per worked hour says against the floors, in sentences; never a verdict on no data."""
    p, cur = c.pay, c.currency
    if p.settled_shifts == 0:
        return [f"{NO_SETTLED}: there is no pay to compare with the agreement's floor or the statutory minimum."]
    if p.measured_shifts == 0:
        return [
            "No hour was worked in this period's settled shifts (only cancellations paid at short notice): "
            "there is no pay per worked hour to compare with the floors."
        ]
    said = [
        f"Over {p.measured_shifts} settled shifts with {hours(p.worked_hours)} hours worked, riders earned "
        f"{money(p.net_per_worked_hour, cur)} net per hour worked on average."
    ]
    if p.floor_net_hourly is not None:
        floor = money(p.floor_net_hourly, cur)
        said.append(
            f"Every shift meets the agreement's floor of {floor} net an hour."
            if p.meets_floor
            else f"{p.shifts_under_floor} of {p.measured_shifts} shifts paid less than the agreement's floor of "
            f"{floor} net per hour worked."
        )
    if p.statutory_minimum_hourly is not None:
        minimum = money(p.statutory_minimum_hourly, cur)
        said.append(
            f"Every shift pays at least the statutory minimum wage ({minimum} gross an hour)."
            if p.meets_statutory_minimum
            else f"{p.shifts_under_statutory_minimum} of {p.measured_shifts} shifts paid less than the statutory "
            f"minimum wage ({minimum} gross per hour worked)."
        )
    return said


def summary(c: ComplianceOut) -> list[str]:
    """The report in a few sentences, most important first."""
    if c.contracts == 0:
        said = [f"The platform booked no shift starting in this period. {NO_SETTLED}."]
    else:
        said = [
            f"The platform booked {c.contracts} shifts. "
            + (
                "None broke a term of the agreement."
                if not c.violations
                else f"Bookings broke {len(c.violations)} of the agreement's terms; the gateway corrected each "
                "booking so that its contract complies (details below)."
            )
        ]
        said += pay_verdict(c)
    d, inv = c.payment_delays, c.invoices
    if d.payouts:
        said.append(
            f"Riders' payouts: {d.paid_on_time} paid on time, {d.paid_late} late, {d.unpaid_past_due} unpaid past "
            f"their due date, {d.scheduled} not due yet; {d.funded_by_guarantee_fund} advanced by the guarantee fund."
        )
    if inv.issued:
        said.append(
            f"The platform's invoices (due {_days(inv.payment_days)} after issue): {inv.paid_on_time} paid on "
            f"time, {inv.paid_late} late, {inv.unpaid_past_due} unpaid past their due date."
        )
    return said


def violation_chart(c: ComplianceOut) -> list[tuple[str, int]]:
    """The chart's bars: one per term, the bookings that broke it (each booking once per term)."""
    return [(labels.term(v.term, type_=v.term_type), v.contracts) for v in c.violations]


def _violation_rows(c: ComplianceOut) -> list[list[str]]:
    return [
        [
            labels.term(v.term, type_=v.term_type),
            v.clause,
            "; ".join(labels.code(k) for k in v.codes),
            str(v.contracts),
            str(v.attempts),
        ]
        for v in c.violations
    ]


VIOLATION_HEADER = ["Term", "Clause", "What the platform offered", "Bookings", "Corrections"]


def sections(c: ComplianceOut) -> list[Section]:
    p, d, inv, f, cur = c.pay, c.payment_delays, c.invoices, c.fund, c.currency
    return [
        (
            "Pay per hour worked (Fairwork fair pay)",
            "What riders earned for each hour they actually worked, against the agreement's floor and the "
            "statutory minimum wage.",
            [
                ("Settled shifts", str(p.settled_shifts)),
                ("Settled shifts with hours worked", str(p.measured_shifts)),
                ("Hours worked", hours(p.worked_hours)),
                ("Hours paid", hours(p.paid_hours)),
                ("Gross pay", money(p.gross, cur)),
                ("Net pay", money(p.net, cur)),
                ("Net per hour worked", money(p.net_per_worked_hour, cur)),
                ("Gross per hour worked", money(p.gross_per_worked_hour, cur)),
                ("Agreement's floor, net an hour", money(p.floor_net_hourly, cur)),
                ("Statutory minimum wage, gross an hour", money(p.statutory_minimum_hourly, cur)),
                ("Statutory minimum wage, net an hour", money(p.statutory_minimum_net_hourly, cur)),
                ("Shifts under the agreement's floor", str(p.shifts_under_floor)),
                ("Shifts under the statutory minimum", str(p.shifts_under_statutory_minimum)),
            ],
        ),
        (
            "Riders' payouts against the payment term",
            "Each rider is due to be paid by the agreement's payment term, whether or not the platform has paid.",
            [
                ("Payouts", str(d.payouts)),
                ("Paid on time", str(d.paid_on_time)),
                ("Paid late", str(d.paid_late)),
                ("Unpaid, past the due date", str(d.unpaid_past_due)),
                ("Not due yet", str(d.scheduled)),
                ("Longest delay", _days(d.max_days_late)),
                ("Paid with the platform's money", str(d.funded_by_platform)),
                ("Advanced by the guarantee fund", str(d.funded_by_guarantee_fund)),
            ],
        ),
        (
            "The platform's invoices",
            f"Each invoice is due {_days(inv.payment_days)} after it is issued; it is late only from its own due date.",
            [
                ("Invoices issued", str(inv.issued)),
                ("Not issued yet", str(inv.not_issued)),
                ("Paid on time", str(inv.paid_on_time)),
                ("Paid late", str(inv.paid_late)),
                ("Unpaid, past the due date", str(inv.unpaid_past_due)),
                ("Unpaid, not due yet", str(inv.unpaid_not_yet_due)),
                ("Amount paid late", money(inv.amount_paid_late, cur)),
                ("Amount unpaid past the due date", money(inv.amount_unpaid_past_due, cur)),
                ("Longest delay", _days(inv.max_days_late)),
            ],
        ),
        (
            "Guarantee fund",
            "What the fund advanced to riders because the platform had not paid yet, and what it got back.",
            [
                ("Advances to riders", str(f.advances)),
                ("Amount advanced", money(f.advanced, cur)),
                ("Recovered from the platform", money(f.recovered, cur)),
                ("Still owed by the platform", money(f.outstanding, cur)),
            ],
        ),
    ]


def _period(c: ComplianceOut) -> str:
    return (
        f"Agreement {c.agreement}; shifts booked to start from {day(c.first_day)} to {day(c.last_day)}. "
        f"Times are in {c.timezone}. Report made on {moment(c.as_of)} ({c.timezone})."
    )


def print_terminal(c: ComplianceOut, console: Console) -> None:
    console.print(f"Compliance of {c.platform} in {c.month} ({c.currency})", style="bold")
    console.print(_period(c), soft_wrap=True)
    for sentence in summary(c):
        console.print("• " + sentence, soft_wrap=True)
    statuses = Table(title="Contracts by status")
    statuses.add_column("Status")
    statuses.add_column("Contracts", justify="right")
    for key, n in c.contracts_by_status.items():
        statuses.add_row(labels.status(key), str(n))
    if c.contracts_by_status:
        console.print(statuses)
    violations = Table(title="Bookings that broke a term")
    for i, name in enumerate(VIOLATION_HEADER):
        violations.add_column(name, justify="right" if i >= 3 else "left")
    for row in _violation_rows(c):
        violations.add_row(*row)
    if c.violations:
        console.print(violations)
    for title, _, items in sections(c):
        t = Table(title=title)
        t.add_column("")
        t.add_column("", justify="right")
        for label, value in items:
            t.add_row(label, value)
        console.print(t)


def _items(items: list[tuple[str, str]]) -> str:
    return table(["", ""], [[k, v] for k, v in items])


def to_html(c: ComplianceOut) -> str:
    cur, p = c.currency, c.pay
    figures = []
    bars = violation_chart(c)
    if bars:
        figures.append(
            charts.horizontal_bars(
                [k for k, _ in bars], [n for _, n in bars], "Bookings that broke each term", "bookings"
            )
        )
    references = [
        ("net earned per hour worked", p.net_per_worked_hour),
        ("agreement's floor (net)", p.floor_net_hourly),
        ("statutory minimum (net)", p.statutory_minimum_net_hourly),
    ]
    shown = [(k, v) for k, v in references if v is not None]
    pay_figure = ""
    if p.measured_shifts and p.net_per_worked_hour is not None and len(shown) > 1:
        pay_figure = charts.levels(
            [k for k, _ in shown], [v for _, v in shown], "Net per hour worked", f"{cur} an hour"
        )
    statuses = [[labels.status(k), str(v)] for k, v in c.contracts_by_status.items()]
    parts = [
        f'<p class="note">{escape(_period(c))}</p>',
        "<h2>In short</h2><ul>" + "".join(f"<li>{escape(s)}</li>" for s in summary(c)) + "</ul>",
        "<h2>Contracts by status</h2>",
        table(["Status", "Contracts"], statuses, empty="No contract in this period."),
        "<h2>Bookings that broke a term of the agreement</h2>",
        '<p class="note">A booking counts once for each term it broke, however many corrections it needed. '
        "Bookings: how many bookings broke the term; corrections: what the gateway changed on them.</p>",
        table(VIOLATION_HEADER, _violation_rows(c), empty="No booking broke a term of the agreement.", words=(1, 2)),
        *(f"<figure>{svg}</figure>" for svg in figures),
    ]
    for i, (title, explanation, items) in enumerate(sections(c)):
        parts.append(f"<h2>{escape(title)}</h2><p>{escape(explanation)}</p>")
        if i == 0:
            parts.append("".join(f"<p><strong>{escape(s)}</strong></p>" for s in pay_verdict(c)))
        parts.append(_items(items))
        if i == 0 and pay_figure:
            parts.append(f"<figure>{pay_figure}</figure>")
    year, month = c.month.split("-")
    return page(f"Compliance: platform {c.platform}, {MONTHS[int(month) - 1]} {year}", "".join(parts))
