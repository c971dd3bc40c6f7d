"""Compliance of one platform over one month: what it tried that the agreement forbids, how it paid, what the
guarantee fund had to advance, and what riders earned per hour worked against the floors."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import ColumnElement, and_, func
from sqlmodel import Session, col, select

from gateway.agreements.engine import resolve
from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import Agreement, AgreementError
from gateway.agreements.payroll import net_of
from gateway.canonical import EARLIEST, LATEST
from gateway.domains.contracts.models import Contract, Violation
from gateway.domains.contracts.service import BLOCKED
from gateway.domains.fund import service as fund
from gateway.domains.fund.models import LedgerEntry
from gateway.domains.invoicing.settings import InvoicingSettings
from gateway.domains.payouts.models import Payout
from gateway.domains.platforms.models import Platform
from gateway.domains.settlement.models import Invoice, Settlement
from gateway.domains.settlement.service import per_hour
from gateway.reports.schemas import (
    ComplianceOut,
    FairPayOut,
    FundAdvancesOut,
    InvoicesOut,
    PaymentDelaysOut,
    ViolationCountOut,
)
from gateway.reports.sources import local_bounds

ZERO = Decimal(0)
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class ReportError(ValueError):
    """The report cannot be made as asked (unknown platform, a month not written YYYY-MM...)."""


class UnknownPlatform(ReportError):
    pass


def month_days(month: str) -> tuple[date, date]:
    m = MONTH.fullmatch(month)
    if m is None:
        raise ReportError(f"month {month!r} is not written YYYY-MM (e.g. 2026-12)")
    year, number = int(m.group(1)), int(m.group(2))
    if not EARLIEST.year <= year < LATEST.year:  # the instants' window: year 9999 has no following month
        raise ReportError(f"month {month!r} is outside the years {EARLIEST.year} to {LATEST.year - 1}")
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


class _InvoiceTerms(BaseSettings):
    """The one invoicing setting the report needs, read from the same variable as `InvoicingSettings` reads it:
    a negotiator's machine has no seller identity to set, and needs none to read when invoices fall due."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_INVOICING_", env_file=".env", extra="ignore")

    payment_days: int = Field(default=InvoicingSettings.model_fields["payment_days"].default, ge=0, le=120)


def payment_days() -> int:
    """Days a platform has to pay an invoice after its issue (GATEWAY_INVOICING_PAYMENT_DAYS)."""
    return _InvoiceTerms().payment_days


@dataclass(frozen=True)
class _Scope:
    platform: Platform
    agreement: Agreement
    tz: ZoneInfo
    first: date
    last: date


