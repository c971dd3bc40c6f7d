"""Data portability: the rider's archive holds a JSON file and CSV files with the same rows, their identity masked
(no clear SSIN or IBAN in any byte), only the session's riders; staff produce it with the `members` role."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from gateway.domains.decisions.models import DecisionReview
from gateway.domains.decisions.service import DecisionKind, Made, by_key, record
from gateway.domains.members import service as members
from gateway.domains.members.models import Member
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.vault import vault_of
from gateway.domains.portability.service import FORMAT, TABLES
from gateway.domains.riders.models import Rider
from gateway.settings import Settings
from gateway.web.demo import BOOKED_AT
from tests.web.conftest import Scenario

SSIN = "93.05.18-223.61"
IBAN = "BE98 0960 1234 5693"
CLEAR = (b"93.05.18-223.61", b"93051822361", b"9305182236", b"BE98 0960 1234 5693", b"BE98096012345693", b"0960123456")


@pytest.fixture
def member(engine: Engine, settings: Settings, scenario: Scenario) -> Member:
    """Rider r-1 is a member with an SSIN and an IBAN; one decision about them was reviewed."""
    with Session(engine, expire_on_commit=False) as session:
        data = IdentityIn(first_name="Amina", last_name="El Idrissi", ssin=SSIN, iban=IBAN, language="fr")
        m = members.create(session, vault_of(settings), data, BOOKED_AT)
        rider = session.exec(select(Rider).where(Rider.external_id == "r-1")).one()
        members.link(session, rider, m)
        assert rider.id is not None
        made = Made(
            key="test:portability",
            rider_id=rider.id,
            platform_id=rider.platform_id,
            kind=DecisionKind.BOOKING_CORRECTED,
            decided_by="gateway:booking",
            outcome="raised_to_minimum",
            decided_at=BOOKED_AT,
            clause="Art. 3",
            parameters={"minimum_paid_hours": "3"},
            facts={"offered_hours": "2"},
        )
        record(session, made)
        decision = by_key(session, "test:portability")
        assert decision is not None and decision.id is not None
        session.add(
            DecisionReview(
                decision_id=decision.id,
                comment="Pourquoi ?",
                requested_at=BOOKED_AT,
                due_at=BOOKED_AT + timedelta(days=14),
            )
        )
        session.commit()
        return m


def unzip(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        return {name: z.read(name) for name in z.namelist()}


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def download(client: TestClient, path: str, **headers: str) -> dict[str, bytes]:
    r = client.get(path, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith("attachment;")
    return unzip(r.content)


def test_the_rider_downloads_one_archive_whose_json_matches_its_csv_files(
    scenario: Scenario, member: Member, rider: TestClient
) -> None:
    home = rider.get("/rider", headers={"Accept": "text/html"})
    assert 'href="/rider/data.zip"' in home.text

    files = download(rider, "/rider/data.zip")
    assert set(files) == {"README.txt", "data.json", *(f"{t}.csv" for t in TABLES)}
    doc: dict[str, Any] = json.loads(files["data.json"])
    assert doc["format"] == FORMAT and doc["version"] == 1
    for table in TABLES:
        as_csv = csv_rows(files[f"{table}.csv"])
        as_json = [{k: "" if v is None else v for k, v in row.items()} for row in doc["tables"][table]]
        assert as_csv == as_json, table

    contracts = {row["contract_id"] for row in doc["tables"]["contracts"]}
    assert {scenario.contracts.paid, scenario.contracts.settled, scenario.contracts.open} <= contracts
    assert scenario.contracts.other not in contracts  # another rider's
    assert doc["tables"]["pay_lines"] and doc["tables"]["settlements"] and doc["tables"]["payouts"]
    decisions = doc["tables"]["decisions"]
    (decision,) = [d for d in decisions if json.loads(d["facts"]) == {"offered_hours": "2"}]
    assert decision["kind"] == "booking_corrected"
    # The decisions the bookings took (their corrections) are there too, each about one of this rider's contracts.
    assert len(decisions) > 1 and {d["contract_id"] for d in decisions if d["contract_id"]} <= contracts
    (review,) = doc["tables"]["reviews"]
    assert review["decision_id"] == decision["decision_id"] and review["comment"] == "Pourquoi ?"
    assert [r["rider_id"] for r in doc["riders"]] == ["r-1"]
    assert doc["member"]["ssin"].endswith("2361") and doc["member"]["iban"].endswith("5693")
    for name, data in files.items():
        for clear in CLEAR:
            assert clear not in data, (name, clear)


def test_only_the_rider_and_staff_with_the_role_get_the_archive(
    scenario: Scenario,
    member: Member,
    client: TestClient,
    rider_session: Callable[..., TestClient],
    staff_token: Callable[..., str],
) -> None:
    anonymous = TestClient(client.app).get("/rider/data.zip")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"

    other = download(rider_session(scenario.platform, "r-2"), "/rider/data.zip")
    doc = json.loads(other["data.json"])
    assert [r["contract_id"] for r in doc["tables"]["contracts"]] == [scenario.contracts.other]
    assert doc["member"] is None and doc["tables"]["decisions"] == []

    path = f"/v1/admin/members/{member.number}/data.zip"
    reader = staff_token("reader", "reviewer")
    refused = client.get(path, headers={"Authorization": f"Bearer {reader}"})
    assert refused.status_code == 403
    staff = {"Authorization": f"Bearer {staff_token('clerk', 'members')}"}
    by_member = json.loads(download(client, path, **staff)["data.json"])
    assert scenario.contracts.paid in {r["contract_id"] for r in by_member["tables"]["contracts"]}
    assert client.get("/v1/admin/members/nobody/data.zip", headers=staff).status_code == 404
    by_rider = download(client, f"/v1/admin/platforms/{scenario.platform.slug}/riders/r-2/data.zip", **staff)
    assert json.loads(by_rider["data.json"])["riders"][0]["rider_id"] == "r-2"
