"""Headless Chromium (Debian's package) driven by Playwright against the app served on loopback.

Skipped, with the reason, where /usr/bin/chromium or the playwright package is missing (`./dev test` installs
Chromium when run as root). The pages read the same on either database, so the browser runs on SQLite only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import resources
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.db.migrate import upgrade
from gateway.web import browser
from tests.web.conftest import Scenario

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

MISSING = browser.chromium_missing()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'gateway.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if MISSING:
        pytest.skip(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = browser.launch(pw)
        yield b
        b.close()


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    with browser.serve(app) as url:
        yield url


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A phone-sized tab whose browser prefers English."""
    context = chromium.new_context(viewport=browser.PHONE, locale="en-GB")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def access_link(
    scenario: Scenario, client: TestClient, access_token: Callable[..., str], live_url: str
) -> Callable[[str], str]:
    """The link the platform's app would open for a rider, pointing at the live server."""

    def link(rider: str) -> str:
        token = access_token(scenario.platform.slug, ["riders:links"])
        r = client.post(
            f"/v1/platforms/{scenario.platform.slug}/riders/{rider}/access-links",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 201, r.text
        return live_url + "/r/" + str(r.json()["url"]).rsplit("/r/", 1)[1]

    return link


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe-core, as the axe-playwright-python package ships it (MPL-2.0), injected into the page under test."""
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
