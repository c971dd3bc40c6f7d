from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.agreements.model import AgreementError
from gateway.app import create_app
from gateway.db.migrate import upgrade
from gateway.settings import Settings
from tests.agreements.conftest import AGREEMENT_ID


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    url = f"sqlite:///{tmp_path_factory.mktemp('agreements-api') / 'gateway.db'}"
    upgrade(url)
    return TestClient(create_app(Settings(database_url=url, env="test")))


def test_lists_the_loaded_agreements(api: TestClient) -> None:
    resp = api.get("/v1/agreements")
    assert resp.status_code == 200
    assert [a["id"] for a in resp.json()] == [AGREEMENT_ID, "be-delivery-coop-2027"]


def test_one_agreement_has_its_terms_with_dated_values_and_clauses(api: TestClient) -> None:
    body = api.get(f"/v1/agreements/{AGREEMENT_ID}").json()
    floor = next(t for t in body["terms"] if t["name"] == "net_hourly_floor")
    assert floor["values"] == [
        {
            "since": "2016-05-01",
            "value": {"amount": "10.00", "basis": "net", "hours": "paid"},
            "clause": "§3 Hourly pay",
            "enforcement": "amend",
            "version": "2016.1",
        }
    ]
    assert body["signed_on"] == "2016-05-01"


def test_terms_in_force_at_a_date(api: TestClient) -> None:
    body = api.get(f"/v1/agreements/{AGREEMENT_ID}/terms", params={"at": "2026-03-01"}).json()
    assert body["version"] == "2016.1"
    names = {t["name"] for t in body["terms"]}
    assert {"minimum_engagement", "payment_term", "guarantee_levy"} <= names


def test_a_date_before_the_agreement_starts_is_a_422_problem(api: TestClient) -> None:
    resp = api.get(f"/v1/agreements/{AGREEMENT_ID}/terms", params={"at": "2016-04-30"})
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert "starts 2016-05-01" in resp.json()["detail"]


def test_an_unknown_agreement_is_a_404_problem(api: TestClient) -> None:
    resp = api.get("/v1/agreements/nope-2020")
    assert resp.status_code == 404
    assert resp.json()["type"].endswith("/not-found")


def test_listing_at_a_date_before_any_agreement_is_empty(api: TestClient) -> None:
    assert api.get("/v1/agreements", params={"at": "2015-01-01"}).json() == []
    assert len(api.get("/v1/agreements", params={"at": "2016-05-01"}).json()) == 1


def test_a_malformed_date_is_a_422_problem(api: TestClient) -> None:
    resp = api.get("/v1/agreements", params={"at": "2016-13-01"})
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")


def test_the_gateway_refuses_to_start_on_an_invalid_agreement(tmp_path: Path, agreements_dir: Path) -> None:
    path = agreements_dir / AGREEMENT_ID / "agreement.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("kind: business", "kind: working"), encoding="utf-8")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'g.db'}", env="test", agreements_dir=agreements_dir)
    with pytest.raises(AgreementError, match=r"agreement\.yaml:\d+:\d+: term payment_term: 'working' is not allowed"):
        create_app(settings)
