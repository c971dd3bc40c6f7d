"""Members' identity: create, update (validated, encrypted), link riders, reveal a clear value (audited), rotate keys.

The caller owns the transaction. `declarable` is recomputed on every write, so the booking reads one column.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from gateway.domains.members import validation as check
from gateway.domains.members.models import IdentityRead, LinkRequest, Member
from gateway.domains.members.schemas import IdentityIn, LinkRequestOut, MemberOut, MemberRiderOut
from gateway.domains.members.vault import Vault, mask
from gateway.domains.platforms.models import Platform
from gateway.domains.riders.models import Rider
from gateway.problems import Conflict, InvalidPayload

# What Dimona needs to identify a worker without an SSIN (FACTS.md, "Dimona REST v1").
STAND_INS = (
    "birth_place",
    "birth_place_country",
    "nationality",
    "gender",
    "street",
    "house_number",
    "zip_code",
    "city",
    "country",
)
# Set once, changed only by staff or a rider signed in with the cooperative's identity provider: an access link
# comes from the platform, and whoever holds one must not be able to redirect a member's pay or identity.
SENSITIVE = ("first_name", "last_name", "birth_date", "ssin", "iban", "bic")
CLEAR_FIELDS = ("ssin", "iban")


SSIN_TAKEN = "this national number (SSIN) is already another member's: one person is one member"


class SsinTaken(Conflict):
    """The SSIN is another member's: one person is one member. The problem names the field and its code, as field
    errors do, so that every route answers alike and an app (or a page) can translate the code; never the value."""

    def __init__(self, detail: str = SSIN_TAKEN) -> None:
        super().__init__(detail, errors=[{"location": "ssin", "message": detail, "code": "ssin_taken"}])


def missing(m: Member) -> list[str]:
    """What the identity still needs before it can be declared (an IBAN is needed to pay, not to declare)."""
    need = [f for f in ("first_name", "last_name", "birth_date") if not getattr(m, f)]
    if not m.ssin_cipher:
        absent = [f for f in STAND_INS if not getattr(m, f)]
        # Either the SSIN, or every field replacing it: name the SSIN first, it is the usual way.
        need += ["ssin", *absent] if absent else []
    return need


def by_number(session: Session, number: str) -> Member | None:
    return session.exec(select(Member).where(Member.number == number)).first()


def of_rider(session: Session, rider: Rider) -> Member | None:
    return by_number(session, rider.member_id) if rider.member_id else None


def new_number(session: Session) -> str:
    """A member number for a member the cooperative did not number itself: 32 random bits; the unique key refuses
    the rare collision (a 409 the caller may retry), never a second member under one number."""
    return "M-" + secrets.token_hex(4).upper()


def create(session: Session, vault: Vault, data: IdentityIn, now: datetime, number: str | None = None) -> Member:
    """A new member, with whatever identity fields are given (validated). Conflict if the number is taken."""
    number = number or new_number(session)
    if by_number(session, number) is not None:
        raise Conflict(f"member number {number!r} is taken", member=number)
    member = Member(number=number, created_at=now, updated_at=now)
    update(session, vault, member, data, now)
    return member


def _may_correct(member: Member, field: str) -> bool:
    """The one change a link session may make: an IBAN (and its BIC) the bank returned a transfer from."""
    return field in ("iban", "bic") and member.iban_rejected_at is not None


def update(
    session: Session, vault: Vault, member: Member, data: IdentityIn, now: datetime, *, may_replace: bool = True
) -> Member:
    """Validate every given field (all errors at once), encrypt SSIN and IBAN, recompute `declarable`, flush.

    `may_replace=False` (a rider on an access link): fields in SENSITIVE may be filled, not changed."""
    given = data.model_dump(exclude_unset=True, exclude_none=True)
    errors: list[check.FieldError] = []
    values: dict[str, Any] = {}
    for name, value in given.items():
        try:
            values.update(_checked(name, value, given, member, now.date()))
        except check.IdentityInvalid as exc:
            errors += exc.errors
    if not may_replace:
        errors += [
            check.FieldError(
                f, "locked", "already set: only the cooperative (or a sign-in with its account) changes it"
            )
            for f in SENSITIVE
            if f in given and _is_set(member, f) and f not in {e.field for e in errors} and not _may_correct(member, f)
        ]
    if errors:
        raise InvalidPayload(
            "the identity is not valid: " + "; ".join(f"{e.field}: {e.message}" for e in errors),
            errors=[{"location": e.field, "message": e.message, "code": e.code} for e in errors],
        )
    if "ssin" in values:
        ssin = values.pop("ssin")
        holder = holder_of_ssin(session, vault, ssin)
        if holder is not None and holder is not member:
            raise SsinTaken()
        member.ssin_cipher, member.ssin_index, member.ssin_last4 = vault.encrypt(ssin), vault.index(ssin), ssin[-4:]
    if "iban" in values:
        iban = values.pop("iban")
        member.iban_cipher, member.iban_last4 = vault.encrypt(iban), iban[-4:]
        member.iban_rejected_at = member.iban_rejected_reason = None  # a new IBAN: the failed payouts go again
        values.setdefault("bic", check.bic_for(None, iban))
    for name, value in values.items():
        setattr(member, name, value)
    if "ssin" in given or "iban" in given:
        member.key_id = vault.current_key_id
    member.declarable = not missing(member)
    member.updated_at = now
    session.add(member)
    try:
        session.flush()
    except IntegrityError as exc:
        # Two writes of one SSIN (or two new members of one number) at once: the unique key let one through; this
        # transaction is lost, as it should, with the same answer as when the check before saw the other.
        if "ssin_index" in str(exc.orig):
            raise SsinTaken() from None
        if "member.number" in str(exc.orig) or "uq_member_number" in str(exc.orig):
            raise Conflict(f"member number {member.number!r} is taken", member=member.number) from None
        raise
    return member


def _is_set(member: Member, field: str) -> bool:
    return bool(getattr(member, {"ssin": "ssin_cipher", "iban": "iban_cipher"}.get(field, field)))


def _checked(name: str, value: Any, given: dict[str, Any], member: Member, today: date) -> dict[str, Any]:
    if name == "ssin":
        return {"ssin": check.ssin(value, given.get("birth_date") or member.birth_date)}
    if name == "iban":
        iban = check.iban(value)
        return {"iban": iban, "bic": check.bic_for(given.get("bic"), iban)}
    if name == "bic":
        return {} if "iban" in given else {"bic": check.bic_for(value, None)}
    if name == "birth_date":
        return {"birth_date": check.birth_date(value, today)}
    if name in ("birth_place_country", "nationality", "country"):
        return {name: check.country(name, value)}
    if name == "employed_since":
        if not date(1950, 1, 1) <= value <= today:
            raise check.IdentityInvalid(
                [check.FieldError(name, "employed_since_range", "a date from 1950 up to today")]
            )
        return {name: value}
    if name in ("gender", "language", "worker_type"):
        return {name: value}  # the schema's Literal has checked it
    return {name: check.text(name, value, 20 if name in ("house_number", "zip_code") else 200)}


def holder_of_ssin(session: Session, vault: Vault, ssin: str) -> Member | None:
    return session.exec(select(Member).where(Member.ssin_index == vault.index(ssin))).first()


def link(session: Session, rider: Rider, member: Member) -> None:
    """The rider is this member (staff, or the rider's own onboarding). Clears any pending request."""
    rider.member_id = member.number
    session.add(rider)
    request = session.exec(select(LinkRequest).where(LinkRequest.rider_id == rider.id)).first()
    if request is not None:
        session.delete(request)
    session.flush()


def reveal(
    session: Session, vault: Vault, member: Member, field: str, actor: str, purpose: str, now: datetime
) -> str | None:
    """The clear SSIN or IBAN, for who needs it to act (the declaration service, the bank). Audited, always."""
    assert field in CLEAR_FIELDS
    cipher = member.ssin_cipher if field == "ssin" else member.iban_cipher
    if cipher is None:
        return None
    assert member.id is not None
    session.add(IdentityRead(member_id=member.id, field=field, actor=actor[:200], purpose=purpose[:200], at=now))
    return vault.decrypt(cipher)


def stale(session: Session, vault: Vault, limit: int, *, after: int = 0) -> list[Member]:
    """Members whose ciphers another key than the current one encrypted (ids above `after`), locked: a write the
    gateway makes meanwhile waits, then this sees it, so rotation never puts back a value just replaced."""
    return list(
        session.exec(
            select(Member)
            .where(
                col(Member.key_id).is_not(None),
                col(Member.key_id) != vault.current_key_id,
                col(Member.id) > after,
            )
            .order_by(col(Member.id))
            .limit(limit)
            .with_for_update()
        ).all()
    )


def with_ssin(session: Session, limit: int, *, after: int = 0) -> list[Member]:
    """Members holding an SSIN (ids above `after`), locked like `stale`: what a change of index key re-indexes."""
    return list(
        session.exec(
            select(Member)
            .where(col(Member.ssin_cipher).is_not(None), col(Member.id) > after)
            .order_by(col(Member.id))
            .limit(limit)
            .with_for_update()
        ).all()
    )


def rotate(session: Session, vault: Vault, members: list[Member], now: datetime, reindex: bool = False) -> int:
    """Re-encrypt under the current key (and re-compute the blind index with `reindex`). No value is audited as
    read: it never leaves this function."""
    for m in members:
        if m.ssin_cipher:
            m.ssin_cipher = vault.rotate(m.ssin_cipher)
            if reindex:
                m.ssin_index = vault.index(vault.decrypt(m.ssin_cipher))
        if m.iban_cipher:
            m.iban_cipher = vault.rotate(m.iban_cipher)
        m.key_id, m.updated_at = vault.current_key_id, now
        session.add(m)
    session.flush()
    return len(members)


def riders_of(session: Session, member: Member) -> list[MemberRiderOut]:
    rows = session.exec(
        select(Platform.slug, Rider.external_id)
        .join(Platform, col(Platform.id) == col(Rider.platform_id))
        .where(Rider.member_id == member.number)
        .order_by(Platform.slug, Rider.external_id)
    ).all()
    return [MemberRiderOut(platform=p, rider_id=r) for p, r in rows]


def out(session: Session, member: Member) -> MemberOut:
    return _out(member, riders_of(session, member))


def _out(member: Member, riders: list[MemberRiderOut]) -> MemberOut:
    return MemberOut(
        number=member.number,
        first_name=member.first_name,
        last_name=member.last_name,
        birth_date=member.birth_date,
        ssin=mask(member.ssin_last4),
        birth_place=member.birth_place,
        birth_place_country=member.birth_place_country,
        nationality=member.nationality,
        gender=member.gender,
        street=member.street,
        house_number=member.house_number,
        zip_code=member.zip_code,
        city=member.city,
        country=member.country,
        iban=mask(member.iban_last4),
        bic=member.bic,
        language=member.language,
        worker_type=member.worker_type,
        employed_since=member.employed_since,
        declarable=member.declarable,
        missing=missing(member),
        riders=riders,
        created_at=member.created_at,
        updated_at=member.updated_at,
    )


def listing(session: Session, *, incomplete: bool = False, limit: int = 100, after: str | None = None) -> list[Member]:
    """Members by number (after `after`, for the next page); `incomplete`: those whose identity cannot be declared
    yet, whose bookings open blocked."""
    stmt = select(Member).order_by(col(Member.number)).limit(limit)
    if incomplete:
        stmt = stmt.where(col(Member.declarable).is_(False))
    if after is not None:
        stmt = stmt.where(col(Member.number) > after)
    return list(session.exec(stmt).all())


def outs(session: Session, members: list[Member]) -> list[MemberOut]:
    """`out` of many members, their riders read in one query."""
    numbers = [m.number for m in members]
    riders: dict[str, list[MemberRiderOut]] = {n: [] for n in numbers}
    if numbers:
        rows = session.exec(
            select(Rider.member_id, Platform.slug, Rider.external_id)
            .join(Platform, col(Platform.id) == col(Rider.platform_id))
            .where(col(Rider.member_id).in_(numbers))
            .order_by(Platform.slug, Rider.external_id)
        ).all()
        for number, slug, rider_id in rows:
            riders[str(number)].append(MemberRiderOut(platform=slug, rider_id=rider_id))
    return [_out(m, riders[m.number]) for m in members]


def platform_rider(session: Session, platform: Platform, rider_id: str) -> Rider | None:
    assert platform.id is not None
    return session.exec(select(Rider).where(Rider.platform_id == platform.id, Rider.external_id == rider_id)).first()


def link_requests(session: Session, limit: int = 100) -> list[LinkRequestOut]:
    """Riders waiting for staff to link them to the member whose SSIN they gave, oldest first."""
    rows = session.exec(
        select(Platform.slug, Rider.external_id, Member.number, LinkRequest.requested_at)
        .join(Rider, col(Rider.id) == col(LinkRequest.rider_id))
        .join(Platform, col(Platform.id) == col(Rider.platform_id))
        .join(Member, col(Member.id) == col(LinkRequest.member_id))
        .order_by(col(LinkRequest.requested_at), col(LinkRequest.id))
        .limit(limit)
    ).all()
    return [LinkRequestOut(platform=p, rider_id=r, member=m, requested_at=at) for p, r, m, at in rows]


def reads(session: Session, member: Member, limit: int = 100) -> list[IdentityRead]:
    """The audit of the member's clear reads, newest first."""
    return list(
        session.exec(
            select(IdentityRead)
            .where(IdentityRead.member_id == member.id)
            .order_by(col(IdentityRead.at).desc(), col(IdentityRead.id).desc())
            .limit(limit)
        ).all()
    )
