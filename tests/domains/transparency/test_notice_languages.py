"""The notice's agreement terms in the reader's language: French and Dutch sentences on the pages and in the JSON,
all three stored in each version, so the language a notice is read in never makes a version."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from gateway.agreements.loader import AgreementBook
from gateway.domains.transparency import service
from gateway.domains.transparency.models import NoticeVersion
from gateway.settings import Settings
from tests.conftest import TEST_NOW, PlatformHandle

THREE_HOURS = {
    "en": "Every shift is paid at least 3 hours, counted from the first delivery",
    "fr": "Chaque shift est payé au moins 3 heures, comptées à partir de la première livraison",
    "nl": "Elke shift wordt voor minstens 3 uur betaald, geteld vanaf de eerste levering",
}
# A clause's line on the page: its reference, then its sentence in a span that says its language.
CLAUSE = re.compile(r'<li><strong>[^<]+</strong>[^<]*: <span lang="([a-z]+)">([^<]*)</span></li>')


@pytest.fixture
def client(engine: Engine, book: AgreementBook, settings: Settings, platform: PlatformHandle) -> Iterator[TestClient]:
    from gateway.app import create_app

    with TestClient(create_app(settings, book, clock=lambda: TEST_NOW)) as c:
        yield c


def _clauses(html: str) -> list[tuple[str, str]]:
    found = CLAUSE.findall(html)
    assert found, "no clause on the page"
    return found


def _term(content: dict[str, Any], key: str) -> dict[str, Any]:
    terms: list[dict[str, Any]] = [d for p in content["platforms"] for d in p["decisions"] if d["key"] == key]
    (term,) = terms
    return term


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_the_page_words_every_clause_in_the_readers_language(client: TestClient, lang: str) -> None:
    for path in ("/transparency", "/transparency/platforms/demo"):
        html = client.get(f"{path}?lang={lang}", headers={"Accept": "text/html"}).text
        assert f'<html lang="{lang}">' in html
        clauses = _clauses(html)
        assert {said_in for said_in, _ in clauses} == {lang}  # no English left among the clauses
        assert any(text.startswith(THREE_HOURS[lang]) for _, text in clauses)
        assert THREE_HOURS["en"] not in html


def test_the_english_page_keeps_the_commands_english(client: TestClient) -> None:
    clauses = _clauses(client.get("/transparency?lang=en", headers={"Accept": "text/html"}).text)
    assert {said_in for said_in, _ in clauses} == {"en"}
    assert any(text.startswith(THREE_HOURS["en"]) for _, text in clauses)


def test_the_json_gives_each_terms_sentence_in_the_three_languages(client: TestClient) -> None:
    notice = client.get("/v1/transparency").json()["notice"]
    said = _term(notice, "term:minimum_engagement")["sentence"]
    assert said["nl"].startswith(THREE_HOURS["nl"])
    assert said["fr"].startswith(THREE_HOURS["fr"]) and said["en"].startswith(THREE_HOURS["en"])
    floor = _term(notice, "term:net_hourly_floor")["sentence"]
    assert floor["nl"].startswith("Elk betaald uur (ook de gegarandeerde) brengt minstens 10.00 EUR netto op")
    # A decision the gateway declares has no sentence, in any language.
    assert all(d["sentence"] is None for d in notice["gateway"])


def test_reading_in_every_language_and_publishing_again_makes_no_new_version(
    engine: Engine, book: AgreementBook, settings: Settings, client: TestClient
) -> None:
    for lang in ("fr", "nl", "en"):
        assert client.get(f"/transparency?lang={lang}", headers={"Accept": "text/html"}).status_code == 200
        assert (
            client.get(f"/transparency/platforms/demo?lang={lang}", headers={"Accept": "text/html"}).status_code == 200
        )
    assert client.get("/v1/transparency", headers={"Accept-Language": "nl"}).status_code == 200
    with Session(engine) as session:
        assert service.publish(session, book, settings, TEST_NOW) == []
        assert service.publish(session, book, settings, TEST_NOW + timedelta(hours=1)) == []
        session.commit()
        (only,) = service.versions(session)
        assert only.content["format"] == 2
        assert set(_term(only.content, "term:minimum_engagement")["sentence"]) == {"en", "fr", "nl"}


def _english_only(content: dict[str, Any]) -> dict[str, Any]:
    """The content as the gateway stored it before the sentences were translated (format 1)."""
    platforms = [
        {**p, "decisions": [{**d, "sentence": d["sentence"]["en"] if d["sentence"] else None} for d in p["decisions"]]}
        for p in content["platforms"]
    ]
    return {**content, "format": 1, "platforms": platforms}


def test_a_version_stored_in_english_only_still_reads_and_its_translation_changes_nothing(
    engine: Engine,
    book: AgreementBook,
    settings: Settings,
    make_platform: Callable[..., PlatformHandle],
) -> None:
    make_platform()
    with Session(engine) as session:
        day = TEST_NOW.date() - timedelta(days=30)
        old = _english_only(service.content_at(service._platforms(session), book, settings, TEST_NOW.date()))
        session.add(
            NoticeVersion(
                number=1,
                content_hash=service.content_hash(old),
                effective_on=day,
                published_at=TEST_NOW - timedelta(days=30),
                content=old,
            )
        )
        session.commit()
        # The same configuration in three languages is new content, so a version; what it changes is nothing.
        assert [v.number for v in service.publish(session, book, settings, TEST_NOW)] == [2]
        session.commit()
        first, second = service.versions(session)
        assert service.changes(first.content, second.content) == []

    from gateway.app import create_app

    with TestClient(create_app(settings, book, clock=lambda: TEST_NOW)) as client:
        html = client.get("/transparency/versions/1?lang=fr", headers={"Accept": "text/html"}).text
        clauses = _clauses(html)
        assert {said_in for said_in, _ in clauses} == {"en"}  # English, and marked so
        assert any(text.startswith(THREE_HOURS["en"]) for _, text in clauses)
        said = _term(client.get("/v1/transparency/versions/1").json()["notice"], "term:minimum_engagement")["sentence"]
        assert said["en"].startswith(THREE_HOURS["en"]) and said["fr"] is None and said["nl"] is None
        current = client.get("/transparency/versions/2?lang=fr", headers={"Accept": "text/html"}).text
        assert {said_in for said_in, _ in _clauses(current)} == {"fr"}
