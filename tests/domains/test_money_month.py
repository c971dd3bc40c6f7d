"""A month of money, end to end, on both databases (issue 17): 50 riders on two platforms, one of them insolvent in
the middle. Every rider's pay is in exactly one validated pain.001, a camt.053 marks it paid, two returned transfers
come back failed and are paid again after the IBAN is corrected, every invoice passes the Peppol rules, and the
fund's ledger balances to the cent against figures computed here from the settlements."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from schwifty import IBAN
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from gateway.domains.contracts.models import Contract
from gateway.domains.fund import service as fund
from gateway.domains.fund.models import LedgerEntry
from gateway.domains.invoicing import ubl
from gateway.domains.invoicing.service import invoice_document
from gateway.domains.invoicing.settings import InvoicingSettings, Party
from gateway.domains.members import service as members
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.vault import vault_of
from gateway.domains.payouts import batches, sepa
from gateway.domains.payouts.models import Payout, PayoutBatch, PayoutTransfer
from gateway.domains.platforms.models import Platform
from gateway.domains.settlement.models import Invoice, Settlement
from gateway.settings import Settings
from tests.conftest import Clock, PlatformHandle, event
from tests.domains.invoicing.peppol_rules import check
from tests.domains.payouts.bank_statements import Paid, Returned, camt053, camt054
from tests.domains.test_sepa_payouts import STAFF, at, send, settings

__all__ = ["send", "settings"]

RIDERS = 50
DEPOSIT = Decimal("20000.00")
BUYER = {"name": "Alpha Delivery BV", "enterprise_number": "0203.201.340", "vat_number": "BE 0203.201.340",
         "street": "Wetstraat 1", "city": "Brussel", "postcode": "1000"}  # fmt: skip
XML = {**STAFF, "content-type": "application/xml"}
# Platform A ("alpha") works the whole month; B ("beta") works two shifts and is declared insolvent on the 10th.
SHIFTS = {"alpha": ("2026-12-03", "2026-12-17"), "beta": ("2026-12-03", "2026-12-08")}


def iban(i: int) -> str:
    return str(IBAN.generate("BE", bank_code=f"{100 + i:03d}", account_code=f"{1000 + i:07d}"))


def _work(p: PlatformHandle, send: Callable[..., Any], rider: str, code: str, day: str) -> None:
    booked = event("shift.booked", shift_code=code, rider_id=rider,
                   starts_at=f"{day}T10:00:00+01:00", ends_at=f"{day}T13:00:00+01:00")  # fmt: skip
    assert send(p, booked).status_code == 200
    assert send(p, event("shift.started", shift_code=code, at=f"{day}T10:00:00+01:00")).status_code == 200
    assert send(p, event("shift.ended", shift_code=code, at=f"{day}T13:05:00+01:00")).status_code == 200


def _all(engine: Engine, model: Any) -> list[Any]:
    with Session(engine) as session:
        return list(session.exec(select(model).order_by(col(model.id))).all())


def _pay_issued_invoices(client: TestClient, engine: Engine, slug: str) -> None:
    with Session(engine) as session:
        issued = session.exec(
            select(Invoice.id).join(Platform, col(Platform.id) == Invoice.platform_id)
            .where(Platform.slug == slug, Invoice.status == "issued")
        ).all()  # fmt: skip
    for invoice_id in issued:
        r = client.post(f"/v1/admin/invoices/{invoice_id}/payment", headers=STAFF)
        assert r.status_code == 200, r.text


def _release_new_batches(client: TestClient, engine: Engine, settings: Settings, seen: set[int]) -> list[bytes]:
    files = []
    for batch in _all(engine, PayoutBatch):
        if batch.id in seen:
            continue
        seen.add(batch.id)
        data = batches.path_of(settings, batch).read_bytes()
        sepa.validate(data)  # against pain.001.001.09.xsd
        files.append(data)
        r = client.post(f"/v1/admin/payouts/batches/{batch.id}/release", json={}, headers=STAFF)
        assert r.status_code == 200, r.text
    return files


def _import(client: TestClient, data: bytes) -> dict[str, Any]:
    r = client.post("/v1/admin/payouts/statements", content=data, headers=XML)
    assert r.status_code == 200, r.text
    report: dict[str, Any] = r.json()
    return report


def test_a_month_of_50_riders_on_two_platforms_one_insolvent_pays_everyone_once_and_balances(
    app: FastAPI,
    client: TestClient,
    make_platform: Callable[..., PlatformHandle],
    send: Callable[..., Any],
    run_job: Callable[..., int],
    engine: Engine,
    settings: Settings,
    clock: Clock,
) -> None:
    app.state.settings = settings.model_copy(update={"admin_token": SecretStr("staff-token-for-tests")})
    config = InvoicingSettings(
        buyers={"alpha": Party(**BUYER), "beta": Party(**{**BUYER, "name": "Beta Delivery SRL"})}
    )
    app.state.invoicing_settings = config
    alpha, beta = make_platform("alpha"), make_platform("beta")
    platform_of = {f"r-{i}": (alpha if i % 2 == 0 else beta) for i in range(RIDERS)}
    assert client.post("/v1/admin/fund/deposits", json={"amount": str(DEPOSIT)}, headers=STAFF).status_code == 200

    with Session(engine) as session:
        for i in range(RIDERS):
            data = IdentityIn(first_name="Rider", last_name=f"M-{i}", iban=iban(i))
            members.create(session, vault_of(settings), data, at("2026-11-20T10:00:00+01:00"), number=f"M-{i}")
        session.commit()
    for i, (rider, p) in enumerate(platform_of.items()):
        body = event("rider.enrolled", rider_id=rider, name=f"Rider {i}", email=f"r{i}@example.org", member_id=f"M-{i}")
        assert send(p, body).status_code == 200

    # First half of the month: both platforms' riders work; settled and invoiced the next day; A pays its invoices.
    for rider, p in platform_of.items():
        _work(p, send, rider, f"{rider}-1", SHIFTS[p.slug][0])
    assert run_job("contracts.settle", at("2026-12-04T02:00:00+01:00")) == RIDERS
    run_job("invoices.issue", at("2026-12-04T03:00:00+01:00"))
    _pay_issued_invoices(client, engine, "alpha")
    for rider, p in platform_of.items():
        if p is beta:
            _work(p, send, rider, f"{rider}-2", SHIFTS["beta"][1])

    # B stops on the 10th: its last shifts are settled by the declaration, its invoices are defaulted.
    clock.fixed = at("2026-12-10T20:00:00+01:00")
    r = client.post("/v1/admin/platforms/beta/insolvency", headers=STAFF)
    assert r.status_code == 200, r.text
    assert r.json()["contracts_settled"] == RIDERS // 2

    for rider, p in platform_of.items():
        if p is alpha:
            _work(p, send, rider, f"{rider}-2", SHIFTS["alpha"][1])
    assert run_job("contracts.settle", at("2026-12-18T02:00:00+01:00")) == RIDERS // 2
    run_job("invoices.issue", at("2026-12-18T03:00:00+01:00"))
    _pay_issued_invoices(client, engine, "alpha")

    # Payouts on each due date: one batch per run, each validated and released by the fund's staff.
    with Session(engine) as session:
        due_days = sorted({p.due_on for p in session.exec(select(Payout)).all()})
    released: set[int] = set()
    pain_files: list[bytes] = []
    for day in due_days:
        run_job("payouts.execute", at(f"{day.isoformat()}T08:00:00+01:00"))
        clock.fixed = at(f"{day.isoformat()}T09:00:00+01:00")  # the fund's staff release it that morning
        pain_files += _release_new_batches(client, engine, settings, released)
    transfers = _all(engine, PayoutTransfer)
    payouts = {p.id: p for p in _all(engine, Payout)}
    assert len(payouts) == 2 * RIDERS and len(transfers) == 2 * RIDERS
    assert {p.status for p in payouts.values()} == {"sent"}

    clock.fixed = at("2026-12-30T08:00:00+01:00")  # the bank's files of the month are imported
    # The bank books all but two; two come back (closed account, wrong account number).
    back = [
        next(t for t in transfers if payouts[t.payout_id].funded_by == who) for who in ("platform", "guarantee_fund")
    ]
    returned_ids = {t.id for t in back}
    paid_lines = [Paid(t.end_to_end_id, t.amount) for t in transfers if t.id not in returned_ids]
    report = _import(client, camt053(paid_lines, opening=Decimal("100000.00")))
    assert (report["paid"], report["unknown"]) == (2 * RIDERS - 2, 0)
    returns = [Returned(t.end_to_end_id, t.amount, reason=code) for t, code in zip(back, ("AC04", "AC01"), strict=True)]
    report = _import(client, camt054(returns))
    assert report["returned"] == 2 and all(line["rider_must_correct_iban"] for line in report["lines"])
    assert Counter(p.status for p in _all(engine, Payout)) == {"paid": 2 * RIDERS - 2, "failed": 2}

    # The two riders correct their IBAN; the next run sends both again as new attempts; the bank pays them.
    new_ibans = [str(IBAN.generate("BE", bank_code="539", account_code=f"{7000 + n:07d}")) for n in range(2)]
    with Session(engine) as session:
        contracts = {c.id: c for c in session.exec(select(Contract)).all()}
        for t, new in zip(back, new_ibans, strict=True):
            rider_number = int(contracts[payouts[t.payout_id].contract_id].shift_code.split("-")[1])
            member = members.by_number(session, f"M-{rider_number}")
            assert member is not None and member.iban_rejected_at is not None
            members.update(session, vault_of(settings), member, IdentityIn(iban=new), at("2026-12-30T09:00:00+01:00"))
        session.commit()
    assert run_job("payouts.execute", at("2026-12-31T08:00:00+01:00")) == 2
    clock.fixed = at("2026-12-31T09:00:00+01:00")
    retry_files = _release_new_batches(client, engine, settings, released)
    assert len(retry_files) == 1
    retries = [t for t in _all(engine, PayoutTransfer) if t.attempt > 1]
    assert sorted(t.end_to_end_id for t in retries) == sorted(f"{t.end_to_end_id}-R1" for t in back)
    assert sorted(t.iban_last4 for t in retries) == sorted(new[-4:] for new in new_ibans)
    assert _import(client, camt053([Paid(t.end_to_end_id, t.amount) for t in retries]))["paid"] == 2
    final = _all(engine, Payout)
    assert {p.status for p in final} == {"paid"}

    # Every payout is in exactly one first-attempt pain.001; the two retried ones also in exactly one retry file.
    first_ids = Counter(e for data in pain_files for e in sepa.end_to_end_ids(data))
    retry_ids = Counter(e for data in retry_files for e in sepa.end_to_end_ids(data))
    by_payout = {t.payout_id: t for t in transfers}
    assert set(first_ids) == {by_payout[p.id].end_to_end_id for p in final} and set(first_ids.values()) == {1}
    assert retry_ids == Counter(t.end_to_end_id for t in retries)
    all_transfers = _all(engine, PayoutTransfer)
    paid_total = sum((t.amount for t in all_transfers if t.status == "paid"), Decimal("0.00"))

    # Independent figures, from the settlements and invoices.
    with Session(engine) as session:
        slugs = {p.id: p.slug for p in session.exec(select(Platform)).all()}
        platform_of_contract = {c.id: slugs[c.platform_id] for c in session.exec(select(Contract)).all()}
        settlements = list(session.exec(select(Settlement)).all())
        invoices = list(session.exec(select(Invoice)).all())
        # Every invoice, of both platforms, passes the Peppol BIS 3.0 rules.
        for invoice in invoices:
            assert check(ubl.to_bytes(invoice_document(session, config, invoice.id))) == [], invoice.id
        b = fund.balances(session)
        entries = list(session.exec(select(LedgerEntry)).all())
    owed = sum((s.payout for s in settlements), Decimal("0.00"))
    assert len(settlements) == 2 * RIDERS and paid_total == owed
    first_batches = [b for b in _all(engine, PayoutBatch) if b.count and b.id != max(released)]
    assert sum((b.total for b in first_batches), Decimal("0.00")) == owed
    assert sorted(p.amount for p in final) == sorted(s.payout for s in settlements)
    levies = sum((i.guarantee_levy for i in invoices if i.status == "paid"), Decimal("0.00"))
    assert {slugs[i.platform_id] for i in invoices if i.status == "paid"} == {"alpha"}
    assert Counter(i.status for i in invoices) == {"paid": RIDERS, "defaulted": RIDERS}
    advanced = sum((s.payout for s in settlements if platform_of_contract[s.contract_id] == "beta"), Decimal("0.00"))
    assert {p.funded_by for p in final if platform_of_contract[p.contract_id] == "beta"} == {"guarantee_fund"}
    assert {p.funded_by for p in final if platform_of_contract[p.contract_id] == "alpha"} == {"platform"}

    txns: dict[Any, Decimal] = {}
    for e in entries:
        txns[e.txn_id] = txns.get(e.txn_id, Decimal(0)) + e.amount
    assert set(txns.values()) == {Decimal(0)} and b.unbalanced_transactions == 0
    assert b.cash == DEPOSIT + levies - advanced
    assert b.platform_debts == {"beta": advanced}
    assert levies > 0 and advanced > 0
