"""Dimona REST v1 against the stub: a key pair, http settings, members enrolled as riders, shifts booked at
known local times, and the outbox dispatcher run by hand."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import respx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session

from gateway.domains.members import service as members
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.vault import vault_of
from gateway.settings import Settings
from tests.conftest import Clock, PlatformHandle, event
from tests.domains.declarations.dimona_stub import DimonaStub
from tests.domains.outbound.conftest import Dispatcher, dispatcher, http, now  # noqa: F401 - fixtures

BRUSSELS = ZoneInfo("Europe/Brussels")
EXPEDITOR = "123456"
REGISTRATION = "5123456"
SSIN = "85073003328"  # valid check digits (python-stdnum), born 1985-07-30


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str


def new_key_pair() -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(private, public)


@pytest.fixture(scope="session")
def keys() -> KeyPair:
    return new_key_pair()


def http_settings(settings: Settings, keys: KeyPair) -> Settings:
    return settings.model_copy(
        update={
            "declaration_connector": "http",
            "declaration_environment": "simulation",
            "declaration_expeditor_number": EXPEDITOR,
            "declaration_registration_number": REGISTRATION,
            "declaration_private_key": SecretStr(keys.private_pem),
        }
    )


@pytest.fixture
def stub(keys: KeyPair, clock: Clock, respx_mock: respx.MockRouter) -> DimonaStub:
    s = DimonaStub(keys.public_pem, EXPEDITOR, clock=clock)
    s.mount(respx_mock)
    return s


@pytest.fixture
def dimona(dispatcher: Dispatcher, keys: KeyPair, stub: DimonaStub) -> Dispatcher:  # noqa: F811 - the fixture
    dispatcher.settings = http_settings(dispatcher.settings, keys)
    return dispatcher


def make_member(engine: Engine, settings: Settings, number: str, at: datetime, **identity: Any) -> None:
    with Session(engine) as session:
        members.create(session, vault_of(settings), IdentityIn(**identity), at, number=number)
        session.commit()


IDENTITY: dict[str, Any] = {"first_name": "Amina", "last_name": "Diallo", "birth_date": date(1985, 7, 30)}
STAND_INS: dict[str, Any] = {
    "birth_place": "Recife",
    "birth_place_country": "BR",
    "nationality": "BR",
    "gender": "FEMALE",
    "street": "Rue Haute",
    "house_number": "12",
    "zip_code": "1000",
    "city": "Bruxelles",
    "country": "BE",
}


@pytest.fixture
def rider_of(
    platform: PlatformHandle, send: Callable[..., Any], engine: Engine, settings: Settings, clock: Clock
) -> Callable[..., PlatformHandle]:
    """Enrol rider r-1 as member M-1001 with the given identity (none: a rider with no member)."""

    def enrol(member: bool = True, **identity: Any) -> PlatformHandle:
        data: dict[str, Any] = {"rider_id": "r-1", "name": "Amina", "email": "amina@example.org"}
        if member:
            make_member(engine, settings, "M-1001", clock(), **(identity or {**IDENTITY, "ssin": SSIN}))
            data["member_id"] = "M-1001"
        r = send(platform, event("rider.enrolled", **data))
        assert r.status_code == 200, r.text
        return platform

    return enrol


def local_day(at: datetime, days: int = 5) -> date:
    return at.astimezone(BRUSSELS).date() + timedelta(days=days)


def book(
    send: Callable[..., Any], p: PlatformHandle, day: date, start: time, hours: float, code: str = "S-1"
) -> uuid.UUID:
    starts = datetime.combine(day, start, tzinfo=BRUSSELS)
    r = send(
        p,
        event(
            "shift.booked",
            shift_code=code,
            rider_id="r-1",
            starts_at=starts.isoformat(),
            ends_at=(starts + timedelta(hours=hours)).isoformat(),
        ),
    )
    assert r.status_code == 200, r.text
    return uuid.UUID(r.json()["contract"]["id"])
