"""The agreement engine: one place where terms meet a shift. Pure functions, Decimal throughout.

The booking path (`evaluate_booking`), settlement (`evaluate_shift`), the CLI and the API all call this module;
nothing else interprets terms. Both evaluations share the same term functions below, so a booking and its
settlement can never read an agreement two ways.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from gateway.agreements.calendar import due_date
from gateway.agreements.model import Agreement, AgreementError, Term
from gateway.agreements.payroll import CENT, Rates, cents, gross_for_net, net_of

ENGINE_VERSION = 2
SETTLEMENT_FORMAT = "gateway.settlement/1"
HOURS = Decimal("0.0001")
SECONDS_PER_HOUR = Decimal(3600)
ZERO = Decimal(0)


class OfferError(ValueError):
    """The offer or the shift cannot be evaluated (another currency, an end before the start...)."""


@dataclass(frozen=True, slots=True)
class HourlyOffer:
    hourly_gross: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class PerTripOffer:
    per_trip: Decimal
    currency: str


Offer = HourlyOffer | PerTripOffer


@dataclass(frozen=True, slots=True)
class Booking:
    starts_at: datetime  # aware
    ends_at: datetime  # aware, after starts_at
    offer: Offer | None = None


@dataclass(frozen=True, slots=True)
class ShiftOutcome:
    """A booked shift and what actually happened. Missing actual times default to the booked ones (the
    scheduler closes a shift that never reported its end at its booked end)."""

    booking: Booking
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    first_delivery_at: datetime | None = None
    deliveries: int | None = None
    cancelled_at: datetime | None = None
    sent_home_early: bool = False
    proposed: Offer | None = None  # the pay the platform proposes at the end; default: the booking's offer


@dataclass(frozen=True, slots=True)
class Correction:
    """A term the offer broke and what the gateway did: `amended` (the contract complies) or `rejected`."""

    term: str
    term_type: str
    clause: str
    code: str
    action: Literal["amended", "rejected"]
    detail: str
    offered: str | None
    applied: str | None


@dataclass(frozen=True, slots=True)
class Line:
    """One dated value the decision used, with where it comes from."""

    term: str
    clause: str
    value: str
    since: str
    note: str


@dataclass(frozen=True, slots=True)
class PayLine:
    """One amount of a settlement, rounded half-up to the cent, with the term and dated value behind it."""

    code: str
    label: str
    term: str
    clause: str
    since: str | None
    hours: Decimal | None
    rate: Decimal | None
    amount: Decimal
    kind: Literal["salary", "expense"]
    why: str


@dataclass(frozen=True)
class BookingDecision:
    agreement: str
    agreement_version: str
    currency: str
    timezone: str
    local_start: datetime
    booked_hours: Decimal
    minimum_paid_hours: Decimal
    guaranteed_paid_hours: Decimal
    hourly_gross: Decimal
    hourly_net: Decimal
    corrections: list[Correction] = field(default_factory=list)
    used: list[Line] = field(default_factory=list)

    @property
    def rejection(self) -> Correction | None:
        return next((c for c in self.corrections if c.action == "rejected"), None)

    def explanation(self) -> dict[str, Any]:
        return {
            "engine_version": ENGINE_VERSION,
            "agreement": self.agreement,
            "agreement_version": self.agreement_version,
            "local_start": self.local_start.isoformat(),
            "terms_used": [_used_json(u) for u in self.used],
        }


def _used_json(u: Line) -> dict[str, str]:
    return {"term": u.term, "clause": u.clause, "value": u.value, "since": u.since, "note": u.note}


# --- terms in force on one day, resolved once ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InForceTerm:
    term: Term
    value: dict[str, Any]
    since: date
    # Texts every explanation repeats, made once per resolved day rather than once per shift.
    clause: str = ""
    since_text: str = ""
    note: str = ""

    @classmethod
    def of(cls, term: Term, value: dict[str, Any], since: date) -> InForceTerm:
        return cls(term, value, since, str(value["clause"]), since.isoformat(), str(value.get("note", "")))

    @property
    def action(self) -> Literal["amended", "rejected"]:
        return "rejected" if self.value.get("enforcement", self.term.enforcement) == "reject" else "amended"

    def line(self, shown: str) -> Line:
        return Line(self.term.name, self.clause, shown, self.since_text, self.note)

    def correction(self, code: str, detail: str, offered: str | None, applied: str | None) -> Correction:
        return Correction(self.term.name, self.term.type, self.clause, code, self.action, detail, offered, applied)


@dataclass(frozen=True, slots=True)
class Floor:
    rule: InForceTerm
    gross: Decimal
    shown: str
    hours: str  # "paid" or "worked"
    net: Decimal | None = None  # the net an hour a net-basis floor promises (its gross is this grossed up)


@dataclass(frozen=True)
class TermsAt:
    """Everything an evaluation needs on one day. Built once per (agreement, day) and cached on the agreement."""

    day: date
    version: str
    rates: Rates
    rules: dict[str, InForceTerm]
    minimum_hours: Decimal
    floors: tuple[Floor, ...]
    winner: Floor | None

    def get(self, type_: str) -> InForceTerm | None:
        return self.rules.get(type_)


def _floors(agreement: Agreement, day: date, rates: Rates, rules: dict[str, InForceTerm]) -> list[Floor]:
    floors: list[Floor] = []
    cur = agreement.currency
    rule = rules.get("hourly_floor")
    if rule is not None:
        amount = Decimal(rule.value["amount"])
        hours = str(rule.value.get("hours", "paid"))
        if rule.value["basis"] == "net":
            gross = gross_for_net(amount, rates)
            shown = f"{amount} {cur} net an hour = {gross} gross (payroll profile {agreement.profile.id})"
        else:
            gross, shown = amount, f"{amount} {cur} gross an hour"
        floors.append(Floor(rule, gross, shown, hours, amount if rule.value["basis"] == "net" else None))
    rule = rules.get("statutory_minimum")
    if rule is not None:
        statutory = rates.statutory_minimum_hourly
        if statutory is None:
            raise AgreementError(
                f"payroll profile {agreement.profile.id} has no statutory minimum wage on {day.isoformat()}, "
                f"which term {rule.term.name} needs"
            )
        shown = (
            f"statutory minimum {statutory} {cur} gross an hour "
            f"(payroll profile {agreement.profile.id}, since {rates.statutory_since}); the higher floor wins"
        )
        # The statutory minimum is owed on every hour paid, whatever the agreement's own floor covers.
        floors.append(Floor(rule, statutory, shown, "paid"))
    return floors


def resolve(agreement: Agreement, day: date) -> TermsAt:
    """The terms in force on `day`; an error before the agreement starts or without payroll rates."""
    cached: TermsAt | None = agreement._resolved.get(day)
    if cached is not None:
        return cached
    if day < agreement.effective_from:
        raise AgreementError(
            f"agreement {agreement.id} is not in force on {day.isoformat()} "
            f"(it starts {agreement.effective_from.isoformat()})"
        )
    try:
        rates = agreement.profile.rates(day)
    except LookupError as exc:
        raise AgreementError(str(exc)) from exc
    rules: dict[str, InForceTerm] = {}
    for term in agreement.terms.values():
        v = term.values.at(day)
        if v is not None:
            rules[term.type] = InForceTerm.of(term, v.value, v.since)
    floors = _floors(agreement, day, rates, rules)
    # On a tie the agreement's own floor is named: it comes first.
    winner = max(floors, key=lambda f: f.gross, default=None)
    minimum = rules.get("minimum_engagement")
    resolved = TermsAt(
        day=day,
        version=agreement.version_at(day),
        rates=rates,
        rules=rules,
        minimum_hours=Decimal(minimum.value["paid_hours"]) if minimum else ZERO,
        floors=tuple(floors),
        winner=winner,
    )
    agreement._resolved[day] = resolved
    return resolved


def terms_in_force(agreement: Agreement, day: date) -> list[InForceTerm]:
    """Every term in force on `day`, in the agreement's order (for the API and `explain`)."""
    rules = resolve(agreement, day).rules
    return [r for t in agreement.terms.values() if (r := rules.get(t.type)) is not None and r.term is t]


