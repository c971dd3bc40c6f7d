"""`gateway notifications`: an example e-mail printed, and a test e-mail through the configured SMTP server."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from tests.domains.notifications.conftest import Mailbox, free_port, mail_settings

runner = CliRunner()


def test_preview_prints_the_example_in_the_language_asked() -> None:
    out = runner.invoke(app, ["notifications", "preview", "review_answered", "--lang", "fr"])
    assert out.exit_code == 0, out.output
    assert "Subject: Réponse à votre demande de réexamen : décision annulée" in out.output


def test_a_test_e_mail_goes_through_the_configured_server(mailbox: Mailbox) -> None:
    out = runner.invoke(app, ["notifications", "test", "--to", "ops@coop.example", "--lang", "nl"])
    assert out.exit_code == 0, out.output
    [mail] = mailbox.received
    assert mail.recipients == ["ops@coop.example"] and mail.message["Subject"].startswith("Je contract:")


def test_a_test_e_mail_that_cannot_be_sent_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    mail_settings(monkeypatch, free_port())
    out = runner.invoke(app, ["notifications", "test", "--to", "ops@coop.example"])
    assert out.exit_code == 1 and "ConnectionRefusedError" in out.output
