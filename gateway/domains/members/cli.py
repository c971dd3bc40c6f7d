"""`gateway members ...`: the cooperative's members and their identity (SSIN and IBAN shown masked).

Writes are audited as the operating system's user (`cli:<user>`), with the names of the fields set, never their
values, and release the contracts blocked for an incomplete identity in the same transaction, as the staff API
does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from sqlmodel import Session

from gateway.db.engine import get_engine
from gateway.deps import utcnow
from gateway.domains.contracts import identity
from gateway.domains.members import service as members
from gateway.domains.members import vault
from gateway.domains.members.models import Member
from gateway.domains.members.schemas import IdentityIn, MemberOut
from gateway.domains.platforms.service import get_platform
from gateway.domains.staff.service import audit, cli_actor
from gateway.problems import Conflict, InvalidPayload
from gateway.settings import InsecureSettings, get_settings

members_app = typer.Typer(help="Members: identity, links to platforms' riders, encryption keys.", no_args_is_help=True)

HIDDEN = "-"
_HIDDEN_HELP = "Give `-` to type it at a hidden prompt (kept out of the shell's history and the process list)."
Opt = Annotated[str | None, typer.Option()]
Ssin = Annotated[str | None, typer.Option(help=f"Belgian national number or BIS number. {_HIDDEN_HELP}")]
Iban = Annotated[str | None, typer.Option(help=f"The account the member is paid on (SEPA). {_HIDDEN_HELP}")]
BirthDate = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD.")]
Gender = Annotated[str | None, typer.Option(help="MALE or FEMALE (without an SSIN, as Dimona takes it).")]
Language = Annotated[str | None, typer.Option(help="en, fr or nl.")]
WorkerType = Annotated[str | None, typer.Option(help="Dimona worker type: OTH, STU, FLX or EXT.")]
EmployedSince = Annotated[
    datetime | None, typer.Option(formats=["%Y-%m-%d"], help="When the cooperative first employed them (seniority).")
]
Country = Annotated[str | None, typer.Option(help="ISO 3166 alpha-2, e.g. BE.")]
Batch = Annotated[int, typer.Option(min=1, max=10_000, help="Members re-encrypted per transaction.")]


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _vault() -> vault.Vault:
    """The keys of the settings, refused when they are the published placeholders outside development."""
    settings = get_settings()
    try:
        settings.require_secrets()
        return vault.vault_of(settings)
    except (InsecureSettings, vault.VaultError) as exc:
        _fail(str(exc))


def _secret(value: str | None, label: str) -> str | None:
    if value == HIDDEN:
        return str(typer.prompt(label, hide_input=True))
    return value


def _identity(**given: Any) -> IdentityIn:
    """The options given (those left out stay unchanged), the hidden prompts answered, as the API's body."""
    given["ssin"] = _secret(given["ssin"], "SSIN")
    given["iban"] = _secret(given["iban"], "IBAN")
    if given["birth_date"] is not None:
        given["birth_date"] = given["birth_date"].date()
    if given.get("employed_since") is not None:
        given["employed_since"] = given["employed_since"].date()
    try:
        return IdentityIn.model_validate({k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        # The field and what is wrong; never the input (an SSIN or IBAN given to the wrong option).
        _fail("\n".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False)))


def _member(session: Session, number: str) -> Member:
    member = members.by_number(session, number)
    if member is None:
        _fail(f"no member {number!r}")
    return member


def _refused(exc: InvalidPayload | Conflict) -> NoReturn:
    errors = exc.extensions.get("errors") or []
    _fail("\n".join(f"{e['location']}: {e['message']} ({e['code']})" for e in errors) or exc.detail)


def _commit(session: Session, action: str, member: Member, now: datetime, **detail: Any) -> None:
    released = identity.release(session, member.number, now)
    if released:
        detail["released_contracts"] = [str(c) for c in released]
    audit(session, cli_actor(), action, f"member:{member.number}", now, **detail)
    session.commit()
    if released:
        typer.echo(f"released {len(released)} contract(s) blocked for an incomplete identity")


