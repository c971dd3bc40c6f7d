"""The representatives' page: one self-contained HTML file in fr, nl or en, its charts drawn here as SVG.

No script and nothing to fetch: the file is written by `gateway reports representatives`, or downloaded with the
representative's staff token (`GET /v1/admin/representatives.html`), and opened from disk.
Every chart is an image with a title and a text description, followed by the table that holds the same figures; a
suppressed figure reads "withheld" in both, and the chart draws no bar for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query, Response

from gateway.deps import BookDep, NowDep, SessionDep
from gateway.domains.representatives.endpoints import (
    ERRORS,
    HalfQuery,
    PlatformQuery,
    Representative,
    figures_or_problem,
)
from gateway.domains.representatives.schemas import BandOut, PayPerHourOut, RepresentativesOut, TableOut
from gateway.domains.representatives.suppression import MINIMUM_RIDERS
from gateway.routing import api_router
from gateway.web.i18n import LANGUAGES, Translator

HUNDREDTH = Decimal("0.01")
BAR = "#1e5e3a"  # the rider's pages' accent: 7:1 on white
STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:1rem 0}caption{text-align:left;font-weight:600;padding:.25rem 0}
table{min-width:22rem}td,th{padding:.3rem .7rem;border-bottom:1px solid #c9ccc4;text-align:left}
td:last-child,th:last-child{text-align:right}
tfoot td,tfoot th{font-weight:600;border-top:2px solid #1b1b1b}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}dd{margin:0}
figure{margin:1.5rem 0}svg{max-width:100%;height:auto}.scroll{overflow-x:auto}.note{color:#4a4a4a}
.rule{border-left:4px solid #1e5e3a;padding:.5rem 1rem;background:#f3f4f1}
"""


@dataclass(frozen=True)
class Row:
    """One bar and one table row: a label and a figure (None: withheld)."""

    label: str
    value: int | None


def _num(t: Translator, value: Decimal) -> str:
    return t.number(value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP))


def _count(t: Translator, value: int | None) -> str:
    return t("representatives.hidden", k=MINIMUM_RIDERS) if value is None else t.number(Decimal(value))


def chart(t: Translator, ident: str, title: str, rows: list[Row]) -> str:
    """Horizontal bars, one per row, each labelled with its figure; a withheld one says so and has no bar."""
    # Room for the longest label at about 7.2 px a character (13 px system font), within a page's width.
    label_w = min(max(len(r.label) for r in rows) * 7.2 + 12, 420) if rows else 120
    label_w, bar_w, row_h, top = round(label_w), 300, 30, 36
    height = top + row_h * max(len(rows), 1) + 10
    most = max([r.value or 0 for r in rows] + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {label_w + bar_w + 80} {height}" '
        f'width="{label_w + bar_w + 80}" height="{height}" aria-labelledby="{ident}-t {ident}-d">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape("; ".join(f"{r.label}: {_count(t, r.value)}" for r in rows))}</desc>',
        f'<text x="0" y="20" font-size="15" font-weight="600" fill="#1b1b1b">{escape(title)}</text>',
    ]
    for i, r in enumerate(rows):
        y = top + i * row_h
        label = r.label if len(r.label) <= 57 else r.label[:56] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 19}" font-size="13" text-anchor="end" fill="#1b1b1b">{escape(label)}</text>'
        )
        width = 0 if r.value is None else max(round(bar_w * r.value / most), 2 if r.value else 0)
        if width:
            parts.append(f'<rect x="{label_w}" y="{y + 5}" width="{width}" height="{row_h - 10}" fill="{BAR}"/>')
        parts.append(
            f'<text x="{label_w + width + 6}" y="{y + 19}" font-size="13" fill="#1b1b1b">{escape(_count(t, r.value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def table(caption: str, header: list[str], rows: list[list[str]], total: list[str] | None = None) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + f'<th scope="row">{escape(r[0])}</th>' + "".join(f"<td>{escape(c)}</td>" for c in r[1:]) + "</tr>"
        for r in rows
    )
    foot = ""
    if total is not None:
        foot = "<tfoot><tr>" + f'<th scope="row">{escape(total[0])}</th>'
        foot += "".join(f"<td>{escape(c)}</td>" for c in total[1:]) + "</tr></tfoot>"
    return (
        f'<div class="scroll"><table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody>{foot}</table></div>"
    )


