"""The representatives' page as opened in Debian's Chromium: no serious accessibility violation (axe-core, WCAG 2.1
A and AA and best practices), at a laptop's width and a phone's, and nothing pushes the page sideways. Skipped,
with the reason, where /usr/bin/chromium or playwright is missing; runs once, on SQLite (the page is the same)."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from gateway.agreements.loader import AgreementBook
from gateway.domains.decisions.service import DecisionKind
from gateway.domains.representatives.service import figures
from gateway.web import browser, representatives
from gateway.web.i18n import Translator
from tests.domains.representatives.conftest import Builder
from tests.domains.representatives.test_figures import NOW, demo_year

SERIOUS = {"serious", "critical"}


def test_the_page_has_no_serious_accessibility_violation_and_fits_a_phone(
    build: Callable[[str], Builder], engine: Engine, book: AgreementBook, is_postgres: bool
) -> None:
    missing = browser.chromium_missing()
    if missing or is_postgres:
        pytest.skip(missing or "the page is the same on either database: checked on SQLite")
    from playwright.sync_api import sync_playwright

    b = build("demo")
    demo_year(b)
    for i in range(1, 9):
        b.decision(f"r-{i:02d}", DecisionKind.PLATFORM_RESTRICTION, "restricted", at="2026-10-01T10:00:00+02:00")
    b.session.commit()
    with Session(engine) as session:
        html = representatives.page(figures(session, book, "demo", "2026-H2", NOW), Translator("fr"))
    axe = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
    with sync_playwright() as pw:
        chromium = browser.launch(pw)
        try:
            for width in (1100, 390):
                tab = chromium.new_context(viewport={"width": width, "height": 800}).new_page()
                tab.set_content(html, wait_until="load")
                assert tab.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), width
                assert tab.locator("svg[role=img]").count() == 3  # pay bands, statuses, decisions
                if width != 1100:
                    continue  # the same document: axe once is enough
                tab.evaluate(axe)
                result = tab.evaluate(
                    "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', "
                    "'wcag21aa', 'best-practice']}, resultTypes: ['violations']})"
                )
                serious = [
                    {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]}
                    for v in result["violations"]
                    if v["impact"] in SERIOUS
                ]
                assert serious == [], json.dumps(serious, indent=1)
        finally:
            chromium.close()
