"""The agreement engine: one place where terms meet a shift. Pure functions, Decimal throughout.

The booking path (`evaluate_booking`), settlement (`evaluate_shift`), the CLI and the API all call this module;
nothing else interprets terms. It is an orchestrator: what each term does lives in its own module under
`gateway.agreements.terms` (the 3-hour rule in `terms/minimum_engagement.py`), called here in a fixed order, so a
booking and its settlement can never read an agreement two ways. The words are made in `render`.

Settlement has a budget (bench/agreements_engine.py: 20,000 shifts a second on one core), so the hot path follows a
few habits that read oddly: a Decimal in an f-string is written `{amount!s}` (the same text as `{amount}`: str()
costs a third of Decimal.__format__), texts and lines that depend only on a dated value are made once
(`InForce.memo`, `hours_text`), and the statement is built positionally.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Generic, TypeVar, cast

from gateway.agreements import status
from gateway.agreements.model import Agreement, AgreementError
from gateway.agreements.outcome import (
    ENGINE_VERSION,
    NOTHING_BEFORE,
    SETTLEMENT_FORMAT,
    Booking,
    BookingDecision,
    Correction,
    HourlyOffer,
    Hours,
    Line,
    Note,
    Offer,
    OfferError,
    PayLine,
    PerTripOffer,
    ShiftOutcome,
    Statement,
    WorkedBefore,
    Worker,
    salary_total,
)
from gateway.agreements.payroll import CENT, Rates, cents, net_of
from gateway.agreements.records import record
from gateway.agreements.terms import (
    bonus,
    expenses,
    floors,
    guarantee_levy,
    hourly_floor,
    insurance,
    minimum_engagement,
    overtime,
    payment_term,
    piece_rate,
    premiums,
    seniority,
    statutory_minimum,
    waiting_time,
    working_time_limits,
)
from gateway.agreements.terms.base import HOURS, ZERO, InForce, TermValue, hours_between, hours_text
from gateway.agreements.terms.floors import Floor

# The name the API, the CLI and the reports know a term in force by.
InForceTerm = InForce

V = TypeVar("V", bound=TermValue)


# --- terms in force on one day, resolved once ---------------------------------------------------------------


NO_MONEY = Decimal("0.00")


@dataclass(frozen=True)
class TermsAt:
    """Everything an evaluation needs on one day, each term typed. Built once per (agreement, day) and cached on
    the agreement."""

    day: date
    version: str
    rates: Rates
    rules: dict[str, InForce[TermValue]]  # by type, for listing
    minimum: InForce[minimum_engagement.MinimumEngagement] | None
    hourly_floor: InForce[hourly_floor.HourlyFloor] | None
    statutory_minimum: InForce[statutory_minimum.StatutoryMinimum] | None
    piece_rate: InForce[piece_rate.PieceRate] | None
    expenses: InForce[expenses.Expenses] | None
    insurance: InForce[insurance.Insurance] | None
    payment_term: InForce[payment_term.PaymentTerm] | None
    guarantee_levy: InForce[guarantee_levy.GuaranteeLevy] | None
    floors: tuple[Floor, ...]
    winner: Floor | None
    bonus: InForce[bonus.Bonus] | None = None
    seniority: InForce[seniority.Seniority] | None = None
    # What of a shift the amounts read beyond its hours and offers (for the outcome key): (distance, deliveries).
    reads: tuple[bool, bool] = (False, False)
    # Said on every statement of the day when the statutory minimum is past the profile's last known value.
    extrapolated: Note | None = None
    # The time clauses (issue 18): what they read of a shift is in `outcome_key` too.
    premiums: InForce[premiums.Premiums] | None = None
    overtime: InForce[overtime.Overtime] | None = None
    limits: InForce[working_time_limits.WorkingTimeLimits] | None = None
    waiting_time: InForce[waiting_time.WaitingTime] | None = None

    @property
    def timed(self) -> bool:
        """Whether pay depends on the time of day, the calendar, the weather or the hours before."""
        return self.premiums is not None or self.overtime is not None or self.waiting_time is not None

    @property
    def minimum_hours(self) -> Decimal:
        return minimum_engagement.minimum_hours(self.minimum)


def _typed(rules: dict[str, InForce[TermValue]], type_: str, cls: type[V]) -> InForce[V] | None:
    found = rules.get(type_)
    if found is None:
        return None
    assert isinstance(found.value, cls), (type_, found.value)
    return cast(InForce[V], found)


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
    rules: dict[str, InForce[TermValue]] = {}
    for term in agreement.terms.values():
        v = term.values.at(day)
        if v is not None:
            rules[term.type] = InForce.of(term, v.value, v.since)
    own = _typed(rules, hourly_floor.TYPE, hourly_floor.HourlyFloor)
    law = _typed(rules, statutory_minimum.TYPE, statutory_minimum.StatutoryMinimum)
    cur, profile = agreement.currency, agreement.profile.id
    found: list[Floor] = []
    if own is not None:
        found.append(hourly_floor.floor(own, rates, cur, profile))
    if law is not None:
        found.append(statutory_minimum.floor(law, rates, cur, profile, day))
    resolved = TermsAt(
        day=day,
        version=agreement.version_at(day),
        rates=rates,
        rules=rules,
        minimum=_typed(rules, minimum_engagement.TYPE, minimum_engagement.MinimumEngagement),
        hourly_floor=own,
        statutory_minimum=law,
        piece_rate=_typed(rules, piece_rate.TYPE, piece_rate.PieceRate),
        expenses=_typed(rules, expenses.TYPE, expenses.Expenses),
        insurance=_typed(rules, insurance.TYPE, insurance.Insurance),
        payment_term=_typed(rules, payment_term.TYPE, payment_term.PaymentTerm),
        guarantee_levy=_typed(rules, guarantee_levy.TYPE, guarantee_levy.GuaranteeLevy),
        floors=tuple(found),
        winner=floors.winner(tuple(found)),
        bonus=_typed(rules, bonus.TYPE, bonus.Bonus),
        seniority=_typed(rules, seniority.TYPE, seniority.Seniority),
        reads=expenses.needs(_typed(rules, expenses.TYPE, expenses.Expenses)),
        extrapolated=status.extrapolated(rates, day, agreement.currency) if law is not None else None,
        premiums=_typed(rules, premiums.TYPE, premiums.Premiums),
        overtime=_typed(rules, overtime.TYPE, overtime.Overtime),
        limits=_typed(rules, working_time_limits.TYPE, working_time_limits.WorkingTimeLimits),
        waiting_time=_typed(rules, waiting_time.TYPE, waiting_time.WaitingTime),
    )
    agreement._resolved[day] = resolved
    return resolved


def counts_hours_before(agreement: Agreement, instant: datetime, *, at_booking: bool) -> bool:
    """Whether a shift starting at `instant` needs the rider's hours before it (`WorkedBefore`): at booking for the
    working-time limits, at settlement for overtime too. False outside the agreement's dates (the engine says why
    when it evaluates the shift). The services count those hours only then: other agreements cost no query."""
    try:
        terms = resolve(agreement, _day_of(agreement, instant)[1])
    except AgreementError:
        return False
    return terms.limits is not None or (not at_booking and terms.overtime is not None)


def terms_in_force(agreement: Agreement, day: date) -> list[InForce[TermValue]]:
    """Every term in force on `day`, in the agreement's order (for the API and `explain`)."""
    rules = resolve(agreement, day).rules
    return [r for t in agreement.terms.values() if (r := rules.get(t.type)) is not None and r.term is t]


