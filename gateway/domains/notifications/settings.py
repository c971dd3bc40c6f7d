"""The e-mail settings, read from the environment like the gateway's (`GATEWAY_NOTIFICATIONS_...`).

Off by default: `./dev run` and a gateway without an SMTP server start and work. The e-mails are still queued (the
booking's rows do not depend on configuration) and held: the dispatcher leaves them pending until e-mail is turned
on, then sends those queued within `max_age_hours` and skips the older ones with the reason.
"""

from __future__ import annotations

import ipaddress
from functools import cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.domains.notifications.addresses import usable_address

Language = Literal["en", "fr", "nl"]


def _local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NotificationSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_NOTIFICATIONS_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    enabled: bool = Field(default=False, description="Send the riders' e-mails; off: they are queued and skipped.")
    smtp_host: Annotated[str, Field(max_length=253)] = "localhost"
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 25
    # none: plain SMTP (a relay on the same host); starttls: upgrade the connection (port 587); ssl: implicit TLS
    # (port 465). Certificates are verified against the system's authorities either way.
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_username: Annotated[str | None, Field(max_length=200)] = None
    smtp_password: SecretStr | None = None
    # One SMTP command's timeout; a message takes a handful (connect, EHLO, TLS, AUTH, MAIL, RCPT, DATA, QUIT). Kept
    # short so that a batch of e-mails stays well within the outbox lease.
    smtp_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 10.0
    from_address: Annotated[str, Field(max_length=254)] = "riders@gateway.invalid"
    from_name: Annotated[str, Field(max_length=100)] = "Cooperative"
    # An e-mail still unsent this long after it was queued (e-mail was off, the server down for days) is skipped.
    max_age_hours: Annotated[int, Field(ge=1, le=24 * 30)] = 48
    # A rider not linked to a member (whose language the cooperative knows) gets this language.
    default_language: Language = "en"

    @model_validator(mode="after")
    def _coherent(self) -> NotificationSettings:
        if not usable_address(self.from_address):
            raise ValueError("GATEWAY_NOTIFICATIONS_FROM_ADDRESS is not a usable e-mail address")
        if any(c in self.from_name for c in '\r\n<>"'):
            raise ValueError("GATEWAY_NOTIFICATIONS_FROM_NAME may not hold line breaks, quotes or angle brackets")
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError("set GATEWAY_NOTIFICATIONS_SMTP_USERNAME and _SMTP_PASSWORD together, or neither")
        if self.smtp_username is not None and self.smtp_security == "none" and not _local(self.smtp_host):
            # The password would cross the network in clear.
            raise ValueError(
                "GATEWAY_NOTIFICATIONS_SMTP_USERNAME is set with GATEWAY_NOTIFICATIONS_SMTP_SECURITY=none to a host "
                "that is not this one: use starttls or ssl"
            )
        if self.enabled and self.from_address.endswith(".invalid"):
            raise ValueError("GATEWAY_NOTIFICATIONS_ENABLED is true: set GATEWAY_NOTIFICATIONS_FROM_ADDRESS too")
        return self


@cache
def get_notification_settings() -> NotificationSettings:
    return NotificationSettings()
