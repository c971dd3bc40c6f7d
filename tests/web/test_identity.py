"""The rider's identity form (/rider/identity) and its JSON twin, on both databases: filling it from an access
link, errors in the rider's language, what a link may not change, a known member's SSIN, the banner asking for it,
and forged posts. A clear SSIN or IBAN never comes back in any answer or log line."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from gateway.domains.contracts.models import Contract, ContractStatus, Violation
from gateway.domains.members import service as members
from gateway.domains.members.models import LinkRequest, Member
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.vault import vault_of
from gateway.domains.riders import access
from gateway.domains.riders.models import Rider
from gateway.settings import Settings
from tests.conftest import Clock, PlatformHandle, count_rows, event
from tests.web.conftest import Scenario
from tests.web.test_pages import BROWSER, text_of

# Not the examples the form's hints show (85.07.30-033.28, BE71 0961 2345 6769): those are on every page.
SSIN = "93.05.18-223.61"  # valid: born 18 May 1993
SSIN_DIGITS = "93051822361"
OTHER_SSIN = "90020112305"  # valid: born 1 February 1990
IBAN = "BE98 0960 1234 5693"
IBAN_COMPACT = "BE98096012345693"
NEW_IBAN = "NL91 ABNA 0417 1643 00"
FULL = {
    "first_name": "Amina",
    "last_name": "El Idrissi",
    "birth_date": "1993-05-18",
    "ssin": SSIN,
    "iban": IBAN,
    "language": "fr",
}
SAME_SITE = {"origin": "http://127.0.0.1:8000"}  # settings.public_url in the tests


@pytest.fixture
def amina(enrolled: PlatformHandle, rider_session: Callable[..., TestClient]) -> TestClient:
    """Rider r-1's browser, signed in through an access link, with no member record yet."""
    return rider_session(enrolled, "r-1")


