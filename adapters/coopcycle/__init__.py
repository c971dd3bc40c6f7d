"""The `coopcycle` adapter: CoopCycle's `delivery.*` webhooks, signed `X-CoopCycle-Signature`.

A CoopCycle webhook only names a delivery (`{"data": {"object": "/api/deliveries/1", "event": ...}}`), so
this adapter is deferred: the request verifies the signature and queues the delivery (`defer`); the job
`coopcycle.fetch` reads it from CoopCycle's API (OAuth2 client credentials) and turns the courier's
deliveries into work sessions, each one contract (see sessions.py); `coopcycle.close_sessions` ends them.
`coopcycle.sweep` lists each store account's recent deliveries, so a lost webhook loses no worked time.
Couriers are riders enrolled with their CoopCycle username as rider id (`gateway coopcycle enrol`), one rider
per platform whichever of its stores they deliver for. docs/adapters.md, "Deliveries mode", has the rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from adapters.base import Deferred, PayloadError, VerifiedMessage
from adapters.coopcycle import notice, signature
from gateway.canonical import CanonicalEvent
from gateway.plugins import Automated, Plugin, Said

if TYPE_CHECKING:
    from sqlmodel import Session


class CoopCycleAdapter:
    slug = "coopcycle"

    def verify(
        self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: datetime, tolerance_seconds: int
    ) -> VerifiedMessage:
        # CoopCycle signs no timestamp, so there is no tolerance window: a replay is answered from the
        # inbox (the id is derived from the body) and changes nothing.
        signature.verify(headers, body, secrets)
        return VerifiedMessage(notice.message_id(body, now))

    def parse(self, body: bytes) -> CanonicalEvent:
        notice.parse(body)
        raise PayloadError("a CoopCycle notification names a delivery; the gateway fetches its facts later (defer)")

    def defer(self, session: Session, platform_id: int, message_id: str, body: bytes, now: datetime) -> Deferred:
        from adapters.coopcycle.queue import enqueue  # the database side, imported only when used

        n = notice.parse(body)
        if not n.ignored:  # an ignored event is recorded by the intake (its 202 answer) and queues nothing
            enqueue(session, platform_id, n, now)
        return Deferred(n.event)

    def validate_secret(self, secret: str) -> None:
        signature.validate_secret(secret)

    def new_secret(self) -> str:
        return signature.new_secret()

    def sign_test(self, secret: str, body: bytes, now: datetime, message_id: str | None = None) -> dict[str, str]:
        # CoopCycle sends no id and no timestamp: the message id is derived from the body (notice.message_id).
        return {"content-type": "application/json", signature.HEADER_NAME: signature.sign(secret, body)}


def _session_values(settings: object) -> dict[str, str]:
    from adapters.coopcycle.settings import CoopCycleSettings  # read when the notice is built, not at discovery

    own = CoopCycleSettings()
    return {"idle_gap_minutes": str(own.idle_gap_seconds // 60), "booked_minutes": str(own.booked_seconds // 60)}


# What this adapter decides about couriers, for the public transparency notice (directive art. 9).
WORK_SESSIONS = Automated(
    key="coopcycle.work_sessions",
    kind="work_session",
    decides=Said(
        en="Groups a courier's deliveries into work sessions: each session is one employment contract, opened at "
        "the first delivery and closed after a time with no delivery.",
        fr="Regroupe les livraisons d'un coursier en périodes de travail : chaque période est un contrat de "
        "travail, ouvert à la première livraison et clôturé après un temps sans livraison.",
        nl="Groepeert de leveringen van een koerier in werkperiodes: elke periode is één arbeidscontract, geopend "
        "bij de eerste levering en afgesloten na een tijd zonder levering.",
    ),
    data=Said(
        en="The deliveries CoopCycle reports: their courier's username, their start and end times and their status "
        "(done or failed). Never their price.",
        fr="Les livraisons que CoopCycle signale : le nom d'utilisateur du coursier, leurs heures de début et de fin "
        "et leur état (faite ou échouée). Jamais leur prix.",
        nl="De leveringen die CoopCycle meldt: de gebruikersnaam van de koerier, hun begin- en eindtijd en hun "
        "status (gedaan of mislukt). Nooit hun prijs.",
    ),
    parameters=Said(
        en="The time with no delivery that closes a session (idle_gap_minutes) and the window booked from the first "
        "delivery (booked_minutes). A failed delivery counts as worked time like a completed one.",
        fr="Le temps sans livraison qui clôture une période (idle_gap_minutes) et la durée réservée à partir de la "
        "première livraison (booked_minutes). Une livraison échouée compte comme du temps de travail.",
        nl="De tijd zonder levering die een periode afsluit (idle_gap_minutes) en de geboekte duur vanaf de eerste "
        "levering (booked_minutes). Een mislukte levering telt als gewerkte tijd.",
    ),
    weight=Said(
        en="Only time decides: the number of deliveries changes neither the session nor the pay.",
        fr="Seul le temps décide : le nombre de livraisons ne change ni la période ni la paie.",
        nl="Alleen de tijd beslist: het aantal leveringen verandert noch de periode noch het loon.",
    ),
    values=_session_values,
)

ADAPTER = CoopCycleAdapter()
# Everything CoopCycle adds to the gateway, found by gateway.plugins: nothing outside this package names it.
PLUGIN = Plugin(
    __name__,
    adapter=ADAPTER,
    models=(".models", ".shift_models"),
    jobs=(".jobs", ".shift_jobs"),
    cli=".cli:coopcycle_app",
    settings=".settings:CoopCycleSettings",
    migrations="migrations",
    decides=(WORK_SESSIONS,),
)
