"""The contract every registered adapter passes, through the real webhook endpoint on both databases.

An adapter is proven by its own kit, `adapters/<package>/testing.py` exposing `KIT` (see docs/adapters.md):
a body it accepts with no other set-up, a well-formed body it refuses, and how the platform signs. The
standard adapter predates kits; its kit is written here.
"""

from __future__ import annotations

import importlib
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from adapters.base import Adapter, PayloadError, SignatureError, signer_of
from adapters.registry import registry
from adapters.standard.signature import sign as standard_sign
from gateway.agreements.loader import AgreementBook
from gateway.domains.platforms import service as platforms
from tests.conftest import TEST_NOW, count_rows

PROBLEM = "application/problem+json"


class Kit(Protocol):
    signature_headers: tuple[str, ...]

    def valid_body(self) -> bytes: ...

    def invalid_body(self) -> bytes: ...

    def sign(self, secret: str, body: bytes, now: datetime) -> dict[str, str]: ...


class StandardKit:
    signature_headers: tuple[str, ...] = ("webhook-id", "webhook-timestamp", "webhook-signature")

    def valid_body(self) -> bytes:
        data = {"rider_id": "r-contract", "name": "Contract Rider", "email": "contract@example.org"}
        return json.dumps({"type": "rider.enrolled", "timestamp": "2026-11-26T10:00:00Z", "data": data}).encode()

    def invalid_body(self) -> bytes:
        return json.dumps({"type": "shift.teleported", "timestamp": "2026-11-26T10:00:00Z", "data": {}}).encode()

    def sign(self, secret: str, body: bytes, now: datetime) -> dict[str, str]:
        msg_id, ts = f"msg_{uuid.uuid4().hex}", int(now.timestamp())
        return {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(ts),
            "webhook-signature": standard_sign(secret, msg_id, ts, body),
        }


BUILT_IN_KITS: dict[str, Kit] = {"standard": StandardKit()}
SLUGS = sorted(registry())


def kit_for(adapter: Adapter) -> Kit:
    package = type(adapter).__module__.split(".")[1]
    try:
        kit: Kit = importlib.import_module(f"adapters.{package}.testing").KIT
    except (ModuleNotFoundError, AttributeError):
        if adapter.slug not in BUILT_IN_KITS:
            pytest.fail(f"adapter {adapter.slug!r} ships no contract kit: add adapters/{package}/testing.py with KIT")
        kit = BUILT_IN_KITS[adapter.slug]
    return kit


class Platform:
    def __init__(self, client: TestClient, slug: str, secret: str, adapter: Adapter) -> None:
        self.client, self.slug, self.secret, self.adapter = client, slug, secret, adapter
        self.kit = kit_for(adapter)

    def post(self, body: bytes, headers: dict[str, str]) -> Any:
        return self.client.post(f"/v1/platforms/{self.slug}/webhooks", content=body, headers=headers)

    def signed(self, body: bytes, secret: str | None = None) -> dict[str, str]:
        return self.kit.sign(secret or self.secret, body, TEST_NOW)


@pytest.fixture(params=SLUGS)
def platform_of(
    request: pytest.FixtureRequest, client: TestClient, engine: Engine, book: AgreementBook
) -> Callable[[], Platform]:
    slug: str = request.param

    def make() -> Platform:
        with Session(engine, expire_on_commit=False) as session:
            _, secret = platforms.create_platform(
                session, book, slug=f"contract-{slug}", name=slug, adapter=slug, agreement="be-delivery-2016"
            )
            session.commit()
        return Platform(client, f"contract-{slug}", secret, registry()[slug])

    return make


