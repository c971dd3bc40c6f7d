"""Payslips: one PDF per settled contract and one monthly summary per member, in the rider's language.

A payslip is built from the contract page's own view model (`gateway.web.view.contract_view`), so it states
exactly what the page and its JSON state, line for line; it adds only who employs whom (the cooperative's
identity from the settings, the member's with the SSIN masked) and the guarantee fund's advance, if the fund paid.
The HTML is rendered to an A4 PDF by WeasyPrint, which may fetch nothing: the stylesheet is in the document and
every URL it might meet is refused (a payslip holds personal data; rendering must not reach any network).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, Field
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from gateway.agreements.model import Agreement
from gateway.domains.members.models import Member
from gateway.domains.members.vault import mask
from gateway.domains.readmodel.service import ContractOut
from gateway.problems import Conflict
from gateway.settings import Settings
from gateway.web.i18n import Translator
from gateway.web.view import Amount, ContractView, contract_view, has_payslip

TEMPLATES = Path(__file__).parent / "templates"
GUARANTEE_FUND = "guarantee_fund"

_templates = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class NotSettled(Conflict):
    """The contract's pay is not worked out yet: there is nothing to put on a payslip."""


class IdLine(BaseModel):
    label: str
    value: str


class Party(BaseModel):
    """The employer or the employee, as a payslip identifies them."""

    role: str = Field(description="Employer or Employee, in the language of the payslip.")
    name: str
    ids: list[IdLine]


class Payslip(BaseModel):
    """One contract's payslip: the contract page's view, plus who employs whom and the fund's advance."""

    lang: str
    title: str
    issued: str
    employer: Party
    employee: Party
    contract: ContractView
    fund_advance: Amount | None = Field(description="What the guarantee fund paid because the platform had not.")


class MonthRow(BaseModel):
    """One contract of the month, as its payslip states it."""

    id: uuid.UUID
    day: str
    platform: str
    shift_code: str
    paid_hours: Decimal
    paid_hours_text: str
    gross: Amount
    contributions: Amount
    withholding: Amount
    net: Amount
    expenses: Amount
    payout: Amount
    fund_advance: Amount | None


class MonthTotals(BaseModel):
    """The sums of the month's rows in one currency."""

    currency: str
    contracts: int
    paid_hours: Decimal
    paid_hours_text: str
    gross: Amount
    contributions: Amount
    withholding: Amount
    net: Amount
    expenses: Amount
    payout: Amount
    fund_advance: Amount


class MonthlySummary(BaseModel):
    lang: str
    month: str = Field(description="YYYY-MM")
    title: str
    issued: str
    employer: Party
    employee: Party
    rows: list[MonthRow]
    totals: list[MonthTotals] = Field(description="One per currency (in practice one: EUR).")