@pytest.fixture
def seen(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """Every response body of the test and every log line: where a clear SSIN or IBAN must never appear."""
    bodies: list[str] = []
    caplog.set_level(logging.DEBUG)
    yield bodies
    everything = "\n".join([*bodies, caplog.text])
    for clear in (SSIN, SSIN_DIGITS, IBAN, IBAN_COMPACT, "NL91ABNA0417164300", OTHER_SSIN):
        assert clear not in everything


def post_form(c: TestClient, data: dict[str, str], seen: list[str], **headers: str) -> httpx.Response:
    r: httpx.Response = c.post(
        "/rider/identity", data=data, headers={**BROWSER, **SAME_SITE, **headers}, follow_redirects=False
    )
    seen.append(r.text)
    return r


def get(c: TestClient, path: str, seen: list[str], **headers: str) -> httpx.Response:
    r: httpx.Response = c.get(path, headers={**BROWSER, **headers})
    seen.append(r.text)
    return r


def member_of_rider(engine: Engine, external_id: str) -> Member | None:
    with Session(engine) as session:
        rider = session.exec(select(Rider).where(Rider.external_id == external_id)).one()
        return members.of_rider(session, rider)


def make_member(engine: Engine, settings: Settings, data: IdentityIn, now: datetime) -> Member:
    with Session(engine, expire_on_commit=False) as session:
        member = members.create(session, vault_of(settings), data, now)
        session.commit()
        return member


def oidc_session(app: FastAPI, settings: Settings, engine: Engine, clock: Clock, external_id: str) -> TestClient:
    """A browser signed in with the cooperative's identity provider (the session the OIDC callback sets)."""
    with Session(engine) as session:
        rider = session.exec(select(Rider).where(Rider.external_id == external_id)).one()
        assert rider.id is not None
        token = access.session_token(settings, [rider.id], "oidc", clock())
    return TestClient(app, cookies={access.RIDER_COOKIE: token})


def test_a_rider_on_a_link_fills_an_empty_identity_and_sees_it_masked(
    amina: TestClient, engine: Engine, seen: list[str]
) -> None:
    empty = get(amina, "/rider/identity?lang=en", seen)
    assert empty.status_code == 200
    shown = text_of(empty.text)
    assert "The cooperative does not know your identity yet." in shown
    assert "Before each shift, the cooperative must tell social security that you work" in shown
    assert "First name (needed)" in shown and "National number (SSIN) (needed)" in shown

    saved = post_form(amina, FULL, seen)
    assert saved.status_code == 303 and saved.headers["location"] == "/rider/identity?saved=1"

    member = member_of_rider(engine, "r-1")
    assert member is not None and member.declarable and member.ssin_last4 == "2361"
    assert member.language == "fr" and member.bic == "GKCCBEBB"
    after = get(amina, "/rider/identity?saved=1&lang=en", seen)
    shown = text_of(after.text)
    assert "Thank you: saved." in shown
    assert "Your identity is complete: your work can be declared." in shown
    assert "•••• 2361" in shown and "•••• 5693" in shown and "El Idrissi" in shown
    # Set from a link: shown, not offered for change, with the way to change them.
    assert 'name="ssin"' not in after.text and 'name="iban"' not in after.text
    assert "log in with your cooperative account, or contact the cooperative" in shown

    api = amina.get("/v1/rider/identity", params={"lang": "en"})
    seen.append(api.text)
    assert api.status_code == 200
    v = api.json()
    assert v["state"] == "complete" and v["member"] == member.number and v["missing"] == []
    fields = {f["name"]: f for g in v["groups"] for f in g["fields"]}
    assert fields["ssin"]["value"] == "•••• 2361" and fields["ssin"]["locked"] is True
    assert fields["iban"]["value"] == "•••• 5693" and fields["birth_date"]["value"] == "1993-05-18"


def test_a_wrong_check_digit_is_explained_in_french_and_dutch_and_not_typed_back(
    amina: TestClient, engine: Engine, seen: list[str]
) -> None:
    wrong = {**FULL, "ssin": "93.05.18-223.62"}
    fr = post_form(amina, wrong, seen, **{"accept-language": "fr-BE"})
    assert fr.status_code == 422 and fr.headers["content-type"].startswith("text/html")
    shown = text_of(fr.text)
    assert "Ce numéro de registre national n’est pas correct : un chiffre est faux ou deux sont inversés." in shown
    assert "Rien n’a été enregistré." in shown
    assert "93.05.18-223.62" not in fr.text and "93051822362" not in fr.text
    # What else was typed stays in the form, except the IBAN.
    assert 'value="El Idrissi"' in fr.text and 'value="1993-05-18"' in fr.text
    assert 'id="error-ssin"' in fr.text and 'aria-invalid="true"' in fr.text

    nl = post_form(amina, wrong, seen, **{"accept-language": "nl-BE"})
    assert nl.status_code == 422
    assert "Dit rijksregisternummer klopt niet: een cijfer is fout of twee zijn omgewisseld." in text_of(nl.text)
    assert member_of_rider(engine, "r-1") is None


def test_field_errors_for_an_app_are_a_problem_naming_fields_and_codes(amina: TestClient, seen: list[str]) -> None:
    r = amina.post("/rider/identity", data={**FULL, "iban": "BE98 0960 1234 5694"}, follow_redirects=False)
    seen.append(r.text)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [
        {
            "location": "iban",
            "message": "This IBAN is not right: a character is wrong or two are swapped. Check it with your bank.",
            "code": "iban_checksum",
        }
    ]


def test_a_link_session_cannot_change_a_set_iban_but_an_oidc_session_can(
    amina: TestClient,
    app: FastAPI,
    settings: Settings,
    engine: Engine,
    clock: Clock,
    seen: list[str],
) -> None:
    assert post_form(amina, FULL, seen).status_code == 303
    refused = post_form(amina, {"iban": NEW_IBAN}, seen, **{"accept-language": "en"})
    assert refused.status_code == 422
    assert "Already given: only the cooperative, or a log-in with your cooperative account, can change it." in (
        text_of(refused.text)
    )
    member = member_of_rider(engine, "r-1")
    assert member is not None and member.iban_last4 == "5693"
    put = amina.put("/v1/rider/identity", json={"iban": NEW_IBAN})
    seen.append(put.text)
    assert put.status_code == 422 and put.json()["errors"][0]["code"] == "locked"

    signed_in = oidc_session(app, settings, engine, clock, "r-1")
    page = get(signed_in, "/rider/identity?lang=en", seen)
    assert 'name="iban"' in page.text and "Known: •••• 5693. Type a new one only to change it." in text_of(page.text)
    assert post_form(signed_in, {"iban": NEW_IBAN}, seen).status_code == 303
    member = member_of_rider(engine, "r-1")
    assert member is not None and member.iban_last4 == "4300" and member.bic == "ABNANL2A"


def test_a_known_members_ssin_asks_the_cooperative_to_link_and_links_nothing(
    amina: TestClient, engine: Engine, settings: Settings, clock: Clock, seen: list[str]
) -> None:
    known = make_member(engine, settings, IdentityIn(first_name="Amina", ssin=SSIN, iban=IBAN), clock())
    r = post_form(amina, {"first_name": "Someone", "ssin": SSIN, "iban": NEW_IBAN}, seen)
    assert r.status_code == 303
    assert member_of_rider(engine, "r-1") is None  # not linked: knowing an SSIN opens nobody's identity
    with Session(engine) as session:
        (request,) = session.exec(select(LinkRequest)).all()
        assert request.member_id == known.id
        unchanged = members.by_number(session, known.number)
        assert unchanged is not None and unchanged.first_name == "Amina" and unchanged.iban_last4 == "5693"
    assert count_rows(engine, "member") == 1  # and no second member for the same person

    page = get(amina, "/rider/identity?lang=en", seen)
    shown = text_of(page.text)
    assert "You gave a national number the cooperative already knows. It will check it and link your account" in (shown)
    assert '<form method="post" action="/rider/identity"' not in page.text
    assert "Amina" not in shown and "•••• 2361" not in shown  # the known member's identity is not shown
    again = post_form(amina, {"first_name": "Someone"}, seen)
    assert again.status_code == 409 and count_rows(engine, "member") == 1


def test_the_banner_asks_for_the_identity_until_it_is_complete(
    scenario: Scenario, rider: TestClient, app: FastAPI, settings: Settings, seen: list[str]
) -> None:
    banner = "Social security must be told before you start work"
    home = get(rider, "/rider?lang=en", seen)
    assert banner not in text_of(home.text)  # this gateway does not require it
    assert '<a href="/rider/identity">My identity and bank account</a>' in home.text  # the form is always reachable

    app.state.settings = settings.model_copy(update={"identity_required": True})
    home = get(rider, "/rider?lang=en", seen)
    assert banner in text_of(home.text) and 'href="/rider/identity"' in home.text
    contract = get(rider, f"/rider/contracts/{scenario.contracts.open}?lang=nl", seen)
    assert "Je identiteit is nodig" in text_of(contract.text)
    assert (
        rider.get("/v1/rider/view", params={"lang": "fr"})
        .json()["identity_prompt"]
        .startswith("La sécurité sociale doit être prévenue")
    )

    partial = post_form(rider, {"first_name": "Amina", "last_name": "El Idrissi"}, seen)
    assert partial.status_code == 303
    still = text_of(get(rider, "/rider/identity?lang=en", seen).text)
    assert "Still needed before your work can be declared: Date of birth, National number (SSIN)" in still
    # The fields replacing an SSIN are said as its alternative, not as needed besides it.
    assert "National number (SSIN) (or, without one: Place of birth, Country of birth, Nationality," in still
    assert "Place of birth (needed without a national number)" in still
    assert banner in text_of(get(rider, "/rider?lang=en", seen).text)

    assert post_form(rider, {"birth_date": "1993-05-18", "ssin": SSIN}, seen).status_code == 303
    assert banner not in text_of(get(rider, "/rider?lang=en", seen).text)
    assert rider.get("/v1/rider/view").json()["identity_prompt"] is None


def test_a_post_from_another_site_is_refused_and_changes_nothing(
    amina: TestClient, engine: Engine, seen: list[str]
) -> None:
    for headers in (
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"referer": "https://evil.example/form"},
        {"sec-fetch-site": "cross-site"},
    ):
        r = amina.post(
            "/rider/identity",
            data=FULL,
            headers={**BROWSER, **headers, "accept-language": "en"},
            follow_redirects=False,
        )
        seen.append(r.text)
        assert r.status_code == 403, headers
        assert "This form must be sent from its own page." in text_of(r.text)
    api = amina.post("/rider/identity", data=FULL, headers={"origin": "https://evil.example"})
    assert api.status_code == 403 and api.headers["content-type"] == "application/problem+json"
    assert member_of_rider(engine, "r-1") is None
    # From its own page (the browser names the gateway's origin, or its page as referrer): accepted.
    own = amina.post(
        "/rider/identity",
        data={"first_name": "Amina"},
        headers={**BROWSER, "referer": "http://127.0.0.1:8000/rider/identity"},
        follow_redirects=False,
    )
    assert own.status_code == 303