def _local_day(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def _in_month(scope: _Scope) -> ColumnElement[bool]:
    start, end = local_bounds(scope.first, scope.last, scope.tz)
    return and_(
        col(Contract.platform_id) == scope.platform.id,
        col(Contract.starts_at) >= start,
        col(Contract.starts_at) < end,
    )


def _violations(session: Session, scope: _Scope) -> list[ViolationCountOut]:
    """Per term, the bookings that broke it: a booking corrected twice under one term (at booking and again at
    its end, or by two codes of the term) is one bad booking for that term, in the table and in the chart."""
    rows = session.exec(
        select(col(Violation.term), col(Violation.clause), col(Violation.code), col(Violation.contract_id))
        .join(Contract, col(Contract.id) == col(Violation.contract_id))
        # A contract blocked for its declaration is recorded beside the corrections, but no platform attempted it.
        .where(_in_month(scope), col(Violation.action) != BLOCKED)
    ).all()
    # A correction is counted once per contract and code: a breach recorded at booking and again at settlement
    # (a week over its limit as booked, then as worked) is one attempt, not two.
    corrections: dict[str, set[tuple[uuid.UUID, str]]] = {}
    clauses: dict[str, set[str]] = {}
    codes: dict[str, set[str]] = {}
    contracts: dict[str, set[uuid.UUID]] = {}
    for term, clause, code, contract_id in rows:
        corrections.setdefault(term, set()).add((contract_id, code))
        clauses.setdefault(term, set()).add(clause)
        codes.setdefault(term, set()).add(code)
        contracts.setdefault(term, set()).add(contract_id)
    ordered = sorted(contracts, key=lambda t: (-len(contracts[t]), t))
    return [
        ViolationCountOut(
            term=t,
            term_type=scope.agreement.terms[t].type if t in scope.agreement.terms else None,
            clause="; ".join(sorted(clauses[t])),
            codes=sorted(codes[t]),
            contracts=len(contracts[t]),
            attempts=len(corrections[t]),
        )
        for t in ordered
    ]


def _invoices(session: Session, scope: _Scope, today: date, payment_days: int) -> InvoicesOut:
    """Each invoice against its own due date (its issue day, local, plus the platform's payment days), not the
    rider's: the platform owes the cooperative on its terms; the rider is paid on the agreement's whatever it does."""
    rows = session.exec(
        select(Invoice, col(Contract.timezone))
        .join(Contract, col(Contract.id) == col(Invoice.contract_id))
        .where(_in_month(scope))
    ).all()
    issued = on_time = late = unpaid_due = not_due = 0
    late_amount = unpaid_amount = ZERO
    worst: int | None = None
    for invoice, zone in rows:
        if invoice.status == "draft":
            continue  # not sent to the platform yet: nothing is due on it
        issued += 1
        tz = ZoneInfo(zone) if zone else scope.tz  # as the invoice document dates it (invoicing.service)
        due_on = _local_day(invoice.issued_at, tz) + timedelta(days=payment_days)
        if invoice.status == "paid" and invoice.paid_at is not None:
            days = (_local_day(invoice.paid_at, tz) - due_on).days
            if days > 0:
                late += 1
                late_amount += invoice.total
                worst = max(worst or 0, days)
            else:
                on_time += 1
        elif due_on < today:
            unpaid_due += 1
            unpaid_amount += invoice.total
            worst = max(worst or 0, (today - due_on).days)
        else:
            not_due += 1
    return InvoicesOut(
        payment_days=payment_days,
        issued=issued,
        not_issued=len(rows) - issued,
        paid_on_time=on_time,
        paid_late=late,
        unpaid_past_due=unpaid_due,
        unpaid_not_yet_due=not_due,
        amount_paid_late=late_amount,
        amount_unpaid_past_due=unpaid_amount,
        max_days_late=worst,
    )


def _fund(session: Session, scope: _Scope) -> FundAdvancesOut:
    debt = fund.debt_account(scope.platform.slug)
    rows = session.exec(
        select(col(LedgerEntry.kind), col(LedgerEntry.amount))
        .join(Contract, col(Contract.id) == col(LedgerEntry.contract_id))
        .where(_in_month(scope), LedgerEntry.account == debt)
    ).all()
    advances = [amount for kind, amount in rows if kind == "advance"]
    recovered = -sum((amount for kind, amount in rows if kind == "recovery"), ZERO)
    advanced = sum(advances, ZERO)
    return FundAdvancesOut(
        advances=len(advances), advanced=advanced, recovered=recovered, outstanding=advanced - recovered
    )


def _floors(agreement: Agreement, day: date) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """(floor net an hour, statutory minimum gross an hour, its net) under the terms in force on `day`."""
    terms = resolve(agreement, day)
    rule = terms.hourly_floor
    floor_net = None if rule is None else rule.value.net_an_hour(terms.rates)
    statutory = terms.rates.statutory_minimum_hourly
    statutory_net = None if statutory is None else net_of(statutory, terms.rates).net
    return floor_net, statutory, statutory_net


def _pay(session: Session, scope: _Scope) -> FairPayOut:
    rows = session.exec(
        select(col(Settlement.worked_hours), col(Settlement.paid_hours), col(Settlement.gross), col(Settlement.net))
        .join(Contract, col(Contract.id) == col(Settlement.contract_id))
        .where(_in_month(scope))
    ).all()
    floor_net, statutory, statutory_net = _floors(scope.agreement, scope.first)
    worked = paid = gross = net = ZERO
    measured = under_floor = under_statutory = 0
    for w, p, g, n in rows:
        worked += w
        paid += p
        gross += g
        net += n
        if w <= 0:
            continue  # a cancelled shift paid at short notice: no hour worked to measure
        measured += 1
        if floor_net is not None and n / w < floor_net:
            under_floor += 1
        if statutory is not None and g / w < statutory:
            under_statutory += 1
    return FairPayOut(
        settled_shifts=len(rows),
        measured_shifts=measured,
        worked_hours=worked,
        paid_hours=paid,
        gross=gross,
        net=net,
        net_per_worked_hour=per_hour(net, worked),
        gross_per_worked_hour=per_hour(gross, worked),
        floor_net_hourly=floor_net,
        statutory_minimum_hourly=statutory,
        statutory_minimum_net_hourly=statutory_net,
        shifts_under_floor=under_floor,
        shifts_under_statutory_minimum=under_statutory,
        # Nothing measured meets nothing: with no worked hour the report says so, never "meets the floor".
        meets_floor=None if measured == 0 or floor_net is None else under_floor == 0,
        meets_statutory_minimum=None if measured == 0 or statutory is None else under_statutory == 0,
    )


def _payment_delays(session: Session, scope: _Scope, today: date) -> PaymentDelaysOut:
    rows = session.exec(
        select(col(Payout.status), col(Payout.paid_at), col(Payout.due_on), col(Payout.funded_by))
        .join(Contract, col(Contract.id) == col(Payout.contract_id))
        .where(_in_month(scope))
    ).all()
    on_time = late = unpaid_due = scheduled = 0
    worst: int | None = None
    funded: dict[str | None, int] = {}
    for status, paid_at, due_on, funded_by in rows:
        funded[funded_by] = funded.get(funded_by, 0) + 1
        if status == "paid" and paid_at is not None:
            days = (_local_day(paid_at, scope.tz) - due_on).days
            if days > 0:
                late += 1
                worst = max(worst or 0, days)
            else:
                on_time += 1
        elif due_on < today:
            unpaid_due += 1
            worst = max(worst or 0, (today - due_on).days)
        else:
            scheduled += 1
    return PaymentDelaysOut(
        payouts=len(rows),
        paid_on_time=on_time,
        paid_late=late,
        unpaid_past_due=unpaid_due,
        scheduled=scheduled,
        max_days_late=worst,
        funded_by_platform=funded.get("platform", 0),
        funded_by_guarantee_fund=funded.get("guarantee_fund", 0),
    )


def compliance(
    session: Session,
    book: AgreementBook,
    platform_slug: str,
    month: str,
    now: datetime,
    invoice_payment_days: int | None = None,
) -> ComplianceOut:
    """The month's report, read in one session; `now` decides what is already past due, `invoice_payment_days`
    (default: the invoicing settings') when each invoice falls due after its issue."""
    first, last = month_days(month)
    platform = session.exec(select(Platform).where(Platform.slug == platform_slug)).first()
    if platform is None or platform.id is None:
        raise UnknownPlatform(f"no platform {platform_slug!r}")
    agreement = book.get(platform.agreement)
    if agreement is None:
        raise AgreementError(f"agreement {platform.agreement} of platform {platform_slug} is not loaded")
    if last < agreement.effective_from:
        raise ReportError(f"agreement {agreement.id} was not in force in {month}")
    first = max(first, agreement.effective_from)
    tz = agreement.timezone
    scope = _Scope(platform, agreement, tz, first, last)
    today = now.astimezone(tz).date()
    statuses = session.exec(
        select(col(Contract.status), func.count()).where(_in_month(scope)).group_by(col(Contract.status))
    ).all()
    by_status = {str(s): int(n) for s, n in sorted(statuses)}
    return ComplianceOut(
        platform=platform.slug,
        month=month,
        agreement=agreement.id,
        timezone=tz.key,
        currency=agreement.currency,
        as_of=now.astimezone(tz),
        first_day=first,
        last_day=last,
        contracts=sum(by_status.values()),
        contracts_by_status=by_status,
        violations=_violations(session, scope),
        invoices=_invoices(
            session, scope, today, invoice_payment_days if invoice_payment_days is not None else payment_days()
        ),
        fund=_fund(session, scope),
        pay=_pay(session, scope),
        payment_delays=_payment_delays(session, scope, today),
    )
