"""Sending `notification.<kind>` outbox messages: one e-mail each, over SMTP (stdlib smtplib).

What the outbox does for every message applies: a temporary failure (a 4xx reply, a refused or dropped connection,
a timeout) is retried on the outbox's schedule and is a dead letter after its last retry; a permanent one (a 5xx
reply to the recipient or the message) is a dead letter at once, replayable by staff. A message that cannot or may
not be sent (e-mail off, the kind turned off by the rider, no usable address) is skipped with its reason.
The SMTP password is read only to log in: it is in no error, log line or attempt.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr
from typing import Any

from pydantic import ValidationError
from sqlalchemy import false, true
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from gateway.domains.notifications import emails
from gateway.domains.notifications import service as notifications
from gateway.domains.notifications.addresses import usable_address
from gateway.domains.notifications.service import PREFIX, NotificationKind, Recipient
from gateway.domains.notifications.settings import NotificationSettings, get_notification_settings
from gateway.domains.outbox.delivery import Claimed, Outcome, register
from gateway.jobs import JobContext

OFF = "e-mail notifications are off (GATEWAY_NOTIFICATIONS_ENABLED is not true)"
STALE = "too late to be news: not sent"
NO_RIDER = "the rider is no longer known"
NO_ADDRESS = "the rider has no usable e-mail address"
_HIDDEN = "<the rider's address>"


@dataclass(frozen=True, slots=True)
class Prepared:
    recipient: Recipient
    kind: NotificationKind
    email: emails.Email
    lang: str


class NotificationHandler:
    def send(self, ctx: JobContext, msg: Claimed) -> Outcome:
        settings = get_notification_settings()
        if not settings.enabled:
            # Turned off between the claim and now (the claim takes none while off): try again later.
            return Outcome("failed", error=OFF)
        age = ctx.now() - msg.created_at
        if age > timedelta(hours=settings.max_age_hours):
            # A backlog (e-mail turned on after weeks off, a long outage): a contract's e-mail days late is noise.
            return Outcome("skipped", error=f"{STALE} ({int(age.total_seconds() // 3600)} h after it was queued)")
        try:
            kind = NotificationKind(msg.kind.removeprefix(PREFIX))
        except ValueError:
            return Outcome("rejected", error=f"no such notification kind: {msg.kind[:64]}")
        with Session(ctx.engine) as session:
            try:
                prepared = _prepare(session, kind, msg.payload, settings, ctx.settings.public_url)
            except ValidationError:
                return Outcome("rejected", error="the message's payload is not what this kind of e-mail needs")
            if prepared is None:
                return Outcome("skipped", error=NO_RIDER)
            if notifications.opted_out(session, prepared.recipient.rider_id, kind):
                return Outcome("skipped", error=f"the rider turned {kind.value} e-mails off")
        if not usable_address(prepared.recipient.email):
            return Outcome("skipped", error=NO_ADDRESS)
        message = build_message(settings, prepared, msg.id, ctx.now())
        return send_mail(settings, message, prepared.recipient.email)

    def record(self, session: Session, msg: Claimed, outcome: Outcome, status: str, now: datetime) -> None:
        # An e-mail has no consequence in the database beyond its outbox row and attempt log.
        return None


def _prepare(
    session: Session, kind: NotificationKind, payload: dict[str, Any], settings: NotificationSettings, public_url: str
) -> Prepared | None:
    """Who gets this e-mail and what it says, in their language. None: the rider is gone."""
    page = public_url.rstrip("/") + emails.RIDER_PAGE
    if kind is NotificationKind.CONTRACT_OPENED:
        doc = emails.ContractDocument.model_validate(payload)
        found = notifications.recipient_of_contract(session, doc.platform, doc.rider_id)
        if found is None:
            return None
        lang = emails.language_of(found.language, settings.default_language)
        context = emails.contract_context(doc, lang, found.platform, page)
    else:
        envelope = emails.Envelope.model_validate(payload)
        notice = envelope.notice
        found = notifications.recipient(session, envelope.rider_id)
        if found is None:
            return None
        lang = emails.language_of(found.language, settings.default_language)
        if kind is NotificationKind.DECISION:
            context = emails.decision_context(emails.DecisionPayload.model_validate(notice), lang, found.platform, page)
        else:
            context = emails.review_context(emails.ReviewPayload.model_validate(notice), found.platform, page)
    return Prepared(found, kind, emails.render(kind, lang, context), lang)


def build_message(settings: NotificationSettings, prepared: Prepared, message_id: int, now: datetime) -> EmailMessage:
    message = EmailMessage(policy=SMTP_POLICY)
    domain = settings.from_address.rsplit("@", 1)[1]
    message["From"] = formataddr((settings.from_name, settings.from_address))
    message["To"] = prepared.recipient.email
    message["Subject"] = prepared.email.subject
    message["Date"] = format_datetime(now)
    # One id per outbox message: a retry after a lost reply carries the same id, so mail systems can tell it is
    # the same e-mail.
    message["Message-ID"] = f"<notification-{message_id}@{domain}>"
    # RFC 3834: no vacation or out-of-office replies to a machine's e-mail.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(prepared.email.body)
    message["Content-Language"] = prepared.lang  # after set_content, which replaces every Content-* header
    return message


def send_mail(settings: NotificationSettings, message: EmailMessage, to: str) -> Outcome:
    """One SMTP session for one e-mail; the reply decides whether a retry can help."""
    target = f"smtp://{settings.smtp_host}:{settings.smtp_port}"

    def hide(text: str) -> str:
        # A server's reply often quotes the recipient; the attempt log keeps the reason, not the address.
        return text.replace(to, _HIDDEN).replace(to.lower(), _HIDDEN)[:1000]

    try:
        with _connect(settings) as smtp:
            if settings.smtp_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username is not None and settings.smtp_password is not None:
                smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            smtp.send_message(message, from_addr=settings.from_address, to_addrs=[to])
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()), (0, b""))
        return _replied(code, reply, "the recipient was refused", target, hide)
    except (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused, smtplib.SMTPConnectError) as exc:
        # The gateway's own settings or the server's state, not this e-mail: retried, whatever the code.
        error = f"SMTP {exc.smtp_code} ({type(exc).__name__}): {_text(exc.smtp_error)}"
        return Outcome("failed", status_code=exc.smtp_code, error=hide(error), target=target)
    except smtplib.SMTPResponseException as exc:
        return _replied(exc.smtp_code, exc.smtp_error, "the message was refused", target, hide)
    except (smtplib.SMTPException, OSError) as exc:
        # Refused or dropped connections, timeouts, TLS failures: the server may be back later.
        return Outcome("failed", error=hide(f"{type(exc).__name__}: {exc}"), target=target)
    return Outcome("delivered", status_code=250, target=target)


def _replied(code: int, reply: bytes | str, what: str, target: str, hide: Any) -> Outcome:
    error = hide(f"SMTP {code}: {what}: {_text(reply)}")
    # 5xx: permanent (RFC 5321 4.2.1), retrying the same e-mail cannot help; 4xx: try again later.
    return Outcome("rejected" if 500 <= code < 600 else "failed", status_code=code, error=error, target=target)


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())[:300]


def _connect(settings: NotificationSettings) -> smtplib.SMTP:
    timeout = settings.smtp_timeout_seconds
    if settings.smtp_security == "ssl":
        context = ssl.create_default_context()
        return smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout, context=context)
    return smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)


def _sending() -> ColumnElement[bool]:
    # E-mail off (no SMTP configured): the messages stay queued, untouched, until it is turned on; then those
    # younger than GATEWAY_NOTIFICATIONS_MAX_AGE_HOURS are sent and the older ones skipped.
    return true() if get_notification_settings().enabled else false()


register(PREFIX, NotificationHandler(), claimable=_sending)
