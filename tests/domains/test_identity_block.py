"""A shift booked for a member whose identity cannot be declared opens blocked (`identity_incomplete`): the rider
has a contract, the platform is told to keep them off the shift, nothing is declared; completing the identity
before the booked end reopens it and declares it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlmodel import Session
from typer.testing import CliRunner

from gateway.cli import app as cli
from gateway.domains.contracts import identity
from gateway.domains.contracts import service as contracts
from gateway.domains.members import service as members
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.vault import vault_of
from gateway.settings import Settings, get_settings
from tests.conftest import TEST_NOW, Clock, PlatformHandle, count_rows, event

Send = Callable[..., Any]
STAFF = {"Authorization": "Bearer staff-secret-token"}
# 1985-07-30: the birth date the SSIN 85073003328 encodes.
BORN = date(1985, 7, 30)
TABLES = ("contract", "violation", "outbox_message", "inbox_message", "contract_event")


@pytest.fixture
def required(settings: Settings) -> Settings:
    """Identity required (as with the http declaration connector), and a staff token for the staff API."""
    settings.identity_required = True
    settings.admin_token = SecretStr("staff-secret-token")
    return settings


def add_member(engine: Engine, settings: Settings, number: str, *, complete: bool) -> None:
    data = IdentityIn(first_name="Amina", last_name="Diallo")
    if complete:
        data = IdentityIn(first_name="Amina", last_name="Diallo", birth_date=BORN, ssin="85073003328")
    with Session(engine) as session:
        members.create(session, vault_of(settings), data, TEST_NOW, number=number)
        session.commit()


def complete_identity(engine: Engine, settings: Settings, number: str, now: datetime) -> list[uuid.UUID]:
    """What the staff API and the rider's form do: write the identity, then release, in one transaction."""
    with Session(engine) as session:
        member = members.by_number(session, number)
        assert member is not None
        members.update(session, vault_of(settings), member, IdentityIn(birth_date=BORN, ssin="85073003328"), now)
        released = identity.release(session, number, now)
        session.commit()
    return released


def release(engine: Engine, number: str, now: datetime) -> list[uuid.UUID]:
    with Session(engine) as session:
        released = identity.release(session, number, now)
        session.commit()
    return released


def enrol(send: Send, p: PlatformHandle, rider: str = "r-1", member: str | None = None) -> None:
    extra = {} if member is None else {"member_id": member}
    r = send(p, event("rider.enrolled", rider_id=rider, name="Amina", email="amina@example.org", **extra))
    assert r.status_code == 200, r.text


def booking(code: str = "S-1", rider: str = "r-1", day: str = "2026-12-01") -> bytes:
    return event(
        "shift.booked",
        shift_code=code,
        rider_id=rider,
        starts_at=f"{day}T10:00:00+01:00",
        ends_at=f"{day}T14:00:00+01:00",
    )


def outbox_kinds(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT kind FROM outbox_message ORDER BY id")).scalars())


def snapshot(engine: Engine) -> dict[str, int]:
    return {t: count_rows(engine, t) for t in TABLES}


def read_back(client: Any, p: PlatformHandle, code: str) -> dict[str, Any]:
    r = client.get(f"/v1/platforms/{p.slug}/shifts/{code}/contract", headers=p.auth)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


# --- booking ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "missing"),
    [(None, "member"), ("incomplete", "missing: birth_date, ssin, birth_place")],
    ids=["no-member", "member-incomplete"],
)
def test_a_booking_for_a_rider_whose_identity_cannot_be_declared_opens_blocked_and_declares_nothing(
    required: Settings,
    platform: PlatformHandle,
    send: Send,
    client: Any,
    engine: Engine,
    member: str | None,
    missing: str,
) -> None:
    if member is not None:
        add_member(engine, required, "M-1", complete=False)
    enrol(send, platform, member=None if member is None else "M-1")
    r = send(platform, booking())
    assert r.status_code == 200, r.text
    c = r.json()["contract"]
    assert c["status"] == "blocked"
    blocked = c["corrections"][-1]
    assert (blocked["term"], blocked["code"], blocked["action"]) == ("identity", "identity_incomplete", "blocked")
    assert missing in blocked["detail"] and "must not work" in blocked["detail"]
    assert "Amina" not in r.text and "Diallo" not in r.text  # field names, never values
    assert [(e["kind"], e["from_status"], e["to_status"]) for e in c["history"]] == [
        ("opened", None, "open"),
        ("identity_incomplete", "open", "blocked"),
    ]
    # Nothing can be declared: the platform is told (contract.opened, blocked), no declaration.in is queued.
    assert outbox_kinds(engine) == ["callback.contract.opened", "notification.contract_opened"]
    with engine.connect() as conn:
        payloads = conn.execute(text("SELECT CAST(payload AS TEXT) FROM outbox_message")).scalars().all()
    assert [json.loads(p) for p in payloads] == [c, c]  # the callback and the rider's e-mail carry the contract
    # The answer reads exactly as a later read of the contract.
    assert read_back(client, platform, "S-1") == c


