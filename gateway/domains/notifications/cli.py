"""`gateway notifications ...`: see the e-mails as riders get them, and check the SMTP settings with a test e-mail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from gateway.domains.notifications import emails
from gateway.domains.notifications.addresses import usable_address
from gateway.domains.notifications.delivery import Prepared, build_message, send_mail
from gateway.domains.notifications.service import NotificationKind, Recipient
from gateway.domains.notifications.settings import get_notification_settings
from gateway.settings import get_settings

notifications_app = typer.Typer(help="The riders' e-mails: preview them, send a test one.", no_args_is_help=True)

# An example contract as a booking queues it: two hours offered at 9.00, opened for three at the legal minimum.
EXAMPLE_CONTRACT: dict[str, Any] = {
    "platform": "demo",
    "rider_id": "r-1",
    "status": "open",
    "shift": {"starts_at": "2026-12-01T09:00:00Z", "ends_at": "2026-12-01T11:00:00Z", "timezone": "Europe/Brussels"},
    "guaranteed_paid_hours": "3.00",
    "pay": {"hourly_gross": "12.83", "hourly_net": "11.16", "currency": "EUR"},
    "corrections": [
        {"code": "shift_shorter_than_minimum", "action": "amended", "unit": "hours", "offered_value": "2.0000",
         "applied_value": "3.0000"},
        {"code": "below_minimum_wage", "action": "amended", "unit": "hourly_gross", "offered_value": "9.00",
         "applied_value": "12.83"},
    ],
}  # fmt: skip

Lang = Annotated[str, typer.Option(help="en, fr or nl.")]


def example(kind: NotificationKind, lang: str, platform: str, page: str) -> emails.Email:
    if kind is NotificationKind.CONTRACT_OPENED:
        doc = emails.ContractDocument.model_validate(EXAMPLE_CONTRACT)
        return emails.render(kind, lang, emails.contract_context(doc, lang, platform, page))
    if kind is NotificationKind.DECISION:
        notice = emails.DecisionPayload(decision_kind="cancellation_paid", status="in_effect", decided_at=_now())
        return emails.render(kind, lang, emails.decision_context(notice, lang, platform, page))
    answer = emails.ReviewPayload(decision_kind="cancellation_paid", outcome="overturned")
    return emails.render(kind, lang, emails.review_context(answer, platform, page))


def _now() -> datetime:
    return datetime.now(UTC)


def _lang(value: str) -> str:
    if value not in emails.LOCALES:
        typer.secho(f"--lang must be one of {', '.join(emails.LOCALES)}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    return value


def _page() -> str:
    return get_settings().public_url.rstrip("/") + emails.RIDER_PAGE


@notifications_app.command("preview")
def preview_cmd(kind: NotificationKind, lang: Lang = "en") -> None:
    """Print an example e-mail of KIND (subject, then body) as a rider would get it."""
    mail = example(kind, _lang(lang), "Demo", _page())
    typer.echo(f"Subject: {mail.subject}\n\n{mail.body}")


@notifications_app.command("test")
def test_cmd(to: Annotated[str, typer.Option(help="Where to send the example e-mail.")], lang: Lang = "en") -> None:
    """Send an example contract e-mail to TO with the configured SMTP settings (even while e-mail is off)."""
    if not usable_address(to):
        typer.secho("--to must be a plain e-mail address (local@domain.tld)", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    settings = get_notification_settings()
    kind = NotificationKind.CONTRACT_OPENED
    mail = example(kind, _lang(lang), "Demo", _page())
    prepared = Prepared(Recipient(0, to, lang, "Demo"), kind, mail, lang)
    outcome = send_mail(settings, build_message(settings, prepared, 0, _now()), to)
    if outcome.result != "delivered":
        typer.secho(f"not sent ({outcome.result}): {outcome.error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    typer.echo(f"sent through {outcome.target}")
