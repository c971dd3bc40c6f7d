"""The transparency notice: generated from the configuration, versioned, a coming change published ahead."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from gateway.agreements.loader import AgreementBook
from gateway.domains.transparency import service
from gateway.settings import REPO_ROOT, Settings
from tests.conftest import TEST_NOW, PlatformHandle

NEW_YEAR = date(2027, 1, 1)


@pytest.fixture(scope="module")
def amended_book(tmp_path_factory: pytest.TempPathFactory) -> AgreementBook:
    """The bundled agreements with the 2027 proposal signed: an amendment taking effect on 1 January 2027."""
    root = tmp_path_factory.mktemp("agreements") / "agreements"
    shutil.copytree(REPO_ROOT / "agreements", root)
    amendments = root / "be-delivery-2016" / "amendments"
    amendments.mkdir()
    proposal = root / "be-delivery-2016" / "proposals" / "2027-net-floor-12.yaml"
    shutil.copy(proposal, amendments / "2027-net-floor-12.yaml")
    return AgreementBook.load(root)


def _publish(engine: Engine, book: AgreementBook, settings: Settings, at: datetime) -> list[int]:
    with Session(engine) as session:
        added = [v.number for v in service.publish(session, book, settings, at)]
        session.commit()
    return added


def _term(content: dict[str, object], slug: str, key: str) -> dict[str, object]:
    (platform,) = [p for p in content["platforms"] if p["slug"] == slug]  # type: ignore[attr-defined]
    (term,) = [d for d in platform["decisions"] if d["key"] == key]
    return term  # type: ignore[no-any-return]


def test_a_future_agreement_version_is_published_ahead_with_its_changes(
    engine: Engine, amended_book: AgreementBook, settings: Settings, platform: PlatformHandle
) -> None:
    assert _publish(engine, amended_book, settings, TEST_NOW) == [1, 2]
    with Session(engine) as session:
        current = service.in_effect(session, TEST_NOW.date())
        (coming,) = service.pending(session, TEST_NOW.date())
        assert current is not None and current.number == 1 and current.effective_on == TEST_NOW.date()
        assert coming.number == 2 and coming.effective_on == NEW_YEAR
        # Until the day, riders read the 10 EUR floor; the coming version says 12 EUR and lists the change.
        assert _term(current.content, "demo", "term:net_hourly_floor")["values"]["amount"] == "10.00"  # type: ignore[index]
        changes = {(c.change, c.platform, c.key): c for c in service.changes(current.content, coming.content)}
        floor = changes[("changed", "demo", "term:net_hourly_floor")]
        assert floor.before["values"]["amount"] == "10.00" and floor.after["values"]["amount"] == "12.00"  # type: ignore[index]
        assert ("changed", "demo", "term:platform_expenses") in changes  # the bike is covered from 2027
        assert ("changed", "demo", "platform") in changes  # the agreement's version changes

    # Published once: a second start the same day adds nothing, and on the day the coming one is simply in effect.
    assert _publish(engine, amended_book, settings, TEST_NOW) == []
    on_the_day = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    assert _publish(engine, amended_book, settings, on_the_day) == []
    with Session(engine) as session:
        now_current = service.in_effect(session, on_the_day.date())
        assert now_current is not None and now_current.number == 2
        assert service.pending(session, on_the_day.date()) == []


def test_a_change_withdrawn_before_its_day_stays_readable_marked_withdrawn(
    engine: Engine, amended_book: AgreementBook, book: AgreementBook, settings: Settings, platform: PlatformHandle
) -> None:
    assert _publish(engine, amended_book, settings, TEST_NOW) == [1, 2]
    assert _publish(engine, book, settings, TEST_NOW) == []  # the amendment was taken out again
    with Session(engine) as session:
        assert service.pending(session, TEST_NOW.date()) == []
        withdrawn = service.by_number(session, 2)
        assert withdrawn is not None and withdrawn.withdrawn_at is not None
        current = service.in_effect(session, TEST_NOW.date())
        assert current is not None and current.number == 1


def test_a_platform_added_changes_the_notice_at_once(
    engine: Engine, book: AgreementBook, settings: Settings, make_platform: Callable[..., PlatformHandle]
) -> None:
    make_platform("first")
    assert _publish(engine, book, settings, TEST_NOW) == [1]
    make_platform("second", agreement="be-delivery-coop-2027")
    # Today's content changes (effective today), and the second agreement's start on 1 January is announced ahead.
    assert _publish(engine, book, settings, TEST_NOW) == [2, 3]
    with Session(engine) as session:
        current = service.in_effect(session, TEST_NOW.date())
        assert current is not None and current.number == 2
        assert [p["slug"] for p in current.content["platforms"]] == ["first", "second"]
        keys = {d["key"] for d in current.content["gateway"]}
        # What the domains and jobs declare: blocked contracts, declarations, settlement, payouts.
        assert {"contracts.blocked", "declarations.dimona", "contracts.settle", "payouts.execute"} <= keys


def test_the_public_page_shows_the_coming_changes_in_french_without_sign_in(
    engine: Engine, amended_book: AgreementBook, settings: Settings, platform: PlatformHandle
) -> None:
    from gateway.app import create_app

    app = create_app(settings, amended_book, clock=lambda: TEST_NOW)
    with TestClient(app) as client:
        page = client.get("/transparency?lang=fr", headers={"Accept": "text/html"})
        assert page.status_code == 200
        html = page.text
        assert '<html lang="fr">' in html
        assert "Changements prenant effet le vendredi 1 janvier 2027" in html
        assert "10.00" in html and "12.00" in html  # today's floor, and the coming one in the changes

        notice = client.get("/v1/transparency").json()
        assert notice["version"]["number"] == 1
        assert notice["coming"][0]["version"]["effective_on"] == "2027-01-01"
        assert any(c["key"] == "term:net_hourly_floor" for c in notice["coming"][0]["changes"])

        assert client.get("/transparency/platforms/demo?lang=nl").status_code == 200
        assert client.get("/transparency/versions?lang=en").status_code == 200
        assert client.get("/transparency/versions/2").status_code == 200
        assert client.get("/v1/transparency/versions").json()[1]["effective_on"] == "2027-01-01"
        missing = client.get("/transparency/platforms/nope")
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
        assert client.get("/v1/transparency/versions/99").status_code == 404