def test_a_booking_for_a_declarable_member_opens_and_queues_the_declaration(
    required: Settings, platform: PlatformHandle, send: Send, engine: Engine
) -> None:
    add_member(engine, required, "M-1", complete=True)
    enrol(send, platform, member="M-1")
    c = send(platform, booking()).json()["contract"]
    assert c["status"] == "open" and c["corrections"] == []
    assert sorted(outbox_kinds(engine)) == [
        "callback.contract.opened",
        "declaration.in",
        "notification.contract_opened",
    ]
    assert count_rows(engine, "contract_event") == 0


def test_without_the_identity_rule_a_rider_without_member_is_booked_open_as_before(
    settings: Settings, enrolled: PlatformHandle, send: Send, engine: Engine
) -> None:
    settings.identity_required = False
    c = send(enrolled, booking()).json()["contract"]
    assert c["status"] == "open" and c["corrections"] == []
    assert sorted(outbox_kinds(engine)) == [
        "callback.contract.opened",
        "declaration.in",
        "notification.contract_opened",
    ]


def test_a_replayed_blocked_booking_returns_the_same_answer_and_changes_nothing(
    required: Settings, platform: PlatformHandle, send: Send, engine: Engine
) -> None:
    enrol(send, platform)
    first = send(platform, booking(), msg_id="msg-blocked")
    before = snapshot(engine)
    again = send(platform, booking(), msg_id="msg-blocked")
    assert again.status_code == first.status_code == 200
    assert again.content == first.content and again.headers["webhook-replayed"] == "true"
    assert snapshot(engine) == before


def test_the_same_blocked_shift_under_a_new_webhook_id_is_the_same_contract(
    required: Settings, platform: PlatformHandle, send: Send, engine: Engine
) -> None:
    enrol(send, platform)
    a = send(platform, booking()).json()["contract"]
    b = send(platform, booking()).json()["contract"]
    assert a["id"] == b["id"] and b["status"] == "blocked"
    assert count_rows(engine, "contract") == 1
    assert send(platform, booking(day="2026-12-02")).status_code == 409  # another window: never a second one


def test_on_postgresql_the_one_statement_declines_an_undeclarable_rider_and_writes_nothing(
    required: Settings, is_postgres: bool, platform: PlatformHandle, send: Send, engine: Engine, book: Any
) -> None:
    """The hot path never opens such a contract `open`: it declines (IDENTITY_INCOMPLETE) and writes nothing; a
    declarable member's booking is written by it as before."""
    if not is_postgres:
        pytest.skip("the one-statement booking is PostgreSQL's")
    from adapters.standard import StandardAdapter
    from gateway.canonical import ShiftBooked
    from gateway.db import driver
    from gateway.domains.contracts import booking as bookings
    from gateway.domains.contracts.bounds import TimeBounds
    from gateway.domains.inbox.models import InboxMessage

    add_member(engine, required, "M-1", complete=False)
    add_member(engine, required, "M-2", complete=True)
    enrol(send, platform, "r-1", member="M-1")
    enrol(send, platform, "r-2", member="M-2")
    enrol(send, platform, "r-3")
    with engine.connect() as conn:
        platform_id = conn.execute(text("SELECT id FROM platform WHERE slug = 'demo'")).scalar_one()

    def at_once(rider: str, code: str, identity_required: bool) -> bookings.Opened:
        data = StandardAdapter().parse(booking(code, rider)).data
        assert isinstance(data, ShiftBooked)
        decision = contracts.decide(book.get("be-delivery-2016"), data, TimeBounds.of(required), TEST_NOW)
        new = contracts.new_contract(
            platform_id=platform_id, data=data, decision=decision, message_id=f"m-{code}", now=TEST_NOW
        )
        row = {"platform_id": platform_id, "message_id": f"m-{code}", "event_type": "shift.booked"}
        answer = bookings.Answer(
            InboxMessage.__table__,  # type: ignore[attr-defined]
            {**row, "received_at": TEST_NOW, "status_code": 200},
            "response",
            '{"contract":{}}',
            "contract",
        )
        with driver.autocommit(engine) as conn:
            return bookings.open_at_once(conn, new, TEST_NOW, answer, identity_required)

    before = snapshot(engine)
    assert at_once("r-1", "S-1", True) is bookings.Opened.IDENTITY_INCOMPLETE
    assert at_once("r-3", "S-3", True) is bookings.Opened.IDENTITY_INCOMPLETE
    assert at_once("r-404", "S-4", True) is bookings.Opened.NO_RIDER
    assert snapshot(engine) == before
    assert at_once("r-2", "S-2", True) is bookings.Opened.OPENED
    assert at_once("r-2", "S-2", True) is bookings.Opened.TAKEN
    assert at_once("r-1", "S-5", False) is bookings.Opened.OPENED  # the rule off: the statement as it always was


