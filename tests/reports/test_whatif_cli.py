"""`gateway reports whatif` on a CSV export: the table, the CSV files, the HTML with its charts; Ctrl-C."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.agreements.engine import ShiftOutcome
from gateway.cli import app
from gateway.reports import sources
from gateway.reports.files import outputs
from tests.reports.conftest import PROPOSAL

runner = CliRunner()
SHIFTS = """\
rider_id,shift_code,starts_at,ends_at,hourly_gross,per_trip,deliveries
r-1,A1,2026-12-01T18:00:00+01:00,2026-12-01T21:00:00+01:00,,,
r-1,A2,2026-12-02T18:00:00+01:00,2026-12-02T20:00:00+01:00,,4.50,3
r-2,B1,2026-12-01T12:00:00+01:00,2026-12-01T16:00:00+01:00,14.50,,
"""


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "shifts.csv"
    path.write_text(SHIFTS, encoding="utf-8")
    return path


def whatif(export: Path, out: Path, *extra: str) -> list[str]:
    return [
        "reports",
        "whatif",
        "--agreement",
        "be-delivery-2016",
        "--draft",
        str(PROPOSAL),
        "--csv",
        str(export),
        "--out",
        str(out),
        *extra,
    ]


def test_whatif_prints_the_table_and_writes_csv_and_html_with_charts(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = runner.invoke(app, whatif(export, out))
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.split())
    assert "terms in force on 2027-01-01" in said and "2 riders: 1 gain, 0 lose, 1 unchanged" in said
    with (out / "whatif-be-delivery-2016-riders.csv").open(encoding="utf-8") as f:
        rows = {row["rider"]: row for row in csv.DictReader(f)}
    # r-1: two shifts each paid 3 h at the floor, 12.83 -> 13.81 gross an hour.
    assert rows["r-1"]["gross_signed"] == "76.98" and rows["r-1"]["gross_draft"] == "82.86"
    assert rows["r-1"]["net_change"] == "5.12" and rows["r-2"]["net_change"] == "0.00"
    assert rows["TOTAL"]["shifts"] == "3"
    summary = (out / "whatif-be-delivery-2016-summary.csv").read_text(encoding="utf-8")
    assert "riders_gaining,1" in summary and "net_change_D9," in summary
    html = (out / "whatif-be-delivery-2016.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and "Deciles of the per-rider change in net pay" in html
    assert "<script" not in html  # static: nothing to run, nothing to fetch


def test_each_shift_on_its_own_day_leaves_december_unchanged(export: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, whatif(export, tmp_path / "out", "--at", "shift", "--no-html"))
    assert r.exit_code == 0, r.output
    assert "0 gain, 0 lose, 2 unchanged" in " ".join(r.output.split())  # the proposal only starts in 2027
    assert not (tmp_path / "out" / "whatif-be-delivery-2016.html").exists()


def test_a_bad_row_is_named_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(SHIFTS + "r-3,C1,2026-12-03T18:00:00,2026-12-03T20:00:00+01:00,,,\n", encoding="utf-8")
    r = runner.invoke(app, whatif(bad, tmp_path / "out"))
    assert r.exit_code == 1 and "bad.csv:5" in r.output and "no UTC offset" in r.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_ctrl_c_during_the_run_writes_nothing_and_keeps_the_previous_report(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "whatif-be-delivery-2016-riders.csv"
    previous.write_text("the previous report\n", encoding="utf-8")
    real = sources.CsvShifts.__iter__

    def interrupted(self: sources.CsvShifts) -> Iterator[tuple[str, ShiftOutcome]]:
        for i, item in enumerate(real(self)):
            if i == 2:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(sources.CsvShifts, "__iter__", interrupted)
    r = runner.invoke(app, whatif(export, out))
    assert r.exit_code == 130 and "interrupted: no report written" in r.output
    assert sorted(p.name for p in out.iterdir()) == [previous.name]
    assert previous.read_text(encoding="utf-8") == "the previous report\n"


def test_an_interruption_while_writing_leaves_no_file_half_written(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), outputs(tmp_path) as files:
        files.write_text("a.csv", "complete\n")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with outputs(tmp_path) as files:
        files.write_text("a.csv", "complete\n")
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]
