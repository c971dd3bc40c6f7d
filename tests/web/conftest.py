"""A rider with contracts at every stage and another rider (gateway.web.demo), for the pages' tests.

The app's clock stands at the demo's booking time, so the scenario reads the same whatever the day the tests
run (settlement and payment dates are the agreement's, not today's).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from gateway.web.demo import BOOKED_AT, DemoContracts, populate
from tests.conftest import Clock, PlatformHandle, fund_opening_balance, signed_headers
from tests.security.conftest import access_token, oauth_client, rider_session, staff_token

__all__ = ["access_token", "oauth_client", "rider_session", "staff_token"]


@dataclass
class Scenario:
    platform: PlatformHandle
    contracts: DemoContracts


@pytest.fixture
def scenario(
    platform: PlatformHandle, client: TestClient, clock: Clock, run_job: Callable[..., int], engine: Engine
) -> Scenario:
    clock.fixed = BOOKED_AT
    fund_opening_balance(engine)

    def send(body: bytes, when: datetime) -> httpx.Response:
        clock.fixed = when
        headers = signed_headers(platform.secret, body, ts=int(when.timestamp()))
        answer: httpx.Response = client.post(f"/v1/platforms/{platform.slug}/webhooks", content=body, headers=headers)
        return answer

    with httpx.Client(timeout=5) as http:

        def run(name: str, at: datetime) -> int:
            return run_job(name, at, http=http, random=random.Random(0))

        contracts = populate(send, run)
    clock.fixed = BOOKED_AT
    return Scenario(platform, contracts)


@pytest.fixture
def rider(scenario: Scenario, rider_session: Callable[..., TestClient]) -> TestClient:
    """The first rider's browser, signed in through an access link their platform requested."""
    return rider_session(scenario.platform, "r-1")
