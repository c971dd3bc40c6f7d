"""The sepa rail: due payouts become one pain.001 batch per run, valid against the XSD sepaxml ships, rebuilt byte
for byte; the fund's staff release it, and only then does the guarantee fund advance the money."""

from __future__ import annotations

import hashlib
import logging
import stat
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from gateway.cli import app as cli
from gateway.domains.contracts.models import Contract
from gateway.domains.fund import service as fund
from gateway.domains.jobs import service as failures
from gateway.domains.members import service as members
from gateway.domains.members.models import IdentityRead
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.vault import vault_of
from gateway.domains.payouts import batches, sepa
from gateway.domains.payouts.models import Payout, PayoutBatch, PayoutTransfer
from gateway.domains.staff.models import AuditEntry
from gateway.domains.staff.service import add_member as add_staff
from gateway.settings import Settings, get_settings
from tests.conftest import Clock, PlatformHandle, as_it_happens, event, fund_opening_balance

Send = Callable[..., Any]
Run = Callable[..., int]
STAFF = {"Authorization": "Bearer staff-token-for-tests"}
DEBTOR_IBAN = "BE71096123456769"
# Riders r-1 and r-2 have members with an IBAN; r-3's member has none; r-4 is linked to no member.
IBANS = {"M-1": "BE68539007547034", "M-2": "NL91ABNA0417164300"}
SETTLED_AT = "2026-12-01T13:00:00+01:00"
DUE_AT = "2026-12-10T08:00:00+01:00"


def at(text_: str) -> datetime:
    return datetime.fromisoformat(text_).astimezone(UTC)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        env="test",
        scheduler=False,
        payout_rail="sepa",
        payout_debtor_name="SMart Coop",
        payout_debtor_iban=DEBTOR_IBAN,
        payout_debtor_bic="GKCCBEBB",
        payout_batch_dir=tmp_path / "batches",
        admin_token=SecretStr("staff-token-for-tests"),
    )


@pytest.fixture
def send(send: Send, clock: Clock) -> Send:
    return as_it_happens(send, clock)


def _member(engine: Engine, settings: Settings, number: str, iban: str | None) -> None:
    with Session(engine) as session:
        data = IdentityIn(first_name="Rider", last_name=number, iban=iban) if iban else IdentityIn(first_name="Rider")
        members.create(session, vault_of(settings), data, at("2026-11-20T10:00:00+01:00"), number=number)
        session.commit()


def _shift(p: PlatformHandle, send: Send, rider: str, code: str, member: str | None) -> None:
    extra = {"member_id": member} if member else {}
    r = send(p, event("rider.enrolled", rider_id=rider, name=f"Rider {rider}", email=f"{rider}@example.org", **extra))
    assert r.status_code == 200, r.text
    booked = event(
        "shift.booked",
        shift_code=code,
        rider_id=rider,
        starts_at="2026-12-01T10:00:00+01:00",
        ends_at="2026-12-01T12:00:00+01:00",
    )
    assert send(p, booked).status_code == 200
    assert send(p, event("shift.started", shift_code=code, at="2026-12-01T10:00:00+01:00")).status_code == 200
    assert send(p, event("shift.ended", shift_code=code, at="2026-12-01T12:10:00+01:00")).status_code == 200


@pytest.fixture
def settled(platform: PlatformHandle, send: Send, run_job: Run, engine: Engine, settings: Settings) -> PlatformHandle:
    """Two riders who can be paid (S-1, S-2), one whose member has no IBAN (S-3), one with no member (S-4)."""
    for number, iban in IBANS.items():
        _member(engine, settings, number, iban)
    _member(engine, settings, "M-3", None)
    for i, member in enumerate(["M-1", "M-2", "M-3", None], start=1):
        _shift(platform, send, f"r-{i}", f"S-{i}", member)
    assert run_job("contracts.settle", at(SETTLED_AT)) == 4
    return platform


def _batches(engine: Engine) -> list[PayoutBatch]:
    with Session(engine) as session:
        return list(session.exec(select(PayoutBatch).order_by(col(PayoutBatch.id))).all())


def _transfers(engine: Engine) -> list[PayoutTransfer]:
    with Session(engine) as session:
        return list(session.exec(select(PayoutTransfer).order_by(col(PayoutTransfer.id))).all())