def test_the_form_is_bounded_and_needs_a_session(amina: TestClient, client: TestClient, seen: list[str]) -> None:
    big = amina.post("/rider/identity", data={"city": "x" * 20000}, headers=SAME_SITE)
    assert big.status_code == 413 and big.headers["content-type"] == "application/problem+json"
    json_body = amina.post("/rider/identity", json=FULL, headers=SAME_SITE)
    assert json_body.status_code == 415
    too_long = post_form(amina, {"city": "x" * 201, "nationality": "Belgian"}, seen, **{"accept-language": "en"})
    assert too_long.status_code == 422
    shown = text_of(too_long.text)
    assert "Too long, or empty." in shown and "Choose a country from the list." in shown

    stranger = TestClient(client.app)
    assert stranger.get("/rider/identity", headers=BROWSER).status_code == 401
    r = stranger.post("/rider/identity", data=FULL, headers=SAME_SITE)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert stranger.get("/v1/rider/identity").status_code == 401


def test_the_json_shows_everything_missing_before_a_member_exists_and_put_fills_it(
    amina: TestClient, engine: Engine, seen: list[str]
) -> None:
    r = amina.get("/v1/rider/identity", params={"lang": "nl"})
    seen.append(r.text)
    v = r.json()
    assert v["state"] == "none" and v["member"] is None and v["declarable"] is False
    assert v["missing"] == ["first_name", "last_name", "birth_date", "ssin", *members.STAND_INS]
    assert v["text"] == "De coöperatie kent je identiteit nog niet. Vul dit formulier in voor je volgende shift."
    put = amina.put("/v1/rider/identity", json={**FULL, "birth_date": "1993-05-18"})
    seen.append(put.text)
    assert put.status_code == 200 and put.json()["state"] == "complete"
    assert member_of_rider(engine, "r-1") is not None
    worker_type = amina.put("/v1/rider/identity", json={"worker_type": "STU"})
    assert worker_type.status_code == 403
    # Seniority counts from it: the cooperative's record, never the rider's say.
    assert amina.put("/v1/rider/identity", json={"employed_since": "2016-05-01"}).status_code == 403