# --- shared term logic ------------------------------------------------------------------------------------


def hours_between(start: datetime, end: datetime) -> Decimal:
    """Elapsed hours between two instants (not wall-clock: a DST night counts its real length).

    Both are taken to UTC first: Python subtracts two datetimes of the same zone on the wall clock.
    """
    delta = end.astimezone(UTC) - start.astimezone(UTC)
    seconds = Decimal(delta.days * 86400 + delta.seconds)
    return (seconds / SECONDS_PER_HOUR).quantize(HOURS, rounding=ROUND_HALF_UP)


def _check_currency(agreement: Agreement, offer: Offer | None) -> None:
    if offer is not None and offer.currency != agreement.currency:
        raise OfferError(f"the offer is in {offer.currency}; agreement {agreement.id} pays in {agreement.currency}")


def _minimum_engagement(
    terms: TermsAt, hours: Decimal, paid: Decimal, corrections: list[Correction], used: list[Line]
) -> None:
    """Record the minimum engagement used and, when `hours` (booked or worked) fall short of it, the correction."""
    rule = terms.get("minimum_engagement")
    if rule is None:
        return
    used.append(rule.line(f"{terms.minimum_hours:.2f} paid hours a shift, counted from {rule.value['counted_from']}"))
    if hours < paid:
        corrections.append(
            rule.correction(
                "shift_shorter_than_minimum",
                f"the shift lasts {hours:.2f} h; the agreement pays at least {terms.minimum_hours:.2f} h a shift"
                + (f" ({paid:.2f} h here)" if paid != terms.minimum_hours else ""),
                f"{hours:.2f} h",
                f"{paid:.2f} h",
            )
        )