# --- events on a blocked contract ---------------------------------------------------------------------------


@pytest.fixture
def blocked_shift(required: Settings, platform: PlatformHandle, send: Send, engine: Engine) -> PlatformHandle:
    add_member(engine, required, "M-1", complete=False)
    enrol(send, platform, member="M-1")
    assert send(platform, booking()).json()["contract"]["status"] == "blocked"
    return platform


@pytest.mark.parametrize(
    "body",
    [
        event("shift.started", shift_code="S-1", at="2026-12-01T10:00:00+01:00"),
        event("shift.ended", shift_code="S-1", at="2026-12-01T14:00:00+01:00"),
    ],
    ids=["started", "ended"],
)
def test_work_reported_on_a_blocked_contract_is_refused_saying_why_and_changes_nothing(
    blocked_shift: PlatformHandle, send: Send, clock: Clock, engine: Engine, client: Any, body: bytes
) -> None:
    clock.fixed = datetime.fromisoformat("2026-12-01T14:00:00+01:00")
    before = read_back(client, blocked_shift, "S-1")
    counts = snapshot(engine)
    r = send(blocked_shift, body)
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["contract_status"] == "blocked"
    assert "identity is incomplete" in problem["detail"] and "must not work" in problem["detail"]
    assert read_back(client, blocked_shift, "S-1") == before
    assert snapshot(engine) == counts


def test_a_blocked_contract_cancelled_closes_as_cancelled_with_nothing_due(
    blocked_shift: PlatformHandle,
    required: Settings,
    send: Send,
    clock: Clock,
    engine: Engine,
    client: Any,
    run_job: Callable[..., int],
) -> None:
    cancel = event("shift.cancelled", shift_code="S-1", at="2026-12-01T09:30:00+01:00", reason="rain")
    clock.fixed = datetime.fromisoformat("2026-12-01T09:30:00+01:00")
    r = send(blocked_shift, cancel)
    assert r.status_code == 200, r.text
    c = r.json()["contract"]
    assert c["status"] == "cancelled" and c["actual"]["cancel_reason"] == "rain"
    assert c["history"][-1]["kind"] == "cancelled" and "nothing is due" in c["history"][-1]["detail"]
    counts = snapshot(engine)
    again = send(blocked_shift, cancel)  # the same fact again: nothing changes
    assert again.status_code == 200 and again.json()["contract"] == read_back(client, blocked_shift, "S-1")
    assert datetime.fromisoformat(again.json()["contract"]["actual"]["cancelled_at"]) == clock.fixed
    assert {t: n for t, n in snapshot(engine).items() if t != "inbox_message"} == {
        t: n for t, n in counts.items() if t != "inbox_message"
    }
    run_job("contracts.settle", datetime.fromisoformat("2026-12-02T10:00:00+01:00"))
    run_job("contracts.close_stale", datetime.fromisoformat("2026-12-02T10:00:00+01:00"))
    after = read_back(client, blocked_shift, "S-1")
    assert after["status"] == "cancelled" and after["statement"] is None and after["payout"] is None
    assert outbox_kinds(engine) == ["callback.contract.opened", "notification.contract_opened"]  # nothing declared
    # Cancelled, it is no longer released when the identity is completed.
    assert complete_identity(engine, required, "M-1", TEST_NOW) == []


