"""The engine's results in words and in versioned JSON: the explanation stored with a contract and a settlement,
and the plain statement the CLI prints. Rendering only: every number here was computed by the term modules."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gateway.agreements.outcome import ENGINE_VERSION, SETTLEMENT_FORMAT

if TYPE_CHECKING:
    from gateway.agreements.outcome import BookingDecision, Line, Note, Statement


def used_json(u: Line) -> dict[str, str]:
    return {"term": u.term, "clause": u.clause, "value": u.value, "since": u.since, "note": u.note}


def decision_json(d: BookingDecision) -> dict[str, Any]:
    out = {
        "engine_version": ENGINE_VERSION,
        "agreement": d.agreement,
        "agreement_version": d.agreement_version,
        "local_start": d.local_start.isoformat(),
        "terms_used": [used_json(u) for u in d.used],
    }
    if d.amended_start is not None or d.amended_end is not None:
        # A working-time limit in amend mode opened the contract for part of the booked window.
        out["amended_window"] = {
            "starts_at": None if d.amended_start is None else d.amended_start.isoformat(),
            "ends_at": None if d.amended_end is None else d.amended_end.isoformat(),
        }
    return out


def _s(d: Decimal | None) -> str | None:
    return None if d is None else str(d)


def statement_json(st: Statement) -> dict[str, Any]:
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
                "quantity": _s(ln.quantity),
                "per": ln.per,
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
        "terms_used": [used_json(u) for u in st.used],
        "notes": [note_json(n) for n in st.notes],
    }


def note_json(n: Note) -> dict[str, Any]:
    return {"code": n.code, "source": n.source, "text": n.text, "values": dict(n.values)}


def statement_text(st: Statement) -> str:
    cur = st.currency
    out = [
        f"Shift starting {st.local_start:%A %Y-%m-%d %H:%M} ({st.timezone}), agreement {st.agreement} "
        f"version {st.agreement_version} (terms of {st.terms_date.isoformat()}).",
        f"Booked {st.booked_hours:.2f} h, worked {st.worked_hours:.2f} h, paid {st.paid_hours:.2f} h"
        # A cancelled shift is paid what the cancellation clause says, not the minimum a worked shift gets.
        + (
            f" (at least {st.minimum_paid_hours:.2f} h a shift)."
            if st.minimum_paid_hours and st.status == "worked"
            else "."
        ),
    ]
    if st.status == "cancelled_paid":
        out.append("The shift was cancelled at short notice and is paid all the same.")
    elif st.status == "cancelled_unpaid":
        out.append("The shift was cancelled in time: nothing is owed.")
    for c in st.corrections:
        # A working-time limit in report mode changes nothing: it is recorded, not corrected.
        verb = "Reported" if c.action == "reported" else "Corrected"
        out.append(f"{verb} ({c.term}, {c.clause}): {c.detail}.")
    for n in st.notes:
        out.append(f"Note ({n.source}): {n.text}.")
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
