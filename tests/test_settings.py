from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.domains.members import vault
from gateway.settings import InsecureSettings, Settings


def test_production_refuses_to_start_with_the_placeholder_pepper(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_TOKEN_SIGNING_KEY", "another-random-value-of-32-chars-or-more")
    with pytest.raises(InsecureSettings, match="GATEWAY_CREDENTIAL_PEPPER"):
        Settings(env="production").require_secrets()


def test_production_refuses_to_start_with_the_placeholder_signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_CREDENTIAL_PEPPER", "a-random-value-of-enough-length")
    with pytest.raises(InsecureSettings, match="GATEWAY_TOKEN_SIGNING_KEY"):
        Settings(env="production").require_secrets()


def test_production_refuses_the_published_identity_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # Members' SSIN and IBAN encrypted under a key printed in the source would be encrypted for nobody.
    monkeypatch.setenv("GATEWAY_CREDENTIAL_PEPPER", "a-random-value-of-enough-length")
    monkeypatch.setenv("GATEWAY_TOKEN_SIGNING_KEY", "another-random-value-of-32-chars-or-more")
    with pytest.raises(InsecureSettings, match="GATEWAY_IDENTITY_KEYS") as refused:
        Settings(env="production").require_secrets()
    assert "GATEWAY_IDENTITY_INDEX_KEY" in str(refused.value)
    monkeypatch.setenv("GATEWAY_IDENTITY_KEYS", f"{vault.new_key()} {Settings().identity_keys.get_secret_value()}")
    monkeypatch.setenv("GATEWAY_IDENTITY_INDEX_KEY", "an-index-key-of-enough-length")
    with pytest.raises(InsecureSettings, match="GATEWAY_IDENTITY_KEYS"):  # the published key kept for decrypting
        Settings(env="production").require_secrets()


def test_production_starts_with_real_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_CREDENTIAL_PEPPER", "a-random-value-of-enough-length")
    monkeypatch.setenv("GATEWAY_TOKEN_SIGNING_KEY", "another-random-value-of-32-chars-or-more")
    monkeypatch.setenv("GATEWAY_IDENTITY_KEYS", vault.new_key())
    monkeypatch.setenv("GATEWAY_IDENTITY_INDEX_KEY", "an-index-key-of-enough-length")
    monkeypatch.setenv("GATEWAY_ENV", "production")
    s = Settings()
    s.require_secrets()
    assert s.env == "production"
    assert "a-random" not in repr(s) and "another-random" not in repr(s)  # secrets never show in logs or reprs


def test_settings_come_from_gateway_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_PORT", "9001")
    monkeypatch.setenv("GATEWAY_WEBHOOK_TOLERANCE_SECONDS", "60")
    s = Settings()
    assert (s.port, s.webhook_tolerance_seconds) == (9001, 60)


def test_a_refused_setting_never_prints_the_values_given(monkeypatch: pytest.MonkeyPatch) -> None:
    # A validation error used to echo every input value, secrets among them, in the exception's text.
    monkeypatch.setenv("GATEWAY_ADMIN_TOKEN", "ADMINTOKEN-that-must-not-be-printed")
    monkeypatch.setenv("GATEWAY_CALLBACK_ALLOW_PRIVATE", "true")
    monkeypatch.delenv("GATEWAY_ENV", raising=False)
    with pytest.raises(ValidationError) as refused:
        Settings(env="production")
    assert "ADMINTOK" not in str(refused.value)
