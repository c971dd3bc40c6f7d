"""What a representative sees (the API's JSON; the CSV and the page show the same figures).

A figure is `null` when it is suppressed: it would come from fewer than five riders, or would let one be computed
by difference (see `suppression.py`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class CellOut(BaseModel):
    key: str = Field(description="The status, the decision's kind, or the review's outcome.")
    outcome: str | None = Field(default=None, description="Decisions only: what was decided (its outcome code).")
    count: int | None = Field(description="How many; null when suppressed (fewer than five riders behind it).")
    suppressed: bool


class TableOut(BaseModel):
    """Counts of one kind (contracts, decisions or reviews) by category. `shown` is false when the whole group is
    under five riders: then neither the total nor any row is given."""

    shown: bool
    total: int | None
    rows: list[CellOut]


class HoursOut(BaseModel):
    """The settled contracts' hours and pay (worked shifts and paid cancellations)."""

    worked_hours: Decimal
    paid_hours: Decimal
    gross: Decimal
    net: Decimal
    gross_per_paid_hour: Decimal | None = Field(description="gross / paid hours: the hourly pay actually paid.")
    net_per_worked_hour: Decimal | None = Field(description="net / worked hours, as the compliance report measures.")


class BandOut(BaseModel):
    at_least: Decimal | None = Field(description="Lower edge (included); null for the lowest band (open).")
    under: Decimal | None = Field(description="Upper edge (excluded); null for the highest band (open).")
    riders: int = Field(description="Riders in the band: always five or more.")
    includes_riders_without_paid_hour: bool = Field(
        description="Riders who had no paid hour (fewer than five) are counted in the lowest band."
    )


class PayPerHourOut(BaseModel):
    """Riders by their own gross pay per paid hour over the half-year (their settled gross / their paid hours),
    in bands of `band_width` merged until each holds five riders."""

    band_width: Decimal
    bands: list[BandOut]
    riders_without_paid_hour: int | None = Field(
        description="Riders with a contract but no paid hour; null when fewer than five (they are in the lowest band)."
    )


class RepresentativesOut(BaseModel):
    platform: str
    half: str = Field(description="YYYY-H1 (January to June) or YYYY-H2 (July to December).")
    first_day: date
    last_day: date
    timezone: str = Field(description="The agreement's time zone: each contract counts in the half of its local start.")
    currency: str
    as_of: datetime
    minimum_riders: int = Field(description="The smallest group any figure comes from (5).")
    shown: bool = Field(description="False when the platform had fewer than five riders in the half: nothing else.")
    riders: int | None = Field(description="Riders with at least one contract starting in the half.")
    contracts: TableOut = Field(description="Contracts by status.")
    hours: HoursOut | None = Field(description="Null when fewer than five riders had a settled contract.")
    pay_per_hour: PayPerHourOut | None
    decisions: TableOut = Field(description="Automated decisions by kind and outcome.")
    reviews: TableOut = Field(description="Reviews riders asked for, by outcome (upheld, overturned, pending).")
