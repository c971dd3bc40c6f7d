"""The representatives' figures as one CSV file, long format: one figure a row, the same as the API's JSON.

Columns: platform, half, table, item, outcome, at_least, under, value, suppressed — see docs/representatives.md.
A suppressed figure has an empty `value` and `suppressed` true; a table not shown at all is one row with item
`total`."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from gateway.domains.representatives.schemas import RepresentativesOut, TableOut

COLUMNS = ["platform", "half", "table", "item", "outcome", "at_least", "under", "value", "suppressed"]
Row = dict[str, str]


def _text(value: Decimal | int | None) -> str:
    return "" if value is None else str(value)


def _table(name: str, t: TableOut) -> list[Row]:
    rows = [{"table": name, "item": "total", "value": _text(t.total), "suppressed": str(not t.shown).lower()}]
    for cell in t.rows:
        rows.append(
            {
                "table": name,
                "item": cell.key,
                "outcome": cell.outcome or "",
                "value": _text(cell.count),
                "suppressed": str(cell.suppressed).lower(),
            }
        )
    return rows


def rows(r: RepresentativesOut) -> list[Row]:
    out: list[Row] = [
        {"table": "summary", "item": "riders", "value": _text(r.riders), "suppressed": str(not r.shown).lower()}
    ]
    hours = (
        r.hours.model_dump()
        if r.hours is not None
        else dict.fromkeys(("worked_hours", "paid_hours", "gross", "net", "gross_per_paid_hour", "net_per_worked_hour"))
    )
    for item, value in hours.items():
        out.append({"table": "hours", "item": item, "value": _text(value), "suppressed": str(r.hours is None).lower()})
    out += _table("contracts_by_status", r.contracts)
    if r.pay_per_hour is not None:
        p = r.pay_per_hour
        for band in p.bands:
            out.append(
                {
                    "table": "pay_per_hour",
                    "item": "band_with_riders_without_paid_hour" if band.includes_riders_without_paid_hour else "band",
                    "at_least": _text(band.at_least),
                    "under": _text(band.under),
                    "value": str(band.riders),
                    "suppressed": "false",
                }
            )
        unpaid = p.riders_without_paid_hour
        if unpaid is not None:
            out.append(
                {"table": "pay_per_hour", "item": "without_paid_hour", "value": str(unpaid), "suppressed": "false"}
            )
    out += _table("decisions", r.decisions)
    out += _table("reviews", r.reviews)
    return [{"platform": r.platform, "half": r.half} | row for row in out]


def to_csv(r: RepresentativesOut) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, restval="", lineterminator="\n")
    w.writeheader()
    w.writerows(rows(r))
    return buf.getvalue()
