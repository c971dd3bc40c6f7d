"""The rider's identity form: what the cooperative knows of them (SSIN and IBAN masked), what it still needs to
declare their work, and saving what they type through `members.service`.

One view model (`IdentityView`) for the page and the JSON. No answer ever holds a clear SSIN or IBAN, not even the
one just typed: a form shown again with its errors keeps the other typed values, never those two.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session, col, select

from gateway.domains.contracts import identity as contracts_identity
from gateway.domains.members import service as members
from gateway.domains.members import validation as check
from gateway.domains.members.models import LinkRequest, Member
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.vault import Vault, mask
from gateway.domains.riders.access import RiderPrincipal
from gateway.domains.riders.models import Rider
from gateway.problems import Conflict, InvalidPayload
from gateway.settings import Settings
from gateway.web.i18n import LANGUAGES, Translator

PAGE_URL = "/rider/identity"
Kind = Literal["text", "date", "country", "gender", "language", "secret"]
State = Literal["none", "incomplete", "complete", "link_requested"]
SECRETS = ("ssin", "iban")
STAND_INS = members.STAND_INS
# Territory codes CLDR lists that are no country a person is born in or lives in.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})


@dataclass(frozen=True, slots=True)
class Spec:
    """How the form asks for one field (the page's concern; the JSON carries only name, value and state)."""

    name: str
    group: str
    kind: Kind
    autocomplete: str
    max_length: int = 200


FIELDS = (
    Spec("first_name", "person", "text", "given-name"),
    Spec("last_name", "person", "text", "family-name"),
    Spec("birth_date", "person", "date", "bday", 10),
    Spec("ssin", "ssin", "secret", "off", 32),
    Spec("birth_place", "stand_in", "text", "off"),
    Spec("birth_place_country", "stand_in", "country", "off", 2),
    Spec("nationality", "stand_in", "country", "off", 2),
    Spec("gender", "stand_in", "gender", "sex", 6),
    Spec("street", "address", "text", "address-line1"),
    Spec("house_number", "address", "text", "off", 20),
    Spec("zip_code", "address", "text", "postal-code", 20),
    Spec("city", "address", "text", "address-level2"),
    Spec("country", "address", "country", "country", 2),
    Spec("iban", "pay", "secret", "off", 42),
    Spec("bic", "pay", "text", "off", 11),
    Spec("language", "prefs", "language", "language", 2),
)
SPECS = {s.name: s for s in FIELDS}
GROUPS = ("person", "ssin", "stand_in", "address", "pay", "prefs")
# A value Pydantic refuses for its shape (too long, not a date, not a choice): the code the rider reads.
_SHAPE_ERRORS = {
    "birth_date": "date",
    "ssin": "ssin_format",
    "iban": "iban_format",
    "bic": "bic_format",
    "gender": "choice",
    "language": "choice",
    "birth_place_country": "country",
    "nationality": "country",
    "country": "country",
}


class FieldView(BaseModel):
    name: str
    label: str
    value: str | None = Field(
        description="What is known (SSIN and IBAN masked to their last four characters), or, on a form shown "
        "again with errors, what was typed (never an SSIN or IBAN)."
    )
    text: str | None = Field(description="The value in words: a date formatted, a country named.")
    locked: bool = Field(description="Set, and changed only by the cooperative or after a sign-in with its account.")
    missing: bool = Field(description="Needed before the rider's work can be declared.")
    hint: str | None
    error: str | None = Field(description="Why what was typed was refused, in the rider's language.")


class GroupView(BaseModel):
    key: str
    title: str
    text: str | None
    fields: list[FieldView]


class IdentityView(BaseModel):
    """What the cooperative knows of the rider and still needs, in their language (SSIN and IBAN masked)."""

    lang: str
    state: State = Field(
        description="none: no member record yet; incomplete: fields missing; complete: the identity can be "
        "declared; link_requested: the rider gave the SSIN of a known member, the cooperative will link them."
    )
    member: str | None = Field(description="The cooperative's member number, once there is one.")
    declarable: bool
    missing: list[str] = Field(description="Fields still needed before the rider's work can be declared.")
    text: str = Field(description="Where the identity stands, in plain words.")
    why: str = Field(description="Why the cooperative asks for it.")
    locked_note: str | None = Field(description="How to change the fields this session cannot change, if any.")
    iban_prompt: str | None = Field(
        default=None,
        description="Set when the bank returned the rider's pay: the sentence asking them to correct their IBAN.",
    )
    groups: list[GroupView]


@dataclass
class Typed:
    """A posted form: the values kept to show again (never SSIN or IBAN), the identity, and the errors by field."""

    shown: dict[str, str] = field(default_factory=dict)
    data: IdentityIn | None = None
    errors: dict[str, str] = field(default_factory=dict)


class LinkPending(Conflict):
    """The rider gave a known member's SSIN: until the cooperative links them, nothing is filled in here."""


# --- reading ---------------------------------------------------------------------------------------------


def session_riders(session: Session, principal: RiderPrincipal) -> list[Rider]:
    return list(session.exec(select(Rider).where(col(Rider.id).in_(principal.rider_ids)).order_by(col(Rider.id))))


def member_of(session: Session, riders: list[Rider]) -> Member | None:
    """The member the session's riders are. A session names one person's riders, so the first linked one says."""
    for rider in riders:
        member = members.of_rider(session, rider)
        if member is not None:
            return member
    return None


def link_pending(session: Session, riders: list[Rider]) -> bool:
    ids = [r.id for r in riders if r.id is not None]
    return session.exec(select(LinkRequest.id).where(col(LinkRequest.rider_id).in_(ids))).first() is not None


def needs_identity(session: Session, settings: Settings, principal: RiderPrincipal) -> bool:
    """Whether the rider's pages ask them to complete their identity: only where the gateway needs it to open
    contracts, and not while the cooperative is linking them to a member they said they are."""
    if not settings.requires_identity:
        return False
    riders = session_riders(session, principal)
    member = member_of(session, riders)
    if member is not None:
        return not member.declarable
    return not link_pending(session, riders)


def iban_returned(session: Session, principal: RiderPrincipal) -> bool:
    """Whether the bank returned a transfer to the rider's IBAN (closed, wrong...): their pages ask them to correct
    it, and this is the one change a link session may make to a field already given."""
    member = member_of(session, session_riders(session, principal))
    return member is not None and member.iban_rejected_at is not None


def load_view(session: Session, principal: RiderPrincipal, t: Translator, typed: Typed | None = None) -> IdentityView:
    riders = session_riders(session, principal)
    member = member_of(session, riders)
    pending = member is None and link_pending(session, riders)
    return identity_view(member, principal.via, t, pending=pending, typed=typed)


def _known(member: Member | None, name: str) -> str | None:
    if member is None:
        return None
    if name in SECRETS:
        return mask(member.ssin_last4 if name == "ssin" else member.iban_last4)
    value = getattr(member, name)
    return None if value is None else str(value.isoformat() if name == "birth_date" else value)


def _in_words(t: Translator, spec: Spec, value: str | None) -> str | None:
    if not value or spec.name in SECRETS:
        return value
    if spec.kind == "country":
        return country_names(t).get(value, value)
    if spec.kind == "gender":
        return t(f"identity.gender.{value}") if t.has(f"identity.gender.{value}") else value
    if spec.kind == "language":
        return t.language_name(value) if value in LANGUAGES else value
    if spec.kind == "date":
        try:
            return t.day(datetime.fromisoformat(value).date())
        except ValueError:
            return value
    return value


def _field(
    t: Translator, spec: Spec, member: Member | None, via: str, need: list[str], typed: Typed | None
) -> FieldView:
    known = _known(member, spec.name)
    correcting = spec.name in ("iban", "bic") and member is not None and member.iban_rejected_at is not None
    locked = via != "oidc" and spec.name in members.SENSITIVE and known is not None and not correcting
    value = typed.shown.get(spec.name, known) if typed is not None and not locked else known
    code = typed.errors.get(spec.name) if typed is not None else None
    hint_key = f"identity.hint.{spec.name}"
    return FieldView(
        name=spec.name,
        label=t(f"identity.field.{spec.name}"),
        value=value,
        text=_in_words(t, spec, value),
        locked=locked,
        missing=spec.name in need,
        hint=t(hint_key) if t.has(hint_key) else None,
        error=t(f"identity.error.{code}") if code else None,
    )


def identity_view(
    member: Member | None, via: str, t: Translator, *, pending: bool = False, typed: Typed | None = None
) -> IdentityView:
    need = members.missing(member if member is not None else Member(number=""))
    if pending:
        state: State = "link_requested"
    elif member is None:
        state = "none"
    else:
        state = "complete" if member.declarable else "incomplete"
    if state == "incomplete":
        text = t("identity.state.incomplete", fields=_needed_words(t, need))
    else:
        text = t(f"identity.state.{state}")
    groups = []
    for key in GROUPS:
        views = [_field(t, s, member, via, need, typed) for s in FIELDS if s.group == key]
        text_key = f"identity.group.{key}.text"
        groups.append(
            GroupView(
                key=key,
                title=t(f"identity.group.{key}.title"),
                text=t(text_key) if t.has(text_key) else None,
                fields=views,
            )
        )
    locked = any(f.locked for g in groups for f in g.fields)
    return IdentityView(
        lang=t.lang,
        state=state,
        member=member.number if member is not None else None,
        declarable=bool(member is not None and member.declarable),
        missing=need,
        text=text,
        why=t("identity.why"),
        locked_note=t("identity.locked_note") if locked else None,
        iban_prompt=t("identity.iban_returned") if member is not None and member.iban_rejected_at else None,
        groups=groups,
    )


def _needed_words(t: Translator, need: list[str]) -> str:
    """The missing fields in words; the fields replacing an SSIN are its alternative, not needed besides it."""
    stand_ins = [t(f"identity.field.{n}") for n in need if n in STAND_INS]
    words = []
    for n in need:
        if n == "ssin" and stand_ins:
            words.append(t("identity.ssin_or", ssin=t("identity.field.ssin"), fields=t.join(stand_ins)))
        elif n not in STAND_INS:
            words.append(t(f"identity.field.{n}"))
    return ", ".join(words)


def country_names(t: Translator) -> dict[str, str]:
    """Country codes (what the member record keeps) with their names in the rider's language."""
    return {
        code: name
        for code, name in t.locale.territories.items()
        if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }


# --- the posted form -------------------------------------------------------------------------------------


def parse_form(form: dict[str, list[str]]) -> Typed:
    """The identity the form describes: an empty field is left unchanged (the form never clears one); a value
    whose shape is wrong (too long, not a date) is an error with the code the page translates."""
    given = {}
    for spec in FIELDS:
        values = form.get(spec.name, [])
        value = values[0].strip() if values else ""
        if value:
            given[spec.name] = value
    typed = Typed(shown={k: v for k, v in given.items() if k not in SECRETS})
    try:
        typed.data = IdentityIn.model_validate(given)
    except ValidationError as exc:
        for e in exc.errors():
            name = str(e["loc"][0]) if e.get("loc") else ""
            typed.errors.setdefault(name, _SHAPE_ERRORS.get(name, "text"))
    return typed


def errors_of(exc: InvalidPayload) -> dict[str, str]:
    """The field errors `members.service` raised, by field: their codes (its messages are English)."""
    found: list[dict[str, Any]] = exc.extensions.get("errors", [])
    out: dict[str, str] = {}
    for e in found:
        out.setdefault(str(e["location"]), str(e["code"]))
    return out


def problem_of(errors: dict[str, str]) -> InvalidPayload:
    """The errors of a form posted by a client that is not a browser, as the API words them (never a value)."""
    t = Translator("en")
    listed = [{"location": f, "message": t(f"identity.error.{c}"), "code": c} for f, c in errors.items()]
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in listed)
    return InvalidPayload(f"the identity is not valid: {detail}", errors=listed)


