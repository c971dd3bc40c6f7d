"""The rider's e-mails, end to end at the service level: queued with the contract or the decision, sent over SMTP
to a server in the test process, in the rider's language; turned off, retried, dead-lettered, held, on both
databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from gateway.domains.decisions import service as decisions
from gateway.domains.members import service as members
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.vault import vault_of
from gateway.domains.notifications import service as notifications
from gateway.domains.notifications.service import NotificationKind
from gateway.domains.outbox.models import OutboxAttempt, OutboxMessage, OutboxStatus
from gateway.domains.riders.models import Rider
from gateway.settings import Settings
from tests.conftest import TEST_NOW, PlatformHandle, event
from tests.domains.notifications.conftest import FROM, Mailbox, free_port, mail_settings

Send = Callable[..., Any]
Run = Callable[..., int]

SSIN, IBAN = "85073003328", "BE68539007547034"
# A two-hour shift offered at 9.00 an hour: the agreement pays three hours at the statutory minimum (12.83).
CORRECTED = event(
    "shift.booked",
    shift_code="S-1",
    rider_id="r-1",
    starts_at="2026-12-01T10:00:00+01:00",
    ends_at="2026-12-01T12:00:00+01:00",
    pay={"hourly_gross": "9.00", "currency": "EUR"},
)


def dispatch(run_job: Run, at: datetime = TEST_NOW) -> None:
    run_job("outbox.dispatch", at)


def mails(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        stmt = select(OutboxMessage).where(col(OutboxMessage.kind).startswith("notification."))
        return list(session.exec(stmt.order_by(col(OutboxMessage.id))).all())


def rider_id(engine: Engine, external: str = "r-1") -> int:
    with Session(engine) as session:
        found = session.exec(select(Rider.id).where(Rider.external_id == external)).one()
    assert found is not None
    return found


def dutch_member(engine: Engine, settings: Settings) -> None:
    identity = IdentityIn(
        first_name="Amina", last_name="Diallo", birth_date=date(1985, 7, 30), ssin=SSIN, iban=IBAN, language="nl"
    )
    with Session(engine) as session:
        members.create(session, vault_of(settings), identity, TEST_NOW, number="M-1")
        session.commit()


def test_a_new_contract_mails_a_dutch_speaking_member_in_dutch_with_its_figures_and_no_identity(
    platform: PlatformHandle, send: Send, run_job: Run, engine: Engine, settings: Settings, mailbox: Mailbox
) -> None:
    dutch_member(engine, settings)
    send(platform, event("rider.enrolled", rider_id="r-1", name="Amina", email="amina@example.org", member_id="M-1"))
    assert send(platform, CORRECTED).status_code == 200
    dispatch(run_job)
    [mail] = mailbox.received
    assert mail.recipients == ["amina@example.org"] and mail.sender == FROM
    assert mail.message["Content-Language"] == "nl" and mail.message["Auto-Submitted"] == "auto-generated"
    assert mail.message["Subject"] == "Je contract: dinsdag 1 december 2026, 10:00–12:00 (demo)"
    body = mail.body
    assert "Gewaarborgde betaalde uren: 3" in body and "Uurloon: € 12,83 bruto" in body
    assert "aangepast aan je collectieve arbeidsovereenkomst" in body  # the offer was corrected...
    assert (
        "betaalde uren: 2 aangeboden, 3 toegepast" in body and "uurloon: € 9,00 aangeboden, € 12,83 toegepast" in body
    )
    assert f"{settings.public_url}/rider\n" in body and "/r/" not in body  # the page, never an access link
    raw = mail.message.as_string()
    for identity in (SSIN, "85.07.30", IBAN, "7034", "Amina", "Diallo", "1985"):
        assert identity not in raw
    [queued] = mails(engine)
    assert queued.status == OutboxStatus.sent


def test_a_rider_without_member_gets_the_default_language(
    enrolled: PlatformHandle, send: Send, run_job: Run, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    send(enrolled, CORRECTED)
    dispatch(run_job)
    [mail] = mailbox.received
    assert mail.message["Content-Language"] == "en"
    assert mail.message["Subject"] == "Your contract: Tuesday, 1 December 2026, 10:00–12:00 (demo)"
    assert "Guaranteed paid hours: 3" in mail.body and "Hourly pay: €12.83 gross" in mail.body


def test_each_booking_path_queues_one_mail_per_contract_and_a_replayed_webhook_none_more(
    enrolled: PlatformHandle, send: Send, engine: Engine
) -> None:
    # PostgreSQL books in one statement, SQLite on the general path: one e-mail either way.
    first = send(enrolled, CORRECTED, "msg-1")
    assert send(enrolled, CORRECTED, "msg-1").json() == first.json()  # the same delivery again
    assert send(enrolled, CORRECTED, "msg-2").status_code == 200  # the same booking under another id
    second = event(
        "shift.booked", shift_code="S-2", rider_id="r-1", starts_at="2026-12-02T10:00:00+01:00",
        ends_at="2026-12-02T14:00:00+01:00",
    )  # fmt: skip
    send(enrolled, second)
    queued = mails(engine)
    assert [m.kind for m in queued] == ["notification.contract_opened"] * 2
    assert [m.payload["shift_code"] for m in queued] == ["S-1", "S-2"]


def test_a_kind_turned_off_after_it_was_queued_is_not_sent(
    enrolled: PlatformHandle, send: Send, run_job: Run, engine: Engine, mailbox: Mailbox
) -> None:
    send(enrolled, CORRECTED)
    with Session(engine) as session:
        wanted = {NotificationKind.CONTRACT_OPENED: False, NotificationKind.DECISION: True}
        notifications.set_choices(session, [rider_id(engine)], wanted, TEST_NOW)
        notifications.set_choices(session, [rider_id(engine)], wanted, TEST_NOW)  # twice: one row
        session.commit()
        assert notifications.choices(session, [rider_id(engine)]) == {
            NotificationKind.CONTRACT_OPENED: False,
            NotificationKind.DECISION: True,
            NotificationKind.REVIEW_ANSWERED: True,
        }
    dispatch(run_job)
    assert mailbox.received == []
    [queued] = mails(engine)
    assert queued.status == OutboxStatus.skipped and queued.last_error == "the rider turned contract_opened e-mails off"


def test_a_temporary_smtp_refusal_is_retried_and_then_delivered(
    enrolled: PlatformHandle, send: Send, run_job: Run, engine: Engine, mailbox: Mailbox
) -> None:
    mailbox.replies["amina@example.org"] = ["451 4.3.0 mailbox busy, try later"]
    send(enrolled, CORRECTED)
    dispatch(run_job)
    [queued] = mails(engine)
    assert (queued.status, queued.failures) == (OutboxStatus.pending, 1) and mailbox.received == []
    assert queued.last_error is not None and "451" in queued.last_error
    dispatch(run_job, TEST_NOW + timedelta(minutes=1))  # the first retry is due after 30 s (± 20 %)
    [queued] = mails(engine)
    assert queued.status == OutboxStatus.sent and len(mailbox.received) == 1


def test_a_permanent_smtp_refusal_is_a_dead_letter_whose_error_hides_the_address(
    enrolled: PlatformHandle, send: Send, run_job: Run, engine: Engine, mailbox: Mailbox
) -> None:
    mailbox.replies["amina@example.org"] = ["550 5.1.1 <amina@example.org>: no such user"]
    send(enrolled, CORRECTED)
    dispatch(run_job)
    [queued] = mails(engine)
    assert queued.status == OutboxStatus.dead and mailbox.received == []
    with Session(engine) as session:
        [attempt] = session.exec(select(OutboxAttempt).where(OutboxAttempt.message_id == queued.id)).all()
    assert attempt.status_code == 550 and attempt.outcome == "rejected"
    assert attempt.error is not None and "no such user" in attempt.error and "amina@" not in attempt.error


def test_a_refused_connection_is_retried(
    enrolled: PlatformHandle, send: Send, run_job: Run, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_settings(monkeypatch, free_port())  # nothing listens there
    send(enrolled, CORRECTED)
    dispatch(run_job)
    [queued] = mails(engine)
    assert (queued.status, queued.failures) == (OutboxStatus.pending, 1)
    assert queued.last_error is not None and "ConnectionRefusedError" in queued.last_error


def test_with_mail_off_the_mails_wait_and_only_fresh_ones_go_when_it_is_turned_on(
    enrolled: PlatformHandle, send: Send, run_job: Run, engine: Engine, smtp_server: Any, monkeypatch: Any
) -> None:
    send(enrolled, CORRECTED)  # mail off (the default): queued all the same
    dispatch(run_job)
    [queued] = mails(engine)
    assert (queued.status, queued.attempts) == (OutboxStatus.pending, 0)
    box, port = smtp_server
    box.received.clear()
    mail_settings(monkeypatch, port, MAX_AGE_HOURS="48")
    dispatch(run_job, TEST_NOW + timedelta(hours=49))
    [queued] = mails(engine)
    assert queued.status == OutboxStatus.skipped and queued.last_error is not None
    assert queued.last_error.startswith("too late to be news") and box.received == []


def test_a_rider_without_a_usable_address_is_skipped_with_the_reason(
    enrolled: PlatformHandle, send: Send, run_job: Run, engine: Engine, mailbox: Mailbox
) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE rider SET email = 'amina at example dot org'"))
    send(enrolled, CORRECTED)
    dispatch(run_job)
    [queued] = mails(engine)
    assert queued.status == OutboxStatus.skipped and queued.last_error == "the rider has no usable e-mail address"


def _made(engine: Engine, kind: decisions.DecisionKind, key: str) -> decisions.Made:
    with engine.connect() as conn:
        platform_id = conn.execute(text("SELECT id FROM platform")).scalar_one()
    return decisions.Made(
        key=key,
        rider_id=rider_id(engine),
        platform_id=platform_id,
        kind=kind,
        decided_by="gateway:test",
        outcome="refused",
        decided_at=TEST_NOW,
    )


def test_a_recorded_decision_mails_the_rider_once_and_a_correction_does_not(
    enrolled: PlatformHandle, run_job: Run, engine: Engine, mailbox: Mailbox
) -> None:
    refused = _made(engine, decisions.DecisionKind.BOOKING_REFUSED, "booking:msg-9:refused")
    corrected = _made(engine, decisions.DecisionKind.BOOKING_CORRECTED, "violation:1")
    for _ in range(2):  # a replayed webhook, a job run again: recorded once, mailed once
        with Session(engine) as session:
            decisions.record(session, refused, corrected)
            session.commit()
    [queued] = mails(engine)
    assert queued.kind == "notification.decision"
    dispatch(run_job)
    [mail] = mailbox.received
    assert mail.message["Subject"] == "A decision about your work on demo"
    assert "a decision about your work on demo was recorded: a booking refused." in mail.body
    assert "ask a person to review it" in mail.body


def test_decisions_derived_from_the_past_mail_nobody(enrolled: PlatformHandle, engine: Engine) -> None:
    with Session(engine) as session:
        decisions.record(session, _made(engine, decisions.DecisionKind.PAYOUT_HELD, "payout:1"), notify=False)
        session.commit()
    assert mails(engine) == []


def test_a_review_answer_mails_the_outcome(
    enrolled: PlatformHandle, run_job: Run, engine: Engine, mailbox: Mailbox, settings: Settings
) -> None:
    with Session(engine) as session:
        platform_id = session.execute(text("SELECT id FROM platform")).scalar_one()
        notice = notifications.ReviewAnswerNotice(
            decision_id=7, decision_kind="payout_held", outcome="overturned", platform_id=platform_id
        )
        notifications.notify(session, rider_id=rider_id(engine), notice=notice, now=TEST_NOW)
        session.commit()
    dispatch(run_job)
    [mail] = mailbox.received
    assert mail.message["Subject"] == "Your review request was answered: decision overturned"
    assert "(a payment held back)" in mail.body and "The written answer, with its reasons, is on your page" in mail.body


@pytest.mark.parametrize("kind", list(decisions.DecisionKind))
def test_every_decision_kind_is_worded_in_every_language(kind: decisions.DecisionKind) -> None:
    from gateway.domains.notifications import emails

    for lang in ("en", "fr", "nl"):
        payload = emails.DecisionPayload(decision_kind=kind.value, status="in_effect", decided_at=TEST_NOW)
        body = emails.render(NotificationKind.DECISION, lang, emails.decision_context(payload, lang, "demo", "u")).body
        other = emails.render(
            NotificationKind.DECISION,
            lang,
            emails.decision_context(payload.model_copy(update={"decision_kind": "?"}), lang, "demo", "u"),
        ).body
        assert body != other, (kind, lang)  # its own words, not the fallback's


def test_the_decisions_the_contract_mail_tells_are_named_by_their_kinds() -> None:
    # A typo here would mail every correction a second time.
    assert {k.value for k in decisions.DecisionKind} >= notifications.TOLD_BY_CONTRACT_MAIL


# aiosmtpd warns that AUTH without TLS is unsafe: here the server and the gateway are the same process, on loopback.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_uses_the_password_and_a_refused_login_is_retried_without_showing_it(
    enrolled: PlatformHandle,
    send: Send,
    run_job: Run,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from tests.domains.notifications.conftest import Mailbox

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"coop", b"s3cret-pw")
        return AuthResult(success=ok, handled=False)

    box, port = Mailbox(), free_port()
    server = Controller(
        box, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_required=True, auth_require_tls=False
    )
    server.start()
    try:
        # A relay on this host: SMTP AUTH without TLS is allowed to loopback only.
        mail_settings(monkeypatch, port, SMTP_USERNAME="coop", SMTP_PASSWORD="wrong-pw")
        send(enrolled, CORRECTED)
        dispatch(run_job)
        [queued] = mails(engine)
        assert (queued.status, queued.failures) == (OutboxStatus.pending, 1) and box.received == []
        assert queued.last_error is not None and "535" in queued.last_error
        assert "wrong-pw" not in queued.last_error and "wrong-pw" not in caplog.text
        mail_settings(monkeypatch, port, SMTP_USERNAME="coop", SMTP_PASSWORD="s3cret-pw")
        dispatch(run_job, TEST_NOW + timedelta(minutes=1))
        assert [m.recipients for m in box.received] == [["amina@example.org"]]
    finally:
        server.stop()


def test_a_contract_opened_blocked_says_it_is_on_hold_and_not_that_the_offer_was_corrected() -> None:
    from gateway.domains.notifications import emails

    doc = emails.ContractDocument.model_validate(
        {
            "platform": "demo",
            "rider_id": "r-1",
            "status": "blocked",
            "shift": {
                "starts_at": "2026-12-01T09:00:00Z",
                "ends_at": "2026-12-01T13:00:00Z",
                "timezone": "Europe/Brussels",
            },
            "guaranteed_paid_hours": "4.00",
            "pay": {"hourly_gross": "14.00", "hourly_net": "12.17", "currency": "EUR"},
            "corrections": [{"code": "identity_incomplete", "action": "blocked"}],
        }
    )
    body = emails.render(NotificationKind.CONTRACT_OPENED, "fr", emails.contract_context(doc, "fr", "demo", "u")).body
    assert "Ce contrat est en attente jusqu'à ce que votre identité soit complète" in body
    assert "corrigée" not in body and "de 10:00 à 14:00" in body
