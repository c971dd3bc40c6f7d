"""A rider on a phone: opens the link from the platform's app and presses its button, reads a contract, switches
language, is refused another rider's contract; and the pages pass an automated accessibility check (axe-core)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from gateway.settings import Settings
from tests.web.conftest import Scenario

if TYPE_CHECKING:
    from playwright.sync_api import Page

SERIOUS = {"serious", "critical"}


def open_contracts(page: Page, link: str, live_url: str) -> None:
    """Open the link as the rider does: its page, then its one button (which uses the link)."""
    page.goto(link)
    page.get_by_role("button", name="Open my contracts").click()
    page.wait_for_url(f"{live_url}/rider")


def test_a_rider_opens_the_link_reads_the_contract_and_switches_language(
    page: Page, scenario: Scenario, access_link: Callable[[str], str], live_url: str
) -> None:
    link = access_link("r-1")
    page.goto(link)
    assert page.locator("h1").inner_text() == "Your contracts"  # the link's page: nothing used yet
    page.get_by_role("button", name="Open my contracts").click()
    page.wait_for_url(f"{live_url}/rider")
    assert page.locator("h1").inner_text() == "My contracts"
    page.get_by_role("link", name="Sunday, 29 November 2026").click()
    page.wait_for_url(f"**/rider/contracts/{scenario.contracts.paid}")
    assert page.locator("h1").inner_text() == "Shift of Sunday, 29 November 2026"
    hours = page.get_by_role("region", name="Hours paid")
    assert "You worked 2\xa0h\xa010; the agreement, §2, pays at least 3\xa0h." in hours.inner_text()
    assert "€33.82" in page.locator(".totals .total").inner_text()

    page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()
    page.wait_for_url("**?lang=fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Shift du dimanche 29 novembre 2026"
    assert "33,82\xa0€" in page.locator(".totals .total").inner_text()
    assert page.get_by_role("link", name="Français").get_attribute("aria-current") == "true"
    # The choice is remembered from page to page.
    page.get_by_role("link", name="Tous mes contrats").click()
    assert page.locator("h1").inner_text() == "Mes contrats"


def test_another_riders_contract_is_refused(
    page: Page, scenario: Scenario, access_link: Callable[[str], str], live_url: str
) -> None:
    open_contracts(page, access_link("r-1"), live_url)
    response = page.goto(f"{live_url}/rider/contracts/{scenario.contracts.other}")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Contract not found"
    assert "OTHER-1" not in page.content()


def test_a_link_opened_again_after_use_asks_for_a_new_one(
    page: Page, scenario: Scenario, access_link: Callable[[str], str], live_url: str
) -> None:
    link = access_link("r-1")
    page.goto(link)
    page.goto(link)  # a preview, a reload: the link still works
    page.get_by_role("button", name="Open my contracts").press("Enter")
    page.wait_for_url(f"{live_url}/rider")
    page.go_back()  # back to the link's page, whose link is now used
    response = page.reload()
    assert response is not None and response.status == 401
    assert "it was already used" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Open my contracts").count() == 0


def test_without_a_session_the_page_says_how_to_open_it(page: Page, scenario: Scenario, live_url: str) -> None:
    response = page.goto(f"{live_url}/rider/contracts/{scenario.contracts.paid}")
    assert response is not None and response.status == 401
    assert page.locator("h1").inner_text() == "Open your contracts"
    assert "Open your platform's app" in page.locator("main").inner_text()


def test_the_keyboard_reaches_the_content_first_with_a_visible_focus(
    page: Page, scenario: Scenario, access_link: Callable[[str], str], live_url: str
) -> None:
    open_contracts(page, access_link("r-1"), live_url)
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return [e.textContent, s.outlineStyle, s.outlineWidth, e.getBoundingClientRect().top >= 0]; }"
    )
    assert focused[0] == "Skip to content" and focused[1] == "solid" and focused[2] == "3px" and focused[3]


def _axe(page: Page, script: str) -> list[dict[str, Any]]:
    page.evaluate(script)
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
        "'best-practice']}, resultTypes: ['violations']})"
    )
    return [v for v in result["violations"] if v["impact"] in SERIOUS]


def _report(violations: list[dict[str, Any]]) -> str:
    return json.dumps(
        [
            {k: v[k] for k in ("id", "impact", "help")} | {"nodes": [n["target"] for n in v["nodes"]]}
            for v in violations
        ],
        indent=1,
    )


def test_the_pages_have_no_serious_accessibility_violations(
    page: Page, scenario: Scenario, access_link: Callable[[str], str], live_url: str, axe_script: str
) -> None:
    page.goto(f"{live_url}/rider?lang=nl")  # the sign-in page first, before the session exists
    pages = {"sign-in (nl)": _axe(page, axe_script)}
    link = access_link("r-1")
    page.goto(f"{link}?lang=fr")
    pages["link (fr)"] = _axe(page, axe_script)
    page.get_by_role("button", name="Ouvrir mes contrats").click()
    page.wait_for_url(f"{live_url}/rider")
    c = scenario.contracts
    for name, path in [
        ("list (en)", "/rider?lang=en"),
        ("paid contract (fr)", f"/rider/contracts/{c.paid}?lang=fr"),
        ("open contract (nl)", f"/rider/contracts/{c.open}?lang=nl"),
        ("not found (en)", f"/rider/contracts/{c.other}?lang=en"),
        ("identity (nl)", "/rider/identity?lang=nl"),
        ("e-mail choices (fr)", "/rider/notifications?lang=fr&saved=1"),
    ]:
        page.goto(live_url + path)
        pages[name] = _axe(page, axe_script)
    found = {name: _report(v) for name, v in pages.items() if v}
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
    assert re.match(r"^\d", page.evaluate("() => axe.version"))


def test_a_rider_completes_their_identity_from_the_banner(
    page: Page,
    scenario: Scenario,
    app: FastAPI,
    settings: Settings,
    access_link: Callable[[str], str],
    live_url: str,
    axe_script: str,
) -> None:
    # The gateway at the live server's address (the form's post must come from it) and needing identities.
    app.state.settings = settings.model_copy(update={"public_url": live_url, "identity_required": True})
    open_contracts(page, access_link("r-1"), live_url)
    page.get_by_role("link", name="Complete my identity").click()
    page.wait_for_url(f"{live_url}/rider/identity")
    pages = {"identity, empty (en)": _axe(page, axe_script)}

    page.get_by_label("First name").fill("Amina")
    page.get_by_label("Last name").fill("El Idrissi")
    page.get_by_label("Date of birth").fill("1993-05-18")
    page.get_by_label("National number (SSIN)").fill("93.05.18-223.62")
    page.get_by_label("IBAN (bank account)").fill("BE98 0960 1234 5693")
    page.get_by_role("button", name="Save").click()
    ssin = page.get_by_label("National number (SSIN)")
    assert "a digit is wrong or two are swapped" in page.locator("#error-ssin").inner_text()
    assert ssin.get_attribute("aria-invalid") == "true" and ssin.input_value() == ""
    assert page.get_by_label("Last name").input_value() == "El Idrissi"
    assert page.get_by_label("IBAN (bank account)").input_value() == ""  # never typed back
    pages["identity, errors (en)"] = _axe(page, axe_script)

    ssin.fill("93.05.18-223.61")
    page.get_by_label("IBAN (bank account)").fill("BE98 0960 1234 5693")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_url}/rider/identity?saved=1")
    main = page.locator("main").inner_text()
    assert "Thank you: saved." in main and "•••• 2361" in main and "93.05.18-223.61" not in page.content()
    page.get_by_role("link", name="All my contracts").click()
    assert page.get_by_role("link", name="Complete my identity").count() == 0  # the banner is gone
    found = {name: _report(v) for name, v in pages.items() if v}
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
