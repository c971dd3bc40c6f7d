"""The staff API on members: fill an identity, list the incomplete ones, link riders, see who read a clear value.
SSIN and IBAN answered masked, refused with the field and a code, never echoed; every write in the staff audit."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from gateway.domains.contracts import identity
from gateway.domains.members import service as members
from gateway.domains.members.models import LinkRequest, Member
from gateway.domains.members.vault import vault_of
from gateway.domains.riders.models import Rider
from gateway.domains.staff.models import AuditEntry
from gateway.settings import Settings
from tests.conftest import TEST_NOW, PlatformHandle
from tests.domains.members.conftest import (
    ADMIN,
    CLEAR_VALUES,
    IBAN,
    OTHER_BORN,
    OTHER_IBAN,
    OTHER_SSIN,
    SSIN,
    SSIN_DOTTED,
    complete,
)

pytestmark = pytest.mark.usefixtures("staff_app")
BASE = "/v1/admin/members"


def _audit(engine: Engine) -> list[AuditEntry]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEntry).where(col(AuditEntry.action).startswith("member."))).all())


def _no_clear_value(text: str) -> None:
    for value in CLEAR_VALUES:
        assert value not in text


def test_staff_add_a_member_and_every_answer_masks_the_ssin_and_iban(client: TestClient, engine: Engine) -> None:
    r = client.post(BASE, json={"number": "M-1", **complete(ssin=SSIN_DOTTED)}, headers=ADMIN)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["number"] == "M-1" and body["declarable"] is True and body["missing"] == []
    assert body["ssin"] == "•••• 3328" and body["iban"] == "•••• 6769" and body["bic"] == "GKCCBEBB"
    _no_clear_value(r.text)
    for answer in (client.get(f"{BASE}/M-1", headers=ADMIN), client.get(BASE, headers=ADMIN)):
        assert answer.status_code == 200 and "•••• 3328" in answer.text
        _no_clear_value(answer.text)
    with Session(engine) as session:
        row = session.exec(select(Member)).one()
    assert SSIN not in (row.ssin_cipher or "") and IBAN not in (row.iban_cipher or "")


def test_a_write_is_audited_with_the_fields_it_set_and_never_their_values(client: TestClient, engine: Engine) -> None:
    client.post(BASE, json={"number": "M-1", "first_name": "Amina"}, headers=ADMIN)
    client.patch(f"{BASE}/M-1", json={"ssin": SSIN, "iban": IBAN, "birth_date": "1985-07-30"}, headers=ADMIN)
    entries = _audit(engine)
    assert [(e.action, e.target, e.actor, e.detail["fields"]) for e in entries] == [
        ("member.created", "member:M-1", "staff:admin-token", ["first_name"]),
        ("member.updated", "member:M-1", "staff:admin-token", ["birth_date", "iban", "ssin"]),
    ]
    _no_clear_value(json.dumps([e.detail for e in entries]))


def test_a_member_without_a_number_gets_one(client: TestClient) -> None:
    r = client.post(BASE, json={"last_name": "Haddad"}, headers=ADMIN)
    assert r.status_code == 201 and r.json()["number"].startswith("M-")


def test_incomplete_lists_the_members_whose_bookings_open_blocked(client: TestClient) -> None:
    client.post(BASE, json={"number": "M-1", **complete()}, headers=ADMIN)
    r = client.post(BASE, json={"number": "M-2", "first_name": "Jan", "last_name": "Peeters"}, headers=ADMIN)
    assert r.json()["declarable"] is False and r.json()["missing"] == ["birth_date", "ssin", *members.STAND_INS]
    assert [m["number"] for m in client.get(BASE, params={"incomplete": "true"}, headers=ADMIN).json()] == ["M-2"]
    assert [m["number"] for m in client.get(BASE, headers=ADMIN).json()] == ["M-1", "M-2"]
    assert [m["number"] for m in client.get(BASE, params={"limit": 1, "after": "M-1"}, headers=ADMIN).json()] == ["M-2"]


def test_patch_completes_an_identity_and_staff_may_replace_the_ssin(client: TestClient) -> None:
    client.post(BASE, json={"number": "M-1", "first_name": "Amina", "last_name": "Haddad"}, headers=ADMIN)
    r = client.patch(f"{BASE}/M-1", json={"birth_date": "1985-07-30", "ssin": SSIN}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["declarable"] is True
    r = client.patch(f"{BASE}/M-1", json={"birth_date": OTHER_BORN, "ssin": OTHER_SSIN}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["ssin"] == "•••• 2370"


def test_a_worker_without_ssin_is_declarable_with_the_fields_dimona_takes_instead(client: TestClient) -> None:
    stand_ins = {
        "birth_place": "Casablanca",
        "birth_place_country": "MA",
        "nationality": "MA",
        "gender": "FEMALE",
        "street": "Rue Haute",
        "house_number": "12",
        "zip_code": "1000",
        "city": "Bruxelles",
        "country": "BE",
    }
    r = client.post(
        BASE,
        json={"first_name": "Amina", "last_name": "Haddad", "birth_date": "1985-07-30", **stand_ins},
        headers=ADMIN,
    )
    assert r.status_code == 201 and r.json()["declarable"] is True and r.json()["ssin"] is None


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("ssin", "85073003329", "ssin_checksum"),
        ("ssin", "8507300332", "ssin_format"),
        ("ssin", "90021512370", "ssin_birth_date"),
        ("iban", "BE71096123456768", "iban_checksum"),
        ("iban", "XX71096123456769", "iban_format"),
        ("bic", "NOTABIC", "bic_format"),
        ("birth_date", "1850-01-01", "birth_date_range"),
        ("nationality", "ZZ", "country"),
    ],
)
def test_a_wrong_value_is_a_422_naming_the_field_and_its_code_never_the_value(
    client: TestClient, engine: Engine, field: str, value: str, code: str
) -> None:
    r = client.post(BASE, json={"number": "M-1", "birth_date": "1985-07-30"} | {field: value}, headers=ADMIN)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert [(e["location"], e["code"]) for e in r.json()["errors"]] == [(field, code)]
    assert value not in r.text
    assert client.get(f"{BASE}/M-1", headers=ADMIN).status_code == 404  # nothing written
    assert _audit(engine) == []


def test_every_wrong_field_is_named_at_once(client: TestClient) -> None:
    client.post(BASE, json={"number": "M-1"}, headers=ADMIN)
    r = client.patch(f"{BASE}/M-1", json={"ssin": "85073003329", "iban": "BE71096123456768"}, headers=ADMIN)
    assert r.status_code == 422
    assert sorted(e["code"] for e in r.json()["errors"]) == ["iban_checksum", "ssin_checksum"]


def test_an_unknown_field_or_a_bad_number_is_a_422(client: TestClient) -> None:
    assert client.post(BASE, json={"salary": 1}, headers=ADMIN).status_code == 422
    assert client.post(BASE, json={"number": "M 1/2"}, headers=ADMIN).status_code == 422
    assert client.patch(f"{BASE}/M-1", json={"gender": "X"}, headers=ADMIN).status_code == 422


def test_one_ssin_is_one_member_the_second_is_a_409_naming_no_value(client: TestClient) -> None:
    assert client.post(BASE, json={"number": "M-1", **complete()}, headers=ADMIN).status_code == 201
    r = client.post(BASE, json={"number": "M-2", "ssin": SSIN_DOTTED}, headers=ADMIN)
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert [(e["location"], e["code"]) for e in r.json()["errors"]] == [("ssin", "ssin_taken")]
    _no_clear_value(r.text)
    client.post(BASE, json={"number": "M-3"}, headers=ADMIN)
    assert client.patch(f"{BASE}/M-3", json={"ssin": SSIN}, headers=ADMIN).status_code == 409
    assert client.patch(f"{BASE}/M-1", json={"ssin": SSIN}, headers=ADMIN).status_code == 200  # their own


def test_a_taken_member_number_is_a_409(client: TestClient) -> None:
    client.post(BASE, json={"number": "M-1"}, headers=ADMIN)
    assert client.post(BASE, json={"number": "M-1"}, headers=ADMIN).status_code == 409


def test_an_unknown_member_is_a_404(client: TestClient) -> None:
    for r in (
        client.get(f"{BASE}/M-9", headers=ADMIN),
        client.patch(f"{BASE}/M-9", json={"first_name": "X"}, headers=ADMIN),
        client.get(f"{BASE}/M-9/reads", headers=ADMIN),
    ):
        assert r.status_code == 404 and "M-9" in r.json()["detail"]


def test_link_a_platforms_rider_and_one_member_rides_for_two_platforms(
    client: TestClient, enrolled: PlatformHandle, make_platform: Callable[..., PlatformHandle], send: Any
) -> None:
    other = make_platform("other")
    from tests.conftest import event

    assert send(other, event("rider.enrolled", rider_id="x-7", name="Amina", email="a@example.org")).status_code == 200
    client.post(BASE, json={"number": "M-1", **complete()}, headers=ADMIN)
    r = client.put(f"{BASE}/M-1/riders/demo/r-1", headers=ADMIN)
    assert r.status_code == 200 and r.json()["riders"] == [{"platform": "demo", "rider_id": "r-1"}]
    r = client.put(f"{BASE}/M-1/riders/other/x-7", headers=ADMIN)
    assert r.json()["riders"] == [{"platform": "demo", "rider_id": "r-1"}, {"platform": "other", "rider_id": "x-7"}]
    assert client.put(f"{BASE}/M-1/riders/demo/r-1", headers=ADMIN).status_code == 200  # again: no change


@pytest.mark.parametrize(
    ("path", "named"),
    [("M-9/riders/demo/r-1", "M-9"), ("M-1/riders/nowhere/r-1", "nowhere"), ("M-1/riders/demo/r-404", "r-404")],
)
def test_linking_names_what_is_not_found(client: TestClient, enrolled: PlatformHandle, path: str, named: str) -> None:
    client.post(BASE, json={"number": "M-1"}, headers=ADMIN)
    r = client.put(f"{BASE}/{path}", headers=ADMIN)
    assert r.status_code == 404 and named in r.json()["detail"]


def test_link_requests_are_listed_until_staff_link_the_rider(
    client: TestClient, enrolled: PlatformHandle, engine: Engine
) -> None:
    client.post(BASE, json={"number": "M-1", **complete()}, headers=ADMIN)
    with Session(engine) as session:
        rider = session.exec(select(Rider).where(Rider.external_id == "r-1")).one()
        member = session.exec(select(Member)).one()
        assert rider.id is not None and member.id is not None
        session.add(LinkRequest(rider_id=rider.id, member_id=member.id, requested_at=TEST_NOW))
        session.commit()
    r = client.get(f"{BASE}/link-requests", headers=ADMIN)
    assert r.status_code == 200
    assert r.json() == [
        {"platform": "demo", "rider_id": "r-1", "member": "M-1", "requested_at": "2026-11-26T12:00:00Z"}
    ]
    client.put(f"{BASE}/M-1/riders/demo/r-1", headers=ADMIN)
    assert client.get(f"{BASE}/link-requests", headers=ADMIN).json() == []


def test_reads_show_who_read_a_clear_value_and_why_never_the_value(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    client.post(BASE, json={"number": "M-1", **complete()}, headers=ADMIN)
    with Session(engine) as session:
        member = session.exec(select(Member)).one()
        clear = members.reveal(
            session, vault_of(settings), member, "ssin", "job:declarations.send", "Dimona IN", TEST_NOW
        )
        session.commit()
    assert clear == SSIN
    r = client.get(f"{BASE}/M-1/reads", headers=ADMIN)
    assert r.status_code == 200
    assert r.json() == [
        {"field": "ssin", "actor": "job:declarations.send", "purpose": "Dimona IN", "at": "2026-11-26T12:00:00Z"}
    ]
    _no_clear_value(r.text)


def test_a_write_that_may_complete_an_identity_releases_the_blocked_contracts_in_its_transaction(
    client: TestClient, enrolled: PlatformHandle, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = uuid.uuid4()
    calls: list[str] = []

    def release(session: Session, member_number: str, now: datetime) -> list[uuid.UUID]:
        assert session.in_transaction()  # the caller's transaction, committed with the write and its audit
        calls.append(member_number)
        return [released]

    monkeypatch.setattr(identity, "release", release)
    client.post(BASE, json={"number": "M-1"}, headers=ADMIN)
    client.patch(f"{BASE}/M-1", json=complete(), headers=ADMIN)
    client.put(f"{BASE}/M-1/riders/demo/r-1", headers=ADMIN)
    assert calls == ["M-1", "M-1", "M-1"]
    assert all(e.detail["released_contracts"] == [str(released)] for e in _audit(engine))


ROUTES = [
    ("post", BASE),
    ("get", BASE),
    ("get", f"{BASE}/link-requests"),
    ("get", f"{BASE}/M-1"),
    ("patch", f"{BASE}/M-1"),
    ("put", f"{BASE}/M-1/riders/demo/r-1"),
    ("get", f"{BASE}/M-1/reads"),
    ("get", f"{BASE}/M-1/payslips/2026-11.pdf"),  # the month's pay summary (gateway/web/payslip_routes.py)
    ("get", f"{BASE}/M-1/data.zip"),  # the member's data archive (gateway/domains/portability, issue 20)
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_needs_the_members_role(
    client: TestClient,
    app: FastAPI,
    enrolled: PlatformHandle,
    staff_token: Callable[..., dict[str, str]],
    method: str,
    path: str,
) -> None:
    client.post(BASE, json={"number": "M-1"}, headers=ADMIN)
    body: dict[str, Any] = {"json": {}} if method in ("post", "patch") else {}
    assert client.request(method, path, **body).status_code == 401
    assert client.request(method, path, headers={"Authorization": "Bearer nope"}, **body).status_code == 401
    assert client.request(method, path, headers=enrolled.auth, **body).status_code == 401
    r = client.request(method, path, headers=staff_token("fiona", "fund", "declarations"), **body)
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    assert client.request(method, path, headers=staff_token("mia", "members"), **body).status_code in (200, 201)


def test_the_openapi_document_names_the_members_role(app: FastAPI) -> None:
    ops = [op for path, item in app.openapi()["paths"].items() if path.startswith(BASE) for op in item.values()]
    assert len(ops) == len(ROUTES)
    assert all(op["security"] == [{"StaffToken": ["members"]}] for op in ops)
    assert all("422" in op["responses"] and "403" in op["responses"] for op in ops)


def test_other_iban_is_masked_too(client: TestClient) -> None:
    r = client.post(BASE, json={"number": "M-1", "iban": OTHER_IBAN}, headers=ADMIN)
    assert r.json()["iban"] == "•••• 4300" and r.json()["bic"] == "ABNANL2A"


def test_staff_set_when_a_member_was_first_employed_and_a_future_date_is_refused(client: TestClient) -> None:
    assert client.post(BASE, json={"number": "M-S", **complete()}, headers=ADMIN).status_code == 201
    r = client.patch(f"{BASE}/M-S", json={"employed_since": "2024-06-01"}, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["employed_since"] == "2024-06-01"
    later = client.patch(f"{BASE}/M-S", json={"employed_since": "2999-01-01"}, headers=ADMIN)
    assert later.status_code == 422
    assert later.json()["errors"] == [
        {"location": "employed_since", "message": "a date from 1950 up to today", "code": "employed_since_range"}
    ]
    assert client.get(f"{BASE}/M-S", headers=ADMIN).json()["employed_since"] == "2024-06-01"
