"""A readable PDF of a Document (WeasyPrint from an HTML template): the same figures as the UBL document, since
both are written from the one Document."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from gateway.domains.invoicing.document import Document, Line

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _money(amount: Decimal) -> str:
    # No thousands separator: the figure reads the same in the PDF as in the XML (and a test reads it back).
    return f"{amount:.2f}"


def _quantity(line: Line) -> str:
    unit = "h" if line.unit_code == "HUR" else ""
    return f"{line.quantity.normalize():f} {unit}".strip()


def _iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def render_html(doc: Document) -> str:
    return _TEMPLATES.get_template("document.html").render(
        doc=doc,
        title="Invoice" if doc.kind == "invoice" else "Credit note",
        money=_money,
        quantity=_quantity,
        iban=_iban(doc.iban),
        rate=f"{doc.vat_rate.normalize():f}",
    )


def to_pdf(doc: Document) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which the webhook path and most commands never need.
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(doc)).write_pdf()
    return pdf
