"""A rider, in French, from a corrected booking to the decision on their page, to a review asked with a comment, to
a reviewer's written answer, which the rider then reads; the pages pass the accessibility check (issue 20)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gateway.settings import Settings
from gateway.web.demo import BOOKED_AT
from tests.conftest import event, signed_headers
from tests.web.browser.test_rider_in_a_browser import _axe, _report, open_contracts
from tests.web.conftest import Scenario

if TYPE_CHECKING:
    from playwright.sync_api import Page

TWO_HOURS = event(
    "shift.booked",
    shift_code="SHORT-1",
    rider_id="r-1",
    starts_at="2026-12-05T18:00:00+01:00",
    ends_at="2026-12-05T20:00:00+01:00",
    pay={"hourly_gross": "14.00", "currency": "EUR"},
)


def test_a_rider_asks_a_person_to_review_a_corrected_booking_and_reads_the_answer_in_french(
    page: Page,
    scenario: Scenario,
    app: FastAPI,
    settings: Settings,
    client: TestClient,
    staff_token: Callable[..., str],
    access_link: Callable[[str], str],
    live_url: str,
    axe_script: str,
    engine: Engine,
) -> None:
    # The gateway at the live server's address: the review form's post must come from its own origin.
    app.state.settings = settings.model_copy(update={"public_url": live_url})
    p = scenario.platform
    headers = signed_headers(p.secret, TWO_HOURS, ts=int(BOOKED_AT.timestamp()))
    booked = client.post(f"/v1/platforms/{p.slug}/webhooks", content=TWO_HOURS, headers=headers)
    assert booked.status_code == 200 and booked.json()["contract"]["guaranteed_paid_hours"] == "3.00"

    key = f"contract:{booked.json()['contract']['id']}:minimum_engagement:shift_shorter_than_minimum"
    with engine.connect() as conn:
        decision_id = conn.execute(text("SELECT id FROM decision WHERE key = :k"), {"k": key}).scalar_one()

    open_contracts(page, access_link("r-1"), live_url)
    page.goto(f"{live_url}/rider?lang=fr")
    decisions = page.get_by_role("region", name="Décisions qui te concernent")
    card = decisions.locator(f"#decision-{decision_id}")
    assert (
        "Ton shift était proposé pour 2\xa0h ; la convention (§2) garantit au moins 3\xa0h payées, donc ton contrat paie 3\xa0h"
        in card.inner_text()
    )
    assert "la passerelle, en appliquant la convention (automatique)" in card.inner_text()
    card.get_by_text("Demander qu’une personne réexamine cette décision").click()
    pages = {"decisions with the review form open (fr)": _axe(page, axe_script)}
    card.get_by_label("Ton commentaire (facultatif, 2000 caractères au plus)").fill(
        "On m’a proposé 2 heures, mais j’ai attendu au restaurant pendant 3 heures."
    )
    card.get_by_role("button", name="Demander un réexamen").click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_url}/rider?asked=1"), (page.url, page.locator("main").inner_text()[:500])
    assert "Ta demande est envoyée" in page.get_by_role("status").inner_text()
    card = decisions.locator(f"#decision-{decision_id}")
    assert "Tu as demandé un réexamen ; une personne répond d’ici le" in card.inner_text()
    assert card.get_by_role("button", name="Demander un réexamen").count() == 0  # once per decision
    pages["decisions with a review asked (fr)"] = _axe(page, axe_script)

    staff = {"Authorization": f"Bearer {staff_token('lea', 'reviewer')}"}
    [review] = client.get("/v1/admin/decision-reviews", headers=staff).json()["reviews"]
    assert review["comment"].startswith("On m’a proposé 2 heures") and review["overdue"] is False
    answered = client.post(
        f"/v1/admin/decision-reviews/{review['id']}/answer",
        json={
            "outcome": "overturned",
            "reasons": "L’attente au restaurant compte : une heure de plus.",
            "amount": "14.00",
        },
        headers=staff,
    )
    assert answered.status_code == 200, answered.text

    page.reload()
    card = decisions.locator(f"#decision-{decision_id}")
    shown = card.inner_text()
    assert "a annulé la décision" in shown and "L’attente au restaurant compte : une heure de plus." in shown
    assert "Accordé : 14,00\xa0€" in shown and "Annulée par une personne" in shown
    pages["decisions answered (fr)"] = _axe(page, axe_script)
    found = {name: _report(v) for name, v in pages.items() if v}
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
