"""What both reports' pages share: the page itself, tables, and numbers and times written for people."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from html import escape

HOURS = Decimal("0.01")

STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}
table{border-collapse:collapse;margin:1rem 0}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child,.t{text-align:left}td:first-child{white-space:nowrap}th{vertical-align:bottom}
figure{margin:1.5rem 0}
svg{max-width:100%;height:auto}.scroll{overflow-x:auto}.note{color:#555;font-size:.9rem}.empty{font-style:italic}
.lead{font-size:1.05rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}
dd{margin:0}.warn{color:#a61b1b;font-weight:600}.ok{color:#1b6e1b;font-weight:600}
"""


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )


def table(
    header: list[str], rows: list[list[str]], empty: str = "", caption: str = "", words: tuple[int, ...] = ()
) -> str:
    """A table of text cells (escaped here): the first column and those in `words` read as text (left), the others
    as numbers (right); with no row, one row saying `empty` so the table is never blank."""

    def cls(i: int) -> str:
        return ' class="t"' if i in words else ""

    head = "".join(f'<th scope="col"{cls(i)}>{escape(h)}</th>' for i, h in enumerate(header))
    if rows:
        body = "".join(
            "<tr>" + "".join(f"<td{cls(i)}>{escape(c)}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows
        )
    else:
        body = f'<tr><td class="empty" colspan="{len(header)}">{escape(empty)}</td></tr>'
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    # A wide table scrolls inside its box on a phone; the page itself never scrolls sideways.
    return f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def hours(value: Decimal) -> str:
    """Hours to two decimals: 2.1666... h is 2.17."""
    return str(value.quantize(HOURS, rounding=ROUND_HALF_UP))


def money(value: Decimal | None, currency: str) -> str:
    return "—" if value is None else f"{value.quantize(HOURS, rounding=ROUND_HALF_UP)} {currency}"


def signed(value: Decimal) -> str:
    return f"+{value}" if value > 0 else str(value)


def day(value: date) -> str:
    """1 December 2026 (English month names whatever the machine's locale)."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def moment(value: datetime) -> str:
    """An aware instant as read where it happened: `value` is already in the zone to show."""
    return f"{day(value.date())} at {value:%H:%M}"


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