def test_put_names_the_field_when_the_ssin_is_another_members(
    amina: TestClient, engine: Engine, settings: Settings, clock: Clock, seen: list[str]
) -> None:
    make_member(engine, settings, IdentityIn(first_name="Someone", ssin=OTHER_SSIN), clock())
    assert amina.put("/v1/rider/identity", json={"first_name": "Amina"}).status_code == 200
    taken = amina.put("/v1/rider/identity", json={"ssin": OTHER_SSIN})
    seen.append(taken.text)
    assert taken.status_code == 409 and taken.headers["content-type"] == "application/problem+json"
    assert [(e["location"], e["code"]) for e in taken.json()["errors"]] == [("ssin", "ssin_taken")]
    page = post_form(amina, {"ssin": OTHER_SSIN}, seen, **{"accept-language": "en"})
    assert page.status_code == 422
    assert "This national number is already another member's. Contact the cooperative." in text_of(page.text)
    member = member_of_rider(engine, "r-1")
    assert member is not None and member.ssin_last4 is None


def test_a_contract_blocked_for_an_incomplete_identity_says_so_with_the_form(
    scenario: Scenario, rider: TestClient, engine: Engine
) -> None:
    with Session(engine) as session:
        contract = session.get(Contract, uuid.UUID(scenario.contracts.open))
        assert contract is not None
        contract.status = ContractStatus.blocked
        # The booking records the block as a correction (term identity, action blocked); written here as it does.
        session.add(contract)
        session.add(
            Violation(
                contract_id=contract.id,
                term="identity",
                clause="social security declaration of employment",
                code="identity_incomplete",
                action="blocked",
                detail="missing: ssin",
            )
        )
        session.commit()
    expected = {
        "en": "The cooperative cannot declare your work yet: it still needs your identity.",
        "fr": "La coopérative ne peut pas encore déclarer ton travail : il lui manque ton identité.",
        "nl": "De coöperatie kan je werk nog niet aangeven: ze heeft je identiteit nog nodig.",
    }
    for lang, words in expected.items():
        r = rider.get(f"/rider/contracts/{scenario.contracts.open}?lang={lang}", headers=BROWSER)
        assert r.status_code == 200, r.text
        assert words in text_of(r.text)
        assert 'class="restriction"' in r.text and 'href="/rider/identity"' in r.text
        assert "missing: ssin" not in r.text