# --- saving ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Saved:
    member: Member | None
    link_requested: bool
    released: list[uuid.UUID]


def save(session: Session, vault: Vault, principal: RiderPrincipal, data: IdentityIn, now: datetime) -> Saved:
    """Save what the rider typed, in the caller's transaction.

    A rider with a member updates it (a link session fills sensitive fields, never changes them). A rider without
    one gets a new member, linked to each of the session's riders; unless the SSIN typed is already a member's:
    then the cooperative is asked to link them, and nothing else is kept, since knowing someone's SSIN must not
    open their identity, and one person is one member. Raises `InvalidPayload` (errors by field), `SsinTaken`,
    `LinkPending`."""
    riders = session_riders(session, principal)
    member = member_of(session, riders)
    if member is not None:
        members.update(session, vault, member, data, now, may_replace=principal.via == "oidc")
    else:
        if link_pending(session, riders):
            raise LinkPending(
                "you gave the national number of a member the cooperative knows: it will link your account; "
                "until then, nothing is filled in here"
            )
        holder = _holder(session, vault, data.ssin)
        if holder is not None:
            _request_link(session, riders, holder, now)
            return Saved(None, True, [])
        member = members.create(session, vault, data, now)
        for rider in riders:
            members.link(session, rider, member)
    # Contracts blocked for this identity open only once it can be declared.
    released = contracts_identity.release(session, member.number, now) if member.declarable else []
    return Saved(member, False, released)


def _holder(session: Session, vault: Vault, ssin: str | None) -> Member | None:
    if not ssin:
        return None
    try:
        compact = check.ssin(ssin)
    except check.IdentityInvalid:
        return None  # `members.create` reports it, with the other fields' errors
    return members.holder_of_ssin(session, vault, compact)


def _request_link(session: Session, riders: list[Rider], holder: Member, now: datetime) -> None:
    assert holder.id is not None
    for rider in riders:
        assert rider.id is not None
        session.add(LinkRequest(rider_id=rider.id, member_id=holder.id, requested_at=now))
    session.flush()