def _show(m: MemberOut) -> None:
    for name, value in m.model_dump(exclude={"riders", "missing"}).items():
        if value is not None:
            typer.echo(f"{name:<20}{value}")
    typer.echo(f"{'missing':<20}{', '.join(m.missing) or '-'}")
    typer.echo(f"{'riders':<20}{', '.join(f'{r.platform}/{r.rider_id}' for r in m.riders) or '-'}")


def _fields(data: IdentityIn) -> list[str]:
    return sorted(data.model_dump(exclude_unset=True, exclude_none=True))


@members_app.command("new-key")
def new_key() -> None:
    """Print a new random key for GATEWAY_IDENTITY_KEYS (Fernet)."""
    typer.echo(vault.new_key())


@members_app.command("add")
def add(
    number: Annotated[str | None, typer.Option(help="The member number; made up (M-...) when left out.")] = None,
    first_name: Opt = None,
    last_name: Opt = None,
    birth_date: BirthDate = None,
    ssin: Ssin = None,
    birth_place: Opt = None,
    birth_place_country: Country = None,
    nationality: Country = None,
    gender: Gender = None,
    street: Opt = None,
    house_number: Opt = None,
    zip_code: Opt = None,
    city: Opt = None,
    country: Country = None,
    iban: Iban = None,
    bic: Opt = None,
    language: Language = None,
    worker_type: WorkerType = None,
    employed_since: EmployedSince = None,
) -> None:
    """Add a member with any identity fields; prints the member, SSIN and IBAN masked."""
    given = {k: v for k, v in locals().items() if k != "number"}
    data = _identity(**given)
    keys, now = _vault(), utcnow()
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            member = members.create(session, keys, data, now, number=number)
        except (InvalidPayload, Conflict) as exc:
            _refused(exc)
        _commit(session, "member.created", member, now, fields=_fields(data))
        _show(members.out(session, member))


@members_app.command("set")
def set_(
    number: str,
    first_name: Opt = None,
    last_name: Opt = None,
    birth_date: BirthDate = None,
    ssin: Ssin = None,
    birth_place: Opt = None,
    birth_place_country: Country = None,
    nationality: Country = None,
    gender: Gender = None,
    street: Opt = None,
    house_number: Opt = None,
    zip_code: Opt = None,
    city: Opt = None,
    country: Country = None,
    iban: Iban = None,
    bic: Opt = None,
    language: Language = None,
    worker_type: WorkerType = None,
    employed_since: EmployedSince = None,
) -> None:
    """Set a member's identity fields (those left out are unchanged; a set SSIN or IBAN may be replaced)."""
    given = {k: v for k, v in locals().items() if k != "number"}
    data = _identity(**given)
    keys, now = _vault(), utcnow()
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            member = members.update(session, keys, _member(session, number), data, now, may_replace=True)
        except (InvalidPayload, Conflict) as exc:
            _refused(exc)
        _commit(session, "member.updated", member, now, fields=_fields(data))
        _show(members.out(session, member))


@members_app.command("show")
def show(number: str) -> None:
    """One member, SSIN and IBAN masked."""
    with Session(get_engine()) as session:
        _show(members.out(session, _member(session, number)))


@members_app.command("list")
def list_(
    incomplete: Annotated[bool, typer.Option(help="Only members whose identity cannot be declared yet.")] = False,
    limit: Annotated[int, typer.Option(min=1)] = 100,
) -> None:
    """Members by number: number, name, declarable or what is missing, masked SSIN, riders."""
    with Session(get_engine()) as session:
        found = members.outs(session, members.listing(session, incomplete=incomplete, limit=limit))
    for m in found:
        name = " ".join(n for n in (m.first_name, m.last_name) if n) or "-"
        state = "declarable" if m.declarable else "missing: " + ", ".join(m.missing)
        riders = ", ".join(f"{r.platform}/{r.rider_id}" for r in m.riders) or "-"
        typer.echo(f"{m.number}\t{name}\t{state}\t{m.ssin or '-'}\t{riders}")


