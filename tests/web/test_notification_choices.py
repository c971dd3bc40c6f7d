"""The rider's e-mail choices: the page's form (CSRF-safe, like the identity form) and its JSON twin, on both
databases. Every kind is on until the rider turns it off; the choice covers all their rider rows."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.conftest import PlatformHandle

SAME_SITE = {"origin": "http://127.0.0.1:8000"}  # settings.public_url in the tests
BROWSER = {"accept": "text/html"}


def opted_out(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT kind FROM notification_opt_out ORDER BY kind")).scalars())


def test_the_page_shows_every_kind_on_by_default_in_the_riders_language(
    enrolled: PlatformHandle, rider_session: Callable[..., TestClient]
) -> None:
    amina = rider_session(enrolled, "r-1")
    page = amina.get("/rider/notifications?lang=fr", headers=BROWSER)
    assert page.status_code == 200 and page.headers["referrer-policy"] == "same-origin"
    assert page.text.count(" checked") == 3
    assert "Pour chaque nouveau contrat" in page.text
    assert "La coopérative n&#39;envoie pas encore d&#39;e-mails" in page.text  # e-mail is off in tests
    assert 'href="/rider/notifications"' in amina.get("/rider", headers=BROWSER).text


def test_unticking_a_kind_turns_it_off_and_ticking_it_again_turns_it_on(
    enrolled: PlatformHandle, rider_session: Callable[..., TestClient], engine: Engine
) -> None:
    amina = rider_session(enrolled, "r-1")
    form = {"form": "notifications", "decision": "on", "review_answered": "on"}
    saved = amina.post("/rider/notifications", data=form, headers=SAME_SITE, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/rider/notifications?saved=1"
    assert opted_out(engine) == ["contract_opened"]
    page = amina.get(saved.headers["location"], headers=BROWSER)
    assert page.text.count(" checked") == 2 and 'role="status"' in page.text
    form["contract_opened"] = "on"
    amina.post("/rider/notifications", data=form, headers=SAME_SITE)
    assert opted_out(engine) == []


def test_a_post_from_another_site_changes_nothing(
    enrolled: PlatformHandle, rider_session: Callable[..., TestClient], engine: Engine
) -> None:
    amina = rider_session(enrolled, "r-1")
    forged = amina.post(
        "/rider/notifications", data={"form": "notifications"}, headers={"origin": "https://evil.example", **BROWSER}
    )
    assert forged.status_code == 403 and 'role="alert"' in forged.text
    api = amina.post("/rider/notifications", data={"form": "notifications"}, headers={"sec-fetch-site": "cross-site"})
    assert api.status_code == 403 and api.headers["content-type"] == "application/problem+json"
    assert opted_out(engine) == []


def test_a_form_with_unknown_fields_is_a_problem_not_a_choice(
    enrolled: PlatformHandle, rider_session: Callable[..., TestClient], engine: Engine
) -> None:
    amina = rider_session(enrolled, "r-1")
    for form in (
        {"form": "notifications", "newsletter": "on"},
        {"decision": "on"},
        {"form": "notifications", "decision": "yes"},
    ):
        r = amina.post("/rider/notifications", data=form, headers=SAME_SITE)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", form
    big = amina.post(
        "/rider/notifications",
        content=b"form=" + b"x" * 2000,
        headers={**SAME_SITE, "content-type": "application/x-www-form-urlencoded"},
    )
    assert big.status_code == 413
    assert opted_out(engine) == []


def test_the_json_api_reads_and_sets_the_choices(
    enrolled: PlatformHandle, rider_session: Callable[..., TestClient], client: TestClient, engine: Engine
) -> None:
    amina = rider_session(enrolled, "r-1")
    assert amina.get("/v1/rider/notifications").json() == {
        "contract_opened": True,
        "decision": True,
        "review_answered": True,
        "sending": False,
        "address_known": True,
    }
    put = amina.put(
        "/v1/rider/notifications", json={"contract_opened": True, "decision": False, "review_answered": False}
    )
    assert put.status_code == 200 and put.json()["decision"] is False and put.json()["review_answered"] is False
    assert opted_out(engine) == ["decision", "review_answered"]
    assert amina.put("/v1/rider/notifications", json={"decision": False}).status_code == 422  # every kind named
    assert client.get("/v1/rider/notifications").status_code == 401