# --- the month of a summary -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2026-11' → Month(2026, 11); the route's pattern has checked the shape."""
        year, month = text.split("-")
        return cls(int(year), int(month))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def utc_window(self) -> tuple[datetime, datetime]:
        """A UTC window wide enough to hold every shift whose local day is in the month, whatever its time zone
        (local days run from UTC-12 to UTC+14); the local month is then checked shift by shift."""
        nxt = date(self.year + self.month // 12, self.month % 12 + 1, 1)
        start = datetime(self.year, self.month, 1, tzinfo=UTC) - timedelta(days=1)
        return start, datetime(nxt.year, nxt.month, 1, tzinfo=UTC) + timedelta(days=1)

    def holds(self, c: ContractOut) -> bool:
        local = c.shift.starts_local
        return (local.year, local.month) == (self.year, self.month)


# --- who employs whom -----------------------------------------------------------------------------------------


def employer(settings: Settings, t: Translator) -> Party:
    nsso = settings.employer_nsso_number or settings.declaration_registration_number
    unknown = t("payslip.not_set")
    return Party(
        role=t("payslip.employer"),
        name=settings.employer_name or unknown,
        ids=[
            IdLine(label=t("payslip.enterprise_number"), value=settings.employer_enterprise_number or unknown),
            IdLine(label=t("payslip.nsso_number"), value=nsso or unknown),
            IdLine(label=t("payslip.address"), value=settings.employer_address or unknown),
        ],
    )


def employee(member: Member | None, t: Translator, riders: Iterable[str] = ()) -> Party:
    """The member as a payslip names them: the SSIN only masked (its last four characters), never in clear."""
    unknown = t("payslip.not_known")
    ids = [IdLine(label=t("payslip.rider_id"), value=r) for r in riders]
    if member is None:
        return Party(
            role=t("payslip.employee"), name=unknown, ids=[*ids, IdLine(label=t("payslip.ssin"), value=unknown)]
        )
    name = " ".join(n for n in (member.first_name, member.last_name) if n) or unknown
    street = " ".join(p for p in (member.street, member.house_number) if p)
    town = " ".join(p for p in (member.zip_code, member.city) if p)
    address = ", ".join(p for p in (street, town, member.country or "") if p)
    ids = [
        IdLine(label=t("payslip.member_number"), value=member.number),
        IdLine(label=t("payslip.ssin"), value=mask(member.ssin_last4) or unknown),
        *ids,
    ]
    if address:
        ids.append(IdLine(label=t("payslip.address"), value=address))
    return Party(role=t("payslip.employee"), name=name, ids=ids)


# --- the content --------------------------------------------------------------------------------------------


def fund_advance(c: ContractOut, t: Translator) -> Amount | None:
    """The fund's advance: the payout it made because the platform had not paid (None: the platform paid, or
    nothing is paid yet)."""
    p = c.payout
    if p is None or p.paid_at is None or p.funded_by != GUARANTEE_FUND:
        return None
    return _amount(t, p.amount, p.currency)


def _amount(t: Translator, value: Decimal, currency: str) -> Amount:
    return Amount(amount=value, currency=currency, text=t.money(value, currency))


def payslip(
    c: ContractOut,
    agreement: Agreement | None,
    t: Translator,
    *,
    member: Member | None,
    settings: Settings,
    issued_on: date,
) -> Payslip:
    if not has_payslip(c):
        raise NotSettled(f"contract {c.id} is {c.status.value}: a payslip exists once its pay is settled")
    v = contract_view(c, agreement, t)
    return Payslip(
        lang=t.lang,
        title=t("payslip.title"),
        issued=t("payslip.issued", date=t.day(issued_on)),
        employer=employer(settings, t),
        employee=employee(member, t, [f"{c.platform}: {c.rider_id}"]),
        contract=v,
        fund_advance=fund_advance(c, t),
    )


def _row(c: ContractOut, t: Translator) -> MonthRow:
    s = c.statement
    assert s is not None
    cur = s.currency
    return MonthRow(
        id=c.id,
        day=t.short_day(c.shift.starts_local.date()),
        platform=c.platform,
        shift_code=c.shift_code,
        paid_hours=s.paid_hours,
        paid_hours_text=t.hours(s.paid_hours),
        gross=_amount(t, s.gross, cur),
        contributions=_amount(t, s.employee_social_security, cur),
        withholding=_amount(t, s.withholding, cur),
        net=_amount(t, s.net, cur),
        expenses=_amount(t, s.expenses, cur),
        payout=_amount(t, s.payout, cur),
        fund_advance=fund_advance(c, t),
    )


def _totals(rows: list[MonthRow], t: Translator) -> list[MonthTotals]:
    out = []
    for cur in sorted({r.gross.currency for r in rows}):
        mine = [r for r in rows if r.gross.currency == cur]
        hours = sum((r.paid_hours for r in mine), Decimal(0))

        def total(field: str, rows: list[MonthRow] = mine, cur: str = cur) -> Amount:
            amounts = (getattr(r, field) for r in rows)
            return _amount(t, sum((a.amount for a in amounts if a is not None), Decimal(0)), cur)

        out.append(
            MonthTotals(
                currency=cur,
                contracts=len(mine),
                paid_hours=hours,
                paid_hours_text=t.hours(hours),
                gross=total("gross"),
                contributions=total("contributions"),
                withholding=total("withholding"),
                net=total("net"),
                expenses=total("expenses"),
                payout=total("payout"),
                fund_advance=total("fund_advance"),
            )
        )
    return out


def monthly(
    contracts: Iterable[ContractOut],
    month: Month,
    t: Translator,
    *,
    member: Member | None,
    settings: Settings,
    issued_on: date,
    riders: Iterable[str] = (),
) -> MonthlySummary:
    """The month's settled contracts (by the shift's local start day), one row each, and their totals."""
    rows = [_row(c, t) for c in contracts if has_payslip(c) and month.holds(c)]
    month_name = t.month(month.first_day)
    return MonthlySummary(
        lang=t.lang,
        month=str(month),
        title=t("payslip.month_title", month=month_name),
        issued=t("payslip.issued", date=t.day(issued_on)),
        employer=employer(settings, t),
        employee=employee(member, t, riders),
        rows=rows,
        totals=_totals(rows, t),
    )


# --- the PDF ------------------------------------------------------------------------------------------------


class _NoFetch(URLFetcher):  # type: ignore[misc]  # weasyprint ships no type hints
    """Refuses every URL: the document carries its own stylesheet and has no images, so a URL is a mistake."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        raise ValueError(f"payslips fetch nothing (refused {url[:80]!r})")


def html(template: str, t: Translator, **context: Any) -> str:
    return _templates.get_template(template).render(t=t, **context)


def pdf(document: str) -> bytes:
    """An A4 PDF of the HTML. `fail_on_errors`: a refused URL stops the rendering instead of leaving a hole."""
    rendered = HTML(string=document, url_fetcher=_NoFetch(fail_on_errors=True)).write_pdf()
    assert isinstance(rendered, bytes)
    return rendered


def contract_pdf(slip: Payslip, t: Translator) -> bytes:
    return pdf(html("payslip.html", t, p=slip, v=slip.contract))


def monthly_pdf(summary: MonthlySummary, t: Translator) -> bytes:
    return pdf(html("payslip_month.html", t, m=summary))
