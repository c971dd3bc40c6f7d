"""The notice built from the configuration, its versions published and read, and the changes between two.

A notice's content is plain JSON (texts in the three languages side by side), so a stored version renders exactly
as it was published whatever the code says later. `content_at(day)` is what the configuration says for `day`;
`timeline` is that for today and for each later day on which a configured value changes (an agreement's dated
value or amendment); `publish` stores what is not stored yet, in the caller's transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import Agreement
from gateway.agreements.overview import APPLIED, OWN_ENFORCEMENT, _words, overview, sentences
from gateway.domains.platforms.models import Platform
from gateway.domains.transparency.models import NoticeVersion
from gateway.jobs import registry
from gateway.plugins import Automated, Plugin, Said, plugins
from gateway.settings import Settings

# The content's own format: raised when its shape changes, so a reader of stored versions knows which it reads.
# 2: a term's `sentence` is in the three languages ({en, fr, nl}); in 1 it was English only, a plain string.
FORMAT = 2
# Directive art. 11: a review is answered in writing within two weeks (the notice tells riders so).
# Bounds: platforms in one notice, future change days published ahead.
MAX_PLATFORMS = 200
MAX_AHEAD = 12

# What an agreement's term does, by its enforcement (`overview.HOW` in the riders' three languages).
_MODE: dict[str, Said] = {
    "amend": Said(
        en="Checks each booking against this term and corrects what falls short; the correction is recorded and "
        "shown to you.",
        fr="Vérifie chaque réservation selon ce terme et corrige ce qui n'y satisfait pas ; la correction est "
        "enregistrée et t'est montrée.",
        nl="Toetst elke boeking aan deze voorwaarde en verbetert wat tekortschiet; de correctie wordt bewaard en "
        "aan je getoond.",
    ),
    "reject": Said(
        en="Checks each booking against this term and refuses a booking that breaks it (a shift already worked is "
        "still paid in full).",
        fr="Vérifie chaque réservation selon ce terme et refuse une réservation qui l'enfreint (un service déjà "
        "presté reste payé en entier).",
        nl="Toetst elke boeking aan deze voorwaarde en weigert een boeking die ze schendt (een al gewerkte dienst "
        "wordt toch volledig betaald).",
    ),
    "report": Said(
        en="Checks each booking against this term and records a breach; nothing is changed.",
        fr="Vérifie chaque réservation selon ce terme et enregistre un manquement ; rien n'est modifié.",
        nl="Toetst elke boeking aan deze voorwaarde en noteert een inbreuk; er wordt niets veranderd.",
    ),
    "applied": Said(
        en="Applies this term when working out the pay of every shift.",
        fr="Applique ce terme au calcul de la paie de chaque service.",
        nl="Past deze voorwaarde toe bij de berekening van het loon van elke dienst.",
    ),
    "limits": Said(
        en="Checks each booking against these limits: each one shortens the booking to fit, refuses it or records "
        "a breach, as it says.",
        fr="Vérifie chaque réservation selon ces limites : chacune raccourcit la réservation, la refuse ou "
        "enregistre un manquement, comme elle l'indique.",
        nl="Toetst elke boeking aan deze grenzen: elke grens kort de boeking in, weigert ze of noteert een inbreuk, "
        "zoals ze zegt.",
    ),
}
_KIND = {"amend": "booking_corrected", "reject": "booking_refused", "report": "booking_reported"}
_BOOKING_DATA = Said(
    en="The shift the platform booked: its start and end, the pay it offered and how (by the hour or per trip), "
    "and your other shifts that day and week.",
    fr="Le service que la plateforme a réservé : son début et sa fin, la paie proposée et sa forme (à l'heure ou "
    "à la course), et tes autres services du jour et de la semaine.",
    nl="De dienst die het platform boekte: begin en einde, het aangeboden loon en de vorm (per uur of per rit), "
    "en je andere diensten die dag en week.",
)
_PAY_DATA = Said(
    en="The times the platform reported for the shift (start, first delivery, end) and the hours already worked.",
    fr="Les heures que la plateforme a signalées pour le service (début, première livraison, fin) et les heures "
    "déjà prestées.",
    nl="De tijden die het platform voor de dienst meldde (begin, eerste levering, einde) en de al gewerkte uren.",
)
_TERM_PARAMETERS = Said(
    en="The term's values below, as the signed agreement states them.",
    fr="Les valeurs du terme ci-dessous, telles que la convention signée les fixe.",
    nl="De waarden van de voorwaarde hieronder, zoals de ondertekende overeenkomst ze vastlegt.",
)
_TERM_WEIGHT = Said(
    en="The term decides on its own: nothing is scored or weighed against anything else.",
    fr="Le terme décide seul : rien n'est noté ni mis en balance avec autre chose.",
    nl="De voorwaarde beslist op zich: niets wordt gescoord of tegen iets anders afgewogen.",
)


def content_hash(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _said(s: Said | None) -> dict[str, str] | None:
    return None if s is None else s.as_dict()


def _declared(a: Automated, source: str, settings: Settings) -> dict[str, Any]:
    return {
        "key": a.key,
        "kind": a.kind,
        "source": source,
        "decides": a.decides.as_dict(),
        "data": a.data.as_dict(),
        "parameters": a.parameters.as_dict(),
        "weight": _said(a.weight),
        "values": dict(a.values(settings)) if a.values is not None else {},
        "clause": None,
        "sentence": None,
    }


def _terms(agreement: Agreement, day: date) -> list[dict[str, Any]]:
    """The agreement's terms in force on `day`, as automated decisions (each clause's sentence from overview)."""
    out = []
    for clause in overview(agreement, day):
        for tv in clause.terms:
            mode = "applied" if tv.type in APPLIED else "limits" if tv.type in OWN_ENFORCEMENT else tv.enforcement
            out.append(
                {
                    "key": f"term:{tv.term}",
                    "kind": "pay_worked_out" if mode == "applied" else _KIND.get(tv.enforcement, "booking_checked"),
                    "source": f"agreement:{agreement.id}",
                    "decides": _MODE.get(mode, _MODE["report"]).as_dict(),
                    "data": (_PAY_DATA if mode == "applied" else _BOOKING_DATA).as_dict(),
                    "parameters": _TERM_PARAMETERS.as_dict(),
                    "weight": _TERM_WEIGHT.as_dict(),
                    "values": {str(k): _words(v) for k, v in tv.value.items()},
                    "clause": tv.clause,
                    # All three languages stored side by side, like every other text: the content (and so its hash
                    # and version) is the same whatever language the notice is read in.
                    "sentence": sentences(tv.type, tv.value, agreement.currency),
                }
            )
    return out


def _platforms(session: Session) -> list[Platform]:
    return list(session.exec(select(Platform).order_by(col(Platform.slug)).limit(MAX_PLATFORMS)).all())


def _adapter_plugins() -> dict[str, Plugin]:
    return {p.adapter.slug: p for p in plugins() if p.adapter is not None}


def content_at(platforms: list[Platform], book: AgreementBook, settings: Settings, day: date) -> dict[str, Any]:
    """The notice as the configuration makes it for `day` (every text in fr, nl and en)."""
    gateway: list[dict[str, Any]] = [
        _declared(a, f"gateway:{p.name}", settings) for p in plugins() if p.adapter is None for a in p.decides
    ]
    gateway += [_declared(a, f"job:{j.name}", settings) for j in registry().values() for a in j.decides]
    adapters = _adapter_plugins()
    shown = []
    for p in platforms:
        agreement = book.get(p.agreement)
        adapter = adapters.get(p.adapter)
        decisions = [_declared(a, f"adapter:{p.adapter}", settings) for a in (adapter.decides if adapter else ())]
        in_force = agreement is not None and day >= agreement.effective_from
        if agreement is not None and in_force:
            decisions += _terms(agreement, day)
        shown.append(
            {
                "slug": p.slug,
                "name": p.name,
                "adapter": p.adapter,
                "agreement": None
                if agreement is None
                else {
                    "id": agreement.id,
                    "title": agreement.title,
                    "version": agreement.version_at(day),
                    "effective_from": agreement.effective_from.isoformat(),
                    "in_force": in_force,
                },
                "decisions": decisions,
            }
        )
    # The period reviewers answer within, as configured (GATEWAY_REVIEW_PERIOD_DAYS): a change is a new version.
    days = settings.review_period_days
    return {"format": FORMAT, "review_days": days, "gateway": gateway, "platforms": shown}


def _change_days(platforms: list[Platform], book: AgreementBook, today: date) -> list[date]:
    """The days after `today` on which a platform's agreement changes a value or takes an amendment."""
    days: set[date] = set()
    for agreement_id in {p.agreement for p in platforms}:
        agreement = book.get(agreement_id)
        if agreement is None:
            continue
        days |= {a.first_date for a in agreement.amendments}
        days |= {d for t in agreement.terms.values() for d, _ in t.values.items()}
        if agreement.starts_on is not None:
            days.add(agreement.starts_on)
    return sorted(d for d in days if d > today)[:MAX_AHEAD]


