"""The CoopCycle adapter's own settings, read from the environment like the gateway's (`GATEWAY_COOPCYCLE_...`).

Declared in the adapter's package and named in its `PLUGIN`, so the gateway's settings know nothing of CoopCycle;
`gateway serve` reads every plugin's settings before it starts, so a wrong value still stops the gateway at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:  # checking the settings (`gateway serve`) needs none of the host
    from gateway.host import JobContext

SERVICE = "coopcycle.settings"  # ctx.services key: tests may inject their own


class CoopCycleSettings(BaseSettings):
    # Same sources as the gateway's settings (environment, .env); a refused value never prints the values given.
    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_COOPCYCLE_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    idle_gap_seconds: int = Field(
        default=2700, ge=60, description="A courier's work session closes after this long with no delivery."
    )
    booked_seconds: int = Field(
        default=10800,
        ge=3600,
        description="The booked window of a session's contract from its first delivery (the agreement's minimum).",
    )
    sweep_lookback_seconds: int = Field(
        default=43200,
        ge=3600,
        description="The sweep lists each store's deliveries whose pickup window starts within this past.",
    )
    retry_schedule: list[int] = Field(
        default=[30, 120, 600, 1800, 3600],
        min_length=1,
        description="Seconds before reading a delivery again after the 1st, 2nd... failure; the last repeats.",
    )

    # The planned-shifts mode (shifts.py), for platforms switched to it with `gateway coopcycle mode SLUG shifts`.
    shift_window_past_days: int = Field(
        default=2, ge=1, le=30, description="Planned shifts are read from this many days ago (late adjustments)."
    )
    shift_window_ahead_days: int = Field(
        default=7, ge=1, le=60, description="...and up to this many days ahead (bookings, so Dimona IN is on time)."
    )
    shift_settle_seconds: int = Field(
        default=3600,
        ge=0,
        description="A planned shift's contract ends this long after its planned end, with the times the coop "
        "adjusted by then (capped below the gateway's close grace, so the gateway never closes it as booked first).",
    )
    shift_activities: list[str] = Field(
        default=["delivery"],
        min_length=1,
        description="The CoopCycle shift activities (slugs) that are riders' work under the platform's agreement.",
    )
    shift_reports_first_delivery: bool = Field(
        default=False,
        description="Send a planned shift's first delivery as first_delivery_at, so an agreement that counts its "
        "minimum from the first delivery counts it from there. Off: on a planned shift the rider is at work from "
        "its start, and when orders come must not change the pay.",
    )


def settings_of(ctx: JobContext) -> CoopCycleSettings:
    """The adapter's settings for this job context: read from the environment once, kept in its services."""
    given = ctx.services.get(SERVICE)
    if not isinstance(given, CoopCycleSettings):
        given = ctx.services[SERVICE] = CoopCycleSettings()
    return given
