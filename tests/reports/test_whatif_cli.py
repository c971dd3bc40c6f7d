"""`gateway reports whatif` on a CSV export: the table, the CSV files, the HTML with its charts; Ctrl-C."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from gateway.agreements.engine import ShiftOutcome
from gateway.cli import app
from gateway.reports import sources
from gateway.reports.files import outputs
from tests.reports.conftest import PROPOSAL, svgs, ticks

runner = CliRunner()
BRUSSELS = ZoneInfo("Europe/Brussels")
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


def made(out: Path, suffix: str, draft: str = "2027-net-floor-12") -> Path:
    """The one file of a run of `draft` ending in `suffix` (its name carries the day it was made)."""
    [found] = out.glob(f"whatif-{draft}-????-??-??{suffix}")
    return found


def whatif(export: Path, out: Path, *extra: str, draft: Path = PROPOSAL) -> list[str]:
    return [
        "reports",
        "whatif",
        "--agreement",
        "be-delivery-2016",
        "--draft",
        str(draft),
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
    with made(out, "-riders.csv").open(encoding="utf-8") as f:
        rows = {row["rider"]: row for row in csv.DictReader(f)}
    # r-1: two shifts each paid 3 h at the floor, 12.83 -> 13.81 gross an hour.
    assert rows["r-1"]["gross_signed"] == "76.98" and rows["r-1"]["gross_draft"] == "82.86"
    assert rows["r-1"]["net_change"] == "5.12" and rows["r-2"]["net_change"] == "0.00"
    assert rows["TOTAL"]["shifts"] == "3"
    summary = made(out, "-summary.csv").read_text(encoding="utf-8")
    assert "riders_gaining,1" in summary and "net_change_D9," in summary
    html = made(out, ".html").read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and "Deciles of the per-rider change in net pay" in html
    assert "<script" not in html  # static: nothing to run, nothing to fetch


def test_each_shift_on_its_own_day_leaves_december_unchanged(export: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, whatif(export, tmp_path / "out", "--at", "shift", "--no-html"))
    assert r.exit_code == 0, r.output
    assert "0 gain, 0 lose, 2 unchanged" in " ".join(r.output.split())  # the proposal only starts in 2027
    assert not list((tmp_path / "out").glob("*.html"))


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
    previous = out / f"whatif-2027-net-floor-12-{datetime.now(BRUSSELS).date().isoformat()}-riders.csv"
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


def test_two_drafts_write_two_reports_side_by_side(export: Path, tmp_path: Path, no_statutory_file: Path) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, whatif(export, out)).exit_code == 0
    assert runner.invoke(app, whatif(export, out, draft=no_statutory_file)).exit_code == 0
    floor, no_minimum = made(out, ".html"), made(out, ".html", draft="no-statutory")
    assert len(list(out.glob("*.html"))) == 2 and len(list(out.glob("*.csv"))) == 4
    assert "2027.1-proposal (2027-net-floor-12.yaml)" in floor.read_text(encoding="utf-8")
    assert "2027.9-test (no-statutory.yaml)" in no_minimum.read_text(encoding="utf-8")


def test_the_page_says_what_signed_and_draft_mean_and_the_deciles_in_words(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, whatif(export, out)).exit_code == 0
    html = made(out, ".html").read_text(encoding="utf-8")
    sides = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html))
    assert "be-delivery-2016, version 2016.1" in sides["Signed"] and "as signed and in force" in sides["Signed"]
    assert "the proposal being negotiated: 2027.1-proposal" in sides["Draft"]
    assert "terms in force on 2027-01-01" in sides["Terms compared"]
    # Two riders: r-2 unchanged (0.00), r-1 +5.12. D5 is the median, in words.
    assert "50 % of riders gain at most 2.56 EUR (or lose), 50 % gain more (the median" in html
    assert "Line the riders up from the largest loss to the largest gain" in html


def test_largest_losses_and_largest_gains_are_both_shown_even_when_one_is_empty(
    export: Path, tmp_path: Path, no_statutory_file: Path
) -> None:
    gains, losses = tmp_path / "gains", tmp_path / "losses"
    assert runner.invoke(app, whatif(export, gains)).exit_code == 0
    assert runner.invoke(app, whatif(export, losses, draft=no_statutory_file)).exit_code == 0
    only_gains = made(gains, ".html").read_text(encoding="utf-8")
    only_losses = made(losses, ".html", draft="no-statutory").read_text(encoding="utf-8")
    for html in (only_gains, only_losses):
        assert "<h2>Largest losses" in html and "<h2>Largest gains" in html
    assert "No rider loses net pay under the draft." in only_gains
    assert rider_row(only_gains, "r-1")[-2] == "+5.12"  # net change, in the gains' table
    assert "No rider gains net pay under the draft." in only_losses
    assert rider_row(only_losses, "r-1")[-2].startswith("-")


def test_hours_are_shown_to_two_decimals(tmp_path: Path) -> None:
    export = tmp_path / "odd.csv"
    # 3 h 20 and 4 h 10: 3.3333 and 4.1667 paid hours by the engine.
    export.write_text(
        "rider_id,shift_code,starts_at,ends_at\n"
        "r-1,A1,2026-12-01T12:00:00+01:00,2026-12-01T15:20:00+01:00\n"
        "r-2,B1,2026-12-01T12:00:00+01:00,2026-12-01T16:10:00+01:00\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    r = runner.invoke(app, whatif(export, out), env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    html = made(out, ".html").read_text(encoding="utf-8")
    assert rider_row(html, "r-1")[2:4] == ["3.33", "3.33"] and rider_row(html, "r-2")[2:4] == ["4.17", "4.17"]
    assert re.search(r"<td>Paid hours</td><td>7.50</td><td>7.50</td><td>0.00</td>", html)
    for text in (html, r.output, made(out, "-riders.csv").read_text(encoding="utf-8")):
        assert "3.3333" not in text and "4.1667" not in text and "7.5000" not in text


def rider_row(html: str, rider: str) -> list[str]:
    row = re.search(rf"<tr><td>{rider}</td>.*?</tr>", html)
    assert row is not None, rider
    return re.findall(r"<td>(.*?)</td>", row.group(0))


def test_an_export_without_shifts_makes_a_report_that_says_so(tmp_path: Path) -> None:
    export = tmp_path / "empty.csv"
    export.write_text("rider_id,shift_code,starts_at,ends_at\n", encoding="utf-8")
    r = runner.invoke(app, whatif(export, tmp_path / "out"))
    assert r.exit_code == 0, r.output
    html = made(tmp_path / "out", ".html").read_text(encoding="utf-8")
    assert "0 shifts of 0 riders" in html and "No rider in this run." in html
    assert "No rider loses net pay under the draft." in html and "No rider gains net pay under the draft." in html
    assert html.count("<svg") == 1  # the totals; no spread, no deciles of nobody


def test_the_spread_of_riders_is_counted_in_whole_riders(export: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, whatif(export, tmp_path / "out")).exit_code == 0
    spread = svgs(made(tmp_path / "out", ".html").read_text(encoding="utf-8"))[1]
    assert ticks(spread, "y") == ["0", "1"]  # two riders, one in each bar: no 0.2 of a rider


def test_an_exports_worker_columns_give_the_riders_status_and_the_report_counts_them(tmp_path: Path) -> None:
    """A CSV export may carry the rider's status in worker_* columns (as `agreements simulate` reads them): the
    student's solidarity contribution changes their net, and the page and summary count the shifts with one."""
    path = tmp_path / "status.csv"
    path.write_text(
        "rider_id,starts_at,ends_at,hourly_gross,worker_birth_date,worker_student\n"
        "r-1,2026-12-01T18:00:00+01:00,2026-12-01T21:00:00+01:00,14.00,2001-05-02,true\n"
        "r-2,2026-12-01T18:00:00+01:00,2026-12-01T21:00:00+01:00,14.00,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    r = runner.invoke(app, whatif(path, out, "--at", "shift"))
    assert r.exit_code == 0, r.output
    with made(out, "-riders.csv").open(encoding="utf-8") as f:
        rows = {row["rider"]: row for row in csv.DictReader(f)}
    assert rows["r-1"]["gross_signed"] == rows["r-2"]["gross_signed"] == "42.00"
    assert Decimal(rows["r-1"]["net_signed"]) > Decimal(rows["r-2"]["net_signed"])  # 2.71 % instead of 13.07 %
    assert "shifts_with_member_status,1" in made(out, "-summary.csv").read_text(encoding="utf-8")
    html = " ".join(made(out, ".html").read_text(encoding="utf-8").split())
    assert "1 with the rider&#x27;s status from their member record" in html


def test_the_deciles_are_whole_in_a_narrow_terminal(export: Path, tmp_path: Path) -> None:
    """One decile a row with its meaning: nine figures side by side were cut to "+5.…" in 80 columns."""
    r = runner.invoke(app, whatif(export, tmp_path / "out"), env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    rows = [line for line in r.output.splitlines() if line.startswith("│") and re.match(r"D\d\b", line.strip("│ "))]
    assert [row.strip("│ ").split()[0] for row in rows] == [f"D{i}" for i in range(1, 10)]
    assert "…" not in "".join(rows) and all("EUR" in row for row in rows)