def _figure(t: Translator, ident: str, title: str, rows: list[Row]) -> str:
    note = escape(t("representatives.chart_text", title=title))
    return f'<figure>{chart(t, ident, title, rows)}<figcaption class="note">{note}</figcaption></figure>'


def _band(t: Translator, b: BandOut, currency: str) -> str:
    low = None if b.at_least is None else t.money(b.at_least, currency)
    high = None if b.under is None else t.money(b.under, currency)
    if low is None and high is None:
        text = t("representatives.band_all")
    elif low is None:
        text = t("representatives.band_under", high=high)
    elif high is None:
        text = t("representatives.band_from", low=low)
    else:
        text = t("representatives.band_between", low=low, high=high)
    return t("representatives.band_unpaid", band=text) if b.includes_riders_without_paid_hour else text


@dataclass(frozen=True)
class Counts:
    """One table of counts as the page shows it: each row's label columns, then its figure."""

    ident: str
    heading: str
    text: str
    header: list[str]
    labels: list[list[str]]
    table: TableOut


def _counts(t: Translator, c: Counts, k: int) -> str:
    parts = [f"<h2>{escape(c.heading)}</h2>"]
    if c.text:
        parts.append(f"<p>{escape(c.text)}</p>")
    if not c.table.shown:
        return "".join([*parts, f"<p>{escape(t('representatives.table_withheld', k=k))}</p>"])
    if not c.table.rows:
        return "".join([*parts, f"<p>{escape(t('representatives.none'))}</p>"])
    pairs = list(zip(c.labels, c.table.rows, strict=True))
    parts.append(
        _figure(t, c.ident, c.heading, [Row(" — ".join(x for x in label if x), r.count) for label, r in pairs])
    )
    cells = [[*label, _count(t, r.count)] for label, r in pairs]
    total = [t("representatives.total"), *[""] * (len(c.header) - 2), _count(t, c.table.total)]
    parts.append(table(c.heading, c.header, cells, total))
    return "".join(parts)


def _pay(t: Translator, pay: PayPerHourOut, currency: str, k: int) -> str:
    rows = [Row(_band(t, b, currency), b.riders) for b in pay.bands]
    if pay.riders_without_paid_hour is not None and pay.riders_without_paid_hour > 0:
        rows.append(Row(t("representatives.without_paid_hour"), pay.riders_without_paid_hour))
    width = t.money(pay.band_width, currency)
    parts = [
        f"<h2>{escape(t('representatives.pay_heading'))}</h2>",
        f"<p>{escape(t('representatives.pay_text', width=width, k=k))}</p>",
    ]
    if not rows:
        return "".join([*parts, f"<p>{escape(t('representatives.none'))}</p>"])
    title = t("representatives.pay_chart")
    parts.append(_figure(t, "pay", title, rows))
    header = [t("representatives.band"), t("representatives.riders_col")]
    parts.append(table(title, header, [[r.label, _count(t, r.value)] for r in rows]))
    return "".join(parts)


def _summary(t: Translator, r: RepresentativesOut) -> str:
    k, cur = r.minimum_riders, r.currency
    items = [
        (t("representatives.riders"), _count(t, r.riders)),
        (t("representatives.contracts"), _count(t, r.contracts.total)),
    ]
    if r.hours is not None:
        h = r.hours
        items += [
            (t("representatives.worked_hours"), _num(t, h.worked_hours)),
            (t("representatives.paid_hours"), _num(t, h.paid_hours)),
            (t("representatives.gross"), t.money(h.gross, cur)),
            (t("representatives.net"), t.money(h.net, cur)),
        ]
        for key, value in (
            ("gross_per_paid_hour", h.gross_per_paid_hour),
            ("net_per_worked_hour", h.net_per_worked_hour),
        ):
            if value is not None:
                items.append((t(f"representatives.{key}"), t.money(value, cur)))
    dl = "".join(f"<dt>{escape(a)}</dt><dd>{escape(b)}</dd>" for a, b in items)
    out = f"<h2>{escape(t('representatives.summary'))}</h2><dl>{dl}</dl>"
    if r.hours is None:
        out += f"<p>{escape(t('representatives.hours_hidden', k=k))}</p>"
    return out


