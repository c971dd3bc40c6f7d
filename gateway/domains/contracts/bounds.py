"""How far a platform's times may go: every instant a shift event carries is checked before anything changes.

A time past a bound is refused (422 naming the field) rather than corrected: the gateway cannot know the true
time, and the platform can correct and resend. Unbounded, one event could inflate pay (an end a year after the
start pays a year) or stall the jobs (a time at the edge of the calendar overflows wherever it is moved).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.canonical import RiderDecision, ShiftBooked, ShiftCancelled, ShiftEnded, ShiftStarted
from gateway.domains.contracts.models import Contract
from gateway.problems import InvalidPayload
from gateway.settings import Settings

Error = dict[str, str]


@dataclass(frozen=True, slots=True)
class TimeBounds:
    skew: timedelta  # how far ahead of the gateway's clock an event may be
    start_window: timedelta  # how far from the booked start a start may be, either way
    max_shift: timedelta  # the longest shift, booked or worked
    ahead: timedelta  # how far ahead a shift may be booked
    behind: timedelta  # how long after its start a shift may still be booked

    @classmethod
    def of(cls, settings: Settings) -> TimeBounds:
        return cls(
            skew=timedelta(seconds=settings.clock_skew_seconds),
            start_window=timedelta(hours=settings.start_window_hours),
            max_shift=timedelta(hours=settings.max_shift_hours),
            ahead=timedelta(days=settings.booking_horizon_days),
            behind=timedelta(days=settings.booking_past_days),
        )


def _refuse(errors: list[Error]) -> None:
    if errors:
        raise InvalidPayload("; ".join(f"{e['location']}: {e['message']}" for e in errors), errors=errors)


def _iso(instant: datetime) -> str:
    return instant.isoformat()


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g} h"


def _not_ahead(location: str, at: datetime, now: datetime, b: TimeBounds) -> list[Error]:
    """An event reports what happened: its time may be ahead of the gateway's clock only by the skew."""
    if at - now <= b.skew:
        return []
    return [
        {
            "location": location,
            "message": f"{_iso(at)} is in the future: more than {b.skew.total_seconds():g} s after the gateway's "
            f"clock ({_iso(now)}); send the event once it has happened",
        }
    ]


def _within_shift(location: str, start: datetime, end: datetime, what: str, b: TimeBounds) -> list[Error]:
    if end - start <= b.max_shift:
        return []
    return [
        {
            "location": location,
            "message": f"the shift would last {_hours(end - start)} from {what} ({_iso(start)}): "
            f"more than {b.max_shift.total_seconds() / 3600:g} hours",
        }
    ]


def check_booking(data: ShiftBooked, now: datetime, b: TimeBounds) -> None:
    errors: list[Error] = []
    if data.starts_at - now > b.ahead:
        errors.append(
            {
                "location": "data.starts_at",
                "message": f"{_iso(data.starts_at)} is more than {b.ahead.days} days ahead; book it nearer the time",
            }
        )
    elif now - data.starts_at > b.behind:
        errors.append(
            {
                "location": "data.starts_at",
                "message": f"{_iso(data.starts_at)} is more than {b.behind.days} days ago; a shift is booked "
                "before it starts, or soon after",
            }
        )
    errors += _within_shift("data.ends_at", data.starts_at, data.ends_at, "starts_at", b)
    _refuse(errors)


def check_started(contract: Contract, data: ShiftStarted, now: datetime, b: TimeBounds) -> None:
    errors = _not_ahead("data.at", data.at, now, b)
    if abs(data.at - contract.starts_at) > b.start_window:
        errors.append(
            {
                "location": "data.at",
                "message": f"{_iso(data.at)} is more than {_hours(b.start_window)} from the booked start "
                f"({_iso(contract.starts_at)})",
            }
        )
    elif contract.actual_end is not None:
        # The end came first (out of order): the start must not stretch the worked time past the longest shift.
        errors += _within_shift("data.at", data.at, contract.actual_end, "this start to the recorded end", b)
    _refuse(errors)


def check_ended(contract: Contract, data: ShiftEnded, now: datetime, b: TimeBounds) -> None:
    start = contract.actual_start or contract.starts_at
    errors = _not_ahead("data.at", data.at, now, b)
    if not errors:
        what = "the recorded start" if contract.actual_start else "the booked start"
        errors += _within_shift("data.at", start, data.at, what, b)
    first = data.first_delivery_at
    # The minimum may be counted from the first delivery: one outside the shift would move what is paid.
    if first is not None and not (start - b.start_window <= first <= data.at):
        errors.append(
            {
                "location": "data.first_delivery_at",
                "message": f"{_iso(first)} is not within the shift (from {_hours(b.start_window)} before its "
                f"start, {_iso(start)}, to its end, {_iso(data.at)})",
            }
        )
    _refuse(errors)


def check_cancelled(contract: Contract, data: ShiftCancelled, now: datetime, b: TimeBounds) -> None:
    errors = _not_ahead("data.at", data.at, now, b)
    if not errors and contract.actual_start is not None and contract.actual_end is None:
        # A shift under way is cancelled by sending the rider home: the cancellation is its end.
        errors += _within_shift("data.at", contract.actual_start, data.at, "the recorded start", b)
    _refuse(errors)


def check_decision(data: RiderDecision, now: datetime, b: TimeBounds) -> None:
    """A platform's decision (rider.decision) reports what it decided: not ahead of the clock, not older than the
    booking horizon (a decision about contracts long settled is a matter for a person, not a webhook), and it takes
    effect no further ahead than a shift may be booked."""
    errors = _not_ahead("data.decided_at", data.decided_at, now, b)
    if not errors and now - data.decided_at > b.ahead:
        errors.append(
            {
                "location": "data.decided_at",
                "message": f"{_iso(data.decided_at)} is more than {b.ahead.days} days ago; report a decision when "
                "it is taken",
            }
        )
    begins = data.effective_from
    if begins is not None and begins - now > b.ahead:
        errors.append(
            {"location": "data.effective_from", "message": f"{_iso(begins)} is more than {b.ahead.days} days ahead"}
        )
    _refuse(errors)
