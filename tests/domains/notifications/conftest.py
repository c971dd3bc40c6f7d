"""A local SMTP server in the test process (aiosmtpd) that keeps what it receives and answers what a test tells it
to, and the gateway's e-mail settings pointed at it. No network beyond the loopback."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from gateway.domains.notifications.settings import get_notification_settings

FROM = "riders@coop.example"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        # Line ends as sent (CRLF) and Babel's no-break spaces (€ 12,83) read as plain ones.
        return str(part.get_content()).replace("\r\n", "\n").replace("\xa0", " ").replace("\u202f", " ")


@dataclass
class Mailbox:
    """What the server received, and the replies it gives to RCPT TO for given addresses, in turn."""

    received: list[Received] = field(default_factory=list)
    replies: dict[str, list[str]] = field(default_factory=dict)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        queued = self.replies.get(address)
        if queued:
            return queued.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """The e-mail settings are cached per process: each test reads its own environment, and leaves none behind."""
    get_notification_settings.cache_clear()
    yield
    get_notification_settings.cache_clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch) -> Mailbox:
    """E-mail turned on, to the local server (emptied for this test)."""
    box, port = smtp_server
    box.received.clear()
    box.replies.clear()
    mail_settings(monkeypatch, port)
    return box


def mail_settings(monkeypatch: pytest.MonkeyPatch, port: int, **extra: str) -> None:
    env = {"ENABLED": "true", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "FROM_ADDRESS": FROM, **extra}
    for name, value in env.items():
        monkeypatch.setenv(f"GATEWAY_NOTIFICATIONS_{name}", value)
    get_notification_settings.cache_clear()