def _label(t: Translator, key: str, code: str) -> str:
    """A code in words, or as written when no words exist for it yet (a kind or outcome added since)."""
    return t(key) if t.has(key) else code.replace("_", " ")


def _tables(t: Translator, r: RepresentativesOut) -> list[Counts]:
    count = t("representatives.count")
    return [
        Counts(
            "statuses",
            t("representatives.statuses_heading"),
            "",
            [t("representatives.status"), count],
            [[_label(t, f"status.{c.key}.label", c.key)] for c in r.contracts.rows],
            r.contracts,
        ),
        Counts(
            "decisions",
            t("representatives.decisions_heading"),
            t("representatives.decisions_text"),
            [t("representatives.kind"), t("representatives.outcome"), count],
            [
                [_label(t, f"representatives.kinds.{c.key}", c.key), (c.outcome or "").replace("_", " ")]
                for c in r.decisions.rows
            ],
            r.decisions,
        ),
        Counts(
            "reviews",
            t("representatives.reviews_heading"),
            t("representatives.reviews_text"),
            [t("representatives.review"), count],
            [[_label(t, f"representatives.review_outcomes.{c.key}", c.key)] for c in r.reviews.rows],
            r.reviews,
        ),
    ]


def _title(t: Translator, r: RepresentativesOut) -> str:
    year, half = r.half.split("-H")
    return t("representatives.title", platform=r.platform, period=t(f"representatives.half_{half}", year=year))


def page(r: RepresentativesOut, t: Translator) -> str:
    """The whole page, in `t`'s language."""
    k, tz = r.minimum_riders, ZoneInfo(r.timezone)
    title = _title(t, r)
    period = t(
        "representatives.period",
        first=t.short_day(r.first_day),
        last=t.short_day(r.last_day),
        timezone=r.timezone,
        as_of=t.moment(r.as_of, tz),
    )
    rule = t("representatives.rule", k=k, hidden=t("representatives.hidden", k=k))
    parts = [f'<p class="note">{escape(period)}</p>', f'<p class="rule">{escape(rule)}</p>']
    if not r.shown:
        parts.append(f"<p><strong>{escape(t('representatives.nothing', k=k))}</strong></p>")
    else:
        parts.append(_summary(t, r))
        if r.pay_per_hour is not None:
            parts.append(_pay(t, r.pay_per_hour, r.currency, k))
        for counts in _tables(t, r):
            parts.append(_counts(t, counts, k))
    return (
        f'<!DOCTYPE html>\n<html lang="{t.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{''.join(parts)}</main></body></html>\n"
    )


router = api_router(prefix="/v1/admin", tags=["representatives"])
HTML = "text/html"
# A file to save and open: never cached, never run as a page of the gateway's origin (no script, inline style only).
FILE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


@router.get(
    "/representatives.html",
    response_class=Response,
    summary="The same figures as a page with charts (fr, nl or en), to save and open",
    responses={
        200: {"description": "The page, as an attachment", "content": {HTML: {"schema": {"type": "string"}}}},
        **ERRORS,
    },
)
def get_page(
    platform: PlatformQuery,
    half: HalfQuery,
    session: SessionDep,
    book: BookDep,
    now: NowDep,
    staff: Representative,
    lang: Annotated[str, Query(pattern=f"^({'|'.join(LANGUAGES)})$", description="The page's language.")] = "en",
) -> Response:
    r = figures_or_problem(session, book, now, platform, half)
    name = f"representatives-{r.platform}-{r.half}-{lang}.html"
    return Response(
        page(r, Translator(lang)),
        media_type=f"{HTML}; charset=utf-8",
        headers={**FILE_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )
