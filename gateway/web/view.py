"""The rider's view of a contract: one content model, localized and in plain words, that the HTML page renders
and the JSON API returns as is (platforms embed it). Built from the contract as the rider may read it
(`ContractOut` without the invoice) and the agreement's terms in force on the day of the shift."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from babel.numbers import format_currency
from pydantic import BaseModel, Field

from gateway.agreements.engine import hours_between
from gateway.agreements.model import Agreement
from gateway.agreements.terms import expenses, insurance, payment_term, piece_rate
from gateway.agreements.terms.base import TermValue
from gateway.domains.contracts.schemas import CorrectionOut, NoteOut, PayLineOut, StatementOut
from gateway.domains.readmodel.service import ContractOut
from gateway.web.decisions import DecisionView
from gateway.web.i18n import Translator

_CLAUSE_REF = re.compile(r"^\s*((?:§|art\.?|article)\s*\d+[a-z]?)", re.IGNORECASE)
DECLARED = {"accepted", "accepted_with_warning", "ended"}
PAYSLIP_STATUSES = {"settled", "paid"}
StepState = Literal["done", "pending", "problem"]
V = TypeVar("V", bound=TermValue)
D = TypeVar("D", bound=Decimal | None)


class Amount(BaseModel):
    amount: Decimal
    currency: str
    text: str = Field(description="The amount formatted for the language, e.g. 12,83 €.")


class Status(BaseModel):
    code: str = Field(description="open, active, completed, settled, paid, cancelled or blocked")
    label: str
    text: str = Field(description="What the status means for the rider, in plain words.")


class Step(BaseModel):
    """One step of the contract's life: done (with when), pending, or a problem (a refused declaration)."""

    key: Literal["opened", "declared", "shift", "settled", "paid"]
    label: str
    state: StepState
    at: datetime | None = None
    when: str = Field(description="When it happened, or what is expected, in words.")


class ShiftView(BaseModel):
    day: str = Field(description="The booked start's day, in the agreement's time zone.")
    booked: str = Field(description="The booked window, local times.")
    booked_hours: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    zone: str | None
    worked: str | None = Field(description="The window as worked (reported by the platform), local times.")
    worked_hours: str | None
    deliveries: str | None
    notes: list[str] = Field(description="Cancellation, sent home early: what changed the shift.")


class HoursView(BaseModel):
    paid_hours: Decimal = Field(description="Hours paid (settled), or at least paid (before settlement).")
    paid: str
    worked: str | None
    minimum: str
    minimum_applied: bool | None = Field(description="Whether the minimum paid more than worked; None until settled.")
    text: str


class Source(BaseModel):
    """The term of the agreement and the clause a line comes from."""

    term: str
    clause: str
    clause_ref: str = Field(description="The clause's short reference, e.g. §2.")


class PayLineView(BaseModel):
    code: str
    kind: str = Field(description="salary or expense")
    label: str
    text: str = Field(description="The line in plain words, with its clause.")
    source: Source
    amount: Amount


class PayView(BaseModel):
    settled: bool
    text: str
    hourly_gross: Amount
    hourly_net: Amount
    lines: list[PayLineView]
    gross: Amount | None = None
    contributions: Amount | None = Field(default=None, description="The employee's social security.")
    withholding: Amount | None = None
    net: Amount | None = None
    expenses: Amount | None = None
    payout: Amount | None = Field(default=None, description="net + expenses: what the rider receives.")
    notes: list[str] = Field(
        default_factory=list, description="Why the rider's status changed the pay (a student's contribution, age)."
    )


class PaymentView(BaseModel):
    status: Literal["pending", "scheduled", "paid", "nothing_due"]
    due_on: date | None
    paid_at: datetime | None
    funded_by: str | None = Field(description="platform, or guarantee_fund when the platform had not paid")
    text: str
    guarantee: str = Field(description="The guarantee that the rider is paid on time whatever the platform does.")


class ExpensesView(BaseModel):
    lines: list[str]
    total: Amount | None


class InsuranceView(BaseModel):
    in_force: bool
    covers: list[str]
    insurer: str | None
    source: Source | None
    text: str


class CorrectionView(BaseModel):
    code: str
    action: str = Field(description="amended, rejected or blocked")
    action_label: str
    text: str
    sources: list[Source] = Field(description="The terms broken; one correction can answer several (two floors).")


class EventView(BaseModel):
    kind: str
    label: str
    at: datetime
    when: str


class ContractView(BaseModel):
    """Everything about one contract, for the rider, in their language."""

    id: uuid.UUID
    lang: str
    title: str
    platform: str
    shift_code: str
    agreement: str = Field(description="The agreement's title and version.")
    status: Status
    steps: list[Step]
    restriction: str | None = Field(description="Why the rider must not work under this contract, if so.")
    shift: ShiftView
    hours: HoursView
    pay: PayView
    payment: PaymentView
    expenses: ExpensesView
    insurance: InsuranceView
    corrections: list[CorrectionView]
    history: list[EventView]
    identity_prompt: str | None = Field(
        default=None,
        description="Set while the cooperative still needs the rider's identity to declare their work: the sentence "
        "asking for it (the form is /rider/identity).",
    )
    iban_prompt: str | None = Field(
        default=None,
        description="Set when the bank returned the rider's pay: the sentence asking them to correct their IBAN "
        "(the form is /rider/identity).",
    )
    payslip_url: str | None = Field(
        default=None, description="The contract's payslip (PDF, with the rider's session), once its pay is settled."
    )


class MonthlyPayslip(BaseModel):
    month: str = Field(description="YYYY-MM")
    label: str
    url: str = Field(description="The month's pay summary (PDF, with the rider's session).")


class ContractSummary(BaseModel):
    id: uuid.UUID
    title: str
    booked: str
    platform: str
    status: Status
    amount: Amount | None = Field(description="What the rider receives, once settled.")
    payment: str


class RiderHomeView(BaseModel):
    lang: str
    contracts: list[ContractSummary]
    payslips: list[MonthlyPayslip] = Field(
        default_factory=list, description="The months with a settled contract, newest first: their pay summaries."
    )
    identity_prompt: str | None = Field(
        default=None,
        description="Set while the cooperative still needs the rider's identity to declare their work: the sentence "
        "asking for it (the form is /rider/identity).",
    )
    iban_prompt: str | None = Field(
        default=None,
        description="Set when the bank returned the rider's pay: the sentence asking them to correct their IBAN "
        "(the form is /rider/identity).",
    )
    decisions: list[DecisionView] = Field(
        default_factory=list,
        description="The automated decisions about the rider, newest first, in plain words, each with the person's "
        "review the rider asked for (issue 20).",
    )


# --- helpers ---------------------------------------------------------------------------------------------


def clause_ref(clause: str) -> str:
    """§2 for '§2 Minimum engagement': the clause as a sentence cites it."""
    m = _CLAUSE_REF.match(clause)
    return m.group(1).replace(" ", "") if m else clause


def _source(term: str, clause: str) -> Source:
    return Source(term=term, clause=clause, clause_ref=clause_ref(clause))


class _Terms:
    """The agreement's terms in force on the shift's day, typed (each with its clause), by type."""

    def __init__(self, agreement: Agreement | None, day: date) -> None:
        self.agreement, self.day = agreement, day

    def get(self, type_: str, cls: type[V]) -> tuple[str, V] | None:
        term = self.agreement.term(type_) if self.agreement else None
        in_force = term.values.at(self.day) if term else None
        if term is None or in_force is None or not isinstance(in_force.value, cls):
            return None
        return term.name, in_force.value

    def source(self, type_: str) -> Source | None:
        found = self.get(type_, TermValue)
        return None if found is None else _source(found[0], found[1].clause)

    def ref(self, type_: str) -> str:
        s = self.source(type_)
        return s.clause_ref if s else "—"


def _amount(t: Translator, value: Decimal, currency: str) -> Amount:
    return Amount(amount=value, currency=currency, text=t.money(value, currency))


def _window(t: Translator, start: datetime, end: datetime, tz: ZoneInfo) -> str:
    a, b = start.astimezone(tz), end.astimezone(tz)
    if a.date() == b.date():
        return t("shift.window", start=t.time(start, tz), end=t.time(end, tz))
    return t("shift.window", start=t.moment(start, tz), end=t.moment(end, tz))


def _worked_hours(c: ContractOut) -> Decimal | None:
    """Settled: the statement's. Ended but not yet settled: the engine's count of the reported window (elapsed
    time, as settlement will count it)."""
    if c.statement is not None:
        return c.statement.worked_hours
    a = c.actual
    if a.ended_at is None:
        return None
    return hours_between(a.started_at or c.shift.starts_at, a.ended_at)


# --- sections --------------------------------------------------------------------------------------------


def _status(t: Translator, c: ContractOut) -> Status:
    code = c.status.value
    return Status(code=code, label=t(f"status.{code}.label"), text=t(f"status.{code}.text"))


def _steps(t: Translator, c: ContractOut, tz: ZoneInfo) -> list[Step]:
    def when(at: datetime | None) -> str:
        return t.moment(at, tz) if at else t("step.not_yet")

    steps = [Step(key="opened", label=t("step.opened"), state="done", at=c.opened_at, when=when(c.opened_at))]
    d = c.declaration
    if d.state.value == "refused":
        steps.append(
            Step(key="declared", label=t("step.refused"), state="problem", at=d.decided_at, when=when(d.decided_at))
        )
    elif d.state.value == "held":
        steps.append(Step(key="declared", label=t("step.held"), state="problem", when=t("step.not_yet")))
    elif d.state.value in DECLARED:
        steps.append(
            Step(key="declared", label=t("step.declared"), state="done", at=d.decided_at, when=when(d.decided_at))
        )
    else:
        steps.append(Step(key="declared", label=t("step.declared"), state="pending", when=t("step.declaring")))
    ended = next((e for e in reversed(c.history) if e.kind in ("ended", "cancelled", "closed")), None)
    cancelled = c.actual.cancelled_at is not None
    label = t("step.cancelled") if cancelled else t("step.shift")
    if ended is not None:
        steps.append(Step(key="shift", label=label, state="done", at=ended.at, when=when(ended.at)))
    else:
        steps.append(
            Step(
                key="shift",
                label=label,
                state="pending",
                when=t("step.booked_for", day=t.moment(c.shift.starts_at, tz)),
            )
        )
    s = c.statement
    settled = s.settled_at if s else None
    steps.append(
        Step(
            key="settled",
            label=t("step.settled"),
            state="done" if settled else "pending",
            at=settled,
            when=when(settled),
        )
    )
    p = c.payout
    if p is not None and p.paid_at is not None:
        steps.append(Step(key="paid", label=t("step.paid"), state="done", at=p.paid_at, when=when(p.paid_at)))
    else:
        due = p.due_on if p else (s.payment_due if s else None)
        text = t("step.due", date=t.day(due)) if due else t("step.not_yet")
        steps.append(Step(key="paid", label=t("step.paid"), state="pending", when=text))
    return steps


def _shift(t: Translator, c: ContractOut, tz: ZoneInfo) -> ShiftView:
    a = c.actual
    worked = worked_hours = None
    if a.ended_at is not None:
        worked = _window(t, a.started_at or c.shift.starts_at, a.ended_at, tz)
        hours = _worked_hours(c)
        worked_hours = t.hours(hours) if hours is not None else None
    elif a.started_at is not None:
        worked = t("shift.since", start=t.moment(a.started_at, tz))
    notes = []
    if a.sent_home_early:
        notes.append(t("shift.sent_home_early"))
    if a.bad_weather:
        notes.append(t("shift.bad_weather"))
    if a.cancelled_at is not None:
        notes.append(t("shift.cancelled", when=t.moment(a.cancelled_at, tz)))
        if a.cancel_reason:
            notes.append(t("shift.reason", reason=a.cancel_reason))
    return ShiftView(
        day=t.day(c.shift.starts_at.astimezone(tz).date()),
        booked=_window(t, c.shift.starts_at, c.shift.ends_at, tz),
        booked_hours=t.hours(c.shift.booked_hours),
        starts_at=c.shift.starts_at,
        ends_at=c.shift.ends_at,
        timezone=c.shift.timezone,
        zone=c.shift.zone,
        worked=worked,
        worked_hours=worked_hours,
        deliveries=t.plural("shift.deliveries", a.deliveries) if a.deliveries is not None else None,
        notes=notes,
    )


def _hours(t: Translator, c: ContractOut, terms: _Terms) -> HoursView:
    s, ref, minimum = c.statement, terms.ref("minimum_engagement"), t.hours(c.minimum_paid_hours)
    if s is None:
        key = "hours.pending_minimum" if c.guaranteed_paid_hours > c.shift.booked_hours else "hours.pending"
        text = t(
            key, booked=t.hours(c.shift.booked_hours), ref=ref, minimum=minimum, paid=t.hours(c.guaranteed_paid_hours)
        )
        return HoursView(
            paid_hours=c.guaranteed_paid_hours,
            paid=t.hours(c.guaranteed_paid_hours),
            worked=None,
            minimum=minimum,
            minimum_applied=None,
            text=text,
        )
    worked, paid = t.hours(s.worked_hours), t.hours(s.paid_hours)
    if s.outcome == "cancelled_unpaid":
        text = t("hours.cancelled_unpaid")
    elif s.outcome == "cancelled_paid":
        text = t("hours.cancelled_paid", ref=ref, paid=paid)
    elif s.minimum_applied:
        text = t("hours.minimum_applied", worked=worked, ref=ref, minimum=minimum, paid=paid)
    else:
        text = t("hours.worked", worked=worked, paid=paid)
    return HoursView(
        paid_hours=s.paid_hours, paid=paid, worked=worked, minimum=minimum, minimum_applied=s.minimum_applied, text=text
    )


def _item_name(t: Translator, name: str) -> str:
    key = "expense_item." + re.sub(r"\W+", "_", name.strip().lower())
    return t(key) if t.has(key) else name


def _line_text(t: Translator, line: PayLineOut, s: StatementOut, c: ContractOut) -> tuple[str, str]:
    """(label, sentence) of a pay line, in plain words with its clause."""
    cur, ref = s.currency, clause_ref(line.clause)
    rate = t.money(line.rate, cur) if line.rate is not None else ""
    hours = t.hours(line.hours) if line.hours is not None else ""
    if line.code == "base":
        return t("line.base.label"), t("line.base.text", worked=hours, rate=rate)
    if line.code == "minimum_engagement" and s.outcome == "cancelled_paid":
        return t("line.short_notice.label"), t("line.short_notice.text", ref=ref, hours=hours, rate=rate)
    if line.code == "minimum_engagement":
        return t("line.minimum.label"), t(
            "line.minimum.text",
            worked=t.hours(s.worked_hours),
            ref=ref,
            minimum=t.hours(s.paid_hours),
            extra=hours,
            rate=rate,
        )
    if line.code == "floor_top_up":
        floor = t.money(s.hourly_gross, cur)
        return t("line.top_up.label"), t("line.top_up.text", ref=ref, floor=floor, hours=hours or t.hours(s.paid_hours))
    if line.code == "trips":
        trips = c.actual.deliveries or 0
        return t("line.trips.label"), t.plural("line.trips.text", trips, ref=ref, rate=rate)
    if line.code == "expense":
        item = _item_name(t, line.label)
        if line.quantity is not None and line.per in ("km", "delivery"):
            qty = t.number(line.quantity)
            return item, t(f"line.expense.per_{line.per}", item=item, rate=rate, quantity=qty, ref=ref)
        if line.hours is not None:
            return item, t("line.expense.per_hour", item=item, rate=rate, hours=hours, ref=ref)
        return item, t("line.expense.per_shift", item=item, rate=rate, ref=ref)
    if line.code == "offer_match":
        trips = int(line.quantity) if line.quantity is not None else (c.actual.deliveries or 0)
        # The offer's total: the hourly lines before this one (a bonus comes after it) and this line's difference.
        hourly = sum(
            (x.amount for x in s.lines if x.kind == "salary" and x.code not in ("offer_match", "bonus")), Decimal(0)
        )
        total = t.money(hourly + line.amount, cur)
        text = t.plural("line.offer_match.text", trips, ref=ref, hours=hours, total=total, rate=rate)
        return t("line.offer_match.label"), text
    if line.code == "bonus":
        return t("line.bonus.label"), t("line.bonus.text", ref=ref)
    if line.code == "contract_rate":
        contracted = t.money(s.hourly_gross, cur)
        return t("line.contract_rate.label"), t("line.contract_rate.text", hours=hours, rate=contracted)
    if line.code == "seniority":
        return t("line.seniority.label"), t("line.seniority.text", ref=ref, rate=rate, hours=hours)
    if line.code in _TIME_LINES and line.hours is not None and line.rate is not None:
        # Premiums, overtime and waiting time: the hours they pay for and what each hour adds (or pays). A
        # percentage of the rate may have more than cents (20 % of 13.81 = 2.762): shown whole, as it is paid.
        exact = format_currency(line.rate, cur, locale=t.locale, decimal_quantization=False)
        return t(f"line.{line.code}.label"), t(f"line.{line.code}.text", hours=hours, rate=exact, ref=ref)
    return line.label, line.why


def _note_text(t: Translator, n: NoteOut) -> str:
    """A note of the statement (the rider's status, an extrapolated minimum) in the rider's language."""
    key = f"note.{n.code}"
    if not t.has(key):
        return n.text
    v = n.values
    if n.code == "student_contribution":
        hours = {k: t.hours(Decimal(v[k])) for k in ("within", "quota", "before")}
        return t(key, **hours, employee=v["employee"], ordinary=v["ordinary"])
    if n.code == "youth_scale":
        return t(key, age=v["age"], percent=v["percent"])
    if n.code == "contract_rate":
        cur = v["currency"]
        return t(key, contracted=t.money(Decimal(v["contracted"]), cur), terms=t.money(Decimal(v["terms_rate"]), cur))
    if n.code == "minimum_extrapolated":
        return t(key, since=t.day(date.fromisoformat(v["since"])), until=t.day(date.fromisoformat(v["known_until"])))
    return t(key)


def _per_trip_pending(t: Translator, c: ContractOut, terms: _Terms) -> str | None:
    """Before settlement, under "no less favourable": the per-trip offer is compared with the hours once the trips
    are known (the booking guarantees the hourly floor meanwhile)."""
    offered = c.pay.offered
    if c.statement is not None or offered is None or offered.per_trip is None:
        return None
    found = terms.get(piece_rate.TYPE, piece_rate.PieceRate)
    if found is None or found[1].policy != "no_less_favourable":
        return None
    rate = t.money(offered.per_trip, offered.currency)
    return t("pay.offer_match_pending", rate=rate, ref=clause_ref(found[1].clause))


_TIME_LINES = frozenset(
    ("premium_night", "premium_sunday", "premium_holiday", "premium_bad_weather", "overtime", "waiting_time")
)
_LIMITS = frozenset(("day_hours_over_limit", "week_hours_over_limit", "rest_shorter_than_minimum"))


def _pay(t: Translator, c: ContractOut) -> PayView:
    cur = c.pay.currency
    s = c.statement
    gross, net = _amount(t, c.pay.hourly_gross, cur), _amount(t, c.pay.hourly_net, cur)
    if s is None:
        return PayView(
            settled=False,
            text=t("pay.pending", hours=t.hours(c.guaranteed_paid_hours), gross=gross.text, net=net.text),
            hourly_gross=gross,
            hourly_net=net,
            lines=[],
        )
    lines = []
    for line in s.lines:
        label, text = _line_text(t, line, s, c)
        lines.append(
            PayLineView(
                code=line.code,
                kind=line.kind,
                label=label,
                text=text,
                source=_source(line.term, line.clause),
                amount=_amount(t, line.amount, s.currency),
            )
        )
    return PayView(
        settled=True,
        text=t("pay.settled", paid=t.hours(s.paid_hours), gross=t.money(s.hourly_gross, s.currency)),
        hourly_gross=gross,
        hourly_net=net,
        lines=lines,
        gross=_amount(t, s.gross, s.currency),
        contributions=_amount(t, s.employee_social_security, s.currency),
        withholding=_amount(t, s.withholding, s.currency),
        net=_amount(t, s.net, s.currency),
        expenses=_amount(t, s.expenses, s.currency),
        payout=_amount(t, s.payout, s.currency),
        notes=[_note_text(t, n) for n in s.notes],
    )


def _payment(t: Translator, c: ContractOut, terms: _Terms, tz: ZoneInfo) -> PaymentView:
    ref = terms.ref("payment_term")
    guarantee = t("payment.guarantee", ref=ref)
    p, s = c.payout, c.statement
    if p is not None and p.paid_at is not None:
        text = t("payment.paid", amount=t.money(p.amount, p.currency), date=t.day(p.paid_at.astimezone(tz).date()))
        if p.funded_by == "guarantee_fund":
            text += " " + t("payment.paid_by_fund")
        return PaymentView(
            status="paid", due_on=p.due_on, paid_at=p.paid_at, funded_by=p.funded_by, text=text, guarantee=guarantee
        )
    if p is not None:
        text = t("payment.due", amount=t.money(p.amount, p.currency), date=t.day(p.due_on))
        return PaymentView(
            status="scheduled", due_on=p.due_on, paid_at=None, funded_by=None, text=text, guarantee=guarantee
        )
    if s is not None or c.status.value == "cancelled":
        return PaymentView(
            status="nothing_due",
            due_on=None,
            paid_at=None,
            funded_by=None,
            text=t("payment.nothing_due"),
            guarantee=guarantee,
        )
    found = terms.get(payment_term.TYPE, payment_term.PaymentTerm)
    if found is not None:
        text = t(f"payment.pending.{found[1].kind}", days=found[1].days)
    else:
        text = t("payment.pending.unknown")
    return PaymentView(status="pending", due_on=None, paid_at=None, funded_by=None, text=text, guarantee=guarantee)


def _expenses(t: Translator, c: ContractOut, terms: _Terms, pay: PayView) -> ExpensesView:
    if pay.settled:
        lines = [line.text for line in pay.lines if line.kind == "expense"]
        return ExpensesView(lines=lines or [t("expenses.none_paid")], total=pay.expenses)
    found = terms.get(expenses.TYPE, expenses.Expenses)
    if found is None:
        return ExpensesView(lines=[t("expenses.none")], total=None)
    ref = clause_ref(found[1].clause)
    lines = []
    for item in found[1].items:
        per_key = f"expenses.per.{item.per}" if t.has(f"expenses.per.{item.per}") else "expenses.per.shift"
        lines.append(
            t(
                "expenses.expected",
                item=_item_name(t, item.name),
                rate=t.money(item.amount, c.pay.currency),
                per=t(per_key),
                ref=ref,
            )
        )
    return ExpensesView(lines=lines or [t("expenses.none")], total=None)


def _insurance(t: Translator, terms: _Terms) -> InsuranceView:
    found = terms.get(insurance.TYPE, insurance.Insurance)
    if found is None:
        return InsuranceView(in_force=False, covers=[], insurer=None, source=None, text=t("insurance.none"))
    value = found[1]
    covers = []
    for cover in value.cover:
        key = "insurance.cover." + re.sub(r"\W+", "_", cover.strip().lower())
        covers.append(t(key) if t.has(key) else cover)
    insurer_key = f"insurance.insurer.{value.insurer}"
    insurer = t(insurer_key) if t.has(insurer_key) else value.insurer
    source = _source(found[0], value.clause)
    text = t("insurance.in_force", covers=t.join(covers), insurer=insurer, ref=source.clause_ref)
    return InsuranceView(in_force=True, covers=covers, insurer=insurer, source=source, text=text)


def _value(k: CorrectionOut, unit: str, which: Literal["offered", "applied"], fallback: D) -> Decimal | D:
    """A correction's number, when it was kept with the unit the sentence needs; else `fallback`, the contract's own
    figure that says the same (rows written before migration 0009 have no numbers)."""
    value = None if k.unit != unit else k.offered_value if which == "offered" else k.applied_value
    return fallback if value is None else value


def _correction(t: Translator, k: CorrectionOut, c: ContractOut) -> CorrectionView:
    cur, ref = c.pay.currency, clause_ref(k.clause)
    offered = c.pay.offered
    text = k.detail
    if k.code == "shift_shorter_than_minimum":
        booked = _value(k, "hours", "offered", c.shift.booked_hours)
        paid = _value(k, "hours", "applied", c.guaranteed_paid_hours)
        text = t(f"correction.{k.code}", booked=t.hours(booked), ref=ref, minimum=t.hours(paid))
    elif k.code == "per_trip_pay_forbidden":
        per_trip = _value(k, "per_trip", "offered", offered.per_trip if offered is not None else None)
        if per_trip is not None:
            text = t(
                f"correction.{k.code}", offer=t.money(per_trip, cur), ref=ref, rate=t.money(c.pay.hourly_gross, cur)
            )
    elif k.code == "hourly_pay_below_floor":
        rate = _value(k, "hourly_gross", "offered", offered.hourly_gross if offered is not None else None)
        applied = _value(k, "hourly_gross", "applied", c.pay.hourly_gross)
        if rate is not None:
            text = t(f"correction.{k.code}", offer=t.money(rate, cur), ref=ref, rate=t.money(applied, cur))
    elif k.code == "declaration_refused":
        text = t(f"correction.{k.code}", reason=k.detail)
    elif k.code == "identity_incomplete":
        # The detail names fields in the gateway's words; the rider is told what to do instead.
        text = t(f"correction.{k.code}")
    elif k.code in _LIMITS and k.unit == "hours" and k.offered_value is not None and k.applied_value is not None:
        # A working-time limit: the hours found (worked that day or week, or rested) against the limit; found at
        # settlement, it is what the rider actually did, worded so (and paid in full), not what was booked.
        key = f"correction.settlement.{k.code}" if k.stage == "settlement" else f"correction.{k.code}"
        text = t(key, hours=t.hours(k.offered_value), ref=ref, limit=t.hours(k.applied_value))
    action_key = f"correction.action.{k.action}"
    return CorrectionView(
        code=k.code,
        action=k.action,
        action_label=t(action_key) if t.has(action_key) else k.action,
        text=text,
        sources=[_source(k.term, k.clause)],
    )


def _corrections(t: Translator, c: ContractOut) -> list[CorrectionView]:
    """Each correction once: two terms answered by the same change (both hourly floors) make one sentence."""
    out: dict[tuple[str, str], CorrectionView] = {}
    for k in c.corrections:
        v = _correction(t, k, c)
        seen = out.setdefault((v.code, v.text), v)
        if seen is not v:
            seen.sources.extend(v.sources)
    return list(out.values())


def _history(t: Translator, c: ContractOut, tz: ZoneInfo) -> list[EventView]:
    out = []
    for e in sorted(c.history, key=lambda e: e.at):
        key = f"event.{e.kind}"
        out.append(EventView(kind=e.kind, label=t(key) if t.has(key) else e.kind, at=e.at, when=t.moment(e.at, tz)))
    return out


def contract_view(
    c: ContractOut,
    agreement: Agreement | None,
    t: Translator,
    *,
    identity_needed: bool = False,
    iban_returned: bool = False,
) -> ContractView:
    """The rider's whole view of one contract, in the language of `t`; `identity_needed`: ask for the rider's
    identity (the cooperative cannot declare their work without it)."""
    tz = ZoneInfo(c.shift.timezone)
    terms = _Terms(agreement, c.shift.starts_at.astimezone(tz).date())
    pay = _pay(t, c)
    pending = _per_trip_pending(t, c, terms)
    if pending:
        pay = pay.model_copy(update={"text": f"{pay.text} {pending}"})
    corrections = _corrections(t, c)
    refused = next((k for k in corrections if k.action == "blocked"), None)
    title = agreement.title if agreement else c.agreement.id
    return ContractView(
        id=c.id,
        lang=t.lang,
        title=t("shift.title", day=t.day(c.shift.starts_at.astimezone(tz).date())),
        platform=c.platform,
        shift_code=c.shift_code,
        agreement=t("agreement.name", title=title, version=c.agreement.version),
        status=_status(t, c),
        steps=_steps(t, c, tz),
        restriction=refused.text if refused else None,
        shift=_shift(t, c, tz),
        hours=_hours(t, c, terms),
        pay=pay,
        payment=_payment(t, c, terms, tz),
        expenses=_expenses(t, c, terms, pay),
        insurance=_insurance(t, terms),
        corrections=corrections,
        history=_history(t, c, tz),
        identity_prompt=t("identity.banner") if identity_needed else None,
        iban_prompt=t("identity.iban_returned") if iban_returned else None,
        payslip_url=payslip_url(c),
    )


def has_payslip(c: ContractOut) -> bool:
    """A payslip exists once the pay is worked out (settled, then paid)."""
    return c.statement is not None and c.status.value in PAYSLIP_STATUSES


def payslip_url(c: ContractOut) -> str | None:
    return f"/rider/contracts/{c.id}/payslip.pdf" if has_payslip(c) else None


def month_url(month: str) -> str:
    return f"/rider/payslips/{month}.pdf"


def _monthly_payslips(contracts: list[ContractOut], t: Translator) -> list[MonthlyPayslip]:
    months = sorted({c.shift.starts_local.date().replace(day=1) for c in contracts if has_payslip(c)}, reverse=True)
    out = []
    for first in months:
        key = f"{first.year:04d}-{first.month:02d}"
        out.append(MonthlyPayslip(month=key, label=t("payslip.month_link", month=t.month(first)), url=month_url(key)))
    return out


def summary(c: ContractOut, t: Translator) -> ContractSummary:
    tz = ZoneInfo(c.shift.timezone)
    s, p = c.statement, c.payout
    if p is not None and p.paid_at is not None:
        payment = t("summary.paid", date=t.short_day(p.paid_at.astimezone(tz).date()))
    elif p is not None:
        payment = t("summary.due", date=t.short_day(p.due_on))
    elif s is not None or c.status.value == "cancelled":
        payment = t("summary.nothing_due")
    else:
        payment = t("summary.pending", hours=t.hours(c.guaranteed_paid_hours))
    return ContractSummary(
        id=c.id,
        title=t.day(c.shift.starts_at.astimezone(tz).date()),
        booked=_window(t, c.shift.starts_at, c.shift.ends_at, tz),
        platform=c.platform,
        status=_status(t, c),
        amount=_amount(t, s.payout, s.currency) if s is not None and s.payout > 0 else None,
        payment=payment,
    )


def home_view(
    contracts: list[ContractOut], t: Translator, *, identity_needed: bool = False, iban_returned: bool = False
) -> RiderHomeView:
    return RiderHomeView(
        lang=t.lang,
        contracts=[summary(c, t) for c in contracts],
        payslips=_monthly_payslips(contracts, t),
        identity_prompt=t("identity.banner") if identity_needed else None,
        iban_prompt=t("identity.iban_returned") if iban_returned else None,
    )