def assert_refused(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["status"] == status


def test_a_validly_signed_webhook_is_accepted_and_stored_once(
    platform_of: Callable[[], Platform], engine: Engine
) -> None:
    p = platform_of()
    body = p.kit.valid_body()
    r = p.post(body, p.signed(body))
    assert r.status_code in (200, 202), r.text
    assert count_rows(engine, "inbox_message") == 1


def test_a_replay_returns_the_first_answer_and_changes_nothing(
    platform_of: Callable[[], Platform], engine: Engine
) -> None:
    p = platform_of()
    body = p.kit.valid_body()
    headers = p.signed(body)
    first = p.post(body, headers)
    rows = {t: count_rows(engine, t) for t in ("inbox_message", "rider", "contract")}
    again = p.post(body, headers)
    assert again.status_code == first.status_code
    assert again.json() == first.json()
    assert again.headers.get("Webhook-Replayed") == "true"
    assert {t: count_rows(engine, t) for t in rows} == rows


def test_a_signature_by_another_secret_is_refused_and_nothing_is_stored(
    platform_of: Callable[[], Platform], engine: Engine
) -> None:
    p = platform_of()
    body = p.kit.valid_body()
    assert_refused(p.post(body, p.signed(body, secret=p.adapter.new_secret())), 401)
    assert count_rows(engine, "inbox_message") == 0


def test_a_body_changed_after_signing_is_refused(platform_of: Callable[[], Platform], engine: Engine) -> None:
    p = platform_of()
    body = p.kit.valid_body()
    headers = p.signed(body)
    assert_refused(p.post(body.replace(b"}", b" }", 1), headers), 401)
    assert count_rows(engine, "inbox_message") == 0


@pytest.mark.parametrize("drop", ["all", "each"])
def test_a_missing_signature_is_refused(platform_of: Callable[[], Platform], engine: Engine, drop: str) -> None:
    p = platform_of()
    body = p.kit.valid_body()
    headers = p.signed(body)
    names = p.kit.signature_headers
    for removed in [names] if drop == "all" else [(n,) for n in names]:
        kept = {k: v for k, v in headers.items() if k.lower() not in {n.lower() for n in removed}}
        assert_refused(p.post(body, kept), 401)
    assert count_rows(engine, "inbox_message") == 0


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe\x00", b"", b"[1, 2"], ids=["json", "utf8", "empty", "cut"])
def test_a_signed_malformed_body_is_a_400_problem_and_stores_nothing(
    platform_of: Callable[[], Platform], engine: Engine, body: bytes
) -> None:
    p = platform_of()
    assert_refused(p.post(body, p.signed(body)), 400)
    assert count_rows(engine, "inbox_message") == 0


def test_a_signed_well_formed_but_invalid_body_is_a_422_problem_and_stores_nothing(
    platform_of: Callable[[], Platform], engine: Engine
) -> None:
    p = platform_of()
    body = p.kit.invalid_body()
    assert_refused(p.post(body, p.signed(body)), 422)
    assert count_rows(engine, "inbox_message") == 0


@pytest.mark.parametrize("slug", SLUGS)
def test_secrets_are_made_and_checked_in_the_adapters_own_format(slug: str) -> None:
    adapter = registry()[slug]
    adapter.validate_secret(adapter.new_secret())
    assert adapter.new_secret() != adapter.new_secret()
    for bad in ["", "short", "not base64 at all!", "whsec_"]:
        with pytest.raises(ValueError):
            adapter.validate_secret(bad)


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize(
    "body", [b"", b"null", b"[]", b'"text"', b"{}", b'{"data": 5}', b"\xc3\x28", b'{"type": null}'], ids=repr
)
def test_parse_refuses_garbage_with_a_payload_error_only(slug: str, body: bytes) -> None:
    with pytest.raises(PayloadError):
        registry()[slug].parse(body)


@pytest.mark.parametrize("slug", SLUGS)
def test_verify_takes_no_more_than_the_documented_arguments(slug: str) -> None:
    # The intake calls verify(headers, body, secrets, now, tolerance): an adapter may ignore what it does not use.
    adapter = registry()[slug]
    kit = kit_for(adapter)
    secret = adapter.new_secret()
    body = kit.valid_body()
    now = datetime.fromtimestamp(time.time(), UTC)
    message = adapter.verify(kit.sign(secret, body, now), body, [secret], now, 300)
    assert 0 < len(message.message_id) <= 200


@pytest.mark.parametrize("slug", SLUGS)
def test_the_adapters_test_signer_signs_what_its_verify_accepts(slug: str) -> None:
    adapter = registry()[slug]
    signer = signer_of(adapter)
    assert signer is not None, f"adapter {slug!r} offers no sign_test: `gateway webhook send` cannot act as it"
    secret, body = adapter.new_secret(), kit_for(adapter).valid_body()
    headers = signer.sign_test(secret, body, TEST_NOW, "msg_contract")
    assert adapter.verify(headers, body, [secret], TEST_NOW, 300).message_id
    with pytest.raises(SignatureError):
        adapter.verify(headers, body + b" ", [secret], TEST_NOW, 300)