def _payouts(engine: Engine) -> dict[str, Payout]:
    with Session(engine) as session:
        rows = session.exec(select(Contract.shift_code, Payout).join(Payout, col(Payout.contract_id) == Contract.id))
        return {code: payout for code, payout in rows.all()}


def test_a_run_writes_one_pain001_batch_valid_against_the_xsd(
    settled: PlatformHandle, run_job: Run, engine: Engine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert run_job("payouts.execute", at("2026-12-09T23:59:00+01:00")) == 0  # not due yet: no batch
    assert _batches(engine) == []
    assert run_job("payouts.execute", at(DUE_AT)) == 2

    [batch] = _batches(engine)
    path = batches.path_of(settings, batch)
    data = path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds IBANs
    sepa.validate(data)  # against pain.001.001.09.xsd, as shipped by sepaxml
    assert batch.status == "built" and batch.count == 2 and batch.checksum == hashlib.sha256(data).hexdigest()
    payouts = _payouts(engine)
    assert sorted(sepa.end_to_end_ids(data)) == sorted(payouts[c].id.hex for c in ("S-1", "S-2"))
    document = data.decode()
    assert f"<MsgId>{batch.message_id}</MsgId>" in document
    assert f"<DbtrAcct><Id><IBAN>{DEBTOR_IBAN}</IBAN>" in document
    assert all(f"<IBAN>{iban}</IBAN>" in document for iban in IBANS.values())
    assert "<Ustrd>Shift 2026-12-01 demo S-1</Ustrd>" in document
    assert f"<CtrlSum>{batch.total}</CtrlSum>" in document
    assert batch.total == payouts["S-1"].amount + payouts["S-2"].amount
    # Built is not paid, and the fund has advanced nothing yet.
    assert {payouts[c].status for c in ("S-1", "S-2")} == {"batched"} and payouts["S-1"].paid_at is None
    with Session(engine) as session:
        assert fund.balances(session).platform_debts == {}
        # Each clear IBAN was read through the audited reveal, with the batch as purpose.
        reads = session.exec(select(IdentityRead)).all()
    assert len(reads) == 2 and all(batch.message_id in r.purpose and r.field == "iban" for r in reads)
    assert not any(iban in caplog.text for iban in IBANS.values())


def test_rebuilding_a_batch_gives_the_same_file_byte_for_byte(
    settled: PlatformHandle, run_job: Run, engine: Engine, settings: Settings
) -> None:
    run_job("payouts.execute", at(DUE_AT))
    [batch] = _batches(engine)
    built = batches.path_of(settings, batch).read_bytes()
    with Session(engine) as session:
        again = batches.render(session, settings, vault_of(settings), batch, at(DUE_AT), "test")
        later = batches.render(session, settings, vault_of(settings), batch, at("2027-01-01T00:00:00+01:00"), "test")
    assert again == built == later


def test_a_payout_is_in_one_batch_only(settled: PlatformHandle, run_job: Run, engine: Engine) -> None:
    assert run_job("payouts.execute", at(DUE_AT)) == 2
    assert run_job("payouts.execute", at("2026-12-10T09:00:00+01:00")) == 0
    assert len(_batches(engine)) == 1
    transfers = _transfers(engine)
    assert len(transfers) == 2 and len({t.payout_id for t in transfers}) == 2
    assert all(t.batch_id == _batches(engine)[0].id and t.attempt == 1 for t in transfers)


def test_concurrent_runs_put_each_payout_in_exactly_one_batch(
    platform: PlatformHandle, send: Send, run_job: Run, engine: Engine, settings: Settings, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("SQLite has one writer at a time; the concurrent claim is PostgreSQL's SKIP LOCKED")
    riders = 12
    for i in range(riders):
        _member(engine, settings, f"M-{i}", IBANS["M-1"])
        _shift(platform, send, f"r-{i}", f"S-{i}", f"M-{i}")
    assert run_job("contracts.settle", at(SETTLED_AT)) == riders
    with ThreadPoolExecutor(4) as pool:
        planned = list(pool.map(lambda _: run_job("payouts.execute", at(DUE_AT)), range(4)))
    assert sum(planned) == riders
    transfers = _transfers(engine)
    assert len(transfers) == riders and len({t.payout_id for t in transfers}) == riders
    assert all(t.batch_id is not None for t in transfers)
    assert sum(b.count for b in _batches(engine)) == riders


def test_a_payout_without_a_member_or_an_iban_is_set_aside_and_the_batch_goes_on(
    settled: PlatformHandle, run_job: Run, engine: Engine, client: TestClient
) -> None:
    run_job("payouts.execute", at(DUE_AT))
    [batch] = _batches(engine)
    assert batch.count == 2
    payouts = _payouts(engine)
    assert payouts["S-3"].status == payouts["S-4"].status == "scheduled"
    with Session(engine) as session:
        aside = failures.failures(session, "payouts.execute")
    reasons = {f.row_key.replace("-", ""): f.message for f in aside}
    assert "member M-3 has no IBAN" in reasons[payouts["S-3"].id.hex]
    assert "is not linked to a member" in reasons[payouts["S-4"].id.hex]
    # Listed for staff, where set-aside rows are.
    listed = client.get("/v1/admin/jobs/failures", headers=STAFF)
    assert listed.status_code == 200 and len(listed.json()) == 2


def test_every_answer_masks_the_iban(
    settled: PlatformHandle,
    run_job: Run,
    engine: Engine,
    client: TestClient,
    settings: Settings,
    fresh_settings: None,
) -> None:
    run_job("payouts.execute", at(DUE_AT))
    [batch] = _batches(engine)
    listed = client.get("/v1/admin/payouts/batches", headers=STAFF)
    shown = client.get(f"/v1/admin/payouts/batches/{batch.id}", headers=STAFF)
    missing = client.get("/v1/admin/payouts/batches/999999", headers=STAFF)
    assert listed.status_code == shown.status_code == 200 and missing.status_code == 404
    assert client.get(f"/v1/admin/payouts/batches/{2**31}", headers=STAFF).status_code == 422  # bounded, not a 500
    assert listed.json()[0]["message_id"] == batch.message_id
    assert {t["iban"] for t in shown.json()["transfers"]} == {"•••• " + i[-4:] for i in IBANS.values()}
    for answer in (listed, shown, missing):
        assert not any(iban in answer.text for iban in IBANS.values())
    show = CliRunner().invoke(cli, ["payouts", "show", str(batch.id)], env=_env(settings))
    assert show.exit_code == 0, show.output
    assert "•••• 7034" in show.output and not any(iban in show.output for iban in IBANS.values())


def test_the_download_is_for_the_fund_role_and_audited(
    settled: PlatformHandle, run_job: Run, engine: Engine, client: TestClient, settings: Settings
) -> None:
    run_job("payouts.execute", at(DUE_AT))
    [batch] = _batches(engine)
    with Session(engine) as session:
        treasurer = add_staff(session, "fiona", ["fund"], settings.credential_pepper.get_secret_value())
        clerk = add_staff(session, "nadia", ["members"], settings.credential_pepper.get_secret_value())
        session.commit()
    url = f"/v1/admin/payouts/batches/{batch.id}/file"
    assert client.get(url).status_code == 401
    refused = client.get(url, headers={"Authorization": f"Bearer {clerk}"})
    assert refused.status_code == 403 and not any(iban in refused.text for iban in IBANS.values())
    got = client.get(url, headers={"Authorization": f"Bearer {treasurer}"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/xml")
    assert got.content == batches.path_of(settings, batch).read_bytes()
    with Session(engine) as session:
        audited = session.exec(select(AuditEntry).where(AuditEntry.action == "payouts.batch.downloaded")).all()
    assert [a.actor for a in audited] == ["staff:fiona"]

    # A lost file is rebuilt, the same bytes; a file changed on disk is refused, not served.
    path = batches.path_of(settings, batch)
    path.unlink()
    assert client.get(url, headers=STAFF).content == got.content
    path.write_bytes(got.content.replace(b"SMart Coop", b"Someone Else"))
    assert client.get(url, headers=STAFF).status_code == 409


def _release(client: TestClient, batch: PayoutBatch, **body: Any) -> Any:
    return client.post(f"/v1/admin/payouts/batches/{batch.id}/release", json=body, headers=STAFF)


def test_release_books_the_fund_advances_and_sends_the_transfers(
    settled: PlatformHandle, run_job: Run, engine: Engine, client: TestClient
) -> None:
    assert client.post("/v1/admin/fund/deposits", json={"amount": "1000.00"}, headers=STAFF).status_code == 200
    run_job("payouts.execute", at(DUE_AT))
    [batch] = _batches(engine)
    r = _release(client, batch)
    assert r.status_code == 200, r.text
    assert Decimal(r.json()["advanced"]) == batch.total
    assert Decimal(r.json()["fund_cash"]) == Decimal("1000.00") - batch.total
    with Session(engine) as session:
        b = fund.balances(session)
    assert b.cash == Decimal("1000.00") - batch.total and b.platform_debts == {"demo": batch.total}
    assert b.unbalanced_transactions == 0
    payouts = _payouts(engine)
    assert payouts["S-1"].status == "sent" and payouts["S-1"].funded_by == "guarantee_fund"
    assert payouts["S-1"].reference == payouts["S-1"].id.hex and payouts["S-1"].paid_at is None
    assert {t.status for t in _transfers(engine)} == {"sent"}
    assert _batches(engine)[0].status == "released"
    assert _release(client, batch).status_code == 409  # released once


def test_release_refuses_a_negative_fund_without_a_staff_decision(
    settled: PlatformHandle, run_job: Run, engine: Engine, client: TestClient
) -> None:
    run_job("payouts.execute", at(DUE_AT))
    [batch] = _batches(engine)
    refused = _release(client, batch)
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    assert "guarantee fund" in refused.json()["detail"]
    assert _release(client, batch, allow_negative=True).status_code == 422  # a decision needs its reason
    with Session(engine) as session:
        assert fund.balances(session).cash == 0 and _batches(engine)[0].status == "built"

    ok = _release(client, batch, allow_negative=True, reason="board decision 2026-12-10: advance despite the deficit")
    assert ok.status_code == 200, ok.text
    with Session(engine) as session:
        assert fund.balances(session).cash == -batch.total
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "payouts.batch.released")).all()
    assert entry.detail["allow_negative"] is True and entry.detail["reason"].startswith("board decision")
    assert entry.detail["advanced"] == str(batch.total)


def test_a_returned_transfer_goes_into_a_later_batch_as_a_new_attempt(
    settled: PlatformHandle, run_job: Run, engine: Engine, client: TestClient
) -> None:
    client.post("/v1/admin/fund/deposits", json={"amount": "1000.00"}, headers=STAFF)
    run_job("payouts.execute", at(DUE_AT))
    [first] = _batches(engine)
    assert _release(client, first).status_code == 200
    returned = next(t for t in _transfers(engine) if t.iban_last4 == "7034")
    with Session(engine) as session:
        t = session.get(PayoutTransfer, returned.id)
        assert t is not None
        batches.mark_failed(session, t, "AC04", at("2026-12-11T10:00:00+01:00"))
        payout = session.get(Payout, t.payout_id)
        assert payout is not None
        batches.retry(session, payout)  # the member corrected the IBAN
        session.commit()
    assert run_job("payouts.execute", at("2026-12-12T08:00:00+01:00")) == 1
    second = _batches(engine)[-1]
    assert second.id != first.id and second.count == 1
    retry = _transfers(engine)[-1]
    assert (
        retry.attempt == 2 and retry.end_to_end_id == f"{returned.end_to_end_id}-R1" and len(retry.end_to_end_id) <= 35
    )
    # The advance was booked once, with the first attempt.
    before = client.get("/v1/admin/fund", headers=STAFF).json()["cash"]
    assert _release(client, second).status_code == 200
    assert client.get("/v1/admin/fund", headers=STAFF).json()["cash"] == before


def test_a_transfer_the_statement_shows_pays_the_contract(
    settled: PlatformHandle, run_job: Run, engine: Engine, client: TestClient
) -> None:
    client.post("/v1/admin/fund/deposits", json={"amount": "1000.00"}, headers=STAFF)
    run_job("payouts.execute", at(DUE_AT))
    [batch] = _batches(engine)
    _release(client, batch)
    with Session(engine) as session:
        for t in session.exec(select(PayoutTransfer)).all():
            batches.mark_paid(session, t, at("2026-12-11T10:00:00+01:00"))
        session.commit()
    contract = client.get(f"/v1/platforms/{settled.slug}/shifts/S-1/contract", headers=settled.auth).json()
    assert contract["status"] == "paid" and contract["payout"]["funded_by"] == "guarantee_fund"


def test_end_to_end_ids_name_the_attempt_within_35_characters() -> None:
    pid = "0" * 32
    assert batches.end_to_end_id(pid, 1) == pid
    assert batches.end_to_end_id(pid, 2) == pid + "-R1"
    assert all(len(batches.end_to_end_id(pid, n)) <= 35 for n in range(1, 11))
    with pytest.raises(batches.NoAccount):
        batches.end_to_end_id(pid, 11)  # never truncated into another attempt's id


def test_an_invalid_document_is_never_released() -> None:
    debtor = sepa.Debtor("SMart Coop", "NOT-AN-IBAN", None)
    transfer = sepa.Transfer("a" * 32, Decimal("10.00"), "EUR", "Rider", IBANS["M-1"], None, "Shift")
    with pytest.raises(sepa.InvalidFile) as raised:
        sepa.build("GW-1", datetime(2026, 12, 10, tzinfo=UTC), date(2026, 12, 10), debtor, [transfer])
    assert "NOT-AN-IBAN" not in str(raised.value) and IBANS["M-1"] not in str(raised.value)


def test_the_sepa_rail_needs_the_cooperatives_account(database_url: str) -> None:
    with pytest.raises(ValueError, match="GATEWAY_PAYOUT_DEBTOR_IBAN"):
        Settings(database_url=database_url, env="test", payout_rail="sepa", payout_debtor_name="SMart Coop")
    wrong = "BE71096123456760"  # one digit off
    with pytest.raises(ValueError, match="GATEWAY_PAYOUT_DEBTOR_IBAN or _BIC is not valid") as raised:
        Settings(env="test", payout_rail="sepa", payout_debtor_name="SMart Coop", payout_debtor_iban=wrong)
    assert wrong not in str(raised.value)
    spaced = Settings(
        env="test", payout_rail="sepa", payout_debtor_name="SMart", payout_debtor_iban="BE71 0961 2345 6769"
    )
    assert spaced.payout_debtor_iban == DEBTOR_IBAN  # the file takes the electronic form


def _env(settings: Settings) -> dict[str, str]:
    return {
        "GATEWAY_DATABASE_URL": settings.database_url,
        "GATEWAY_PAYOUT_RAIL": "sepa",
        "GATEWAY_PAYOUT_DEBTOR_NAME": settings.payout_debtor_name,
        "GATEWAY_PAYOUT_DEBTOR_IBAN": settings.payout_debtor_iban,
        "GATEWAY_PAYOUT_DEBTOR_BIC": settings.payout_debtor_bic,
        "GATEWAY_PAYOUT_BATCH_DIR": str(settings.payout_batch_dir),
    }


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_cli_lists_downloads_and_releases_with_an_audited_decision(
    settled: PlatformHandle, run_job: Run, engine: Engine, settings: Settings, tmp_path: Path, fresh_settings: None
) -> None:
    run_job("payouts.execute", at(DUE_AT))
    [batch] = _batches(engine)
    runner = CliRunner()
    env = _env(settings)
    listed = runner.invoke(cli, ["payouts", "batches"], env=env)
    assert listed.exit_code == 0 and batch.message_id in listed.output

    out = tmp_path / "to-the-bank.xml"
    got = runner.invoke(cli, ["payouts", "download", str(batch.id), "--out", str(out)], env=env)
    assert got.exit_code == 0, got.output
    assert out.read_bytes() == batches.path_of(settings, batch).read_bytes()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    refused = runner.invoke(cli, ["payouts", "release", str(batch.id)], env=env)
    assert refused.exit_code == 1 and "guarantee fund" in refused.output
    decided = runner.invoke(
        cli, ["payouts", "release", str(batch.id), "--allow-negative", "--reason", "board decision"], env=env
    )
    assert decided.exit_code == 0, decided.output
    with Session(engine) as session:
        actions = [a.action for a in session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()]
    assert actions[-2:] == ["payouts.batch.downloaded", "payouts.batch.released"]


def test_the_local_rail_still_pays_at_once(
    settled: PlatformHandle, run_job: Run, engine: Engine, app: FastAPI, settings: Settings, book: Any
) -> None:
    from gateway.jobs import JobContext
    from gateway.jobs import run_job as run

    local = settings.model_copy(update={"payout_rail": "local"})
    fund_opening_balance(engine)
    assert run("payouts.execute", JobContext(engine, local, book, lambda: at(DUE_AT))) == 4
    assert _batches(engine) == [] and {p.status for p in _payouts(engine).values()} == {"paid"}
