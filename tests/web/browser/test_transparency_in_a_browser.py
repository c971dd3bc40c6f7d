"""The public transparency notice and the rider's data download, in Chromium: no serious accessibility violation
(axe-core) on the notice (with a change announced ahead), its versions, and the rider's home with the download."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING

from tests.conftest import PlatformHandle
from tests.web.browser.test_rider_in_a_browser import _axe, _report, open_contracts
from tests.web.conftest import Scenario

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_the_notice_and_the_rider_download_pass_the_accessibility_check(
    page: Page,
    scenario: Scenario,
    make_platform: Callable[..., PlatformHandle],
    access_link: Callable[[str], str],
    live_url: str,
    axe_script: str,
) -> None:
    make_platform("coop", agreement="be-delivery-coop-2027")  # starts on 1 January: announced ahead
    pages = {}
    page.goto(f"{live_url}/transparency?lang=fr")
    assert page.get_by_role("heading", name="Changements prenant effet le vendredi 1 janvier 2027").is_visible()
    pages["notice (fr)"] = _axe(page, axe_script)
    for name, path in [
        ("one platform (nl)", "/transparency/platforms/demo?lang=nl"),
        ("versions (en)", "/transparency/versions?lang=en"),
        ("coming version (en)", "/transparency/versions/2?lang=en"),
    ]:
        page.goto(live_url + path)
        pages[name] = _axe(page, axe_script)

    open_contracts(page, access_link("r-1"), live_url)
    pages["home with the download (en)"] = _axe(page, axe_script)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data (ZIP)").click()
    archive = download.value.path().read_bytes()
    assert "data.json" in zipfile.ZipFile(io.BytesIO(archive)).namelist()

    found = {name: _report(v) for name, v in pages.items() if v}
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