def _check_currency(agreement: Agreement, offer: Offer | None) -> None:
    if offer is not None and offer.currency != agreement.currency:
        raise OfferError(f"the offer is in {offer.currency}; agreement {agreement.id} pays in {agreement.currency}")


def _day_of(agreement: Agreement, instant: datetime) -> tuple[datetime, date]:
    local = instant.astimezone(agreement.timezone)
    return local, local.date()


# --- booking ----------------------------------------------------------------------------------------------


def evaluate_booking(
    agreement: Agreement,
    booking: Booking,
    *,
    worked_before: WorkedBefore | None = None,
    worker: Worker | None = None,
) -> BookingDecision:
    """`worked_before`: the member's hours earlier that day and week on every platform, and the end of the previous
    shift (the working-time limits read them); none by default. Without `worker` (the booking path does not read
    the member), the adult scale: the youth scale, which can only lower the statutory floor, is applied at
    settlement."""
    local_start, day = _day_of(agreement, booking.starts_at)
    terms = resolve(agreement, day)
    corrections: list[Correction] = []
    used: list[Line] = []

    starts, ends = working_time_limits.at_booking(
        terms.limits, booking.starts_at, booking.ends_at, worked_before or NOTHING_BEFORE, corrections, used
    )
    booked = hours_between(starts, ends)
    guaranteed = minimum_engagement.at_booking(terms.minimum, booked, corrections, used)

    _check_currency(agreement, booking.offer)
    hourly, notes = _opened_at(terms, booking.offer, agreement.currency, worker, day, corrections, used)
    used.extend(_note_line(n) for n in notes)

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
        amended_start=starts if starts != booking.starts_at else None,
        amended_end=ends if ends != booking.ends_at else None,
    )