@dataclass(frozen=True)
class Planned:
    effective_on: date
    content: dict[str, Any]
    hash: str


def timeline(session: Session, book: AgreementBook, settings: Settings, today: date) -> list[Planned]:
    """Today's notice, then each later one that differs from the one before it."""
    platforms = _platforms(session)
    out: list[Planned] = []
    for day in [today, *_change_days(platforms, book, today)]:
        content = content_at(platforms, book, settings, day)
        digest = content_hash(content)
        if not out or out[-1].hash != digest:
            out.append(Planned(day, content, digest))
    return out


def versions(session: Session, *, limit: int = 500) -> list[NoticeVersion]:
    return list(session.exec(select(NoticeVersion).order_by(col(NoticeVersion.number)).limit(limit)).all())


def in_effect(session: Session, today: date) -> NoticeVersion | None:
    """The version riders read today: the latest to have taken effect (not withdrawn)."""
    stmt = (
        select(NoticeVersion)
        .where(col(NoticeVersion.effective_on) <= today, col(NoticeVersion.withdrawn_at).is_(None))
        .order_by(col(NoticeVersion.effective_on).desc(), col(NoticeVersion.number).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def pending(session: Session, today: date) -> list[NoticeVersion]:
    """Versions published ahead of their date, soonest first."""
    stmt = (
        select(NoticeVersion)
        .where(col(NoticeVersion.effective_on) > today, col(NoticeVersion.withdrawn_at).is_(None))
        .order_by(col(NoticeVersion.effective_on), col(NoticeVersion.number))
    )
    return list(session.exec(stmt).all())


def by_number(session: Session, number: int) -> NoticeVersion | None:
    return session.exec(select(NoticeVersion).where(NoticeVersion.number == number)).first()


def _add(session: Session, planned: Planned, now: datetime) -> NoticeVersion:
    last = session.exec(select(func.max(NoticeVersion.number))).one()
    version = NoticeVersion(
        number=(last or 0) + 1,
        content_hash=planned.hash,
        effective_on=planned.effective_on,
        published_at=now,
        content=planned.content,
    )
    session.add(version)
    session.flush()
    return version


def publish(session: Session, book: AgreementBook, settings: Settings, now: datetime) -> list[NoticeVersion]:
    """Store the versions the configuration makes that are not stored yet (flush, never commit): today's, when it
    differs from the one in effect (a change made without notice takes effect at once, and says so by its date),
    and each coming one; a coming one the configuration no longer makes is marked withdrawn. Returns the new."""
    today = now.date()
    plan = timeline(session, book, settings, today)
    added: list[NoticeVersion] = []
    current = in_effect(session, today)
    if current is None or current.content_hash != plan[0].hash:
        added.append(_add(session, Planned(today, plan[0].content, plan[0].hash), now))
    wanted = {(p.hash, p.effective_on) for p in plan[1:]}
    for version in pending(session, today):
        if (version.content_hash, version.effective_on) not in wanted:
            version.withdrawn_at = now
    stored = {
        (v.content_hash, v.effective_on): v
        for v in session.exec(select(NoticeVersion).where(col(NoticeVersion.effective_on) > today)).all()
    }
    for p in plan[1:]:
        known = stored.get((p.hash, p.effective_on))
        if known is None:
            added.append(_add(session, p, now))
        elif known.withdrawn_at is not None:
            known.withdrawn_at = None  # the change is configured again: the same version, announced again
    session.flush()
    return added


# --- the changes between two versions ---------------------------------------------------------------------------


def _items(content: Mapping[str, Any]) -> dict[tuple[str | None, str], dict[str, Any]]:
    out: dict[tuple[str | None, str], dict[str, Any]] = {(None, i["key"]): i for i in content.get("gateway", [])}
    for p in content.get("platforms", []):
        out[(p["slug"], "platform")] = {k: v for k, v in p.items() if k != "decisions"}
        out.update({(p["slug"], i["key"]): i for i in p.get("decisions", [])})
    return out


@dataclass(frozen=True)
class Change:
    change: str  # added, removed or changed
    platform: str | None
    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """What `after` adds, removes and changes in `before`, item by item (a platform's own line is `platform`)."""
    old, new = _items(before), _items(after)
    out = [Change("removed", k[0], k[1], old[k], None) for k in old if k not in new]
    out += [Change("added", k[0], k[1], None, new[k]) for k in new if k not in old]
    out += [Change("changed", k[0], k[1], old[k], new[k]) for k in new if k in old and not _same(old[k], new[k])]
    return sorted(out, key=lambda c: (c.platform or "", c.key, c.change))


def said_sentence(value: Any) -> dict[str, str] | None:
    """A term's sentence by language, from either format: format 1 stored it as an English string."""
    if value is None:
        return None
    return {"en": value} if isinstance(value, str) else dict(value)


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Equal items, a sentence compared in the languages both versions have: the first version in three languages
    translates the English one before it, and a translation added changes nothing a rider is decided by."""
    if {k: v for k, v in a.items() if k != "sentence"} != {k: v for k, v in b.items() if k != "sentence"}:
        return False
    x, y = said_sentence(a.get("sentence")), said_sentence(b.get("sentence"))
    if x is None or y is None:
        return x is y
    return all(x[lang] == y[lang] for lang in x.keys() & y.keys())


def previous(session: Session, version: NoticeVersion) -> NoticeVersion | None:
    """The version a version replaces: the latest one taking effect before it (not withdrawn)."""
    stmt = (
        select(NoticeVersion)
        .where(
            col(NoticeVersion.withdrawn_at).is_(None),
            (col(NoticeVersion.effective_on) < version.effective_on)
            | (
                (col(NoticeVersion.effective_on) == version.effective_on) & (col(NoticeVersion.number) < version.number)
            ),
        )
        .order_by(col(NoticeVersion.effective_on).desc(), col(NoticeVersion.number).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def platform_slugs(content: Mapping[str, Any]) -> Iterable[str]:
    return (p["slug"] for p in content.get("platforms", []))
