"""The hourly floors: `hourly_floor` (the agreement's own) and `statutory_minimum` (the law's) each give a floor;
the two compete and the higher wins. This module holds what they do together: at booking and settlement an offer
under a floor is lifted to the winner (one correction per floor missed); at settlement the hours a floor covers
are topped up to it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from gateway.agreements.outcome import Correction, Hours, Line, PayLine
from gateway.agreements.payroll import cents
from gateway.agreements.terms.base import ZERO, InForce, hours_text


@dataclass(frozen=True, slots=True)
class Floor:
    rule: InForce[Any]
    gross: Decimal
    shown: str
    hours: Literal["paid", "worked"]
    net: Decimal | None = None  # the net an hour a net-basis floor promises (its gross is this grossed up)

    def covered(self, h: Hours) -> Decimal:
        return h.paid if self.hours == "paid" else h.worked


def winner(floors: tuple[Floor, ...]) -> Floor | None:
    # On a tie the agreement's own floor is named: it comes first.
    return max(floors, key=lambda f: f.gross, default=None)


def lift(
    floors: tuple[Floor, ...],
    top: Floor | None,
    offered: Decimal | None,
    currency: str,
    corrections: list[Correction],
    used: list[Line],
) -> Decimal:
    """The hourly gross the contract pays: the offer, lifted to every floor in force that it misses."""
    for f in floors:
        used.append(f.rule.line(f.shown))
    highest = top.gross if top is not None else ZERO
    if offered is None:
        return highest
    applied = max(highest, offered)
    for f in floors:
        if offered < f.gross:
            corrections.append(
                f.rule.correction(
                    "hourly_pay_below_floor",
                    f"the platform offered {offered!s} {currency} gross an hour, under this floor of {f.gross!s}; "
                    f"the contract pays {applied!s}",
                    f"{offered!s} {currency}/h",
                    f"{applied!s} {currency}/h",
                    "hourly_gross",
                    offered,
                    applied,
                )
            )
    return applied


def top_up(floor: Floor, hours: Decimal, rate: Decimal | None, amount: Decimal, why: str) -> PayLine:
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


def top_up_trips(top: Floor | None, h: Hours, paid_trips: Decimal, currency: str) -> PayLine | None:
    """Per-trip pay (where allowed) topped up to the winning floor over the paid hours."""
    if top is None:
        return None
    owed = cents(h.paid * top.gross)
    if owed <= paid_trips:
        return None
    return top_up(
        top,
        h.paid,
        None,
        owed - paid_trips,
        f"{hours_text(h.paid)} paid h × {top.gross} {currency} = {owed} {currency}, less {paid_trips} {currency} for the trips",
    )


def top_up_offer(top: Floor | None, h: Hours, offered: Decimal | None, currency: str) -> PayLine | None:
    """An hourly offer under the winning floor, topped up over the hours that floor covers."""
    if offered is None or top is None or offered >= top.gross:
        return None
    covered = top.covered(h)
    if covered <= 0:
        return None
    # Owed at the floor less paid at the offer, each rounded once: two lines rounded apart could leave the shift
    # a cent under the floor.
    owed = cents(covered * top.gross)
    at_offer = cents(covered * offered)
    return top_up(
        top,
        covered,
        top.gross - offered,
        owed - at_offer,
        f"{hours_text(covered)} h × {top.gross!s} {currency} = {owed!s} {currency} at the floor "
        f"({top.rule.term.name}), less {at_offer!s} {currency} at {offered!s} {currency}",
    )
