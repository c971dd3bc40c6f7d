"""Standard Webhooks v1, parsed strictly; cross-checked against the reference `standardwebhooks` package."""

from __future__ import annotations

import base64
import contextlib
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

from adapters.base import PayloadError, SignatureError
from adapters.standard import ADAPTER
from adapters.standard.signature import decode_secret, new_secret, sign, verify

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OTHER = "whsec_" + base64.b64encode(b"o" * 32).decode()
BODY = b'{"type":"rider.enrolled","timestamp":"2026-11-26T10:00:00Z","data":{}}'
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TS = int(NOW.timestamp())


def headers(signature: str, msg_id: str = "msg_1", ts: int = TS) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": signature}


def test_valid_signature_returns_the_webhook_id() -> None:
    assert verify(headers(sign(SECRET, "msg_1", TS, BODY)), BODY, [SECRET], NOW, 300) == "msg_1"


def test_malformed_entries_do_not_hide_a_later_valid_signature() -> None:
    good = sign(SECRET, "msg_1", TS, BODY)
    noisy = f"garbage v1,!!!notbase64!!! v1a,abcd v1, v2,{good[3:]} {good}"
    assert verify(headers(noisy), BODY, [SECRET], NOW, 300) == "msg_1"


@pytest.mark.parametrize("signer", [SECRET, OTHER])
def test_either_of_two_active_secrets_verifies_during_rotation(signer: str) -> None:
    assert verify(headers(sign(signer, "msg_1", TS, BODY)), BODY, [SECRET, OTHER], NOW, 300) == "msg_1"


@pytest.mark.parametrize(
    ("case", "mutate"),
    [
        ("wrong secret", lambda h: {**h, "webhook-signature": sign(OTHER, "msg_1", TS, BODY)}),
        ("other id", lambda h: {**h, "webhook-id": "msg_2"}),
        ("other timestamp", lambda h: {**h, "webhook-timestamp": str(TS - 1)}),
        ("v1a scheme only", lambda h: {**h, "webhook-signature": "v1a" + h["webhook-signature"][2:]}),
    ],
)
def test_signature_over_anything_else_is_refused(case: str, mutate: object) -> None:
    h = mutate(headers(sign(SECRET, "msg_1", TS, BODY)))  # type: ignore[operator]
    with pytest.raises(SignatureError):
        verify(h, BODY, [SECRET], NOW, 300)


def test_tampered_body_is_refused() -> None:
    with pytest.raises(SignatureError, match="no signature"):
        verify(headers(sign(SECRET, "msg_1", TS, BODY)), BODY + b" ", [SECRET], NOW, 300)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_is_named(missing: str) -> None:
    h = headers(sign(SECRET, "msg_1", TS, BODY))
    del h[missing]
    with pytest.raises(SignatureError, match=missing):
        verify(h, BODY, [SECRET], NOW, 300)


@pytest.mark.parametrize(
    ("offset", "tolerance", "ok"), [(300, 300, True), (301, 300, False), (-301, 300, False), (600, 900, True)]
)
def test_timestamp_tolerance_is_configurable_and_applies_both_ways(offset: int, tolerance: int, ok: bool) -> None:
    ts = TS - offset
    h = headers(sign(SECRET, "msg_1", ts, BODY), ts=ts)
    if ok:
        assert verify(h, BODY, [SECRET], NOW, tolerance) == "msg_1"
    else:
        with pytest.raises(SignatureError, match="webhook-timestamp is too"):
            verify(h, BODY, [SECRET], NOW, tolerance)


def test_non_numeric_timestamp_is_refused() -> None:
    with pytest.raises(SignatureError, match="integer number of seconds"):
        verify(headers("v1,xx") | {"webhook-timestamp": "2026-11-26T12:00:00Z"}, BODY, [SECRET], NOW, 300)


@pytest.mark.parametrize(
    ("secret", "says"),
    [
        (base64.b64encode(b"k" * 32).decode(), "starts with 'whsec_'"),
        ("whsec_not*base64", "standard base64"),
        ("whsec_" + base64.b64encode(b"k" * 23).decode(), "24 to 64 bytes"),
        ("whsec_" + base64.b64encode(b"k" * 65).decode(), "24 to 64 bytes"),
    ],
)
def test_configured_secret_is_validated_strictly(secret: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        decode_secret(secret)


@pytest.mark.parametrize("n", [24, 64])
def test_secrets_of_24_to_64_bytes_are_accepted(n: int) -> None:
    assert len(decode_secret("whsec_" + base64.b64encode(b"k" * n).decode())) == n


def test_new_secrets_are_valid_and_distinct() -> None:
    a, b = new_secret(), new_secret()
    assert a != b and len(decode_secret(a)) == 32


def test_reference_library_signatures_verify_here_and_ours_verify_there() -> None:
    ref = Webhook(SECRET)
    ts = datetime.fromtimestamp(int(time.time()), UTC)
    theirs = ref.sign("msg_ref", ts, BODY.decode())
    now = datetime.now(UTC)
    assert verify(headers(theirs, "msg_ref", int(ts.timestamp())), BODY, [SECRET], now, 300) == "msg_ref"
    ours = sign(SECRET, "msg_ref", int(ts.timestamp()), BODY)
    ref.verify(BODY, headers(ours, "msg_ref", int(ts.timestamp())))  # raises if it disagrees


def test_non_utf8_body_with_valid_signature_is_refused_by_the_parser_not_the_verifier() -> None:
    body = b'{"type": "\xff"}'
    assert verify(headers(sign(SECRET, "msg_1", TS, body)), body, [SECRET], NOW, 300) == "msg_1"
    with pytest.raises(PayloadError) as err:
        ADAPTER.parse(body)
    assert err.value.malformed


@given(
    msg_id=st.text(max_size=300),
    ts=st.text(max_size=30),
    sig=st.text(max_size=500),
    body=st.binary(max_size=200),
)
def test_arbitrary_headers_raise_only_signature_errors(msg_id: str, ts: str, sig: str, body: bytes) -> None:
    with contextlib.suppress(SignatureError):
        verify({"webhook-id": msg_id, "webhook-timestamp": ts, "webhook-signature": sig}, body, [SECRET], NOW, 300)


@given(body=st.binary(max_size=400))
def test_arbitrary_bodies_raise_only_payload_errors(body: bytes) -> None:
    with contextlib.suppress(PayloadError):
        ADAPTER.parse(body)
