"""`hourly_floor`: the agreement's own floor, an amount an hour, gross or net (a net floor is grossed up through the
payroll profile), over every paid hour or only the hours worked. At booking and settlement it lifts an offer under
it (see `floors`); at settlement a net floor also owes the cents the contributions' rounding can take off it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from gateway.agreements.outcome import Hours, PayLine, salary_total
from gateway.agreements.payroll import CENT, Rates, cents, gross_for_net, net_amount, net_of
from gateway.agreements.terms.base import ZERO, InForce, TermValue, hours_text, provenance
from gateway.agreements.terms.floors import Floor, top_up

TYPE = "hourly_floor"


@dataclass(frozen=True, slots=True, kw_only=True)
class HourlyFloor(TermValue):
    amount: Decimal
    basis: Literal["net", "gross"]
    hours: Literal["paid", "worked"]

    def net_an_hour(self, rates: Rates) -> Decimal:
        """What the floor leaves the rider an hour, after contributions and withholding."""
        return self.amount if self.basis == "net" else net_of(self.amount, rates).net


def parse(raw: Mapping[str, Any]) -> HourlyFloor:
    return HourlyFloor(
        **provenance(raw), amount=Decimal(raw["amount"]), basis=raw["basis"], hours=raw.get("hours", "paid")
    )


Rule = InForce[HourlyFloor]


def floor(rule: Rule, rates: Rates, currency: str, profile: str) -> Floor:
    v = rule.value
    if v.basis == "net":
        gross = gross_for_net(v.amount, rates)
        shown = f"{v.amount} {currency} net an hour = {gross} gross (payroll profile {profile})"
        return Floor(rule, gross, shown, v.hours, v.amount)
    return Floor(rule, v.amount, f"{v.amount} {currency} gross an hour", v.hours)


def net_rounding(
    floors: tuple[Floor, ...], h: Hours, lines: list[PayLine], rates: Rates, currency: str
) -> list[PayLine]:
    """The cents a net floor still needs on this shift, if any.

    The floor's hourly gross holds for every whole quarter hour (payroll.gross_for_net), but worked time is paid
    to the ten-thousandth of an hour, and on a length such as 3 h 01 the contributions' rounding can leave the
    shift's net a cent under floor x hours. The promise is per shift, so the shift gets the cent.
    """
    for f in floors:
        covered = f.covered(h)
        if f.net is None or covered <= 0:
            continue
        owed = f.net * covered
        gross = salary_total(lines)
        short = ZERO
        while net_amount(gross + short, rates) < owed:
            short += CENT
        if short > 0:
            return [
                top_up(
                    f,
                    covered,
                    None,
                    short,
                    f"{hours_text(covered)} h × {f.net} {currency} net = {cents(owed)} {currency} net; the lines "
                    f"above net {net_of(gross, rates).net} {currency} after contributions' rounding",
                )
            ]
    return []
