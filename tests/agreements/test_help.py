"""The --help of the commands that read a CSV of shifts documents every column the code reads."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from gateway.agreements.cli import agreements_app
from gateway.agreements.examples import CSV_OFFER, WORKED_BEFORE_KEYS, WORKER_KEYS
from gateway.reports.cli import reports_app

# What `parse_shift` reads from a row besides the offers (CSV_OFFER).
SHIFT_COLUMNS = (
    "starts_at",
    "ends_at",
    "actual_start",
    "actual_end",
    "first_delivery_at",
    "deliveries",
    "cancelled_at",
    "sent_home_early",
    "distance_km",
    "bonus",
    "bad_weather",
    *(f"worker_{k}" for k in WORKER_KEYS),
    *(f"worked_before_{k}" for k in WORKED_BEFORE_KEYS),
)


@pytest.mark.parametrize(
    ("app", "command", "own"),
    [(agreements_app, "simulate", "shift_code"), (reports_app, "whatif", "rider_id")],
)
def test_help_lists_every_csv_column(app: typer.Typer, command: str, own: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for column in (own, *SHIFT_COLUMNS, *CSV_OFFER):
        assert column in result.output, column
