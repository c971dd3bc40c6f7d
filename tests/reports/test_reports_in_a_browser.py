"""Both reports as a negotiator opens them: Debian's Chromium, at a laptop's width and a phone's. Skipped, with the
reason, where /usr/bin/chromium or playwright is missing (the reports render the same on either database, so this
runs once, on SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.web import browser
from tests.reports.conftest import PROPOSAL
from tests.reports.test_whatif_cli import SHIFTS, made

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

WIDTHS = (1100, 390)  # a laptop, a phone


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    missing = browser.chromium_missing()
    if missing:
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = browser.launch(pw)
        yield b
        b.close()


@pytest.fixture
def whatif_page(tmp_path: Path) -> str:
    export = tmp_path / "shifts.csv"
    export.write_text(SHIFTS, encoding="utf-8")
    args = ["reports", "whatif", "--agreement", "be-delivery-2016", "--draft", str(PROPOSAL), "--csv", str(export)]
    r = CliRunner().invoke(app, [*args, "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    return made(tmp_path, ".html").read_text(encoding="utf-8")


def opened(chromium: Browser, html: str, width: int) -> Page:
    tab = chromium.new_context(viewport={"width": width, "height": 800}).new_page()
    tab.set_content(html, wait_until="load")
    return tab


@pytest.mark.parametrize("width", WIDTHS)
def test_the_whatif_page_fits_the_screen_and_draws_its_charts(chromium: Browser, whatif_page: str, width: int) -> None:
    tab = opened(chromium, whatif_page, width)
    try:
        # Nothing pushes the page sideways: wide tables scroll in their own box, charts shrink to the width.
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        charts = tab.locator("figure svg")
        assert charts.count() == 3
        for i in range(3):
            box = charts.nth(i).bounding_box()
            assert box is not None and 200 < box["width"] <= width and box["height"] > 100
        for heading in ("What this compares", "Largest losses", "Largest gains"):
            assert tab.get_by_role("heading", name=heading).is_visible()
    finally:
        tab.context.close()


def test_the_compliance_page_of_an_empty_month_fits_the_phone_and_says_there_is_no_data(
    chromium: Browser, enrolled: object, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the page is the same on PostgreSQL")
    from gateway.settings import get_settings

    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["reports", "compliance", "--platform", "demo", "--month", "2026-12",
                                     "--out", str(tmp_path)])  # fmt: skip
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 0, r.output
    tab = opened(chromium, (tmp_path / "compliance-demo-2026-12.html").read_text(encoding="utf-8"), 390)
    try:
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        text = " ".join(tab.inner_text("body").split())
        assert "No settled shifts in this period" in text and "meets the" not in text
    finally:
        tab.context.close()
