"""The rider's pages and their JSON twin, over HTTP: content, languages, sign-in, and another rider's contract."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.domains.contracts.models import ContractStatus
from gateway.domains.contracts.schemas import CorrectionOut
from gateway.domains.readmodel.service import ContractOut
from gateway.web.i18n import Translator
from gateway.web.view import contract_view
from tests.web.conftest import Scenario

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def squash(text: str) -> str:
    """One plain space between words (Babel puts no-break spaces in amounts: 12,83 €)."""
    return re.sub(r"\s+", " ", text)


def text_of(page: str) -> str:
    """The page's visible words, as a reader sees them."""
    return squash(html.unescape(re.sub(r"<[^>]+>", " ", page.split("<body>", 1)[1])))


def page(rider: TestClient, path: str, **headers: str) -> str:
    r = rider.get(path, headers={**BROWSER, **headers})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    return text_of(r.text)


def view(rider: TestClient, contract_id: str, **params: str) -> dict[str, Any]:
    r = rider.get(f"/v1/rider/contracts/{contract_id}/view", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_the_contract_page_answers_the_riders_questions_in_plain_words(scenario: Scenario, rider: TestClient) -> None:
    shown = page(rider, f"/rider/contracts/{scenario.contracts.paid}?lang=en")
    expected = [
        "Shift of Sunday, 29 November 2026",
        "Paid",
        # each step, with when it happened (Brussels time); the state is spoken, not only coloured
        "Contract opened (done) 27 Nov 2026, 18:00",
        "Declared to social security (done)",
        "Shift worked (done) 29 Nov 2026, 05:10",
        "Pay worked out (done) 1 Dec 2026, 16:00",
        "Paid (done) 8 Dec 2026, 10:00",
        # the shift as booked and as worked
        "Sunday, 29 November 2026, 03:00 – 05:00 (2 h)",
        "03:00 – 05:10 (2 h 10)",
        "3 deliveries",
        # hours paid and the minimum
        "You worked 2 h 10; the agreement, §2, pays at least 3 h. You are paid for 3 h.",
        "Minimum applied yes",
        # each pay line with its clause
        "You worked 2 h 10; the agreement, §2, pays at least 3 h: 50 min more, at €12.83 an hour.",
        "Agreement, §2 Minimum engagement",
        "Gross pay €38.49",
        "Social security contributions − €5.03",
        "Net pay €33.46",
        "You receive €33.82",
        # when paid, and the guarantee
        "You were paid €33.82 on Tuesday, 8 December 2026. The platform had not paid yet: the guarantee fund paid you on time.",
        "the guarantee fund covers it (the agreement, §7)",
        # expenses and insurance
        "Phone and data: €0.12 for each paid hour (3 h), reimbursed under the agreement, §5.",
        "Insured during this shift: work accidents and civil liability, taken out by the cooperative (the agreement, §6).",
        # every correction of the platform's offer
        "The platform booked 2 h; the agreement, §2, pays at least 3 h a shift, so your contract pays 3 h.",
        "The platform offered €4.50 per trip; the agreement, §4, forbids pay per trip: you are paid by the hour, €12.83 gross.",
    ]
    for words in expected:
        assert words in shown, words


def test_a_contract_not_yet_worked_says_what_is_guaranteed(scenario: Scenario, rider: TestClient) -> None:
    v = view(rider, scenario.contracts.open, lang="en")
    assert v["status"]["code"] == "open" and v["pay"]["settled"] is False
    assert v["hours"]["minimum_applied"] is None
    assert v["payment"]["text"] == "Once the shift is over, you are paid within 7 working days."
    assert [s["state"] for s in v["steps"]] == ["done", "done", "pending", "pending", "pending"]
    # The two hourly floors the offer missed are one correction, citing both clauses.
    (correction,) = v["corrections"]
    assert correction["text"] == "The platform offered €11.00 gross an hour; the agreement, §3, raises it to €12.83."
    assert [s["term"] for s in correction["sources"]] == ["net_hourly_floor", "statutory_minimum_wage"]
    assert v["expenses"]["lines"] == ["Phone and data: €0.12 for each paid hour, reimbursed under the agreement, §5."]


def test_a_scheduled_payment_shows_its_date(scenario: Scenario, rider: TestClient) -> None:
    v = view(rider, scenario.contracts.settled, lang="en")
    assert v["payment"]["status"] == "scheduled" and v["payment"]["due_on"] == "2026-12-10"
    assert v["payment"]["text"] == "You will be paid €36.55 by Thursday, 10 December 2026."
    assert v["hours"]["minimum_applied"] is False and v["corrections"] == []


def test_the_page_and_the_json_show_the_same_content(scenario: Scenario, rider: TestClient) -> None:
    cid = scenario.contracts.paid
    v = view(rider, cid, lang="fr")
    shown = page(rider, f"/rider/contracts/{cid}?lang=fr")
    texts = [v["title"], v["status"]["text"], v["hours"]["text"], v["pay"]["text"], v["payment"]["text"]]
    texts += [v["payment"]["guarantee"], v["insurance"]["text"], *v["expenses"]["lines"]]
    texts += [line["text"] for line in v["pay"]["lines"]] + [k["text"] for k in v["corrections"]]
    texts += [s["when"] for s in v["steps"]] + [e["when"] for e in v["history"]]
    for text in texts:
        assert squash(text) in shown, text


def test_french_and_dutch_format_amounts_and_dates_their_way(scenario: Scenario, rider: TestClient) -> None:
    fr = page(rider, f"/rider/contracts/{scenario.contracts.paid}?lang=fr")
    assert "Tu as travaillé 2 h 10 ; la convention, §2, paie au moins 3 h." in fr
    assert "Tu reçois 33,82 €" in fr and "mardi 8 décembre 2026" in fr
    assert "accidents du travail et responsabilité civile" in fr
    nl = page(rider, f"/rider/contracts/{scenario.contracts.paid}?lang=nl")
    assert "Je werkte 2 u 10; de overeenkomst, §2, betaalt minstens 3 u." in nl
    assert "Je ontvangt € 33,82" in nl and "dinsdag 8 december 2026" in nl
    assert "het waarborgfonds" in nl


def test_the_language_follows_the_browser_then_the_switch_which_is_remembered(
    scenario: Scenario, rider: TestClient
) -> None:
    r = rider.get("/rider", headers={**BROWSER, "accept-language": "nl-BE,nl;q=0.9,en;q=0.5"})
    assert '<html lang="nl">' in r.text and r.headers["content-language"] == "nl"
    assert "Mijn overeenkomsten" in r.text
    switched = rider.get("/rider?lang=fr", headers={**BROWSER, "accept-language": "nl-BE"})
    assert '<html lang="fr">' in switched.text and "Mes contrats" in switched.text
    assert switched.cookies.get("rider_lang") == "fr"
    later = rider.get("/rider", headers={**BROWSER, "accept-language": "nl-BE"})
    assert '<html lang="fr">' in later.text
    # The switch is visible on every page: one link per language, named in that language, the current one marked.
    assert '<a href="?lang=nl" lang="nl" hreflang="nl">Nederlands</a>' in later.text
    assert 'aria-current="true">Français</a>' in later.text


def test_an_unknown_language_falls_back_on_the_page_and_is_refused_by_the_json(
    scenario: Scenario, rider: TestClient
) -> None:
    assert '<html lang="en">' in rider.get("/rider?lang=xx", headers=BROWSER).text
    r = rider.get(f"/v1/rider/contracts/{scenario.contracts.paid}/view", params={"lang": "de"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    negotiated = rider.get(f"/v1/rider/contracts/{scenario.contracts.paid}/view", headers={"accept-language": "fr"})
    assert negotiated.json()["lang"] == "fr" and negotiated.headers["content-language"] == "fr"


def test_the_list_shows_the_riders_own_contracts_newest_first(scenario: Scenario, rider: TestClient) -> None:
    r = rider.get("/v1/rider/view", params={"lang": "en"})
    assert r.status_code == 200, r.text
    c = scenario.contracts
    assert [x["id"] for x in r.json()["contracts"]] == [c.open, c.settled, c.paid]
    shown = page(rider, "/rider?lang=en")
    assert "Sunday, 29 November 2026" in shown and "€33.82 · Paid on 8 Dec 2026" in shown
    assert "€36.55 · To be paid by 10 Dec 2026" in shown and "At least 4 h paid" in shown
    assert f'href="/rider/contracts/{c.paid}"' in rider.get("/rider", headers=BROWSER).text


def test_a_visitor_without_a_session_is_told_how_to_get_in(scenario: Scenario, client: TestClient) -> None:
    stranger = TestClient(client.app)
    for path in ("/rider", f"/rider/contracts/{scenario.contracts.paid}"):
        r = stranger.get(path, headers={**BROWSER, "accept-language": "fr"})
        assert r.status_code == 401 and r.headers["content-type"].startswith("text/html")
        assert r.headers["www-authenticate"] == "Bearer"
        shown = text_of(r.text)
        assert "Ouvre tes contrats" in shown and "Ouvre l’application de ta plateforme" in shown
        assert scenario.contracts.paid not in r.text
        api = stranger.get(path)  # not a browser: a problem, like the rest of the API
        assert api.status_code == 401 and api.headers["content-type"] == "application/problem+json"
    assert stranger.get(f"/v1/rider/contracts/{scenario.contracts.paid}/view").status_code == 401
    assert stranger.get("/v1/rider/view").status_code == 401


@pytest.mark.parametrize(
    ("accept_language", "title", "button"),
    [
        ("en-GB", "Your contracts", "Open my contracts"),
        ("fr-BE", "Tes contrats", "Ouvrir mes contrats"),
        ("nl-BE,nl;q=0.9", "Je overeenkomsten", "Mijn overeenkomsten openen"),
    ],
)
def test_the_links_page_has_one_button_in_the_riders_language(
    scenario: Scenario,
    client: TestClient,
    access_token: Callable[..., str],
    accept_language: str,
    title: str,
    button: str,
) -> None:
    slug = scenario.platform.slug
    auth = {"Authorization": f"Bearer {access_token(slug, ['riders:links'])}"}
    url = client.post(f"/v1/platforms/{slug}/riders/r-1/access-links", headers=auth).json()["url"]
    link = "/r/" + str(url).rsplit("/r/", 1)[1]
    r = TestClient(client.app).get(link, headers={**BROWSER, "accept-language": accept_language})
    assert r.status_code == 200 and r.headers["content-language"] == accept_language[:2]
    assert f"<h1>{title}</h1>" in r.text
    assert re.findall(r"<button[^>]*>([^<]*)</button>", r.text) == [button]  # no log-out: nobody is signed in yet
    assert "rider_session" not in r.cookies and "<script" not in r.text


def test_a_broken_session_cookie_gets_the_sign_in_page(scenario: Scenario, client: TestClient) -> None:
    stranger = TestClient(client.app, cookies={"rider_session": "not-a-token"})
    r = stranger.get("/rider", headers=BROWSER)
    assert r.status_code == 401 and "Open your contracts" in r.text


def test_another_riders_contract_is_not_found(scenario: Scenario, rider: TestClient) -> None:
    other = scenario.contracts.other
    r = rider.get(f"/rider/contracts/{other}", headers=BROWSER)
    assert r.status_code == 404 and "Contract not found" in r.text and "OTHER-1" not in r.text
    api = rider.get(f"/v1/rider/contracts/{other}/view")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    assert rider.get("/rider/contracts/not-a-uuid", headers=BROWSER).status_code == 404
    assert rider.get("/v1/rider/contracts/not-a-uuid/view").status_code == 404
    listed = rider.get("/v1/rider/view").json()["contracts"]
    assert other not in {c["id"] for c in listed}


def test_pages_are_private_and_run_no_script(scenario: Scenario, rider: TestClient) -> None:
    r = rider.get(f"/rider/contracts/{scenario.contracts.paid}", headers=BROWSER)
    assert r.headers["cache-control"] == "no-store"
    assert "script-src" not in r.headers["content-security-policy"]  # default-src 'none': no script at all
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "<script" not in r.text
    css = rider.get("/static/rider/rider.css")
    assert css.status_code == 200 and ":focus-visible" in css.text


def test_a_blocked_contract_says_not_to_work_and_why(scenario: Scenario, rider: TestClient) -> None:
    r = rider.get(f"/v1/rider/contracts/{scenario.contracts.open}")
    blocked = ContractOut.model_validate(r.json()).model_copy(
        update={
            "status": ContractStatus.blocked,
            "corrections": [
                CorrectionOut(
                    term="declaration",
                    clause="social security declaration of employment",
                    code="declaration_refused",
                    action="blocked",
                    detail="unknown national register number",
                )
            ],
        }
    )
    v = contract_view(blocked, None, Translator("en"))
    assert v.status.label == "Blocked"
    assert v.restriction == (
        "Social security refused the declaration of your employment, so you must not work under this contract. "
        "Reason given: unknown national register number"
    )
    assert v.insurance.in_force is False  # no agreement at hand: nothing is claimed
