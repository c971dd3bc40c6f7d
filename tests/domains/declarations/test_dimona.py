"""Declarations of employment to Dimona REST v1, against the stub (every body validated by dimona_schema.json)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, select

from gateway.domains.declarations.models import Declaration
from gateway.domains.declarations.service import declaration_view
from gateway.domains.members.models import IdentityRead
from gateway.domains.outbox import service as outbox
from gateway.domains.outbox.models import OutboxStatus
from gateway.settings import Settings
from tests.conftest import PlatformHandle
from tests.domains.declarations.conftest import (
    BRUSSELS,
    EXPEDITOR,
    IDENTITY,
    REGISTRATION,
    SSIN,
    STAND_INS,
    book,
    local_day,
)
from tests.domains.declarations.dimona_stub import DimonaStub
from tests.domains.outbound.conftest import Dispatcher, messages

STAFF = {"Authorization": "Bearer staff-secret"}
W_ANOMALY = {"code": "00913-355", "description": "The declaration was made after the start of the work."}
B_ANOMALY = {"code": "90017-510", "description": "The worker is unknown in the national register."}

Enrol = Callable[..., PlatformHandle]
Send = Callable[..., Any]


def declaration(engine: Engine, contract_id: uuid.UUID) -> Declaration:
    with Session(engine) as session:
        d = session.exec(select(Declaration).where(Declaration.contract_id == contract_id)).one()
        session.expunge(d)
        return d


def run_until_quiet(dimona: Dispatcher, rounds: int = 6, step: int = 60) -> None:
    """Dispatch, then move the clock past the next poll, until nothing is left due."""
    for _ in range(rounds):
        dimona.run()
        dimona.advance(step)


def the_in(stub: DimonaStub) -> dict[str, Any]:
    [body] = stub.bodies("dimonaIn")
    return body


# --- IN -----------------------------------------------------------------------------------------------------------


def test_a_member_with_an_ssin_is_declared_in_with_a_declarant_token_and_polled_with_a_consult_token(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of()
    day = local_day(now)
    contract_id = book(send, p, day, time(10), 4)
    dimona.run()
    # Submitted; the first poll answered 404 (not processed yet): pending, polled again.
    [m] = messages(engine, "declaration.in")
    assert m.status == OutboxStatus.pending and m.external_ref == "2026000001"
    with Session(engine) as session:
        assert declaration_view(session, contract_id).state.value == "submitted"
    dimona.advance(30)
    dimona.run()

    assert the_in(stub) == {
        "employer": {"nssoRegistrationNumber": REGISTRATION},
        "worker": {"ssin": SSIN},
        "dimonaIn": {
            "startingDate": day.isoformat(),
            "endingDate": day.isoformat(),
            "dimonaFeatures": {"jointCommissionNumber": "XXX", "workerType": "OTH"},
        },
    }
    d = declaration(engine, contract_id)
    assert (d.state, d.reference, d.result_code, d.anomalies) == ("accepted", "2026000001", "A", [])
    # One token per scope: declared with the declarant's, read with the consult's.
    assert sorted(t.scope for t in stub.tokens.values()) == [
        "scope:dimona:declaration:consult",
        "scope:dimona:declaration:declarant",
    ]
    claims = stub.assertions[0]
    assert claims["iss"] == claims["sub"] == f"self_service_expeditor_{EXPEDITOR}"
    assert claims["aud"] == "https://oauth.socialsecurity.be" and claims["nbf"] == claims["iat"]
    assert len({c["jti"] for c in stub.assertions}) == len(stub.assertions) == 2
    [declared] = messages(engine, "callback.contract.declared")
    assert declared.payload["declaration"]["state"] == "accepted"


def test_each_send_of_an_in_reads_the_ssin_once_and_the_read_is_audited(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of()
    contract_id = book(send, p, local_day(now), time(10), 4)
    run_until_quiet(dimona)
    with Session(engine) as session:
        reads = session.exec(select(IdentityRead)).all()
    assert [(r.field, r.actor, r.purpose) for r in reads] == [
        ("ssin", "declarations", f"dimona in of contract {contract_id}")
    ]
    # Polls read nothing: one IN filed, one read.
    assert len(stub.filed) == 1


def test_a_student_declares_the_planned_hours(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of(**IDENTITY, ssin=SSIN, worker_type="STU")
    contract_id = book(send, p, local_day(now), time(18), 3.5)
    run_until_quiet(dimona)
    dimona_in = the_in(stub)["dimonaIn"]
    assert dimona_in["plannedHoursNumber"] == 4  # 3.5 h, in whole hours
    assert dimona_in["dimonaFeatures"]["workerType"] == "STU"
    assert declaration(engine, contract_id).state == "accepted"


def test_a_flexi_worker_declares_the_start_and_end_hours_in_local_time(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of(**IDENTITY, ssin=SSIN, worker_type="FLX")
    day = local_day(now)
    book(send, p, day, time(11, 30), 3)
    run_until_quiet(dimona)
    assert the_in(stub)["dimonaIn"] == {
        "startingDate": day.isoformat(),
        "endingDate": day.isoformat(),
        "startingHour": "1130",
        "endingHour": "1430",
        "dimonaFeatures": {"jointCommissionNumber": "XXX", "workerType": "FLX"},
    }


def test_a_worker_without_an_ssin_is_identified_by_name_birth_and_address_with_national_country_codes(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of(**IDENTITY, **STAND_INS)
    contract_id = book(send, p, local_day(now), time(10), 4)
    run_until_quiet(dimona)
    assert the_in(stub)["worker"] == {
        "lastName": "Diallo",
        "firstName": "Amina",
        "birthDate": "1985-07-30",
        "birthPlace": "Recife",
        "birthPlaceCountry": "00513",
        "nationality": "00513",
        "gender": "FEMALE",
        "address": {
            "street": "Rue Haute",
            "houseNumber": "12",
            "zipCode": "1000",
            "city": "Bruxelles",
            "country": "00000",
        },
    }
    assert declaration(engine, contract_id).state == "accepted"
    with Session(engine) as session:
        assert session.exec(select(IdentityRead)).all() == []  # no SSIN, nothing read


def test_a_shift_across_midnight_is_declared_on_both_days(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, now: datetime
) -> None:
    p = rider_of()
    day = local_day(now)
    book(send, p, day, time(22), 3)
    run_until_quiet(dimona)
    dimona_in = the_in(stub)["dimonaIn"]
    assert (dimona_in["startingDate"], dimona_in["endingDate"]) == (day.isoformat(), (day + timedelta(1)).isoformat())


# --- results: W and B -------------------------------------------------------------------------------------------


def test_a_warning_is_accepted_and_its_anomalies_are_stored_and_shown_to_staff_and_the_platform(
    rider_of: Enrol,
    send: Send,
    dimona: Dispatcher,
    stub: DimonaStub,
    engine: Engine,
    now: datetime,
    app: FastAPI,
    client: TestClient,
) -> None:
    p = rider_of()
    stub.then("404", ("W", [W_ANOMALY]))
    contract_id = book(send, p, local_day(now), time(10), 4)
    run_until_quiet(dimona)
    d = declaration(engine, contract_id)
    assert (d.state, d.result_code, d.anomalies) == ("accepted_with_warning", "W", [W_ANOMALY])
    assert d.detail == f"{W_ANOMALY['code']}: {W_ANOMALY['description']}"

    shown = client.get(f"/v1/platforms/demo/contracts/{contract_id}", headers=p.auth).json()["declaration"]
    assert shown["anomalies"] == [W_ANOMALY] and shown["state"] == "accepted_with_warning"
    app.state.settings = app.state.settings.model_copy(update={"admin_token": SecretStr("staff-secret")})
    listed = client.get("/v1/admin/declarations", params={"state": "accepted_with_warning"}, headers=STAFF).json()
    assert [(x["contract_id"], x["anomalies"]) for x in listed] == [(str(contract_id), [W_ANOMALY])]


def test_a_refused_in_blocks_the_contract_tells_the_platform_and_keeps_the_anomalies(
    rider_of: Enrol,
    send: Send,
    dimona: Dispatcher,
    stub: DimonaStub,
    engine: Engine,
    now: datetime,
    client: TestClient,
) -> None:
    p = rider_of()
    stub.then("S", ("B", [B_ANOMALY]))  # S: waiting for the worker's identification, then refused
    contract_id = book(send, p, local_day(now), time(10), 4)
    run_until_quiet(dimona)
    contract = client.get(f"/v1/platforms/demo/contracts/{contract_id}", headers=p.auth).json()
    assert contract["status"] == "blocked"
    assert contract["declaration"]["state"] == "refused" and contract["declaration"]["anomalies"] == [B_ANOMALY]
    [refused] = messages(engine, "callback.contract.refused")
    assert B_ANOMALY["description"] in refused.payload["reason"] and refused.payload["status"] == "blocked"
    assert SSIN not in refused.payload["reason"] and SSIN not in str(refused.payload)
    assert not messages(engine, "callback.contract.declared")


# --- UPDATE, CANCEL, OUT ----------------------------------------------------------------------------------------


def _queue(engine: Engine, kind: str, payload: dict[str, Any], now: datetime, contract_id: uuid.UUID) -> None:
    with Session(engine) as session:
        outbox.enqueue(session, (kind,), payload, now, contract_id)
        session.commit()


def test_a_shift_that_ends_on_a_later_day_updates_the_declared_end(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of()
    day = local_day(now)
    contract_id = book(send, p, day, time(20), 3)
    run_until_quiet(dimona)
    ended = datetime.combine(day + timedelta(1), time(0, 45), tzinfo=BRUSSELS)
    _queue(engine, "declaration.update", {"ended_at": ended.isoformat()}, dimona.clock(), contract_id)
    run_until_quiet(dimona)
    [update] = stub.bodies("dimonaUpdate")
    assert update == {
        "dimonaUpdate": {
            "dimonaNumber": "2026000001",
            "startingDate": day.isoformat(),
            "endingDate": (day + timedelta(1)).isoformat(),
        }
    }
    d = declaration(engine, contract_id)
    assert (d.state, d.last_operation, d.last_operation_state) == ("accepted", "update", "accepted")
    assert d.period is not None and d.period["endingDate"] == (day + timedelta(1)).isoformat()


def test_nothing_is_sent_when_the_shift_ends_late_on_the_same_day_and_the_declaration_says_so(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of()
    day = local_day(now)
    contract_id = book(send, p, day, time(10), 4)
    run_until_quiet(dimona)
    ended = datetime.combine(day, time(15, 10), tzinfo=BRUSSELS)
    _queue(engine, "declaration.update", {"ended_at": ended.isoformat()}, dimona.clock(), contract_id)
    dimona.run()
    assert stub.bodies("dimonaUpdate") == []
    [m] = messages(engine, "declaration.update")
    assert m.status == OutboxStatus.skipped
    d = declaration(engine, contract_id)
    assert (d.state, d.last_operation, d.last_operation_state) == ("accepted", "update", "not_needed")
    assert d.detail == f"nothing to update: the declared period ({day.isoformat()}) still holds"


def test_a_flexi_worker_ending_late_on_the_same_day_updates_the_hours(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of(**IDENTITY, ssin=SSIN, worker_type="FLX")
    day = local_day(now)
    contract_id = book(send, p, day, time(10), 4)
    run_until_quiet(dimona)
    ended = datetime.combine(day, time(14, 30), tzinfo=BRUSSELS)
    _queue(engine, "declaration.update", {"ended_at": ended.isoformat()}, dimona.clock(), contract_id)
    run_until_quiet(dimona)
    [update] = stub.bodies("dimonaUpdate")
    assert (update["dimonaUpdate"]["startingHour"], update["dimonaUpdate"]["endingHour"]) == ("1000", "1430")


def test_a_cancellation_before_the_start_cancels_the_in(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of()
    contract_id = book(send, p, local_day(now), time(10), 4)
    run_until_quiet(dimona)
    _queue(engine, "declaration.cancel", {"cancelled_at": dimona.clock().isoformat()}, dimona.clock(), contract_id)
    run_until_quiet(dimona)
    assert stub.bodies("dimonaCancel") == [{"dimonaCancel": {"dimonaNumber": "2026000001"}}]
    d = declaration(engine, contract_id)
    assert (d.state, d.last_operation, d.reference) == ("cancelled", "cancel", "2026000001")


def test_a_cancel_queued_before_the_in_is_sent_waits_for_the_in_number(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of()
    stub.then("404", "404", "A")
    contract_id = book(send, p, local_day(now), time(10), 4)
    _queue(engine, "declaration.cancel", {"cancelled_at": dimona.clock().isoformat()}, dimona.clock(), contract_id)
    dimona.run()
    # The IN is filed but not decided: the cancel has no number to name yet, and sends nothing.
    assert list(stub.filed) == ["2026000001"] and stub.bodies("dimonaCancel") == []
    [cancel] = messages(engine, "declaration.cancel")
    assert cancel.status == OutboxStatus.pending and cancel.external_ref is None
    run_until_quiet(dimona)
    assert stub.bodies("dimonaCancel") == [{"dimonaCancel": {"dimonaNumber": "2026000001"}}]
    assert declaration(engine, contract_id).state == "cancelled"


def test_there_is_nothing_to_cancel_after_a_refused_in(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of()
    stub.then(("B", [B_ANOMALY]))
    contract_id = book(send, p, local_day(now), time(10), 4)
    run_until_quiet(dimona)
    _queue(engine, "declaration.cancel", {"cancelled_at": dimona.clock().isoformat()}, dimona.clock(), contract_id)
    dimona.run()
    assert stub.bodies("dimonaCancel") == []
    d = declaration(engine, contract_id)
    assert (d.state, d.last_operation_state) == ("refused", "not_needed")


def test_an_out_names_the_in_and_closes_the_declaration(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of()
    day = local_day(now)
    contract_id = book(send, p, day, time(22), 3)
    run_until_quiet(dimona)
    ended = datetime.combine(day, time(23, 30), tzinfo=BRUSSELS)  # sent home before midnight: one day, not two
    _queue(engine, "declaration.out", {"ended_at": ended.isoformat()}, dimona.clock(), contract_id)
    run_until_quiet(dimona)
    assert stub.bodies("dimonaOut") == [{"dimonaOut": {"dimonaNumber": "2026000001", "endingDate": day.isoformat()}}]
    assert declaration(engine, contract_id).state == "ended"


# --- faults -------------------------------------------------------------------------------------------------------


def test_a_token_expiring_mid_run_is_fetched_again_and_nothing_is_declared_twice(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of()
    stub.token_lifetime = 300
    stub.then("404", "404", "A")
    contract_id = book(send, p, local_day(now), time(10), 4)
    dimona.run()
    dimona.advance(600)  # both tokens have expired
    dimona.run()
    stub.revoke_tokens()  # and the server drops the new ones early: 401, a new token, the call again
    dimona.advance(60)
    dimona.run()
    assert len(stub.filed) == 1 and declaration(engine, contract_id).state == "accepted"
    assert [t.scope.rsplit(":", 1)[-1] for t in stub.tokens.values()] == [
        "declarant",
        "consult",
        "consult",
        "consult",
    ]


def test_a_500_on_submit_is_retried_on_the_schedule_and_declared_once(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of()
    stub.faults.append(500)
    contract_id = book(send, p, local_day(now), time(10), 4)
    dimona.run()
    [m] = messages(engine, "declaration.in")
    assert (m.status, m.failures, m.external_ref) == (OutboxStatus.pending, 1, None)
    assert m.next_attempt_at == now + timedelta(seconds=30)
    run_until_quiet(dimona)
    assert len(stub.filed) == 1 and declaration(engine, contract_id).state == "accepted"


def test_a_body_the_service_finds_invalid_is_a_dead_letter_listed_as_failed(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of()
    dimona.settings = dimona.settings.model_copy(update={"declaration_registration_number": "not-a-number"})
    contract_id = book(send, p, local_day(now), time(10), 4)
    dimona.run()
    [m] = messages(engine, "declaration.in")
    assert m.status == OutboxStatus.dead and "HTTP 400" in (m.last_error or "")
    assert "nssoRegistrationNumber" in (m.last_error or "")
    assert SSIN not in (m.last_error or "")
    assert declaration(engine, contract_id).state == "failed" and stub.filed == {}


def test_a_rider_who_is_no_member_cannot_be_declared_and_the_message_says_why(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of(member=False)
    contract_id = book(send, p, local_day(now), time(10), 4)
    dimona.run()
    [m] = messages(engine, "declaration.in")
    assert m.status == OutboxStatus.dead
    assert m.last_error == "the member cannot be declared: the rider is not linked to a member"
    d = declaration(engine, contract_id)
    assert d.state == "failed" and stub.filed == {}


def test_a_member_born_in_a_country_without_a_national_code_is_refused_before_sending(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of(**IDENTITY, **{**STAND_INS, "birth_place_country": "AQ"})  # Antarctica: no NSSO code
    book(send, p, local_day(now), time(10), 4)
    dimona.run()
    [m] = messages(engine, "declaration.in")
    assert m.status == OutboxStatus.dead and "birth_place_country: the country AQ" in (m.last_error or "")


# --- the embedded connector and the settings ------------------------------------------------------------------


def test_the_local_connector_accepts_without_any_identity(
    rider_of: Enrol, send: Send, dispatcher: Dispatcher, engine: Engine, now: datetime, client: TestClient
) -> None:
    p = rider_of(member=False)
    contract_id = book(send, p, local_day(now), time(10), 4)
    url = f"/v1/platforms/demo/contracts/{contract_id}"
    assert client.get(url, headers=p.auth).json()["declaration"]["state"] == "queued"
    dispatcher.run()
    shown = client.get(url, headers=p.auth).json()["declaration"]
    assert (shown["state"], shown["connector"], shown["result_code"]) == ("accepted", "local", "A")
    assert shown["reference"] == f"local-in-{contract_id}" and shown["anomalies"] == []


def test_the_environment_chooses_the_service_and_a_base_url_overrides_it() -> None:
    assert Settings().declaration_service_url == "https://services-sim.socialsecurity.be/REST/dimona/v1"
    prod = Settings(declaration_environment="production")
    assert prod.declaration_service_url == "https://services.socialsecurity.be/REST/dimona/v1"
    assert prod.declaration_token_url == "https://services.socialsecurity.be/REST/oauth/v3/token"
    local = Settings(declaration_base_url="http://127.0.0.1:8099/REST/dimona/v1/")
    assert local.declaration_service_url == "http://127.0.0.1:8099/REST/dimona/v1"


def test_the_http_connector_refuses_to_start_without_its_settings() -> None:
    with pytest.raises(ValidationError, match="GATEWAY_DECLARATION_EXPEDITOR_NUMBER") as caught:
        Settings(declaration_connector="http", declaration_registration_number=REGISTRATION)
    assert "GATEWAY_DECLARATION_PRIVATE_KEY" in str(caught.value)


def test_a_timeout_at_the_token_server_is_a_failed_attempt_retried_later(
    rider_of: Enrol,
    send: Send,
    dimona: Dispatcher,
    stub: DimonaStub,
    engine: Engine,
    now: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = rider_of()
    token = stub.token
    timeouts = iter([httpx.ConnectTimeout("no route")])

    def slow_then_fine(form: dict[str, str]) -> Any:
        for exc in timeouts:
            raise exc
        return token(form)

    monkeypatch.setattr(stub, "token", slow_then_fine)
    contract_id = book(send, p, local_day(now), time(10), 4)
    dimona.run()
    [m] = messages(engine, "declaration.in")
    assert (m.status, m.last_error) == (OutboxStatus.pending, "token endpoint: timeout (ConnectTimeout)")
    run_until_quiet(dimona)
    assert len(stub.filed) == 1 and declaration(engine, contract_id).state == "accepted"


def test_an_ssin_the_service_echoes_in_an_anomaly_is_stored_masked(
    rider_of: Enrol, send: Send, dimona: Dispatcher, stub: DimonaStub, engine: Engine, now: datetime
) -> None:
    p = rider_of()
    stub.then(("B", [{"code": "90017-510", "description": "INSS 85.07.30-033.28 unknown"}]))
    contract_id = book(send, p, local_day(now), time(10), 4)
    run_until_quiet(dimona)
    d = declaration(engine, contract_id)
    assert d.anomalies == [{"code": "90017-510", "description": "INSS •••• 3328 unknown"}]
    assert d.detail == "90017-510: INSS •••• 3328 unknown"
    [refused] = messages(engine, "callback.contract.refused")
    assert "033" not in refused.payload["reason"]