def _opened_at(
    terms: TermsAt,
    offer: Offer | None,
    currency: str,
    worker: Worker | None,
    day: date,
    corrections: list[Correction],
    used: list[Line],
) -> tuple[Decimal, list[Note]]:
    """The hourly gross a contract states: the offer lifted to the floors in force (with the notes on the rider's
    scale). A per-trip offer (where allowed) cannot be compared per hour before the trips are known: the booking
    guarantees the floor; settlement tops the trips up to it."""
    offered_hourly, _per_trip = piece_rate.offer_terms(terms.piece_rate, offer, corrections, used)
    shift_floors, top, notes = _floors_for(terms, worker, day, currency)
    return floors.lift(shift_floors, top, offered_hourly, currency, corrections, used), notes


def contract_rate(agreement: Agreement, offer: Offer | None, day: date) -> Decimal:
    """The hourly gross a contract opened under `day`'s terms would state for `offer`, as `evaluate_booking` sets
    it (the adult scale: a booking never reads the member). A what-if replaying a shift under other terms pays at
    least this, as settlement pays at least the rate its contract was opened at."""
    return _opened_at(resolve(agreement, day), offer, agreement.currency, None, day, [], [])[0]


# --- settlement -------------------------------------------------------------------------------------------


def _hours(
    terms: TermsAt, s: ShiftOutcome, booked: Decimal, corrections: list[Correction] | None, used: list[Line] | None
) -> Hours:
    b = s.booking
    if s.cancelled_at is not None and s.actual_start is None:
        return minimum_engagement.on_cancellation(terms.minimum, s, booked, corrections, used)
    start = s.actual_start or b.starts_at
    end = s.actual_end or b.ends_at
    # Worked as booked (most shifts): the hours are the booked ones, already worked out.
    worked = booked if start is b.starts_at and end is b.ends_at else hours_between(start, end)
    if worked < 0:
        raise OfferError(f"the shift ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    return minimum_engagement.at_settlement(terms.minimum, s, worked, booked, start, end, corrections, used)


def _offer_source(s: ShiftOutcome) -> tuple[str, str]:
    """(term, clause) of pay that no term sets: the platform's own offer."""
    if s.proposed is not None:
        return "offer", "the pay the platform proposed at the end of the shift"
    return "offer", "the pay the platform offered at booking"


def _salary_lines(
    agreement: Agreement,
    terms: TermsAt,
    s: ShiftOutcome,
    h: Hours,
    offered: Decimal | None,
    per_trip: Decimal | None,
    applied: Decimal,
    winner: Floor | None,
) -> list[PayLine]:
    cur = agreement.currency
    if per_trip is not None:
        trips = piece_rate.trips_line(terms.piece_rate, s, per_trip, cur, _offer_source(s))
        top_up = floors.top_up_trips(winner, h, trips.amount, cur)
        return [trips] if top_up is None else [trips, top_up]
    lines: list[PayLine] = []
    rate = applied if offered is None else offered
    if offered is None:
        src = winner.rule if winner is not None else None
        term, clause = (src.term.name, src.clause) if src else _offer_source(s)
        since = src.since_text if src else None
        why = (
            f"{hours_text(h.worked)} h × {rate!s} {cur}, the floor: {winner.shown}"
            if winner
            else "no offer and no floor"
        )
    else:
        term, clause = _offer_source(s)
        since, why = None, f"{hours_text(h.worked)} h × {offered!s} {cur} gross an hour offered"
    base = cents(h.worked * rate)
    if h.worked > 0:
        lines.append(PayLine("base", "hours worked", term, clause, since, h.worked, rate, base, "salary", why))
    extra = minimum_engagement.pay_line(terms.minimum, h, rate, base, cur)
    if extra is not None:
        lines.append(extra)
    top_up = floors.top_up_offer(winner, h, offered, cur)
    if top_up is not None:
        lines.append(top_up)
    return lines


def evaluate_shift(
    agreement: Agreement, shift: ShiftOutcome, at: date | None = None, *, worked_before: WorkedBefore | None = None
) -> Statement:
    """Settle one shift: paid hours, pay lines, payroll, employer cost, levy, invoice and payment date.

    `at` evaluates under the terms in force on another day (what-if); by default, those of the shift's start.
    A term in `reject` mode still amends here: the work is done, and refusing to pay it would wrong the rider.
    `worked_before`: the member's hours earlier that day and week on every platform (overtime, the limits).
    """
    b = shift.booking
    local_start, start_day = _day_of(agreement, b.starts_at)
    terms = resolve(agreement, at or start_day)
    corrections: list[Correction] = []
    used: list[Line] = []
    booked = hours_between(b.starts_at, b.ends_at)
    h = _hours(terms, shift, booked, corrections, used)
    cur = agreement.currency
    worker = shift.worker
    # The rider's age and seniority count on the day worked (a what-if's `at` changes the terms, not the rider).
    shift_floors, top, notes = _floors_for(terms, worker, start_day, cur)

    offer = shift.proposed or b.offer
    _check_currency(agreement, offer)
    if h.paid > 0:
        offered, per_trip = piece_rate.offer_terms(terms.piece_rate, offer, corrections, used)
        if isinstance(b.offer, HourlyOffer) and per_trip is None:
            # The contract was opened at the booked hourly rate: a later proposal cannot pay less than it.
            offered = b.offer.hourly_gross if offered is None else max(offered, b.offer.hourly_gross)
        applied = floors.lift(shift_floors, top, offered, cur, corrections, used)
        lines = _salary_lines(agreement, terms, shift, h, offered, per_trip, applied, top)
        if per_trip is None and b.contracted_hourly is not None and applied < b.contracted_hourly:
            applied = _contract_rate(b.contracted_hourly, applied, h, lines, cur, notes)
        if terms.waiting_time is not None:
            lines = _waiting(terms, shift, h, lines, cur, used)
        lines.extend(hourly_floor.net_rounding(shift_floors, h, lines, terms.rates, cur))
        # After the floors: a premium comes on top of the floor and never fills it.
        lines.extend(_time_lines(agreement, terms, shift, h, applied, worked_before or NOTHING_BEFORE, used))
        working_time_limits.at_settlement(
            terms.limits, shift.actual_start or b.starts_at, h.worked, worked_before or NOTHING_BEFORE, corrections
        )
        # Then seniority, the no-less-favourable comparison (against all of the above) and a bonus, last.
        _raises(terms, shift, h, offer, applied, start_day, cur, lines, corrections, used)
    else:
        applied, lines = ZERO, []
    expense_lines, monthly = expenses.at_settlement(terms.expenses, h, cur, used, shift)
    lines.extend(expense_lines)

    # In cents from the start: a shift with no expense line says 0.00 EUR, as every amount is written.
    gross = spent = NO_MONEY
    for ln in lines:
        if ln.kind == "salary":
            gross += ln.amount
        else:
            spent += ln.amount
    paid_in = status.contributions(gross, terms.rates, worker, h.paid)
    pay, employer = paid_in.pay, paid_in.employer
    if paid_in.note is not None:
        notes.append(paid_in.note)
    levy, invoice = guarantee_levy.at_settlement(terms.guarantee_levy, gross + employer + spent, used)
    if h.paid > 0:
        due, due_why = payment_term.at_settlement(
            terms.payment_term, agreement.country, agreement.timezone, h.end, used
        )
    else:
        due, due_why = None, None

    # Positional, in the order of the fields named in the comments: matching 29 keywords costs a settlement a
    # microsecond more (the budget is 50 µs a shift).
    return Statement(
        agreement.id,  # agreement
        terms.version,  # agreement_version
        cur,  # currency
        agreement.timezone.key,  # timezone
        terms.day,  # terms_date
        local_start,  # local_start
        h.status,  # status
        booked,  # booked_hours
        h.worked,  # worked_hours
        terms.minimum_hours,  # minimum_paid_hours
        h.paid,  # paid_hours
        applied,  # hourly_gross
        lines,  # lines
        gross,  # gross
        pay.social_security,  # employee_social_security
        pay.withholding,  # withholding
        pay.net,  # net
        spent,  # expenses
        pay.net + spent,  # payout
        employer,  # employer_contributions
        levy,  # guarantee_levy
        invoice,  # invoice_total
        due,  # payment_due
        due_why,  # payment_due_why
        insurance.at_settlement(terms.insurance, used),  # insurance
        corrections,  # corrections
        used,  # used
        monthly,  # monthly_expenses
        notes,  # notes
    )


def _contract_rate(
    contracted: Decimal, applied: Decimal, h: Hours, lines: list[PayLine], cur: str, notes: list[Note]
) -> Decimal:
    """The contract's hourly rate where the terms at settlement pay less (the youth scale, which the booking could
    not know; a floor lowered since): the rider is paid what the contract says, the difference in its own line."""
    short = cents(h.paid * contracted) - salary_total(lines)
    if short > 0:
        lines.append(
            PayLine(
                "contract_rate",
                "top-up to the contract's hourly rate",
                "contract",
                "the contract as opened",
                None,
                h.paid,
                contracted - applied,
                short,
                "salary",
                f"{hours_text(h.paid)} h × {contracted} {cur}, the rate the contract was opened at, "
                f"= {cents(h.paid * contracted)} {cur}; the terms at settlement pay {applied} {cur}",
            )
        )
    notes.append(
        Note(
            "contract_rate",
            "the contract as opened",
            f"the contract was opened at {contracted} {cur} gross an hour; the terms that apply at settlement pay "
            f"{applied} {cur}, so the contract's rate is paid",
            {"contracted": str(contracted), "terms_rate": str(applied), "currency": cur},
        )
    )
    return contracted


def _floors_for(
    terms: TermsAt, worker: Worker | None, day: date, currency: str
) -> tuple[tuple[Floor, ...], Floor | None, list[Note]]:
    """The floors for this rider (the statutory one on the youth scale under 21), the winner, and the notes that
    say why (the youth scale; a minimum wage past the profile's last known value)."""
    notes: list[Note] = [] if terms.extrapolated is None else [terms.extrapolated]
    found, top = terms.floors, terms.winner
    if terms.statutory_minimum is not None and worker is not None:
        age_share = status.youth_share(terms.rates, worker, day)
        if age_share is not None:
            found, youth = status.youth_floors(found, age_share, currency)
            top = floors.winner(found)
            if youth is not None:
                notes.append(youth)
    return found, top, notes


def _note_line(n: Note) -> Line:
    return Line(
        "rider status" if n.code != "minimum_extrapolated" else "statutory minimum wage", n.source, n.text, "", ""
    )


def _raises(
    terms: TermsAt,
    s: ShiftOutcome,
    h: Hours,
    offer: Offer | None,
    applied: Decimal,
    day: date,
    cur: str,
    lines: list[PayLine],
    corrections: list[Correction],
    used: list[Line],
) -> None:
    """What comes on top of the hourly pay, in this order: seniority (hourly pay too), the no-less-favourable
    comparison with a per-trip offer (against all the hourly pay), then a bonus, which never fills a floor."""
    since = s.worker.employed_since if s.worker is not None else None
    step = seniority.pay_line(terms.seniority, s.worker is not None, since, day, h.paid, applied, cur, used)
    if step is not None:
        lines.append(step)
    rule = terms.piece_rate
    if rule is not None and isinstance(offer, PerTripOffer) and piece_rate.compares_trips(rule, offer):
        hourly_total = salary_total(lines)
        match = piece_rate.offer_match(rule, s, offer, h.paid, hourly_total, cur, used)
        if match is not None:
            lines.append(match)
    extra = bonus.at_settlement(terms.bonus, s.bonus, cur, corrections, used)
    if extra is not None:
        lines.append(extra)


def _waiting(
    terms: TermsAt, s: ShiftOutcome, h: Hours, lines: list[PayLine], cur: str, used: list[Line]
) -> list[PayLine]:
    """The base line with the hours waited before the first delivery taken out into their own line."""
    if not lines or lines[0].code != "base":
        return lines
    waited = waiting_time.hours(terms.waiting_time, s, s.actual_start or s.booking.starts_at, h.worked)
    floor = terms.winner.gross if terms.winner is not None else ZERO
    return waiting_time.split_base(terms.waiting_time, lines[0], waited, floor, cur, used) + lines[1:]


def _time_lines(
    agreement: Agreement,
    terms: TermsAt,
    s: ShiftOutcome,
    h: Hours,
    rate: Decimal,
    before: WorkedBefore,
    used: list[Line],
) -> list[PayLine]:
    """Premiums for the hours worked at night, on Sunday, on a holiday or in bad weather, then overtime."""
    cur = agreement.currency
    if h.status != "worked" or h.worked <= 0:
        return []  # a cancellation paid at short notice pays hours, not work: no premium, no overtime
    out = premiums.at_settlement(
        terms.premiums,
        agreement.timezone,
        agreement.country,
        s.actual_start or s.booking.starts_at,
        h.end,
        s.bad_weather,
        rate,
        cur,
        used,
    )
    extra = overtime.at_settlement(terms.overtime, h.worked, before, rate, cur, used)
    if extra is not None:
        out.append(extra)
    return out


def _time_key(agreement: Agreement, terms: TermsAt, s: ShiftOutcome, h: Hours, before: WorkedBefore) -> Hashable:
    """What the time clauses read of a shift: the seconds in each premium's time, the overtime and waiting hours."""
    if h.worked <= 0:
        return None
    start = s.actual_start or s.booking.starts_at
    return (
        premiums.key(terms.premiums, agreement.timezone, agreement.country, start, h.end, s.bad_weather),
        overtime.hours(terms.overtime, h.worked, before),
        waiting_time.hours(terms.waiting_time, s, start, h.worked),
    )


# --- same outcome, computed once ----------------------------------------------------------------------------


@record
class Amounts:
    """A statement's paid hours and money: all that shifts of the same outcome key share (their dates, words and
    the terms used may differ, so a memo hands out these, never a Statement)."""

    paid_hours: Decimal
    gross: Decimal
    net: Decimal
    expenses: Decimal
    payout: Decimal
    employer_contributions: Decimal
    guarantee_levy: Decimal
    invoice_total: Decimal

    @classmethod
    def of(cls, st: Statement) -> Amounts:
        return cls(
            st.paid_hours,
            st.gross,
            st.net,
            st.expenses,
            st.payout,
            st.employer_contributions,
            st.guarantee_levy,
            st.invoice_total,
        )


def outcome_key(
    agreement: Agreement, shift: ShiftOutcome, at: date | None = None, *, worked_before: WorkedBefore | None = None
) -> Hashable:
    """What the amounts of `evaluate_shift(agreement, shift, at)` depend on, and nothing else: the day whose terms
    apply, the hours as the minimum engagement settles them (status, worked, paid), the offers and, for pay per
    trip, the number of trips. Every term module reads a shift only through these (the payment date reads the
    calendar, but it is not an amount). A term that read more of a shift (a night premium: the time of day) must
    add it here, beside the evaluation it changes."""
    b = shift.booking
    start_day = _day_of(agreement, b.starts_at)[1]
    terms = resolve(agreement, at or start_day)
    h = _hours(terms, shift, hours_between(b.starts_at, b.ends_at), None, None)
    offer = shift.proposed or b.offer
    distance, counts = terms.reads
    reads_trips = piece_rate.pays_trips(terms.piece_rate, offer) or piece_rate.compares_trips(terms.piece_rate, offer)
    trips = shift.deliveries if reads_trips or counts else None
    key = (
        terms.day,
        h.status,
        h.worked,
        h.paid,
        b.offer,
        b.contracted_hourly,
        shift.proposed,
        trips,
        shift.distance_km if distance else None,
        shift.bonus,
        None if shift.worker is None else _worker_key(terms, shift.worker, start_day, h.paid),
    )
    if terms.timed:
        return (*key, _time_key(agreement, terms, shift, h, worked_before or NOTHING_BEFORE))
    return key


def _worker_key(terms: TermsAt, w: Worker, day: date, paid: Decimal) -> Hashable:
    """What the rider's status changes in the amounts: the youth scale's share, the student hours within the
    quota, the seniority step (a shift without a Worker, the common case, has none)."""
    youth = status.youth_share(terms.rates, w, day) if terms.statutory_minimum is not None else None
    step = seniority.step(terms.seniority, w.employed_since, day)
    return (
        None if youth is None else youth[1],
        status.student_hours(terms.rates, w, paid),
        w.student and terms.rates.student is not None,
        step,
        terms.seniority is not None and w.employed_since is None,
    )


def _shape(shift: ShiftOutcome) -> tuple[Any, ...]:
    """A shift as exact durations from its booked start, with its counts, flags and offers: two shifts of one
    shape (and one day of terms) have one outcome key, found without working out the hours again.
    (Kept lean: this runs once per shift of a what-if, a million times.)"""
    b = shift.booking
    start = b.starts_at
    zone, offset = start.tzinfo, start.utcoffset()
    a, e, f, c = shift.actual_start, shift.actual_end, shift.first_delivery_at, shift.cancelled_at
    return (
        _elapsed(start, zone, offset, b.ends_at),
        None if a is None else _elapsed(start, zone, offset, a),
        None if e is None else _elapsed(start, zone, offset, e),
        None if f is None else _elapsed(start, zone, offset, f),
        None if c is None else _elapsed(start, zone, offset, c),
        shift.deliveries,
        shift.sent_home_early,
        b.offer,
        b.contracted_hourly,
        shift.proposed,
        shift.distance_km,
        shift.bonus,
        shift.worker,
    )


def _elapsed(start: datetime, zone: tzinfo | None, offset: timedelta | None, end: datetime) -> timedelta:
    """Real time from `start` (in `zone`, `offset` from UTC) to `end`. Python subtracts two datetimes of one zone
    on the wall clock, which a DST night would bend: the difference of their UTC offsets is added back (cheaper
    than taking both to UTC, a million times over). Two zones are subtracted in UTC already."""
    if offset is None:  # naive: as `hours_between` takes it
        return end.astimezone(UTC) - start.astimezone(UTC)
    if end.tzinfo is not zone:
        return end - start
    return end - start + (offset - cast(timedelta, end.utcoffset()))


T = TypeVar("T")
MEMO_LIMIT = 500_000
_TIMED_TYPES = (premiums.TYPE, overtime.TYPE, waiting_time.TYPE)


class Memo(Generic[T]):
    """Settles shifts under one or more agreements (a signed one and a draft, say) and hands out
    `project(Amounts)` for each, computing every distinct outcome once: a period's thousands of identical slots
    are evaluated a handful of times. Two levels, both keyed by the engine: a shift's shape (cheap, exact
    durations) and, when that is new, its outcome key (`outcome_key`). Bounded: a full level is emptied."""

    def __init__(
        self,
        agreements: tuple[Agreement, ...],
        at: date | None,
        project: Callable[[Amounts], T],
        *,
        enabled: bool = True,
        limit: int = MEMO_LIMIT,
    ) -> None:
        self.agreements, self.at, self.project = agreements, at, project
        self.enabled, self.limit = enabled, limit
        self.hits = 0
        self._shapes: dict[tuple[Any, ...], tuple[T, ...]] = {}
        self._outcomes: list[dict[Hashable, T]] = [{} for _ in agreements]
        # An agreement with time clauses pays by the time of day, the calendar, the weather and the hours before:
        # then a shape is also its start instant, its weather and those hours.
        self._timed = any(a.term(t) is not None for a in agreements for t in _TIMED_TYPES)

    def _settle(self, agreement: Agreement, shift: ShiftOutcome, before: WorkedBefore | None = None) -> T:
        return self.project(Amounts.of(evaluate_shift(agreement, shift, self.at, worked_before=before)))

    def _days(self, shift: ShiftOutcome) -> tuple[date, ...]:
        """The day whose terms apply, for each agreement (without `at`: the shift's local start)."""
        return tuple(_day_of(a, shift.booking.starts_at)[1] for a in self.agreements)

    def __call__(self, shift: ShiftOutcome, worked_before: WorkedBefore | None = None) -> tuple[T, ...]:
        """`worked_before`: the rider's hours earlier that day and week (overtime reads them)."""
        if not self.enabled:
            return tuple(self._settle(a, shift, worked_before) for a in self.agreements)
        shape: tuple[Any, ...] = (self.at or self._days(shift), _shape(shift))
        if self._timed:
            shape = (*shape, shift.booking.starts_at, shift.bad_weather, worked_before)
        found = self._shapes.get(shape)
        if found is not None:
            self.hits += 1
            return found
        results: list[T] = []
        computed = False
        for agreement, outcomes in zip(self.agreements, self._outcomes, strict=True):
            key = outcome_key(agreement, shift, self.at, worked_before=worked_before)
            value = outcomes.get(key)
            if value is None:
                value = self._settle(agreement, shift, worked_before)
                computed = True
                if len(outcomes) >= self.limit:
                    outcomes.clear()
                outcomes[key] = value
            results.append(value)
        if not computed:
            self.hits += 1
        both = tuple(results)
        if len(self._shapes) >= self.limit:
            self._shapes.clear()
        self._shapes[shape] = both
        return both


__all__ = [
    "CENT",
    "ENGINE_VERSION",
    "HOURS",
    "SETTLEMENT_FORMAT",
    "Amounts",
    "Booking",
    "BookingDecision",
    "Correction",
    "Floor",
    "HourlyOffer",
    "InForceTerm",
    "Line",
    "Memo",
    "Note",
    "Offer",
    "OfferError",
    "PayLine",
    "PerTripOffer",
    "ShiftOutcome",
    "Statement",
    "TermsAt",
    "WorkedBefore",
    "Worker",
    "counts_hours_before",
    "evaluate_booking",
    "evaluate_shift",
    "hours_between",
    "outcome_key",
    "resolve",
    "terms_in_force",
]
