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


def settings_of(ctx: JobContext) -> CoopCycleSettings:
    """The adapter's settings for this job context: read from the environment once, kept in its services."""
    given = ctx.services.get(SERVICE)
    if not isinstance(given, CoopCycleSettings):
        given = ctx.services[SERVICE] = CoopCycleSettings()
    return given
