"""The rider's status as the payroll profile reads it, from the engine's optional `Worker`: the statutory youth
scale under 21, a student's solidarity contribution within the yearly quota, and the minimum wage extrapolated
past the profile's last known value. Pure functions; the engine calls them and words nothing itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import lru_cache

from gateway.agreements.outcome import Note, Worker
from gateway.agreements.payroll import NetBreakdown, Rates, cents
from gateway.agreements.records import record
from gateway.agreements.terms import statutory_minimum
from gateway.agreements.terms.base import ZERO, hours_text
from gateway.agreements.terms.floors import Floor
from gateway.agreements.terms.seniority import full_years

YOUTH_SOURCE = "payroll profile: statutory minimum wage under 21 (youth_minimum)"
STUDENT_SOURCE = "payroll profile: students' solidarity contribution (student_solidarity)"
MINIMUM_SOURCE = "payroll profile: statutory minimum wage (statutory_minimum_hourly)"


def youth_share(rates: Rates, worker: Worker | None, day: date) -> tuple[int, Decimal] | None:
    """(age, share of the adult minimum) when the youth scale applies to this worker on `day`, else None."""
    scale = rates.youth
    if scale is None or worker is None or worker.birth_date is None:
        return None
    if scale.applies_to == "students" and not worker.student:
        return None
    age = full_years(worker.birth_date, day)
    share = scale.share(age)
    return None if share is None else (age, share)


def youth_floors(
    floors: tuple[Floor, ...], age_share: tuple[int, Decimal], currency: str
) -> tuple[tuple[Floor, ...], Note | None]:
    """The floors with the statutory one scaled down for the rider's age (an agreement's own floor is untouched)."""
    age, share = age_share
    out: list[Floor] = []
    note = None
    for f in floors:
        if f.rule.term.type != statutory_minimum.TYPE:
            out.append(f)
            continue
        gross = cents(f.gross * share)
        shown = f"{f.shown}; at {age}, the statutory youth scale: {share * 100:.0f} % = {gross} {currency}"
        out.append(replace(f, gross=gross, shown=shown))
        note = Note(
            "youth_scale",
            YOUTH_SOURCE,
            f"the rider is {age}: the statutory minimum wage is {share * 100:.0f} % of the adult one, "
            f"{gross} {currency} instead of {f.gross} {currency} an hour (an agreement's own floor still holds)",
            {"age": str(age), "percent": f"{share * 100:.0f}", "rate": str(gross), "adult_rate": str(f.gross)},
        )
    return tuple(out), note


@record
class Contributions:
    pay: NetBreakdown
    employer: Decimal
    note: Note | None = None


def student_hours(rates: Rates, worker: Worker | None, paid: Decimal) -> Decimal | None:
    """The paid hours of this shift within the student's yearly quota (None: not a student, or no student rate)."""
    if worker is None or not worker.student or rates.student is None:
        return None
    left = max(rates.student.quota_hours - worker.student_hours_this_year, ZERO)
    return min(paid, left)


def contributions(gross: Decimal, rates: Rates, worker: Worker | None, paid: Decimal) -> Contributions:
    """Employee and employer contributions on the shift's gross: a student's hours within the quota pay the
    solidarity contribution instead (the gross split pro rata of the hours, each part rounded once)."""
    if worker is None:  # the common case, kept short: a what-if settles a million of them
        return _ordinary(gross, rates)
    within = student_hours(rates, worker, paid)
    employer_rate = rates.employer_contributions
    if within is None:
        social = cents(gross * rates.employee_social_security)
        return Contributions(_net(gross, social, rates), cents(gross * employer_rate), _no_student_rate(rates, worker))
    st = rates.student
    assert st is not None
    part = gross if within >= paid else cents(gross * within / paid) if paid > 0 else ZERO
    rest = gross - part
    social = cents(part * st.employee) + cents(rest * rates.employee_social_security)
    employer = cents(part * st.employer) + cents(rest * employer_rate)
    before = worker.student_hours_this_year if worker else ZERO
    employee_pc, employer_pc, ordinary_pc, ordinary_er_pc = _percents(rates)
    text = (
        f"student: {hours_text(within)} of the {hours_text(paid)} paid h fall within the yearly quota of "
        f"{hours_text(st.quota_hours)} h ({hours_text(before)} h worked as a student before this shift this year); "
        f"on {part} of the gross the solidarity contribution applies, {employee_pc} % for the rider and "
        f"{employer_pc} % for the employer, instead of {ordinary_pc} % and {ordinary_er_pc} %"
    )
    if rest:
        text += f"; the {hours_text(paid - within)} h past the quota pay ordinary contributions"
    values = {
        "within": str(within),
        "paid": str(paid),
        "quota": str(st.quota_hours),
        "before": str(before),
        "employee": employee_pc,
        "employer": employer_pc,
        "ordinary": ordinary_pc,
    }
    return Contributions(
        _net(gross, social, rates), employer, Note("student_contribution", STUDENT_SOURCE, text, values)
    )


def _ordinary(gross: Decimal, rates: Rates) -> Contributions:
    """Ordinary contributions on `gross`, worked out once per gross and set of rates: a few thousand grosses recur
    (three hours at the floor, four hours at the floor...) over every shift of a period. Keyed by the gross as
    written (41.43 and 41.430 are one number but not one text) and by the rates' identity, kept beside the result so
    that an id is never taken for another's; the result is immutable, so shifts share it."""
    key = (id(rates), str(gross))
    found = _ORDINARY.get(key)
    if found is not None and found[0] is rates:
        return found[1]
    social = cents(gross * rates.employee_social_security)
    made = Contributions(_net(gross, social, rates), cents(gross * rates.employer_contributions))
    if len(_ORDINARY) >= 50_000:
        _ORDINARY.clear()
    _ORDINARY[key] = (rates, made)
    return made


_ORDINARY: dict[tuple[int, str], tuple[Rates, Contributions]] = {}


@lru_cache(maxsize=64)
def _percents(rates: Rates) -> tuple[str, str, str, str]:
    """The student's and the ordinary rates as percentages, worded once per set of rates."""
    st = rates.student
    assert st is not None
    return (
        f"{st.employee * 100:.2f}",
        f"{st.employer * 100:.2f}",
        f"{rates.employee_social_security * 100:.2f}",
        f"{rates.employer_contributions * 100:.2f}",
    )


def _no_student_rate(rates: Rates, worker: Worker | None) -> Note | None:
    if worker is None or not worker.student or rates.student is not None:
        return None
    return Note(
        "student_no_rate",
        STUDENT_SOURCE,
        "student: the payroll profile has no student rate on this date, so ordinary contributions apply",
    )


def _net(gross: Decimal, social: Decimal, rates: Rates) -> NetBreakdown:
    withheld = cents((gross - social) * rates.withholding)
    return NetBreakdown(gross, social, withheld, gross - social - withheld)


def extrapolated(rates: Rates, day: date, currency: str) -> Note | None:
    """A note when the statutory minimum is used past the date the profile knows it until."""
    until = rates.statutory_known_until
    if until is None or day <= until or rates.statutory_minimum_hourly is None:
        return None
    since = rates.statutory_since.isoformat() if rates.statutory_since else "?"
    return Note(
        "minimum_extrapolated",
        MINIMUM_SOURCE,
        f"extrapolated: the last known minimum wage is {rates.statutory_minimum_hourly} {currency} an hour from "
        f"{since}; the payroll profile knows it until {until.isoformat()}, and a later indexation is not applied",
        {"rate": str(rates.statutory_minimum_hourly), "since": since, "known_until": until.isoformat()},
    )