def _piece_rate(
    agreement: Agreement, terms: TermsAt, offer: Offer | None, corrections: list[Correction], used: list[Line]
) -> tuple[Decimal | None, Decimal | None]:
    """(hourly rate offered, per-trip price allowed): a forbidden per-trip offer becomes hourly pay at the floor."""
    if isinstance(offer, HourlyOffer):
        return offer.hourly_gross, None
    if offer is None:
        return None, None
    rule = terms.get("piece_rate")
    if rule is None or rule.value["policy"] == "allowed":
        if rule is not None:
            used.append(rule.line("pay per trip allowed, topped up to the hourly floors"))
        return None, offer.per_trip
    used.append(rule.line("pay per trip forbidden"))
    corrections.append(
        rule.correction(
            "per_trip_pay_forbidden",
            f"the platform offered {offer.per_trip} {offer.currency} per trip; the rider is paid by the hour",
            f"{offer.per_trip} {offer.currency} per trip",
            "hourly pay",
        )
    )
    return None, None


def _hourly_floors(
    agreement: Agreement, terms: TermsAt, offered: Decimal | None, corrections: list[Correction], used: list[Line]
) -> Decimal:
    """The hourly gross the contract pays: the offer, lifted to every floor in force that it misses."""
    for f in terms.floors:
        used.append(f.rule.line(f.shown))
    top = terms.winner.gross if terms.winner is not None else ZERO
    if offered is None:
        return top
    applied = max(top, offered)
    cur = agreement.currency
    for f in terms.floors:
        if offered < f.gross:
            corrections.append(
                f.rule.correction(
                    "hourly_pay_below_floor",
                    f"the platform offered {offered} {cur} gross an hour, under this floor of {f.gross}; "
                    f"the contract pays {applied}",
                    f"{offered} {cur}/h",
                    f"{applied} {cur}/h",
                )
            )
    return applied


def _day_of(agreement: Agreement, instant: datetime) -> tuple[datetime, date]:
    local = instant.astimezone(agreement.timezone)
    return local, local.date()


# --- booking ----------------------------------------------------------------------------------------------


def evaluate_booking(agreement: Agreement, booking: Booking) -> BookingDecision:
    local_start, day = _day_of(agreement, booking.starts_at)
    terms = resolve(agreement, day)
    corrections: list[Correction] = []
    used: list[Line] = []

    booked = hours_between(booking.starts_at, booking.ends_at)
    guaranteed = max(booked, terms.minimum_hours)
    _minimum_engagement(terms, booked, guaranteed, corrections, used)

    _check_currency(agreement, booking.offer)
    offered_hourly, _per_trip = _piece_rate(agreement, terms, booking.offer, corrections, used)
    # A per-trip offer (where allowed) cannot be compared per hour before the trips are known: the booking
    # guarantees the floor; settlement tops the trips up to it.
    hourly = _hourly_floors(agreement, terms, offered_hourly, corrections, used)

    return BookingDecision(
        agreement=agreement.id,
        agreement_version=terms.version,
        currency=agreement.currency,
        timezone=agreement.timezone.key,
        local_start=local_start,
        booked_hours=booked,
        minimum_paid_hours=terms.minimum_hours,
        guaranteed_paid_hours=guaranteed,
        hourly_gross=hourly,
        hourly_net=net_of(hourly, terms.rates).net,
        corrections=corrections,
        used=used,
    )


