"""A platform's own decisions about its riders (rider.decision): recorded once, shown with the platform's reasons,
and for a suspension or deactivation, no consequence until a person at the cooperative confirms it (directive
2024/2831 art. 10); confirmed, the rider's future contracts in its window are cancelled as by the platform and
bookings then are refused."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlmodel import Session, select
from typer.testing import CliRunner

from adapters.standard import parse_envelope
from gateway.agreements.loader import AgreementBook
from gateway.domains.decisions import platform_cli
from gateway.domains.decisions.models import Decision
from gateway.domains.inbox import service as inbox
from gateway.domains.platforms.service import webhook_target
from gateway.domains.staff.service import add_member
from gateway.settings import Settings, get_settings
from tests.conftest import TEST_NOW, Clock, PlatformHandle, count_rows, event

Send = Callable[..., Any]
Run = Callable[..., int]
STAFF = {"Authorization": "Bearer staff-secret"}
ADMIN = "/v1/admin/decisions/platform"


@pytest.fixture
def staff_app(app: FastAPI, settings: Settings) -> FastAPI:
    app.state.settings = settings.model_copy(update={"admin_token": SecretStr("staff-secret")})
    return app


def at(text_: str) -> datetime:
    return datetime.fromisoformat(text_).astimezone(UTC)


def decision(decision_id: str = "d-1", kind: str = "suspension", **data: Any) -> bytes:
    body: dict[str, Any] = {
        "decision_id": decision_id,
        "rider_id": "r-1",
        "kind": kind,
        "decided_at": "2026-11-26T12:30:00+01:00",
        "reasons": "Three orders marked as not handed over in seven days (limit: two).",
        "parameters": {"undelivered_7d": "3", "limit_7d": "2", "signals": {"gps_at_dropoff": "absent"}},
        "automated": True,
    }
    if kind == "suspension":
        body |= {"effective_from": "2026-11-30T00:00:00+01:00", "effective_until": "2026-12-15T00:00:00+01:00"}
    return event("rider.decision", **(body | data))


def booking(p: PlatformHandle, send: Send, code: str, start: str, hours: int = 2) -> Any:
    end = at(start).replace(hour=at(start).hour + hours).isoformat()
    return send(p, event("shift.booked", shift_code=code, rider_id="r-1", starts_at=start, ends_at=end))


def contract(client: TestClient, p: PlatformHandle, code: str) -> dict[str, Any]:
    r = client.get(f"/v1/platforms/{p.slug}/shifts/{code}/contract", headers=p.auth)
    assert r.status_code == 200, r.text
    return dict(r.json())


def stored(engine: Engine) -> list[Decision]:
    """The platforms' decisions recorded (the gateway's own, e.g. a booking's corrections, are not these tests')."""
    with Session(engine) as session:
        rows = session.exec(select(Decision).order_by(Decision.id)).all()  # type: ignore[arg-type]
        return [d for d in rows if d.kind.startswith("platform_")]


def test_a_decision_is_recorded_once_and_a_changed_one_is_a_conflict(
    enrolled: PlatformHandle, send: Send, engine: Engine
) -> None:
    first = send(enrolled, decision(), "msg-d-1")
    assert first.status_code == 200, first.text
    recorded = first.json()["decision"]
    assert recorded["status"] == "pending_confirmation" and recorded["kind"] == "suspension"
    # The same message again: the first answer, byte for byte. The same decision under another message: no second.
    again = send(enrolled, decision(), "msg-d-1")
    assert again.headers.get("webhook-replayed") == "true" and again.content == first.content
    other = send(enrolled, decision(), "msg-d-1-bis")
    assert other.status_code == 200 and other.json()["decision"] == recorded
    [row] = stored(engine)
    assert (row.kind, row.decided_by, row.outcome) == ("platform_suspension", "platform:demo", "suspended")
    assert row.reasons == "Three orders marked as not handed over in seven days (limit: two)."
    assert row.parameters["signals"] == {"gps_at_dropoff": "absent"} and row.facts["automated"] is True
    # A decision is never edited: the same id with other reasons is refused, and nothing changes.
    changed = send(enrolled, decision(reasons="Something else."))
    assert changed.status_code == 409 and changed.headers["content-type"] == "application/problem+json"
    assert [r.reasons for r in stored(engine)] == [row.reasons]


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"reasons": "x" * 2001}, "data.reasons"),
        ({"reasons": "   "}, "data.reasons"),
        ({"reasons": "hidden\x1b[2Jtext"}, "data.reasons"),
        ({"parameters": {f"p{i}": "1" for i in range(31)}}, "data.parameters"),
        ({"parameters": {"a": {"b": {"c": {"d": "too deep"}}}}}, "data.parameters"),
        ({"parameters": {"score": 0.92}}, "data.parameters"),
        ({"parameters": {"note": "y" * 501}}, "data.parameters"),
        ({"decided_at": "2026-11-27T12:00:00+01:00"}, "data.decided_at"),  # ahead of the gateway's clock
        ({"decided_at": "2025-11-01T12:00:00+01:00"}, "data.decided_at"),  # more than the horizon ago
        ({"effective_from": "2028-01-01T00:00:00+01:00", "effective_until": None}, "data.effective_from"),
        ({"effective_until": "2026-11-29T00:00:00+01:00"}, "data"),  # ends before it begins
        ({"shift_codes": ["S-1"]}, "data"),  # shift codes are for a refusal of remuneration
        ({"kind": "remuneration_refused", "effective_from": None, "effective_until": None}, "data"),  # no codes
        ({"kind": "deactivation", "effective_from": None}, "data"),  # a deactivation has no end
        ({"automated": "yes"}, "data.automated"),
    ],
)
def test_an_out_of_bounds_decision_is_refused_naming_the_field_and_records_nothing(
    enrolled: PlatformHandle, send: Send, engine: Engine, change: dict[str, Any], location: str
) -> None:
    body = json.loads(decision())
    body["data"] = {k: v for k, v in (body["data"] | change).items() if v is not None}
    r = send(enrolled, json.dumps(body).encode())
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert location in [e["location"] for e in r.json()["errors"]], r.json()
    assert count_rows(engine, "decision") == 0


def test_a_pending_suspension_cancels_nothing_and_a_confirmed_one_cancels_the_future_contracts_as_the_platform(
    enrolled: PlatformHandle,
    send: Send,
    client: TestClient,
    staff_app: FastAPI,
    clock: Clock,
    run_job: Run,
    engine: Engine,
) -> None:
    for code, start in [("S-1", "2026-12-01T10:00:00+01:00"), ("S-2", "2026-12-10T10:00:00+01:00")]:
        assert booking(enrolled, send, code, start).status_code == 200
    assert booking(enrolled, send, "S-3", "2026-12-20T10:00:00+01:00").status_code == 200  # after the window
    pending = send(enrolled, decision()).json()["decision"]
    # Pending: no consequence. Contracts stay open; a shift in the window is still booked.
    assert booking(enrolled, send, "S-4", "2026-12-05T10:00:00+01:00").status_code == 200
    assert {contract(client, enrolled, c)["status"] for c in ("S-1", "S-2", "S-3", "S-4")} == {"open"}
    queue = client.get(f"{ADMIN}/pending", headers=STAFF).json()
    assert [(d["id"], d["platform"], d["rider_id"], d["status"]) for d in queue] == [
        (pending["id"], "demo", "r-1", "pending_confirmation")
    ]
    assert client.get(f"{ADMIN}/pending?after={pending['id']}", headers=STAFF).json() == []  # paged by id

    # A person confirms it ten hours before S-1 starts: less than the agreement's 24 hours of notice.
    clock.fixed = at("2026-12-01T00:00:00+01:00")
    r = client.post(f"{ADMIN}/{pending['id']}/confirm", headers=STAFF, json={"reasons": "Checked the reports."})
    assert r.status_code == 200, r.text
    shown = r.json()
    assert shown["decision"]["status"] == "confirmed"
    assert shown["decision"]["confirmation"]["reasons"] == "Checked the reports."
    ids = {c: contract(client, enrolled, c)["id"] for c in ("S-1", "S-2", "S-3", "S-4")}
    assert sorted(shown["contracts_cancelled"]) == sorted([ids["S-1"], ids["S-2"], ids["S-4"]])
    assert contract(client, enrolled, "S-3")["status"] == "open"
    # Treated as the platform cancelling: settlement pays what the agreement says for a short notice.
    run_job("contracts.settle", at("2026-12-11T12:00:00+01:00"))
    s1 = contract(client, enrolled, "S-1")
    assert s1["status"] == "settled" and s1["statement"]["outcome"] == "cancelled_paid"
    assert s1["statement"]["paid_hours"] == "3.00"
    assert contract(client, enrolled, "S-2")["status"] == "cancelled"  # nine days' notice: nothing due
    # While it holds, a shift in its window is refused, saying why; one after it is booked.
    refused = booking(enrolled, send, "S-5", "2026-12-12T10:00:00+01:00")
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["decision_id"] == "d-1" and "suspended by the platform" in refused.json()["detail"]
    assert booking(enrolled, send, "S-6", "2026-12-16T10:00:00+01:00").status_code == 200
    with engine.connect() as conn:
        audited = conn.execute(text("SELECT actor, action, target FROM audit_entry WHERE action LIKE 'decision.%'"))
        assert [tuple(a) for a in audited] == [("staff:admin-token", "decision.confirmed", f"decision:{pending['id']}")]
    # Confirmed once: a second answer is a conflict.
    again = client.post(f"{ADMIN}/{pending['id']}/dismiss", headers=STAFF, json={"reasons": "No."})
    assert again.status_code == 409


def test_a_dismissed_suspension_changes_nothing_and_says_why(
    enrolled: PlatformHandle, send: Send, client: TestClient, staff_app: FastAPI, engine: Engine
) -> None:
    assert booking(enrolled, send, "S-1", "2026-12-01T10:00:00+01:00").status_code == 200
    pending = send(enrolled, decision(kind="deactivation", effective_from=None)).json()["decision"]
    r = client.post(f"{ADMIN}/{pending['id']}/dismiss", headers=STAFF, json={"reasons": "The reports were wrong."})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "dismissed" and r.json()["confirmation"]["outcome"] == "dismissed"
    assert contract(client, enrolled, "S-1")["status"] == "open"
    assert booking(enrolled, send, "S-2", "2026-12-02T10:00:00+01:00").status_code == 200
    [row] = stored(engine)
    assert row.status == "dismissed" and row.facts["confirmation"]["reasons"] == "The reports were wrong."
    # The rider was e-mailed twice about it: when the platform reported it, and when a person answered.
    with engine.connect() as conn:
        mailed = conn.execute(
            text("SELECT CAST(payload AS TEXT) FROM outbox_message WHERE kind = 'notification.decision' ORDER BY id")
        ).scalars()
        statuses = [json.loads(p)["notice"]["status"] for p in mailed]
    assert statuses == ["pending_confirmation", "dismissed"]
    assert client.get(f"{ADMIN}/pending", headers=STAFF).json() == []


def test_a_restriction_is_in_effect_at_once_and_bookings_go_on(
    enrolled: PlatformHandle, send: Send, client: TestClient, staff_app: FastAPI
) -> None:
    r = send(enrolled, decision(kind="restriction", effective_until=None, automated=False))
    assert r.status_code == 200 and r.json()["decision"]["status"] == "in_effect"
    assert booking(enrolled, send, "S-1", "2026-12-01T10:00:00+01:00").status_code == 200
    # Only a suspension or deactivation waits for a person.
    answer = client.post(f"{ADMIN}/{r.json()['decision']['id']}/confirm", headers=STAFF, json={"reasons": "ok"})
    assert answer.status_code == 409


def test_a_refusal_of_remuneration_names_its_shift_and_is_shown_in_effect(
    enrolled: PlatformHandle, send: Send, client: TestClient, staff_app: FastAPI, engine: Engine
) -> None:
    assert booking(enrolled, send, "S-1", "2026-11-26T08:00:00+01:00").status_code == 200
    body = decision(kind="remuneration_refused", effective_from=None, effective_until=None, shift_codes=["S-1"])
    r = send(enrolled, body)
    assert r.status_code == 200 and r.json()["decision"]["status"] == "in_effect"
    [row] = stored(engine)
    assert str(row.contract_id) == contract(client, enrolled, "S-1")["id"]
    shown = client.get(f"{ADMIN}/{row.id}", headers=STAFF).json()
    assert shown["shift_codes"] == ["S-1"] and shown["kind"] == "remuneration_refused"


def test_a_platform_names_only_its_own_riders(
    enrolled: PlatformHandle,
    make_platform: Callable[..., PlatformHandle],
    send: Send,
    client: TestClient,
    staff_app: FastAPI,
    engine: Engine,
) -> None:
    other = make_platform("other")
    assert booking(enrolled, send, "S-1", "2026-12-01T10:00:00+01:00").status_code == 200
    # r-1 is demo's rider: another platform cannot suspend them.
    r = send(other, decision())
    assert r.status_code == 422 and r.json()["errors"][0]["location"] == "data.rider_id"
    assert stored(engine) == []
    # Its own r-1 is another person; the same decision id is its own key. Confirmed, demo's contract stays.
    send(other, event("rider.enrolled", rider_id="r-1", name="Bo", email="bo@example.org"))
    mine = send(other, decision()).json()["decision"]
    theirs = send(enrolled, decision()).json()["decision"]
    assert mine["id"] != theirs["id"]
    r = client.post(f"{ADMIN}/{mine['id']}/confirm", headers=STAFF, json={"reasons": "Checked."})
    assert r.status_code == 200 and r.json()["contracts_cancelled"] == []
    assert contract(client, enrolled, "S-1")["status"] == "open"
    assert booking(enrolled, send, "S-2", "2026-12-02T10:00:00+01:00").status_code == 200


def test_the_platform_withdraws_a_confirmed_suspension_and_bookings_are_taken_again(
    enrolled: PlatformHandle, send: Send, client: TestClient, staff_app: FastAPI, engine: Engine
) -> None:
    assert booking(enrolled, send, "S-1", "2026-12-01T10:00:00+01:00").status_code == 200
    pending = send(enrolled, decision()).json()["decision"]
    client.post(f"{ADMIN}/{pending['id']}/confirm", headers=STAFF, json={"reasons": "Checked."})
    assert booking(enrolled, send, "S-2", "2026-12-02T10:00:00+01:00").status_code == 409
    unknown = send(enrolled, decision("d-unknown", withdrawn=True))
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["location"] == "data.decision_id"
    r = send(enrolled, decision(withdrawn=True, reasons="Our system counted a late delivery twice."))
    assert r.status_code == 200 and r.json()["decision"]["status"] == "withdrawn"
    assert booking(enrolled, send, "S-2", "2026-12-02T10:00:00+01:00").status_code == 200
    # What the confirmation cancelled stays cancelled (and is paid as cancelled); the row says who withdrew it.
    assert contract(client, enrolled, "S-1")["status"] == "completed"
    [row] = stored(engine)
    assert row.facts["withdrawn"]["reasons"] == "Our system counted a late delivery twice."
    assert row.facts["withdrawn"]["was"] == "confirmed" and (row.reasons or "").startswith("Three orders")


def test_only_a_reviewer_confirms(
    enrolled: PlatformHandle, send: Send, client: TestClient, engine: Engine, settings: Settings
) -> None:
    pending = send(enrolled, decision()).json()["decision"]
    with Session(engine) as session:
        token = add_member(session, "fundie", ["fund"], settings.credential_pepper.get_secret_value())
        session.commit()
    url = f"{ADMIN}/{pending['id']}/confirm"
    assert client.post(url, json={"reasons": "x"}).status_code == 401
    r = client.post(url, headers={"Authorization": f"Bearer {token}"}, json={"reasons": "x"})
    assert r.status_code == 403 and stored(engine)[0].status == "pending_confirmation"


def test_the_cli_lists_and_dismisses_with_reasons(
    enrolled: PlatformHandle, send: Send, database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pending = send(enrolled, decision()).json()["decision"]
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        listed = runner.invoke(platform_cli.app, ["pending"])
        assert listed.exit_code == 0 and f"{pending['id']}\tdemo\tr-1\tsuspension" in listed.output
        empty = runner.invoke(platform_cli.app, ["dismiss", str(pending["id"]), "--reasons", " "])
        assert empty.exit_code == 1 and stored(engine)[0].status == "pending_confirmation"
        r = runner.invoke(platform_cli.app, ["dismiss", str(pending["id"]), "--reasons", "Not enough evidence."])
        assert r.exit_code == 0, r.output
        assert "dismissed by cli:" in r.output
    finally:
        get_settings.cache_clear()
    row = stored(engine)[0]
    assert row.status == "dismissed" and row.facts["confirmation"]["reasons"] == "Not enough evidence."


@pytest.mark.postgres_only
def test_on_postgresql_an_unaffected_riders_booking_stays_one_statement_and_a_held_ones_is_handed_over(
    enrolled: PlatformHandle,
    send: Send,
    client: TestClient,
    staff_app: FastAPI,
    engine: Engine,
    book: AgreementBook,
    settings: Settings,
    is_postgres: bool,
) -> None:
    if not is_postgres:
        pytest.skip("the one-statement booking is PostgreSQL's")
    send(enrolled, event("rider.enrolled", rider_id="r-2", name="Bo", email="bo@example.org"))
    pending = send(enrolled, decision()).json()["decision"]
    client.post(f"{ADMIN}/{pending['id']}/confirm", headers=STAFF, json={"reasons": "Checked."})
    with Session(engine) as session:
        target = webhook_target(session, enrolled.slug, TEST_NOW)
    assert target is not None

    def at_once(rider: str, code: str) -> Any:
        times = {"starts_at": "2026-12-02T10:00:00+01:00", "ends_at": "2026-12-02T12:00:00+01:00"}
        ev = parse_envelope(json.loads(event("shift.booked", shift_code=code, rider_id=rider, **times)))
        return inbox.book_at_once(engine, target, book, settings, f"msg_{uuid.uuid4().hex}", ev, TEST_NOW)

    answered = at_once("r-2", "S-20")
    assert isinstance(answered, tuple) and answered[0].status_code == 200  # opened by the one statement
    handed = at_once("r-1", "S-21")
    assert isinstance(handed, inbox.Handover) and handed.opened is not None and handed.opened.value == "held"
    # With the identity required (r-1 has no member), held is what it says: the general path reads both.
    settings.identity_required = True
    handed = at_once("r-1", "S-22")
    assert isinstance(handed, inbox.Handover) and handed.opened is not None and handed.opened.value == "held"
    assert handed.identity_required
    assert count_rows(engine, "contract") == 1


def test_a_decision_reported_late_is_recorded_at_the_gateways_time_not_the_platforms(
    enrolled: PlatformHandle, send: Send, engine: Engine, clock: Clock
) -> None:
    """The platform decided on the 26th at 12:30 and tells the gateway three days later: the record keeps both, so
    a review period or an audit counts from when the cooperative could know."""
    clock.fixed = at("2026-11-29T09:00:00+01:00")
    r = send(enrolled, decision(kind="restriction", effective_until=None))
    assert r.status_code == 200, r.text
    [row] = stored(engine)
    assert row.decided_at == at("2026-11-26T12:30:00+01:00")
    assert row.recorded_at == at("2026-11-29T09:00:00+01:00")
