"""The representatives' page and the command that writes it: three languages, a chart with its table for each
figure, "withheld" where a figure is withheld, and nothing at all about a platform of four riders."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from gateway.agreements.loader import AgreementBook
from gateway.cli import app
from gateway.domains.representatives.service import figures
from gateway.settings import get_settings
from gateway.web import representatives
from gateway.web.i18n import Translator
from tests.domains.representatives.conftest import Builder
from tests.domains.representatives.test_figures import NOW, demo_year


@pytest.fixture
def demo(build: Callable[[str], Builder]) -> Builder:
    b = build("demo")
    demo_year(b)
    b.session.commit()
    return b


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Contracts by status", "Pay per hour", "withheld", "Open", "July to December 2026"]),
        ("fr", ["Contrats par statut", "Salaire par heure", "masqué", "juillet à décembre 2026"]),
        ("nl", ["Contracten per status", "Loon per uur", "achtergehouden", "juli tot december 2026"]),
    ],
)
def test_the_page_shows_each_figure_as_a_chart_and_a_table_in_three_languages(
    demo: Builder, engine: Engine, book: AgreementBook, lang: str, words: list[str]
) -> None:
    with Session(engine) as session:
        html = representatives.page(figures(session, book, "demo", "2026-H2", NOW), Translator(lang))
    assert f'<html lang="{lang}">' in html and "<script" not in html
    for word in words:
        assert word in html, word
    charts = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(charts) == 2  # pay bands and statuses (no decision, no review in this half-year)
    for svg in charts:  # an image with a name and a text description, the same figures in a table after it
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert html.count("<table>") == 2 and html.count("<caption>") == 2
    # The open and cancelled contracts are withheld in the chart (no bar) and the table alike.
    assert re.search(r"<th scope=\"row\">[^<]+</th><td>(withheld|masqué|achtergehouden)</td>", html)


def test_a_platform_of_four_riders_gets_a_page_that_says_why_it_shows_nothing(
    build: Callable[[str], Builder], engine: Engine, book: AgreementBook
) -> None:
    b = build("small")
    for i in range(1, 5):
        b.contract(f"s-{i}", f"2026-08-{i:02d}T10:00:00+02:00", hourly="15.00")
    b.session.commit()
    with Session(engine) as session:
        html = representatives.page(figures(session, book, "small", "2026-H2", NOW), Translator("fr"))
    assert "Moins de 5 coursiers" in html and "<svg" not in html and "<table" not in html
    assert not re.search(r"\b4\b|15[,.]00", html)


def test_the_command_writes_the_csv_and_the_page(
    demo: Builder, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    args = ["reports", "representatives", "--platform", "demo", "--half", "2026-H2", "--lang", "nl"]
    try:
        r = CliRunner().invoke(app, [*args, "--out", str(tmp_path)])
        bad = CliRunner().invoke(app, [*args[:5], "2026-H3", "--out", str(tmp_path)])
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 0, r.output
    with (tmp_path / "representatives-demo-2026-H2.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {"table": "summary", "item": "riders", "value": "15"}.items() <= rows[0].items()
    assert "Contracten per status" in (tmp_path / "representatives-demo-2026-H2-nl.html").read_text(encoding="utf-8")
    assert bad.exit_code == 1 and "YYYY-H1" in bad.output