# --- release ------------------------------------------------------------------------------------------------


def test_completing_the_identity_reopens_the_blocked_contract_declares_it_and_tells_the_platform(
    blocked_shift: PlatformHandle, required: Settings, engine: Engine, client: Any, send: Send, clock: Clock
) -> None:
    cid = read_back(client, blocked_shift, "S-1")["id"]
    now = TEST_NOW + timedelta(hours=1)
    assert [str(i) for i in complete_identity(engine, required, "M-1", now)] == [cid]
    c = read_back(client, blocked_shift, "S-1")
    assert c["status"] == "open"
    assert c["history"][-1]["kind"] == "identity_completed"
    assert (c["history"][-1]["from_status"], c["history"][-1]["to_status"]) == ("blocked", "open")
    assert outbox_kinds(engine) == [
        "callback.contract.opened",
        "notification.contract_opened",
        "declaration.in",
        "callback.contract.unblocked",
    ]
    with engine.connect() as conn:
        payload = conn.execute(
            text("SELECT CAST(payload AS TEXT) FROM outbox_message WHERE kind = 'callback.contract.unblocked'")
        ).scalar_one()
    assert json.loads(payload) == {
        "contract_id": cid,
        "shift_code": "S-1",
        "rider_id": "r-1",
        "status": "open",
        "reason": "identity_completed",
    }
    # Idempotent: again, nothing is reopened or queued twice.
    counts = snapshot(engine)
    assert release(engine, "M-1", now) == []
    assert snapshot(engine) == counts
    # Open again, the contract takes its events as any other.
    clock.fixed = datetime.fromisoformat("2026-12-01T10:00:00+01:00")
    assert (
        send(blocked_shift, event("shift.started", shift_code="S-1", at="2026-12-01T10:00:00+01:00")).status_code == 200
    )


def test_release_leaves_alone_an_incomplete_identity_a_past_shift_and_a_refused_declaration(
    required: Settings, platform: PlatformHandle, send: Send, engine: Engine, client: Any
) -> None:
    add_member(engine, required, "M-1", complete=False)
    enrol(send, platform, "r-1", member="M-1")
    enrol(send, platform, "r-2", member="M-1")  # the same member on another account of the platform
    assert send(platform, booking("S-1", "r-1", "2026-12-01")).json()["contract"]["status"] == "blocked"
    assert send(platform, booking("S-2", "r-2", "2026-12-03")).json()["contract"]["status"] == "blocked"
    assert release(engine, "M-1", TEST_NOW) == []  # still incomplete: nothing reopens
    # S-3 opened before the rule, then its declaration was refused: blocked for another reason.
    required.identity_required = False
    refused = send(platform, booking("S-3", "r-1", "2026-12-05")).json()["contract"]["id"]
    required.identity_required = True
    with Session(engine) as session:
        assert contracts.block(session, uuid.UUID(refused), "declaration of employment refused: SSIN unknown", TEST_NOW)
        session.commit()
    # The identity is completed after S-1 ended (2026-12-01 14:00 CET) and before S-2 starts.
    released = complete_identity(engine, required, "M-1", datetime.fromisoformat("2026-12-02T12:00:00+01:00"))
    statuses = {c: read_back(client, platform, c)["status"] for c in ("S-1", "S-2", "S-3")}
    assert statuses == {"S-1": "blocked", "S-2": "open", "S-3": "blocked"}
    assert [str(i) for i in released] == [read_back(client, platform, "S-2")["id"]]
    # Released, then its declaration refused: blocked for the refusal now, and never released again.
    with Session(engine) as session:
        assert contracts.block(session, released[0], "declaration of employment refused: SSIN unknown", TEST_NOW)
        session.commit()
    assert release(engine, "M-1", datetime.fromisoformat("2026-12-02T12:00:00+01:00")) == []
    assert read_back(client, platform, "S-2")["status"] == "blocked"


# --- what staff see ------------------------------------------------------------------------------------------