# --- settlement -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """One shift's pay statement as the engine works it out; the settlement domain stores it as a `Settlement` row."""

    agreement: str
    agreement_version: str
    currency: str
    timezone: str
    terms_date: date
    local_start: datetime
    status: Literal["worked", "cancelled_paid", "cancelled_unpaid"]
    booked_hours: Decimal
    worked_hours: Decimal
    minimum_paid_hours: Decimal
    paid_hours: Decimal
    hourly_gross: Decimal
    lines: list[PayLine]
    gross: Decimal
    employee_social_security: Decimal
    withholding: Decimal
    net: Decimal
    expenses: Decimal
    payout: Decimal
    employer_contributions: Decimal
    guarantee_levy: Decimal
    invoice_total: Decimal
    payment_due: date | None
    payment_due_why: str | None
    insurance: str | None
    corrections: list[Correction]
    used: list[Line]
    monthly_expenses: list[str]

    @property
    def rejection(self) -> Correction | None:
        return next((c for c in self.corrections if c.action == "rejected"), None)

    def explanation(self) -> dict[str, Any]:
        """Versioned JSON: every amount with the term, clause and dated value that produced it."""
        return _statement_json(self)

    def plain(self) -> str:
        return _statement_text(self)


@dataclass
class _Hours:
    status: Literal["worked", "cancelled_paid", "cancelled_unpaid"]
    worked: Decimal
    paid: Decimal
    end: datetime