@members_app.command("link")
def link(number: str, platform: str, rider_id: str) -> None:
    """Link a platform's rider to a member (e.g. after checking a link request)."""
    now = utcnow()
    with Session(get_engine(), expire_on_commit=False) as session:
        member = _member(session, number)
        p = get_platform(session, platform)
        if p is None:
            _fail(f"no platform {platform!r}")
        rider = members.platform_rider(session, p, rider_id)
        if rider is None:
            _fail(f"no rider {rider_id!r} on platform {platform!r}")
        previous = rider.member_id
        members.link(session, rider, member)
        _commit(session, "member.linked", member, now, platform=platform, rider_id=rider_id, previous=previous)
    typer.echo(f"{platform}/{rider_id} is member {number}" + (f" (was {previous})" if previous else ""))


@members_app.command("link-requests")
def link_requests(limit: Annotated[int, typer.Option(min=1)] = 100) -> None:
    """Riders who gave an existing member's SSIN on their page, oldest first: check, then `link`."""
    with Session(get_engine()) as session:
        for r in members.link_requests(session, limit):
            typer.echo(f"{r.requested_at:%Y-%m-%d %H:%M:%S}\t{r.platform}/{r.rider_id}\tmember {r.member}")


@members_app.command("reads")
def reads(number: str, limit: Annotated[int, typer.Option(min=1)] = 100) -> None:
    """Who read this member's clear SSIN or IBAN, why and when, newest first (never the value)."""
    with Session(get_engine()) as session:
        for r in members.reads(session, _member(session, number), limit):
            typer.echo(f"{r.at:%Y-%m-%d %H:%M:%S}\t{r.field}\t{r.actor}\t{r.purpose}")


@members_app.command("rotate-keys")
def rotate_keys(
    batch: Batch = 200,
    reindex: Annotated[
        bool, typer.Option(help="Also recompute every SSIN's blind index (after GATEWAY_IDENTITY_INDEX_KEY changed).")
    ] = False,
) -> None:
    """Re-encrypt every member not under the first key of GATEWAY_IDENTITY_KEYS, batch by batch (each its own
    transaction). Safe to re-run and to run while the gateway serves (rows being written wait or are seen)."""
    keys = _vault()
    done, after, failed = 0, 0, list[str]()
    while True:
        with Session(get_engine(), expire_on_commit=False) as session:
            found = _next_batch(session, keys, batch, after, reindex)
            if not found:
                break
            rotated, refused = _rotate_batch(session, keys, found, reindex)
            session.commit()
        done, failed, after = done + rotated, failed + refused, found[-1].id or after
        typer.echo(f"re-encrypted {done} member(s) under key {keys.current_key_id}")
    for number in failed:
        typer.secho(f"member {number}: {_UNREADABLE}", fg=typer.colors.RED, err=True)
    typer.echo(f"done: {done} re-encrypted, {len(failed)} unreadable, every other member already under the key")
    if failed:
        raise typer.Exit(1)


_UNREADABLE = (
    "a stored value opens with no key of GATEWAY_IDENTITY_KEYS (was its key removed before rotate-keys ran?): put "
    "the old key back last and run again"
)


def _next_batch(session: Session, keys: vault.Vault, batch: int, after: int, reindex: bool) -> list[Member]:
    # Re-indexing visits every SSIN (the index key changed, not only the encrypting key); the id cursor moves past
    # a member no key opens, so one such row never stops the run.
    if reindex:
        return members.with_ssin(session, batch, after=after)
    return members.stale(session, keys, batch, after=after)


def _rotate_batch(session: Session, keys: vault.Vault, found: list[Member], reindex: bool) -> tuple[int, list[str]]:
    """Each member on its own, so one that no key opens is left as it is (and named) while the rest go on."""
    now, rotated, refused = utcnow(), 0, []
    for m in found:
        try:
            members.rotate(session, keys, [m], now, reindex=reindex)
            rotated += 1
        except vault.VaultError:
            session.expunge(m)  # its half-rotated state is never written
            refused.append(m.number)
    return rotated, refused
