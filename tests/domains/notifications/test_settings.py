"""The e-mail settings: off by default (the gateway starts without SMTP), refused when incoherent, the password
never shown."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from gateway.domains.notifications.settings import NotificationSettings


def test_by_default_e_mail_is_off_and_needs_nothing_configured() -> None:
    assert NotificationSettings().enabled is False


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"enabled": True}, "GATEWAY_NOTIFICATIONS_FROM_ADDRESS"),  # the placeholder sender
        ({"from_address": "not an address"}, "FROM_ADDRESS"),
        ({"from_name": "Coop\r\nBcc: everyone@example.org"}, "FROM_NAME"),
        ({"smtp_username": "coop"}, "together"),
        ({"smtp_username": "coop", "smtp_password": "pw-123456", "smtp_host": "smtp.example.org"}, "starttls or ssl"),
    ],
)
def test_incoherent_settings_are_refused_naming_the_setting(given: dict[str, object], named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        NotificationSettings(**given)  # type: ignore[arg-type]
    assert named in str(refused.value)
    assert "pw-123456" not in str(refused.value)


def test_the_password_is_never_shown() -> None:
    s = NotificationSettings(
        smtp_host="smtp.example.org",
        smtp_security="starttls",
        smtp_username="coop",
        smtp_password=SecretStr("pw-123456"),
        from_address="riders@coop.example",
        enabled=True,
    )
    assert "pw-123456" not in repr(s) and "pw-123456" not in str(s.model_dump())
