"""A platform books a shift over a signed webhook; the gateway opens a complying contract in one transaction."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import JSON, Engine, Integer, MetaData, Text, cast, select, text

from gateway.settings import Settings
from tests.conftest import Clock, PlatformHandle, count_rows, event

Send = Callable[..., Any]


def booking(
    code: str = "S-1", start: Any = "2026-12-01T10:00:00+01:00", end: str = "2026-12-01T14:00:00+01:00", **extra: Any
) -> bytes:
    return event("shift.booked", shift_code=code, rider_id="r-1", starts_at=start, ends_at=end, **extra)


def test_booked_shift_opens_contract_and_answer_carries_it(enrolled: PlatformHandle, send: Send) -> None:
    r = send(enrolled, booking(pay={"hourly_gross": "14.00", "currency": "EUR"}, zone="Ixelles"))
    assert r.status_code == 200, r.text
    c = r.json()["contract"]
    assert c["status"] == "open"
    assert c["shift_code"] == "S-1" and c["rider_id"] == "r-1" and c["platform"] == "demo"
    assert c["shift"]["starts_at"] == "2026-12-01T09:00:00Z"
    assert c["shift"]["ends_at"] == "2026-12-01T13:00:00Z"
    assert c["shift"]["booked_hours"] == "4.00"
    assert c["minimum_paid_hours"] == "3.00"
    assert c["guaranteed_paid_hours"] == "4.00"
    assert c["pay"] == {
        "basis": "hourly",
        "hourly_gross": "14.00",
        "hourly_net": "12.17",
        "currency": "EUR",
        "offered": {"hourly_gross": "14.00", "per_trip": None, "currency": "EUR"},
    }
    assert c["corrections"] == []
    assert c["agreement"] == {"id": "be-delivery-2016", "version": c["agreement"]["version"]}


def test_two_hour_shift_opens_contract_paying_three_hours_and_records_violation(
    enrolled: PlatformHandle, send: Send, engine: Engine
) -> None:
    r = send(enrolled, booking(end="2026-12-01T12:00:00+01:00", pay={"hourly_gross": "14.00", "currency": "EUR"}))
    c = r.json()["contract"]
    assert c["guaranteed_paid_hours"] == "3.00"
    assert [(x["term"], x["code"], x["action"]) for x in c["corrections"]] == [
        ("minimum_engagement", "shift_shorter_than_minimum", "amended")
    ]
    assert c["corrections"][0]["clause"]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT term, clause, code, applied FROM violation")).all()
    assert [(t, code, applied) for t, _clause, code, applied in rows] == [
        ("minimum_engagement", "shift_shorter_than_minimum", "3.00 h")
    ]


def test_hourly_offer_under_net_floor_is_lifted_and_each_broken_floor_is_named(
    enrolled: PlatformHandle, send: Send
) -> None:
    c = send(enrolled, booking(pay={"hourly_gross": "9.00", "currency": "EUR"})).json()["contract"]
    # The statutory minimum (12.83 gross) is higher than the gross for 10 EUR net (11.51): the higher wins.
    assert c["pay"]["hourly_gross"] == "12.83"
    assert Decimal(c["pay"]["hourly_net"]) >= Decimal("10.00")
    assert {x["term"] for x in c["corrections"]} == {"net_hourly_floor", "statutory_minimum_wage"}
    assert all(x["applied"] == "12.83 EUR/h" and x["offered"] == "9.00 EUR/h" for x in c["corrections"])


def test_offer_meeting_net_floor_but_under_statutory_minimum_is_lifted_by_that_term_only(
    enrolled: PlatformHandle, send: Send
) -> None:
    # 11.51 is the smallest gross whose every shift nets 10 EUR an hour (11.50 nets 29.99 on 3 h).
    c = send(enrolled, booking(pay={"hourly_gross": "11.51", "currency": "EUR"})).json()["contract"]
    assert c["pay"]["hourly_gross"] == "12.83"
    assert [x["term"] for x in c["corrections"]] == ["statutory_minimum_wage"]


def test_per_trip_offer_is_replaced_by_hourly_pay(enrolled: PlatformHandle, send: Send) -> None:
    c = send(enrolled, booking(pay={"per_trip": "5.00", "currency": "EUR"})).json()["contract"]
    assert c["pay"]["basis"] == "hourly"
    assert c["pay"]["hourly_gross"] == "12.83"
    assert c["pay"]["offered"]["per_trip"] == "5.00"
    assert [x["code"] for x in c["corrections"]] == ["per_trip_pay_forbidden"]


def test_booking_without_offer_pays_the_floor_without_violation(enrolled: PlatformHandle, send: Send) -> None:
    c = send(enrolled, booking()).json()["contract"]
    assert c["pay"]["hourly_gross"] == "12.83" and c["pay"]["offered"] is None
    assert c["corrections"] == []


def test_contract_opens_for_a_shift_starting_sunday_at_3am_in_brussels(enrolled: PlatformHandle, send: Send) -> None:
    r = send(enrolled, booking(start="2026-11-29T03:00:00+01:00", end="2026-11-29T07:00:00+01:00"))
    c = r.json()["contract"]
    assert r.status_code == 200 and c["status"] == "open"
    assert c["shift"]["starts_local"] == "2026-11-29T03:00:00+01:00"  # a Sunday
    assert c["shift"]["starts_at"] == "2026-11-29T02:00:00Z"


@pytest.mark.parametrize(
    ("start", "end", "booked", "paid"),
    [
        # Spring forward, 2027-03-28: 02:00 does not exist; 01:00 -> 05:00 on the wall clock is 3 real hours.
        ("2027-03-28T01:00:00+01:00", "2027-03-28T05:00:00+02:00", "3.00", "3.00"),
        # 01:30 -> 04:00 on the wall clock: 1.5 real hours, paid the 3-hour minimum.
        ("2027-03-28T01:30:00+01:00", "2027-03-28T04:00:00+02:00", "1.50", "3.00"),
        # Fall back, 2026-10-25: 01:00 -> 04:00 on the wall clock is 4 real hours, all paid.
        ("2026-10-25T01:00:00+02:00", "2026-10-25T04:00:00+01:00", "4.00", "4.00"),
    ],
)
def test_shift_across_dst_change_is_paid_on_real_elapsed_time(
    enrolled: PlatformHandle, send: Send, clock: Clock, start: str, end: str, booked: str, paid: str
) -> None:
    clock.fixed = datetime.fromisoformat(start) - timedelta(days=2)  # booked ahead, as platforms do
    c = send(enrolled, booking(start=start, end=end)).json()["contract"]
    assert c["shift"]["booked_hours"] == booked
    assert c["guaranteed_paid_hours"] == paid


def test_booking_writes_declaration_callback_and_rider_mail_to_the_outbox(
    enrolled: PlatformHandle, send: Send, engine: Engine
) -> None:
    cid = send(enrolled, booking()).json()["contract"]["id"]
    with engine.connect() as conn:
        kinds = conn.execute(text("SELECT kind, status FROM outbox_message ORDER BY kind")).all()
        owner = conn.execute(text("SELECT DISTINCT contract_id FROM outbox_message")).scalar_one()
    assert [tuple(k) for k in kinds] == [
        ("callback.contract.opened", "pending"),
        ("declaration.in", "pending"),
        ("notification.contract_opened", "pending"),
    ]
    assert str(owner).replace("-", "") == cid.replace("-", "")


def test_replayed_webhook_returns_first_answer_and_changes_nothing(
    enrolled: PlatformHandle, send: Send, engine: Engine
) -> None:
    body = booking(end="2026-12-01T11:00:00+01:00")
    first = send(enrolled, body, msg_id="msg-replay-1")
    before = {t: count_rows(engine, t) for t in ("contract", "violation", "outbox_message", "inbox_message")}
    again = send(enrolled, body, msg_id="msg-replay-1")
    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    assert again.headers["webhook-replayed"] == "true"
    assert {t: count_rows(engine, t) for t in before} == before


def test_replay_with_a_different_body_still_returns_first_answer(enrolled: PlatformHandle, send: Send) -> None:
    first = send(enrolled, booking(), msg_id="msg-x")
    other = send(enrolled, booking(code="S-OTHER"), msg_id="msg-x")
    assert other.json() == first.json()


def test_same_booking_under_a_new_webhook_id_returns_the_same_contract(
    enrolled: PlatformHandle, send: Send, engine: Engine
) -> None:
    a = send(enrolled, booking()).json()["contract"]
    b = send(enrolled, booking()).json()["contract"]
    assert a["id"] == b["id"]
    assert count_rows(engine, "contract") == 1


def test_same_shift_code_with_another_window_is_a_conflict_and_stores_nothing(
    enrolled: PlatformHandle, send: Send, engine: Engine
) -> None:
    send(enrolled, booking())
    r = send(enrolled, booking(end="2026-12-01T15:00:00+01:00"))
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    assert "never booked twice" in r.json()["detail"]
    assert count_rows(engine, "contract") == 1
    assert count_rows(engine, "inbox_message") == 2  # the enrolment and the first booking only


def test_booking_for_an_unknown_rider_is_refused_and_stores_nothing(
    platform: PlatformHandle, send: Send, engine: Engine
) -> None:
    r = send(platform, booking())
    assert r.status_code == 422
    assert r.json()["errors"][0]["location"] == "data.rider_id"
    assert count_rows(engine, "contract") == count_rows(engine, "inbox_message") == 0


def test_refused_webhook_succeeds_when_retried_with_same_id_after_the_cause_is_fixed(
    platform: PlatformHandle, send: Send
) -> None:
    assert send(platform, booking(), msg_id="msg-early").status_code == 422
    send(platform, event("rider.enrolled", rider_id="r-1", name="Amina", email="amina@example.org"))
    assert send(platform, booking(), msg_id="msg-early").status_code == 200


def test_enrolling_a_rider_again_updates_them(platform: PlatformHandle, send: Send, engine: Engine) -> None:
    send(platform, event("rider.enrolled", rider_id="r-9", name="A", email="a@example.org"))
    r = send(platform, event("rider.enrolled", rider_id="r-9", name="B", email="b@example.org", member_id="M-1"))
    assert r.json()["rider"]["member_id"] == "M-1"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name, email FROM rider")).all() == [("B", "b@example.org")]


BAD_BODIES: list[tuple[str, bytes, int, str]] = [
    ("malformed JSON", b'{"type": "shift.booked", ', 400, "not JSON"),
    ("not UTF-8", b'{"type": "shift.booked", "x": "\xff\xfe"}', 400, "not UTF-8"),
    ("not an object", b"[1, 2]", 422, "JSON object"),
    ("unknown event type", event("shift.teleported", shift_code="S"), 422, "unknown event type"),
    ("missing fields", event("shift.booked", shift_code="S-1"), 422, "data.rider_id"),
    ("amount as a number", booking(pay={"hourly_gross": 11.5}), 422, "data.pay.hourly_gross"),
    ("amount with 3 decimals", booking(pay={"hourly_gross": "11.505"}), 422, "data.pay.hourly_gross"),
    ("hourly and per trip", booking(pay={"hourly_gross": "12", "per_trip": "3"}), 422, "exactly one"),
    ("end before start", booking(end="2026-12-01T09:00:00+01:00"), 422, "ends_at must be after starts_at"),
    ("absurd duration", booking(end="2026-12-02T20:00:00+01:00"), 422, "more than 16 hours"),
    ("no offset", booking(start="2026-12-01T10:00:00"), 422, "timezone"),
    ("date as a number", booking(start=1764579600), 422, "ISO-8601"),
    ("another currency", booking(pay={"hourly_gross": "15.00", "currency": "USD"}), 422, "USD"),
    ("shift code with spaces", booking(code="A B"), 422, "data.shift_code"),
    ("far ahead", booking(start="2028-12-01T10:00:00+01:00", end="2028-12-01T14:00:00+01:00"), 422, "366 days ahead"),
    ("long past", booking(start="2026-10-01T10:00:00+02:00", end="2026-10-01T14:00:00+02:00"), 422, "30 days ago"),
    ("year 9999 with an offset", booking(end="9999-12-31T23:30:00-05:00"), 422, "the instant must fall between"),
]


@pytest.mark.parametrize(("case", "body", "status", "says"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_input_gets_a_problem_naming_what_is_wrong_and_stores_nothing(
    enrolled: PlatformHandle, send: Send, engine: Engine, case: str, body: bytes, status: int, says: str
) -> None:
    before = {t: count_rows(engine, t) for t in ("contract", "inbox_message", "violation", "outbox_message")}
    r = send(enrolled, body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == status and problem["type"].startswith("https://")
    assert says in problem["detail"]
    assert {t: count_rows(engine, t) for t in before} == before


def test_a_shift_before_the_agreement_is_refused_and_stores_nothing(
    enrolled: PlatformHandle, send: Send, engine: Engine, clock: Clock
) -> None:
    # Booked when it would have been: the agreement starts on 2016-05-01.
    clock.fixed = datetime.fromisoformat("2016-04-25T10:00:00+02:00")
    r = send(enrolled, booking(start="2016-04-30T10:00:00+02:00", end="2016-04-30T14:00:00+02:00"))
    assert r.status_code == 422, r.text
    assert "not in force" in r.json()["detail"] and r.json()["errors"][0]["location"] == "data.starts_at"
    assert count_rows(engine, "contract") == 0


def test_body_over_the_limit_is_refused_with_413(enrolled: PlatformHandle, send: Send) -> None:
    body = booking(zone="x" * 300_000)
    r = send(enrolled, body)
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"


def test_unknown_platform_gets_404_problem(client: Any) -> None:
    r = client.post("/v1/platforms/nobody/webhooks", content=b"{}")
    assert r.status_code == 404 and r.json()["detail"] == "no platform 'nobody' is configured on this gateway"


# Every table a booking writes; every column of each is compared, as the database has it (reflected). A booking
# opened blocked (identity incomplete) also writes its history entry. Each correction is a decision (issue 20).
_BOOKING_TABLES = ("contract", "violation", "outbox_message", "inbox_message", "decision")
_BLOCKED_TABLES = (*_BOOKING_TABLES, "contract_event")


def _written(engine: Engine, names: tuple[str, ...] = _BOOKING_TABLES) -> dict[str, list[dict[str, Any]]]:
    """Every row and column of the tables a booking writes, reflected from the database. Only what legitimately
    differs between two runs is left out: serial ids. A contract's id (a fresh UUID per booking) is replaced,
    wherever it appears (keys, JSON documents), by its shift code. A JSON column is compared as the document it
    holds (the one statement stores the answer's member as it was sent, compact; the ORM serialises it again)."""
    tables = MetaData()
    tables.reflect(engine, only=names)
    written: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        codes = {str(i): f"<contract {code}>" for i, code in conn.execute(text("SELECT id, shift_code FROM contract"))}

        def same(value: Any) -> Any:
            if isinstance(value, uuid.UUID):
                value = str(value)
            if isinstance(value, str):
                for contract_id, code in codes.items():
                    value = value.replace(contract_id, code)
            return value

        for name in names:
            table = tables.tables[name]
            serial = [c for c in table.primary_key.columns if isinstance(c.type, Integer)]
            columns = [c for c in table.c if c not in serial]
            shown = [cast(c, Text).label(c.name) if isinstance(c.type, JSON) else c for c in columns]
            order = serial or [table.c.shift_code]
            rows = conn.execute(select(*shown).order_by(*order)).mappings()
            documents = {c.name for c in columns if isinstance(c.type, JSON)}
            written[name] = [
                {k: json.loads(same(v)) if k in documents and v is not None else same(v) for k, v in row.items()}
                for row in rows
            ]
            assert written[name] and len(written[name][0]) == len(columns)
    return written


@pytest.mark.parametrize("identity_required", [False, True], ids=["identity-not-required", "identity-required"])
def test_one_statement_booking_on_postgresql_writes_what_the_general_path_writes(
    is_postgres: bool,
    make_platform: Callable[..., PlatformHandle],
    send: Send,
    engine: Engine,
    monkeypatch: Any,
    settings: Settings,
    identity_required: bool,
) -> None:
    """PostgreSQL writes a new booking in one statement; SQLite (and any fallback) in several. Same rows either way,
    and the outbox payloads are the contract as the platform was answered. With the identity required, a
    declarable member's bookings take the one statement too, and a rider without a member (D) is declined by it
    and opened blocked by the fallback: the same rows as the general path writes."""
    if not is_postgres:
        pytest.skip("the one-statement booking is PostgreSQL's (SQLite has no data-modifying CTEs)")
    from gateway.db import driver

    p = make_platform()
    bookings = [
        booking("A", end="2026-12-01T12:00:00+01:00", pay={"hourly_gross": "9.00", "currency": "EUR"}, zone="Ixelles"),
        booking("B", pay={"hourly_gross": "14.00", "currency": "EUR"}),
        booking("C", start="2026-12-02T10:00:00+01:00", end="2026-12-02T11:00:00+01:00"),
    ]
    names: tuple[str, ...] = _BOOKING_TABLES
    enrolment: dict[str, Any] = {}
    if identity_required:
        settings.identity_required = True
        _declarable_member(engine, settings, "M-1")
        enrolment["member_id"] = "M-1"
        send(p, event("rider.enrolled", rider_id="r-2", name="Rider Two", email="r2@example.org"))
        bookings.append(event("shift.booked", shift_code="D", rider_id="r-2", starts_at=START, ends_at=END))
        names = _BLOCKED_TABLES
    send(p, event("rider.enrolled", rider_id="r-1", name="Rider One", email="r1@example.org", **enrolment))
    one = [send(p, b, f"msg-{n}") for n, b in enumerate(bookings)]
    first = _written(engine, names)
    with engine.begin() as conn:
        for table in ("decision", "contract_event", "outbox_message", "violation", "contract"):
            conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - constant table names
        conn.execute(text("DELETE FROM inbox_message WHERE event_type = 'shift.booked'"))
    monkeypatch.setattr(driver, "applies", lambda _bind: False)
    general = [send(p, b, f"msg-{n}") for n, b in enumerate(bookings)]
    assert [r.status_code for r in one] == [r.status_code for r in general] == [200] * len(bookings)
    again = _written(engine, names)
    for name in names:
        assert again[name] == first[name], name
    statuses = [r.json()["contract"]["status"] for r in one]
    if not identity_required:
        # contracts, corrections, outbox (callbacks, declarations, e-mails), inbox, decisions
        assert [len(first[name]) for name in names] == [3, 4, 9, 4, 4]
        assert [len(r.json()["contract"]["corrections"]) for r in one] == [3, 0, 1]
        assert statuses == ["open"] * 3
    else:  # D: its identity correction, its history entry, its callback and e-mail only (nothing to declare)
        assert [len(first[name]) for name in names] == [4, 5, 11, 6, 5, 1]
        assert [len(r.json()["contract"]["corrections"]) for r in one] == [3, 0, 1, 1]
        assert statuses == ["open", "open", "open", "blocked"]
    with engine.connect() as conn:
        payloads = conn.execute(text("SELECT CAST(payload AS TEXT) FROM outbox_message ORDER BY id")).scalars().all()
    shown = [json.loads(x)["shift_code"] for x in payloads]
    assert shown == ["A"] * 3 + ["B"] * 3 + ["C"] * 3 + (["D"] * 2 if identity_required else [])


START, END = "2026-12-01T10:00:00+01:00", "2026-12-01T14:00:00+01:00"


def _declarable_member(engine: Engine, settings: Settings, number: str) -> None:
    from sqlmodel import Session

    from gateway.domains.members import service as members
    from gateway.domains.members.schemas import IdentityIn
    from gateway.domains.members.vault import vault_of
    from tests.conftest import TEST_NOW

    identity = IdentityIn(first_name="Amina", last_name="Diallo", birth_date=date(1985, 7, 30), ssin="85073003328")
    with Session(engine) as session:
        members.create(session, vault_of(settings), identity, TEST_NOW, number=number)
        session.commit()


def test_booking_statement_writes_nothing_when_its_webhook_id_was_answered_meanwhile(
    is_postgres: bool, enrolled: PlatformHandle, send: Send, engine: Engine, book: Any, settings: Settings
) -> None:
    """Outside a transaction the one statement is all or nothing: a concurrent delivery that recorded this
    webhook-id first (here: recorded just before) leaves no contract, correction or outbox row behind."""
    if not is_postgres:
        pytest.skip("the one-statement booking is PostgreSQL's")
    from adapters.standard import StandardAdapter
    from gateway.canonical import ShiftBooked
    from gateway.db import driver
    from gateway.domains.contracts import booking as bookings
    from gateway.domains.contracts import service as contracts
    from gateway.domains.contracts.bounds import TimeBounds
    from gateway.domains.inbox.models import InboxMessage
    from tests.conftest import TEST_NOW

    first = send(enrolled, booking("S-1"), msg_id="msg-same")
    assert first.status_code == 200
    data = StandardAdapter().parse(booking("S-2", pay={"hourly_gross": "9.00", "currency": "EUR"})).data
    assert isinstance(data, ShiftBooked)
    decision = contracts.decide(book.get("be-delivery-2016"), data, TimeBounds.of(settings), TEST_NOW)
    with engine.connect() as conn:
        platform_id = conn.execute(text("SELECT id FROM platform WHERE slug = 'demo'")).scalar_one()
    new = contracts.new_contract(
        platform_id=platform_id, data=data, decision=decision, message_id="msg-same", now=TEST_NOW
    )
    before = {t: count_rows(engine, t) for t in ("contract", "violation", "outbox_message", "inbox_message")}
    row = {"platform_id": platform_id, "message_id": "msg-same", "event_type": "shift.booked", "received_at": TEST_NOW}
    inbox = InboxMessage.__table__  # type: ignore[attr-defined]
    answer = bookings.Answer(inbox, {**row, "status_code": 200}, "response", '{"contract":{}}', "contract")
    with driver.autocommit(engine) as conn:
        assert bookings.open_at_once(conn, new, TEST_NOW, answer) is bookings.Opened.DUPLICATE
    assert {t: count_rows(engine, t) for t in before} == before


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("refused", 422),
        ("unknown-rider", 422),
        ("refused-unknown-rider", 422),
        ("taken", 409),
        ("same", 200),
        ("identity-incomplete", 200),
    ],
)
def test_a_booking_the_one_statement_declines_is_answered_without_asking_anything_twice(
    case: str,
    status: int,
    is_postgres: bool,
    enrolled: PlatformHandle,
    send: Send,
    monkeypatch: Any,
    settings: Settings,
) -> None:
    """The one statement hands what it learnt (the lookup, the engine's decision, what it found instead of writing)
    to the general path: the engine decides once, the inbox is looked up once, the contract is inserted at most
    once more, and what the statement told apart (no such rider) is not looked up again. A rider whose identity
    cannot be declared (required here; r-1 has no member) is read once, to open the contract blocked."""
    if not is_postgres:
        pytest.skip("the one-statement booking is PostgreSQL's")
    settings.identity_required = case == "identity-incomplete"
    from sqlalchemy import event as sa_event

    from gateway.db.driver import DriverStatement
    from gateway.domains.contracts import service as contracts

    window = {"starts_at": "2026-12-01T10:00:00+01:00", "ends_at": "2026-12-01T14:00:00+01:00"}
    if case in ("taken", "same"):
        assert send(enrolled, booking()).status_code == 200
    if case == "taken":
        window["ends_at"] = "2026-12-01T15:00:00+01:00"
    if case.startswith("refused"):  # beyond the booking horizon (366 days): refused when decided
        window = {"starts_at": "2028-06-01T10:00:00+02:00", "ends_at": "2028-06-01T14:00:00+02:00"}
    rider = "r-404" if case.endswith("unknown-rider") else "r-1"
    body = event("shift.booked", shift_code="S-1", rider_id=rider, **window)

    calls: dict[str, int] = {"decide": 0, "existing": 0, "lookup": 0, "insert": 0, "rider": 0}

    def counting(name: str, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(contracts, "decide", counting("decide", contracts.decide))
    monkeypatch.setattr(contracts, "existing_contract", counting("existing", contracts.existing_contract))

    def sql_seen(sql: str) -> None:
        calls["lookup"] += "FROM inbox_message" in sql or "JOIN inbox_message" in sql
        opens = re.search(r"INSERT INTO contract\b", sql) is not None  # not contract_event
        calls["insert"] += opens
        calls["rider"] += "FROM rider" in sql and not opens

    real_execute = DriverStatement.execute

    def execute(self: DriverStatement, driver: Any, values: Any) -> Any:
        sql_seen(self.sql)
        return real_execute(self, driver, values)

    def before(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        sql_seen(sql)

    monkeypatch.setattr(DriverStatement, "execute", execute)
    sa_event.listen(Engine, "before_cursor_execute", before)
    try:
        r = send(enrolled, body)
    finally:
        sa_event.remove(Engine, "before_cursor_execute", before)
    assert r.status_code == status, r.text
    assert case != "identity-incomplete" or r.json()["contract"]["status"] == "blocked"
    assert calls["decide"] == 1
    assert calls["lookup"] == 1
    assert calls["insert"] == {"identity-incomplete": 2}.get(case, 0 if case.startswith("refused") else 1)
    # The engine's refusal asks who the rider is (an unknown rider is named first); a statement that found no
    # rider has said so already; a taken shift is read once to answer with it or refuse it.
    assert calls["existing"] == (1 if case in ("taken", "same") else 0)
    assert calls["rider"] == {"refused": 1, "refused-unknown-rider": 1, "unknown-rider": 0}.get(case, 1)