@pytest.fixture
def three_blocked(required: Settings, platform: PlatformHandle, send: Send, engine: Engine) -> dict[str, str]:
    """S-1: a rider with no member; S-2: an incomplete member; S-3: a refused declaration."""
    add_member(engine, required, "M-2", complete=False)
    enrol(send, platform, "r-1")
    enrol(send, platform, "r-2", member="M-2")
    ids = {}
    for code, rider, day in (("S-1", "r-1", "2026-12-01"), ("S-2", "r-2", "2026-12-02")):
        ids[code] = send(platform, booking(code, rider, day)).json()["contract"]["id"]
    required.identity_required = False
    ids["S-3"] = send(platform, booking("S-3", "r-1", "2026-12-03")).json()["contract"]["id"]
    required.identity_required = True
    with Session(engine) as session:
        contracts.block(session, uuid.UUID(ids["S-3"]), "declaration of employment refused: SSIN unknown", TEST_NOW)
        session.commit()
    return ids


def test_staff_list_blocked_contracts_with_why_and_what_is_missing(three_blocked: dict[str, str], client: Any) -> None:
    r = client.get("/v1/admin/contracts/blocked", headers=STAFF)
    assert r.status_code == 200, r.text
    rows = {b["shift_code"]: b for b in r.json()}
    assert list(rows) == ["S-1", "S-2", "S-3"]  # soonest start first
    assert (rows["S-1"]["reason"], rows["S-1"]["member"], rows["S-1"]["missing"]) == (
        "identity_incomplete",
        None,
        ["member"],
    )
    assert rows["S-2"]["member"] == "M-2" and rows["S-2"]["reason"] == "identity_incomplete"
    assert rows["S-2"]["missing"][:3] == ["birth_date", "ssin", "birth_place"]
    assert rows["S-3"]["reason"] == "declaration_refused" and rows["S-3"]["missing"] == []
    assert "SSIN unknown" in rows["S-3"]["detail"]
    assert {b["platform"] for b in rows.values()} == {"demo"}
    assert rows["S-1"]["starts_at"] == "2026-12-01T09:00:00Z" and rows["S-1"]["rider_id"] == "r-1"
    assert rows["S-1"]["contract_id"] == three_blocked["S-1"]
    only = client.get("/v1/admin/contracts/blocked", params={"reason": "declaration_refused"}, headers=STAFF)
    assert [b["shift_code"] for b in only.json()] == ["S-3"]
    assert (
        client.get("/v1/admin/contracts/blocked", params={"limit": 1}, headers=STAFF).json()[0]["shift_code"] == "S-1"
    )


def test_the_blocked_list_needs_the_declarations_role(
    three_blocked: dict[str, str], client: Any, engine: Engine, required: Settings
) -> None:
    from gateway.domains.staff.service import add_member as add_staff

    with Session(engine) as session:
        fund_only = add_staff(session, "fiona", ["fund"], required.credential_pepper.get_secret_value())
        clerk = add_staff(session, "dora", ["declarations"], required.credential_pepper.get_secret_value())
        session.commit()
    assert client.get("/v1/admin/contracts/blocked").status_code == 401
    assert (
        client.get("/v1/admin/contracts/blocked", headers={"Authorization": f"Bearer {fund_only}"}).status_code == 403
    )
    ok = client.get("/v1/admin/contracts/blocked", headers={"Authorization": f"Bearer {clerk}"})
    assert ok.status_code == 200 and len(ok.json()) == 3


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_cli_lists_blocked_contracts(three_blocked: dict[str, str], cli_env: None) -> None:
    r = CliRunner().invoke(cli, ["contracts", "blocked"])
    assert r.exit_code == 0, r.output
    lines = [line.split("\t") for line in r.output.splitlines()]
    assert [(x[2], x[4], x[6], x[7]) for x in lines] == [
        ("S-1", "-", "identity_incomplete", "member"),
        ("S-2", "M-2", "identity_incomplete", lines[1][7]),
        ("S-3", "-", "declaration_refused", "-"),
    ]
    assert lines[1][7].startswith("birth_date,ssin,")
    assert lines[0][0] == three_blocked["S-1"] and lines[0][1] == "demo" and lines[0][3] == "r-1"
    only = CliRunner().invoke(cli, ["contracts", "blocked", "--reason", "identity_incomplete"])
    assert [line.split("\t")[2] for line in only.output.splitlines()] == ["S-1", "S-2"]
    bad = CliRunner().invoke(cli, ["contracts", "blocked", "--reason", "bored"])
    assert bad.exit_code != 0 and "identity_incomplete or declaration_refused" in bad.output


