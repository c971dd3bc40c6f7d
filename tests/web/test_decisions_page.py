"""The rider reads the decisions taken about them in their language, asks a person to review one (once), and reads
the answer (issue 20)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import PlatformHandle, event

SAME_SITE = {"origin": "http://127.0.0.1:8000"}  # settings.public_url in the tests
TWO_HOURS = event(
    "shift.booked",
    shift_code="S-1",
    rider_id="r-1",
    starts_at="2026-12-01T10:00:00+01:00",
    ends_at="2026-12-01T12:00:00+01:00",
)


def test_the_rider_reads_a_decision_asks_for_a_review_once_and_reads_the_answer(
    enrolled: PlatformHandle,
    send: Callable[..., object],
    rider_session: Callable[..., TestClient],
    staff_token: Callable[..., str],
    client: TestClient,
) -> None:
    send(enrolled, TWO_HOURS)
    amina = rider_session(enrolled, "r-1")
    page = amina.get("/rider?lang=en", headers={"accept": "text/html"})
    said = "Your shift was offered for 2\u00a0h; the agreement (§2) guarantees at least 3\u00a0h paid, so your contract pays 3\u00a0h."
    assert said in page.text
    [d] = amina.get("/v1/rider/view?lang=nl").json()["decisions"]
    assert d["title"] == "Je contract werd gecorrigeerd" and d["can_ask_review"] is True
    assert "de gateway, die de overeenkomst toepast" in d["by"]

    elsewhere = amina.post(d["review_url"], data={"comment": "x"}, headers={"origin": "https://evil.example"})
    assert elsewhere.status_code == 403
    asked = amina.post(
        d["review_url"], data={"comment": "J'ai attendu 3 heures."}, headers=SAME_SITE, follow_redirects=False
    )
    assert asked.status_code == 303 and asked.headers["location"] == f"/rider?asked=1#decision-{d['id']}"
    again = amina.post(f"/v1/rider/decisions/{d['id']}/review", json={"comment": "encore"})
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    assert amina.post("/v1/rider/decisions/999999/review", json={}).status_code == 404
    assert amina.post(f"/v1/rider/decisions/{d['id']}/review", json={"comment": "x" * 2001}).status_code == 422
    page = amina.get("/rider?lang=fr&asked=1", headers={"accept": "text/html"}).text
    assert "Ta demande est envoyée" in page and "J&#39;ai attendu 3 heures." in page and "<textarea" not in page

    token = staff_token("rev", "reviewer")
    assert (
        client.get(
            "/v1/admin/decision-reviews", headers={"Authorization": f"Bearer {staff_token('m', 'members')}"}
        ).status_code
        == 403
    )
    [review] = client.get("/v1/admin/decision-reviews", headers={"Authorization": f"Bearer {token}"}).json()["reviews"]
    answered = client.post(
        f"/v1/admin/decision-reviews/{review['id']}/answer",
        json={"outcome": "upheld", "reasons": "Le contrat paie déjà 3 heures."},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answered.status_code == 200 and answered.json()["reviewer"] == "staff:rev"
    [d] = amina.get("/v1/rider/view?lang=fr").json()["decisions"]
    assert d["review"]["outcome"] == "upheld" and d["review"]["answer"] == "Le contrat paie déjà 3 heures."
    assert "a maintenu la décision" in d["review"]["status"]


def test_each_kind_of_decision_is_worded_with_its_numbers() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from gateway.domains.decisions.models import Decision
    from gateway.web.decisions import why
    from gateway.web.i18n import Translator

    def worded(lang: str, kind: str, outcome: str, parameters: dict[str, str], facts: dict[str, object]) -> str:
        d = Decision(
            key="k", rider_id=1, platform_id=1, kind=kind, decided_by="gateway:x", clause="§2 Minimum engagement",
            outcome=outcome, parameters=parameters, facts=facts, decided_at=datetime(2026, 12, 1, tzinfo=UTC),
        )  # fmt: skip
        return why(d, Translator(lang), ZoneInfo("Europe/Brussels"))

    blocked = worded("nl", "contract_blocked", "blocked_identity_incomplete", {}, {"missing": ["ssin", "birth_date"]})
    assert "je identiteit is onvolledig (ontbreekt: Rijksregisternummer (INSZ) en Geboortedatum)." in blocked
    unpaid = worded("fr", "cancellation_paid", "unpaid", {}, {"notice_hours": "26.00", "currency": "EUR"})
    assert unpaid.startswith("La plateforme a annulé ton shift 26\u00a0h avant son début ; selon la convention (§2)")
    held = worded("en", "payout_held", "held_fund_short", {}, {"amount": "33.82", "currency": "EUR"})
    assert held.startswith("Your pay of €33.82 was due")
    floor = worded("en", "booking_corrected", "hourly_pay_below_floor", {"applied": "12.83"}, {"offered": "9.00"})
    assert floor == (
        "The platform offered €9.00 gross an hour; the agreement (§2) sets a minimum of €12.83, "
        "so your contract pays €12.83 an hour."
    )


def test_a_platforms_suspension_is_shown_with_its_reasons_and_what_waiting_means_in_each_language() -> None:
    """A platform's decision (rider.decision) reads as the platform wrote it, with what its status means for the
    rider: pending, nothing changes until a person at the cooperative confirms it; then the cooperative's reasons."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from gateway.domains.decisions.models import Decision
    from gateway.web.decisions import decision_view
    from gateway.web.i18n import Translator

    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    d = Decision(
        id=7,
        key="platform:1:susp-1",
        rider_id=1,
        platform_id=1,
        kind="platform_suspension",
        decided_by="platform:deliveroo",
        outcome="suspension",
        reasons="Three late deliveries.",
        facts={"automated": True},
        status="pending_confirmation",
        decided_at=at,
    )
    zone = ZoneInfo("Europe/Brussels")
    en = decision_view(d, None, Translator("en"), zone, at)
    assert en.status_label == "Waiting for the cooperative"
    assert "Three late deliveries." in en.why and "until a person at the cooperative" in en.why
    assert en.by.startswith("deliveroo") and "automated" in en.by
    fr = decision_view(d, None, Translator("fr"), zone, at)
    assert fr.status_label != en.status_label and "Three late deliveries." in fr.why
    d.status, d.facts = "confirmed", {"automated": True, "confirmation": {"reasons": "Checked with the rider."}}
    confirmed = decision_view(d, None, Translator("nl"), zone, at)
    assert "Checked with the rider." in confirmed.why and confirmed.can_ask_review