def _hours(terms: TermsAt, s: ShiftOutcome, booked: Decimal, corrections: list[Correction], used: list[Line]) -> _Hours:
    b = s.booking
    rule = terms.get("minimum_engagement")
    if s.cancelled_at is not None and s.actual_start is None:
        return _cancelled(terms, s, booked, corrections, used)
    start = s.actual_start or b.starts_at
    end = s.actual_end or b.ends_at
    worked = hours_between(start, end)
    if worked < 0:
        raise OfferError(f"the shift ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    if rule is None:
        return _Hours("worked", worked, worked, end)
    anchor = start
    if rule.value["counted_from"] == "first_delivery" and s.first_delivery_at is not None and s.deliveries != 0:
        anchor = max(start, s.first_delivery_at)
    # The guarantee runs from the anchor; time before it (waiting for the first order) is paid too.
    paid = max(worked, hours_between(start, anchor) + terms.minimum_hours)
    home = rule.value.get("sent_home_early")
    if s.sent_home_early and end < b.ends_at and home is not None and home["pays"] == "booked" and booked > paid:
        paid = booked
        used.append(rule.line("a rider sent home early is paid the booked hours"))
        corrections.append(
            rule.correction(
                "sent_home_early",
                f"the rider was sent home after {worked:.2f} h of {booked:.2f} h booked; the booked hours are paid",
                f"{worked:.2f} h",
                f"{paid:.2f} h",
            )
        )
        return _Hours("worked", worked, paid, end)
    _minimum_engagement(terms, worked, paid, corrections, used)
    return _Hours("worked", worked, paid, end)


def _cancelled(
    terms: TermsAt, s: ShiftOutcome, booked: Decimal, corrections: list[Correction], used: list[Line]
) -> _Hours:
    b = s.booking
    assert s.cancelled_at is not None
    rule = terms.get("minimum_engagement")
    policy = rule.value.get("short_notice_cancellation") if rule is not None else None
    notice = hours_between(s.cancelled_at, b.starts_at)
    if rule is None or policy is None or notice >= Decimal(policy["notice_hours"]) or policy["pays"] == "nothing":
        return _Hours("cancelled_unpaid", ZERO, ZERO, b.ends_at)
    paid = terms.minimum_hours if policy["pays"] == "minimum" else booked
    used.append(
        rule.line(f"a shift cancelled less than {policy['notice_hours']} h before its start pays {policy['pays']}")
    )
    corrections.append(
        rule.correction(
            "cancelled_at_short_notice",
            f"the platform cancelled {max(notice, ZERO):.2f} h before the start (less than "
            f"{policy['notice_hours']} h); the shift is paid {paid:.2f} h",
            "cancelled, unpaid",
            f"{paid:.2f} h",
        )
    )
    return _Hours("cancelled_paid", ZERO, paid, b.ends_at)


def _offer_line(s: ShiftOutcome) -> tuple[str, str]:
    if s.proposed is not None:
        return "offer", "the pay the platform proposed at the end of the shift"
    return "offer", "the pay the platform offered at booking"


def _salary_lines(
    agreement: Agreement,
    terms: TermsAt,
    s: ShiftOutcome,
    h: _Hours,
    offered: Decimal | None,
    per_trip: Decimal | None,
    applied: Decimal,
) -> list[PayLine]:
    cur = agreement.currency
    lines: list[PayLine] = []
    extra = h.paid - h.worked
    minimum = terms.get("minimum_engagement")
    winner = terms.winner
    if per_trip is not None:
        trips = s.deliveries or 0
        paid_trips = cents(per_trip * trips)
        rule = terms.get("piece_rate")
        term, clause = (rule.term.name, rule.clause) if rule else _offer_line(s)
        lines.append(
            PayLine(
                "trips",
                "pay per trip",
                term,
                clause,
                rule.since_text if rule else None,
                None,
                per_trip,
                paid_trips,
                "salary",
                f"{trips} trips × {per_trip} {cur}",
            )
        )
        if winner is not None:
            owed = cents(h.paid * winner.gross)
            if owed > paid_trips:
                lines.append(
                    _top_up(
                        winner,
                        h.paid,
                        None,
                        owed - paid_trips,
                        cur,
                        f"{_h(h.paid)} paid h × {winner.gross} {cur} = {owed} {cur}, less {paid_trips} {cur} for the trips",
                    )
                )
        return lines
    rate = applied if offered is None else offered
    if offered is None:
        src = winner.rule if winner is not None else None
        term, clause = (src.term.name, src.clause) if src else _offer_line(s)
        since = src.since_text if src else None
        why = f"{_h(h.worked)} h × {rate} {cur}, the floor: {winner.shown}" if winner else "no offer and no floor"
    else:
        term, clause = _offer_line(s)
        since, why = None, f"{_h(h.worked)} h × {offered} {cur} gross an hour offered"
    base = cents(h.worked * rate)
    if h.worked > 0:
        lines.append(_hourly("base", "hours worked", term, clause, since, h.worked, rate, base, why))
    if extra > 0 and minimum is not None:
        label = "short-notice cancellation" if h.status == "cancelled_paid" else "minimum engagement"
        lines.append(
            _hourly(
                "minimum_engagement",
                label,
                minimum.term.name,
                minimum.clause,
                minimum.since_text,
                extra,
                rate,
                # The paid hours are paid as one amount, rounded once, so that the floor's gross-up (which
                # rounds the shift's gross once) holds; this line is what the base line leaves of it.
                cents(h.paid * rate) - base,
                f"{h.paid:.2f} h paid at least: {_h(extra)} h more than worked, at {rate} {cur}",
            )
        )
    if offered is not None and winner is not None and offered < winner.gross:
        covered = h.paid if winner.hours == "paid" else h.worked
        if covered > 0:
            # Owed at the floor less paid at the offer, each rounded once: two lines rounded apart could
            # leave the shift a cent under the floor.
            owed = cents(covered * winner.gross)
            at_offer = cents(covered * offered)
            lines.append(
                _top_up(
                    winner,
                    covered,
                    winner.gross - offered,
                    owed - at_offer,
                    cur,
                    f"{_h(covered)} h × {winner.gross} {cur} = {owed} {cur} at the floor "
                    f"({winner.rule.term.name}), less {at_offer} {cur} at {offered} {cur}",
                )
            )
    return lines


def _net_floor_rounding(agreement: Agreement, terms: TermsAt, h: _Hours, lines: list[PayLine]) -> list[PayLine]:
    """The cents a net floor still needs on this shift, if any.

    The floor's hourly gross holds for every whole quarter hour (payroll.gross_for_net), but worked time is paid
    to the ten-thousandth of an hour, and on a length such as 3 h 01 the contributions' rounding can leave the
    shift's net a cent under floor x hours. The promise is per shift, so the shift gets the cent.
    """
    for floor in terms.floors:
        covered = h.paid if floor.hours == "paid" else h.worked
        if floor.net is None or covered <= 0:
            continue
        owed = floor.net * covered
        gross = sum((ln.amount for ln in lines if ln.kind == "salary"), ZERO)
        short = ZERO
        while net_of(gross + short, terms.rates).net < owed:
            short += CENT
        if short > 0:
            cur = agreement.currency
            return [
                _top_up(
                    floor,
                    covered,
                    None,
                    short,
                    cur,
                    f"{_h(covered)} h × {floor.net} {cur} net = {cents(owed)} {cur} net; the lines above net "
                    f"{net_of(gross, terms.rates).net} {cur} after contributions' rounding",
                )
            ]
    return []


def _h(hours: Decimal) -> str:
    """Hours as people write them: 3, 2.5, 2.9833 (no trailing zeros)."""
    return f"{hours.normalize():f}"


def _hourly(
    code: str,
    label: str,
    term: str,
    clause: str,
    since: str | None,
    hours: Decimal,
    rate: Decimal,
    amount: Decimal,
    why: str,
) -> PayLine:
    return PayLine(code, label, term, clause, since, hours, rate, amount, "salary", why)


def _top_up(floor: Floor, hours: Decimal, rate: Decimal | None, amount: Decimal, cur: str, why: str) -> PayLine:
    r = floor.rule
    return PayLine(
        "floor_top_up",
        "top-up to the hourly floor",
        r.term.name,
        r.clause,
        r.since_text,
        hours,
        rate,
        amount,
        "salary",
        why,
    )


def _expense_lines(
    agreement: Agreement, terms: TermsAt, h: _Hours, used: list[Line]
) -> tuple[list[PayLine], list[str]]:
    rule = terms.get("expenses")
    if rule is None:
        return [], []
    lines: list[PayLine] = []
    monthly: list[str] = []
    cur = agreement.currency
    for item in rule.value["items"]:
        amount = Decimal(item["amount"])
        if item["per"] == "month":
            monthly.append(f"{item['name']}: {amount} {cur} a month ({rule.term.name}, {rule.clause})")
            continue
        # Expenses follow the work done: a cancelled shift has none.
        if h.status != "worked":
            continue
        qty = h.paid if item["per"] == "paid_hour" else Decimal(1)
        unit = "paid h" if item["per"] == "paid_hour" else "shift"
        lines.append(
            PayLine(
                "expense",
                item["name"],
                rule.term.name,
                rule.clause,
                rule.since_text,
                qty if item["per"] == "paid_hour" else None,
                amount,
                cents(qty * amount),
                "expense",
                f"{_h(qty)} {unit} × {amount} {cur}",
            )
        )
    if lines or monthly:
        used.append(
            rule.line(", ".join(f"{i['name']} {i['amount']} {cur} per {i['per']}" for i in rule.value["items"]))
        )
    return lines, monthly


def _levy(terms: TermsAt, cost: Decimal, used: list[Line]) -> tuple[Decimal, Decimal]:
    """(levy, invoice total excl. VAT). On the invoice: invoice = cost / (1 - rate), so levy = rate × invoice."""
    rule = terms.get("guarantee_levy")
    if rule is None or cost == 0:
        return ZERO, cost
    rate = Decimal(rule.value["rate"])
    if rule.value["levied_on"] == "invoice_excl_vat":
        invoice = cents(cost / (1 - rate))
        levy = invoice - cost
        used.append(rule.line(f"{rate} of the invoice excl. VAT: invoice = cost / (1 - {rate})"))
    else:
        levy = cents(cost * rate)
        invoice = cost + levy
        used.append(rule.line(f"{rate} of the cost"))
    return levy, invoice


def _payment_due(
    agreement: Agreement, terms: TermsAt, end: datetime, used: list[Line]
) -> tuple[date | None, str | None]:
    rule = terms.get("payment_term")
    if rule is None:
        return None, None
    days, kind = int(rule.value["days"]), str(rule.value["kind"])
    start = end.astimezone(agreement.timezone).date()
    due, skipped = due_date(agreement.country, start, days, kind)
    why = f"{days} {kind} days after {start.isoformat()}"
    if skipped:
        why += "; public holidays skipped: " + ", ".join(f"{d.isoformat()} {n}" for d, n in skipped)
    used.append(rule.line(f"paid within {days} {kind} days ({agreement.country} public holidays skipped)"))
    return due, why


def _insurance(terms: TermsAt, used: list[Line]) -> str | None:
    rule = terms.get("insurance")
    if rule is None:
        return None
    text = f"{', '.join(rule.value['cover'])} by the {rule.value['insurer']} ({rule.term.name}, {rule.clause})"
    used.append(rule.line(text))
    return text


def evaluate_shift(agreement: Agreement, shift: ShiftOutcome, at: date | None = None) -> Statement:
    """Settle one shift: paid hours, pay lines, payroll, employer cost, levy, invoice and payment date.

    `at` evaluates under the terms in force on another day (what-if); by default, those of the shift's start.
    A term in `reject` mode still amends here: the work is done, and refusing to pay it would wrong the rider.
    """
    b = shift.booking
    local_start, start_day = _day_of(agreement, b.starts_at)
    terms = resolve(agreement, at or start_day)
    corrections: list[Correction] = []
    used: list[Line] = []
    booked = hours_between(b.starts_at, b.ends_at)
    h = _hours(terms, shift, booked, corrections, used)

    offer = shift.proposed or b.offer
    _check_currency(agreement, offer)
    if h.paid > 0:
        offered, per_trip = _piece_rate(agreement, terms, offer, corrections, used)
        if isinstance(b.offer, HourlyOffer) and per_trip is None:
            # The contract was opened at the booked hourly rate: a later proposal cannot pay less than it.
            offered = b.offer.hourly_gross if offered is None else max(offered, b.offer.hourly_gross)
        applied = _hourly_floors(agreement, terms, offered, corrections, used)
        lines = _salary_lines(agreement, terms, shift, h, offered, per_trip, applied)
        lines.extend(_net_floor_rounding(agreement, terms, h, lines))
    else:
        applied, lines = ZERO, []
    expense_lines, monthly = _expense_lines(agreement, terms, h, used)
    lines.extend(expense_lines)

    gross = sum((ln.amount for ln in lines if ln.kind == "salary"), ZERO)
    expenses = sum((ln.amount for ln in expense_lines), ZERO)
    pay = net_of(gross, terms.rates)
    employer = cents(gross * terms.rates.employer_contributions)
    levy, invoice = _levy(terms, gross + employer + expenses, used)
    due, due_why = _payment_due(agreement, terms, h.end, used) if h.paid > 0 else (None, None)

    return Statement(
        agreement=agreement.id,
        agreement_version=terms.version,
        currency=agreement.currency,
        timezone=agreement.timezone.key,
        terms_date=terms.day,
        local_start=local_start,
        status=h.status,
        booked_hours=booked,
        worked_hours=h.worked,
        minimum_paid_hours=terms.minimum_hours,
        paid_hours=h.paid,
        hourly_gross=applied,
        lines=lines,
        gross=gross,
        employee_social_security=pay.social_security,
        withholding=pay.withholding,
        net=pay.net,
        expenses=expenses,
        payout=pay.net + expenses,
        employer_contributions=employer,
        guarantee_levy=levy,
        invoice_total=invoice,
        payment_due=due,
        payment_due_why=due_why,
        insurance=_insurance(terms, used),
        corrections=corrections,
        used=used,
        monthly_expenses=monthly,
    )


# --- explanations -----------------------------------------------------------------------------------------


def _s(d: Decimal | None) -> str | None:
    return None if d is None else str(d)


def _statement_json(st: Statement) -> dict[str, Any]:
    return {
        "format": SETTLEMENT_FORMAT,
        "engine_version": ENGINE_VERSION,
        "agreement": st.agreement,
        "agreement_version": st.agreement_version,
        "terms_date": st.terms_date.isoformat(),
        "currency": st.currency,
        "timezone": st.timezone,
        "local_start": st.local_start.isoformat(),
        "status": st.status,
        "hours": {
            "booked": str(st.booked_hours),
            "worked": str(st.worked_hours),
            "minimum": str(st.minimum_paid_hours),
            "paid": str(st.paid_hours),
        },
        "hourly_gross": str(st.hourly_gross),
        "lines": [
            {
                "code": ln.code,
                "label": ln.label,
                "kind": ln.kind,
                "hours": _s(ln.hours),
                "rate": _s(ln.rate),
                "amount": str(ln.amount),
                "term": ln.term,
                "clause": ln.clause,
                "since": ln.since,
                "why": ln.why,
            }
            for ln in st.lines
        ],
        "payroll": {
            "gross": str(st.gross),
            "employee_social_security": str(st.employee_social_security),
            "withholding": str(st.withholding),
            "net": str(st.net),
            "expenses": str(st.expenses),
            "payout": str(st.payout),
            "employer_contributions": str(st.employer_contributions),
        },
        "invoice": {"guarantee_levy": str(st.guarantee_levy), "total_excl_vat": str(st.invoice_total)},
        "payment_due": st.payment_due.isoformat() if st.payment_due else None,
        "payment_due_why": st.payment_due_why,
        "insurance": st.insurance,
        "monthly_expenses": st.monthly_expenses,
        "violations": [
            {
                "term": c.term,
                "clause": c.clause,
                "code": c.code,
                "action": c.action,
                "detail": c.detail,
                "offered": c.offered,
                "applied": c.applied,
            }
            for c in st.corrections
        ],
        "terms_used": [_used_json(u) for u in st.used],
    }


def _statement_text(st: Statement) -> str:
    cur = st.currency
    out = [
        f"Shift starting {st.local_start:%A %Y-%m-%d %H:%M} ({st.timezone}), agreement {st.agreement} "
        f"version {st.agreement_version} (terms of {st.terms_date.isoformat()}).",
        f"Booked {st.booked_hours:.2f} h, worked {st.worked_hours:.2f} h, paid {st.paid_hours:.2f} h"
        + (f" (at least {st.minimum_paid_hours:.2f} h a shift)." if st.minimum_paid_hours else "."),
    ]
    if st.status == "cancelled_paid":
        out.append("The shift was cancelled at short notice and is paid all the same.")
    elif st.status == "cancelled_unpaid":
        out.append("The shift was cancelled in time: nothing is owed.")
    for c in st.corrections:
        out.append(f"Corrected ({c.term}, {c.clause}): {c.detail}.")
    out.append("Pay:")
    for ln in st.lines:
        out.append(
            f"  {ln.label:<28} {ln.amount:>9} {cur}   {ln.why}   [{ln.term}, {ln.clause}"
            + (f", since {ln.since}]" if ln.since else "]")
        )
    out += [
        f"  {'gross salary':<28} {st.gross:>9} {cur}",
        f"  {'employee social security':<28} {-st.employee_social_security:>9} {cur}",
        f"  {'withholding tax':<28} {-st.withholding:>9} {cur}",
        f"  {'net salary':<28} {st.net:>9} {cur}",
        f"  {'expenses (not taxed)':<28} {st.expenses:>9} {cur}",
        f"  {'paid to the rider':<28} {st.payout:>9} {cur}",
        f"Employer contributions {st.employer_contributions} {cur}; guarantee levy {st.guarantee_levy} {cur}; "
        f"invoice to the platform {st.invoice_total} {cur} excl. VAT.",
    ]
    if st.payment_due:
        out.append(
            f"The rider is paid by {st.payment_due:%A %Y-%m-%d} ({st.payment_due_why}), whatever the platform does."
        )
    if st.insurance:
        out.append(f"Insured: {st.insurance}.")
    for m in st.monthly_expenses:
        out.append(f"Paid monthly, not per shift: {m}.")
    out.append("Terms used:")
    for u in st.used:
        out.append(f"  {u.term} ({u.clause}, since {u.since}): {u.value}")
    return "\n".join(out)


__all__ = [
    "CENT",
    "Booking",
    "BookingDecision",
    "Correction",
    "HourlyOffer",
    "Line",
    "Offer",
    "OfferError",
    "PayLine",
    "PerTripOffer",
    "ShiftOutcome",
    "Statement",
    "TermsAt",
    "evaluate_booking",
    "evaluate_shift",
    "hours_between",
    "resolve",
    "terms_in_force",
]
