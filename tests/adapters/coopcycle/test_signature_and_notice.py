"""The signature and body exactly as coopcycle-web's WebhookHandler makes them."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from adapters.base import PayloadError, SignatureError
from adapters.coopcycle import ADAPTER, notice
from adapters.coopcycle.signature import new_secret, sign, validate_secret, verify
from adapters.coopcycle.testing import notification

SECRET = base64.b64encode(b"k" * 32).decode()  # as POST /api/webhooks returns it: base64(random_bytes(32))
BODY = b'{"data":{"object":"\\/api\\/deliveries\\/1","event":"delivery.completed"}}'  # PHP json_encode


def php_signature(secret: str, body: bytes) -> str:
    # base64_encode(hex2bin(hash_hmac('sha256', $json, $secret))): the secret string itself is the key.
    return base64.b64encode(bytes.fromhex(hmac.new(secret.encode(), body, hashlib.sha256).hexdigest())).decode()


def test_the_testing_body_is_byte_for_byte_what_php_sends() -> None:
    assert notification("/api/deliveries/1", "delivery.completed") == BODY


def test_a_php_signature_verifies_under_any_of_the_platforms_secrets() -> None:
    headers = {"X-CoopCycle-Signature": php_signature(SECRET, BODY)}
    verify(headers, BODY, [new_secret(), SECRET])
    assert sign(SECRET, BODY) == headers["X-CoopCycle-Signature"]


@pytest.mark.parametrize(
    "value",
    ["", "not base64!", php_signature(SECRET, BODY + b" "), php_signature(new_secret(), BODY), "AAAA"],
    ids=["empty", "garbage", "other-body", "other-secret", "short"],
)
def test_a_wrong_signature_is_refused(value: str) -> None:
    with pytest.raises(SignatureError):
        verify({"X-CoopCycle-Signature": value}, BODY, [SECRET])


def test_the_key_is_the_secret_text_not_its_decoded_bytes() -> None:
    decoded_key = base64.b64encode(hmac.new(base64.b64decode(SECRET), BODY, hashlib.sha256).digest()).decode()
    with pytest.raises(SignatureError):
        verify({"X-CoopCycle-Signature": decoded_key}, BODY, [SECRET])


def test_secrets_are_the_text_coopcycle_issued_base64_or_a_plain_string() -> None:
    validate_secret(SECRET)
    assert len(base64.b64decode(new_secret())) == 32
    # coopcycle-web's fixtures (fixtures/ORM/webhooks.yml) and instances older than 2021 hold plain strings.
    for plain in ["123456789", SECRET[:-1], "s3cr3t-from-the-admin"]:
        validate_secret(plain)
    for bad, says in [
        ("", "empty"),
        ("short", "8 to 200"),
        ("two words here", "no spaces"),
        ("secret\n", "no spaces"),
        ("motdepassé-ok", "outside ASCII"),
        ("x" * 201, "8 to 200"),
        ("whsec_" + SECRET, "Standard Webhooks secret"),
    ]:
        with pytest.raises(ValueError, match=says):
            validate_secret(bad)


def test_the_message_id_names_the_event_and_the_delivery_and_follows_the_bytes() -> None:
    one = ADAPTER.verify({"X-CoopCycle-Signature": sign(SECRET, BODY)}, BODY, [SECRET], None, 0)  # type: ignore[arg-type]
    assert one.message_id.startswith("delivery.completed:/api/deliveries/1:")
    assert notice.message_id(BODY) == one.message_id
    assert notice.message_id(notification("/api/deliveries/1", "delivery.failed")) != one.message_id
    assert notice.message_id(b"{oops").startswith("sha256:")


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (notification("/api/deliveries/1", "delivery.teleported"), "data.event"),
        (notification("https://evil.example/api/orders/1", "order.created"), "data.object"),
        (notification("/api/orders/1", "delivery.completed"), "data.object"),
        (notification("https://evil.example/api/deliveries/1", "delivery.completed"), "data.object"),
        (notification("/api/deliveries/1/../../admin", "delivery.completed"), "data.object"),
        (b'{"data": {"object": 1, "event": ["delivery.completed"]}}', "data.event"),
        (b'{"object": "/api/deliveries/1"}', "data"),
    ],
)
def test_a_notification_must_name_a_delivery_event_and_a_delivery(body: bytes, where: str) -> None:
    with pytest.raises(PayloadError) as err:
        notice.parse(body)
    assert not err.value.malformed
    assert where in {e["location"] for e in err.value.errors}


def test_parse_never_returns_an_event_the_adapter_defers() -> None:
    with pytest.raises(PayloadError, match="defer"):
        ADAPTER.parse(BODY)
