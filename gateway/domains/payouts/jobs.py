"""Settling contracts and paying riders on their due dates. Settling a contract schedules its payout in the same
transaction, so the settling jobs live here, above settlement: `contracts.settle`, `contracts.close_stale`, and
`payouts.execute`, which pays every scheduled payout once its day has come."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session, col

from gateway.domains.contracts.models import Contract, ContractStatus
from gateway.domains.decisions import service as decisions
from gateway.domains.fund import service as fund
from gateway.domains.members.vault import vault_of
from gateway.domains.payouts import batches, reconcile
from gateway.domains.payouts.models import Payout
from gateway.domains.payouts.service import held_decision, is_due, pay, rail, settle_and_schedule
from gateway.domains.settlement import service as settlement
from gateway.jobs import JobContext, drain, job
from gateway.plugins import Automated, Said

log = logging.getLogger("gateway.payouts")

# What these jobs decide about riders, for the public transparency notice (directive art. 9).
SETTLED = Automated(
    key="contracts.settle",
    kind="pay_worked_out",
    decides=Said(
        en="Works out each shift's pay once it is over: the hours paid (at least the agreement's minimum), every pay "
        "line with its clause, and what a cancelled shift pays.",
        fr="Calcule la paie de chaque service une fois terminé : les heures payées (au moins le minimum de la "
        "convention), chaque ligne de paie avec sa clause, et ce que paie un service annulé.",
        nl="Berekent het loon van elke dienst zodra die voorbij is: de betaalde uren (minstens het minimum van de "
        "overeenkomst), elke looncomponent met zijn clausule, en wat een geannuleerde dienst betaalt.",
    ),
    data=Said(
        en="The times the platform reported (start, first delivery, end, cancellation and its notice), the hours "
        "already worked that week, the member's payroll status.",
        fr="Les heures que la plateforme a signalées (début, première livraison, fin, annulation et son préavis), "
        "les heures déjà travaillées cette semaine, le statut de paie du membre.",
        nl="De tijden die het platform meldde (begin, eerste levering, einde, annulering en de opzegtermijn), de "
        "uren die die week al gewerkt zijn, het loonstatuut van het lid.",
    ),
    parameters=Said(
        en="The agreement's terms in force on the day of the shift (listed below for each platform), and the wait "
        "after the end before settling (settle_delay_minutes).",
        fr="Les termes de la convention en vigueur le jour du service (listés plus bas pour chaque plateforme), et "
        "l'attente après la fin avant le calcul (settle_delay_minutes).",
        nl="De voorwaarden van de overeenkomst die gelden op de dag van de dienst (hieronder per platform), en de "
        "wachttijd na het einde vóór de berekening (settle_delay_minutes).",
    ),
    values=lambda s: {"settle_delay_minutes": str(s.settle_delay_seconds // 60)},
)
CLOSED_AS_BOOKED = Automated(
    key="contracts.close_stale",
    kind="shift_closed",
    decides=Said(
        en="Closes a shift whose end the platform never reported and pays it as booked, at least the minimum.",
        fr="Clôture un service dont la plateforme n'a jamais signalé la fin et le paie comme réservé, au moins le "
        "minimum.",
        nl="Sluit een dienst af waarvan het platform het einde nooit meldde en betaalt hem zoals geboekt, minstens "
        "het minimum.",
    ),
    data=Said(
        en="The shift's booked end and the events the platform sent.",
        fr="La fin réservée du service et les événements que la plateforme a envoyés.",
        nl="Het geboekte einde van de dienst en de gebeurtenissen die het platform stuurde.",
    ),
    parameters=Said(
        en="The wait after the booked end (close_grace_minutes).",
        fr="L'attente après la fin réservée (close_grace_minutes).",
        nl="De wachttijd na het geboekte einde (close_grace_minutes).",
    ),
    values=lambda s: {"close_grace_minutes": str(s.close_grace_seconds // 60)},
)
PAID_OR_HELD = Automated(
    key="payouts.execute",
    kind="payout_held",
    decides=Said(
        en="Pays each rider on the due date, from the guarantee fund when the platform has not paid; when the fund "
        "cannot cover it, the payout is held and a person at the cooperative decides.",
        fr="Paie chaque coursier à la date prévue, par le fonds de garantie si la plateforme n'a pas payé ; si le "
        "fonds ne peut pas le couvrir, le paiement est retenu et une personne de la coopérative décide.",
        nl="Betaalt elke koerier op de vervaldag, uit het waarborgfonds als het platform niet betaalde; kan het "
        "fonds het niet dekken, dan wordt de betaling tegengehouden en beslist iemand van de coöperatie.",
    ),
    data=Said(
        en="The amount owed and its due date, whether the platform paid its invoice, the fund's balance.",
        fr="Le montant dû et sa date d'échéance, si la plateforme a payé sa facture, le solde du fonds.",
        nl="Het verschuldigde bedrag en de vervaldag, of het platform zijn factuur betaalde, het saldo van het fonds.",
    ),
    parameters=Said(
        en="The agreement's payment term; the fund's cash.",
        fr="Le délai de paiement de la convention ; la trésorerie du fonds.",
        nl="De betalingstermijn van de overeenkomst; de kas van het fonds.",
    ),
)


@job("contracts.settle", every_seconds=60, decides=(SETTLED,))
def settle_completed(ctx: JobContext) -> int:
    """Settle completed contracts once their out-of-order window has passed."""

    def settle_one(session: Session, contract: Contract, now: datetime) -> None:
        settle_and_schedule(session, contract, ctx.book, now, "job contracts.settle")

    return drain(
        ctx,
        "contracts.settle",
        Contract,
        lambda now: [col(Contract.status) == ContractStatus.completed.value, col(Contract.settle_after) <= now],
        col(Contract.settle_after),
        settle_one,
    )


@job("contracts.close_stale", every_seconds=300, decides=(CLOSED_AS_BOOKED,))
def close_stale(ctx: JobContext) -> int:
    """Close and settle shifts that never reported their end: paid as booked, at least the minimum."""

    def close(session: Session, contract: Contract, now: datetime) -> None:
        settlement.close_as_booked(session, contract, now, "job contracts.close_stale", "no end was reported")
        settle_and_schedule(session, contract, ctx.book, now, "job contracts.close_stale")

    return drain(
        ctx,
        "contracts.close_stale",
        Contract,
        lambda now: [
            col(Contract.status).in_([ContractStatus.open.value, ContractStatus.active.value]),
            col(Contract.ends_at) <= now - timedelta(seconds=ctx.settings.close_grace_seconds),
        ],
        col(Contract.ends_at),
        close,
    )


@job("payouts.execute", every_seconds=60, decides=(PAID_OR_HELD,))
def execute_due(ctx: JobContext) -> int:
    """Pay every scheduled payout whose due date has come (in its own time zone)."""
    if ctx.settings.payout_rail == "sepa" and "payments" not in ctx.services:
        return batch_due(ctx)
    payments = rail(ctx)

    def pay_if_due(session: Session, payout: Payout, now: datetime) -> bool:
        if not is_due(payout, now):
            return False
        pay(session, payout, payments, now, "job payouts.execute")
        return True

    # The earliest time zone reaches a date 14 hours before UTC; `is_due` then checks each payout's own.
    return drain(
        ctx,
        "payouts.execute",
        Payout,
        lambda now: [col(Payout.status) == "scheduled", col(Payout.due_on) <= (now + timedelta(hours=14)).date()],
        (col(Payout.due_on), col(Payout.id)),
        pay_if_due,
        platform_of=platform_of,
        on_set_aside=held,
    )


def held(session: Session, payout: Payout, exc: BaseException, now: datetime) -> None:
    """A payout set aside because the fund could not advance it is a decision about its rider (issue 20)."""
    if isinstance(exc, fund.FundShort):
        decisions.record(session, held_decision(session, payout, exc, now))


def batch_due(ctx: JobContext) -> int:
    """The sepa rail: plan a transfer for every due payout (a payout without a member or an IBAN is set aside with
    its reason, `gateway jobs failures`), then write them all into one pain.001 batch for staff to release. First,
    payouts the bank returned whose rider has since corrected the IBAN are scheduled again (a new attempt)."""
    with Session(ctx.engine) as session:
        retried = reconcile.retry_corrected(session)
        session.commit()
    if retried:
        log.info("payouts.execute: %d returned payout(s) scheduled again after a corrected IBAN", retried)
    planned = drain(
        ctx,
        "payouts.execute",
        Payout,
        lambda now: [col(Payout.status) == "scheduled", col(Payout.due_on) <= (now + timedelta(hours=14)).date()],
        (col(Payout.due_on), col(Payout.id)),
        batches.plan,
        platform_of=platform_of,
    )
    # Also after a run that planned nothing: a run that crashed between planning and building left transfers.
    with Session(ctx.engine, expire_on_commit=False) as session:
        batch = batches.build(session, ctx.settings, vault_of(ctx.settings), ctx.now())
        session.commit()
    if batch is not None:
        log.info("payouts.execute: batch %s built with %d transfer(s)", batch.message_id, batch.count)
    return planned


def platform_of(session: Session, payout: Payout) -> int | None:
    contract = session.get(Contract, payout.contract_id)
    return None if contract is None else contract.platform_id