def test_a_contract_blocked_by_a_refused_declaration_is_not_cancelled_by_the_platform(
    enrolled: PlatformHandle, send: Send, engine: Engine, clock: Clock
) -> None:
    """It may have been worked before the refusal arrived: what is due is the cooperative's to decide."""
    cid = send(enrolled, booking()).json()["contract"]["id"]
    with Session(engine) as session:
        assert contracts.block(session, uuid.UUID(cid), "declaration of employment refused: SSIN unknown", TEST_NOW)
        session.commit()
    clock.fixed = datetime.fromisoformat("2026-12-01T09:30:00+01:00")
    r = send(enrolled, event("shift.cancelled", shift_code="S-1", at="2026-12-01T09:30:00+01:00"))
    assert r.status_code == 409 and r.json()["contract_status"] == "blocked"
    assert "SSIN unknown" in r.json()["detail"]


def test_an_identity_completed_while_a_booking_opens_blocked_still_releases_it(
    required: Settings, is_postgres: bool, platform: PlatformHandle, send: Send, engine: Engine, book: Any
) -> None:
    """The booking reads the identity incomplete and locks it; the identity write waits for the booking to commit,
    then finds the contract to release. (Without the lock it would release nothing and the contract stay blocked.)"""
    if not is_postgres:
        pytest.skip("row locks: PostgreSQL's (SQLite writes one transaction at a time)")
    import threading

    from adapters.standard import StandardAdapter
    from gateway.canonical import ShiftBooked
    from gateway.domains.contracts import booking as bookings
    from gateway.domains.contracts.bounds import TimeBounds

    add_member(engine, required, "M-1", complete=False)
    enrol(send, platform, member="M-1")
    data = StandardAdapter().parse(booking()).data
    assert isinstance(data, ShiftBooked)
    decision = contracts.decide(book.get("be-delivery-2016"), data, TimeBounds.of(required), TEST_NOW)
    released: list[uuid.UUID] = []
    with Session(engine) as session:
        platform_id = session.connection().execute(text("SELECT id FROM platform WHERE slug = 'demo'")).scalar_one()
        found = identity.gap(session, platform_id, "r-1")
        assert found is not None and "ssin" in found.missing
        new = contracts.new_contract(
            platform_id=platform_id, data=data, decision=decision, message_id="m", now=TEST_NOW
        )
        new = identity.blocked(new, found, TEST_NOW)
        writer = threading.Thread(target=lambda: released.extend(complete_identity(engine, required, "M-1", TEST_NOW)))
        writer.start()
        writer.join(timeout=1.0)
        assert writer.is_alive()  # waiting for the booking's lock on the member
        assert bookings.insert_contract(session, new, {}, TEST_NOW)
        session.commit()
    writer.join(timeout=10)
    assert released == [new.id]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM contract")).scalar_one() == "open"


# --- what the blocked contract shows elsewhere ---------------------------------------------------------------


def test_a_blocked_contract_shows_its_declaration_held_until_released(
    blocked_shift: PlatformHandle, required: Settings, engine: Engine, client: Any
) -> None:
    # "queued" would tell the platform a declaration is on its way: none is, until the identity is complete.
    held = read_back(client, blocked_shift, "S-1")["declaration"]
    assert held["state"] == "held" and "identity" in held["detail"]
    assert complete_identity(engine, required, "M-1", TEST_NOW)
    assert read_back(client, blocked_shift, "S-1")["declaration"]["state"] == "queued"


def test_reports_do_not_count_a_blocked_contract_cancelled_as_a_cancellation(
    blocked_shift: PlatformHandle, required: Settings, send: Send, clock: Clock, engine: Engine
) -> None:
    from zoneinfo import ZoneInfo

    from gateway.reports.sources import DatabaseShifts

    enrol(send, blocked_shift, rider="r-2", member=None)
    required.identity_required = False  # r-2's shift opens as any other: its cancellation is a real one
    assert send(blocked_shift, booking(code="S-2", rider="r-2")).json()["contract"]["status"] == "open"
    clock.fixed = datetime.fromisoformat("2026-12-01T09:30:00+01:00")
    for code in ("S-1", "S-2"):
        cancel = event("shift.cancelled", shift_code=code, at="2026-12-01T09:30:00+01:00")
        assert send(blocked_shift, cancel).status_code == 200
    shifts = DatabaseShifts(
        engine, blocked_shift.slug, date(2026, 12, 1), date(2026, 12, 1), ZoneInfo("Europe/Brussels")
    )
    assert [rider for rider, _ in shifts] == ["r-2"] and shifts.count() == 1