def test_identity_writes_past_the_hourly_limit_are_refused_in_the_riders_language_and_save_nothing(
    amina: TestClient,
    enrolled: PlatformHandle,
    rider_session: Callable[..., TestClient],
    send: Callable[..., httpx.Response],
    engine: Engine,
    settings: Settings,
    clock: Clock,
    seen: list[str],
) -> None:
    """Each answer says whether an SSIN is a member's: the limit bounds how many a signed-in rider can try."""
    app = amina.app
    assert isinstance(app, FastAPI)
    app.state.settings = app.state.settings.model_copy(update={"rider_identity_writes_per_hour": 3})
    make_member(engine, settings, IdentityIn(first_name="Someone", ssin=OTHER_SSIN), clock())
    assert amina.put("/v1/rider/identity", json={"first_name": "Amina"}).status_code == 200
    assert amina.put("/v1/rider/identity", json={"ssin": OTHER_SSIN}).status_code == 409
    assert post_form(amina, {"last_name": "El Idrissi"}, seen).status_code == 303

    probe = amina.put("/v1/rider/identity", json={"ssin": SSIN_DIGITS})
    seen.append(probe.text)
    assert probe.status_code == 429 and probe.headers["content-type"] == "application/problem+json"
    assert 0 < int(probe.headers["Retry-After"]) <= 3600
    page = post_form(amina, {"first_name": "Nadia", "ssin": SSIN}, seen, **{"accept-language": "fr"})
    assert page.status_code == 429 and 0 < int(page.headers["Retry-After"]) <= 3600
    assert "Trop de modifications en peu de temps. Rien n’a été enregistré." in text_of(page.text)
    member = member_of_rider(engine, "r-1")
    assert member is not None and (member.first_name, member.ssin_last4) == ("Amina", None)
    # Counted per rider, not per session: a fresh access link starts no fresh allowance. Reading is not counted.
    again = rider_session(enrolled, "r-1")
    assert again.put("/v1/rider/identity", json={"first_name": "Nadia"}).status_code == 429
    assert again.get("/v1/rider/identity").status_code == 200
    # Another rider has an allowance of their own.
    r = send(enrolled, event("rider.enrolled", rider_id="r-2", name="Jo", email="jo@example.org"))
    assert r.status_code == 200
    assert rider_session(enrolled, "r-2").put("/v1/rider/identity", json={"first_name": "Jo"}).status_code == 200
