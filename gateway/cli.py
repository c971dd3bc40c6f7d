"""The `gateway` command: serve, migrate, manage platforms, send a signed test webhook, regenerate OpenAPI."""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import httpx
import typer
from sqlmodel import Session, select

from gateway.agreements.cli import agreements_app
from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import AgreementError
from gateway.db import migrate
from gateway.db.engine import get_engine
from gateway.deps import utcnow
from gateway.domains.auth.credentials import issue_credential
from gateway.domains.callbacks.cli import callbacks_app
from gateway.domains.declarations.cli import declarations_app
from gateway.domains.invoicing import cli as invoicing_cli
from gateway.domains.jobs import cli as job_failures
from gateway.domains.outbox.cli import outbox_app
from gateway.domains.platforms import service as platforms
from gateway.domains.platforms.models import Platform
from gateway.domains.staff.service import audit, cli_actor, record_agreement_loads
from gateway.plugins import check_settings, plugins
from gateway.reports.cli import reports_app
from gateway.settings import REPO_ROOT, InsecureSettings, Settings, get_settings

app = typer.Typer(
    help="Gig-platform gateway.", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
)
platforms_app = typer.Typer(
    help="Create and inspect platforms, their secrets and API credentials.", no_args_is_help=True
)
webhook_app = typer.Typer(help="Sign and send test webhooks as a platform would.", no_args_is_help=True)
app.add_typer(platforms_app, name="platforms")
app.add_typer(webhook_app, name="webhook")
app.add_typer(agreements_app, name="agreements")
app.add_typer(reports_app, name="reports")
jobs_app = typer.Typer(help="List the periodic jobs, run one now, retry the rows they set aside.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
jobs_app.command("failures")(job_failures.failures_cmd)
jobs_app.command("retry")(job_failures.retry_cmd)
app.add_typer(outbox_app, name="outbox")
app.add_typer(callbacks_app, name="callbacks")
app.add_typer(declarations_app, name="declarations")
fund_app = typer.Typer(help="The guarantee fund: balances, ledger, deposits.", no_args_is_help=True)
app.add_typer(fund_app, name="fund")
invoices_app = typer.Typer(help="Platforms' invoices.", no_args_is_help=True)
app.add_typer(invoices_app, name="invoices")
invoices_app.command("ubl")(invoicing_cli.ubl_cmd)
invoices_app.command("pdf")(invoicing_cli.pdf_cmd)
invoices_app.command("credit")(invoicing_cli.credit_cmd)
invoices_app.command("credit-ubl")(invoicing_cli.credit_ubl_cmd)
invoices_app.command("credit-pdf")(invoicing_cli.credit_pdf_cmd)
staff_app = typer.Typer(help="The cooperative's staff: members, roles, the audit log.", no_args_is_help=True)
app.add_typer(staff_app, name="staff")
web_app = typer.Typer(help="The rider's pages: screenshots for the README.", no_args_is_help=True)
app.add_typer(web_app, name="web")
# Each package's own group (a platform adapter's setup commands), declared as `cli` in its PLUGIN.
for _plugin in plugins():
    if _plugin.cli is not None:
        app.add_typer(_plugin.attribute(_plugin.cli), name=_plugin.name)

OPENAPI_PATH = REPO_ROOT / "openapi" / "openapi.json"
DEMO_LABEL = "demo"
DEMO_FUND = Decimal("10000.00")


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _settings_with_secrets() -> Settings:
    """The settings, for a command that serves or mints a credential: refused with placeholder secrets outside
    development. Commands that need no secret (agreements, reports, listings) never call this."""
    settings = get_settings()
    try:
        settings.require_secrets()
    except InsecureSettings as exc:
        _fail(str(exc))
    return settings


def _book() -> AgreementBook:
    try:
        return AgreementBook.load(get_settings().agreements_dir)
    except AgreementError as exc:
        _fail(f"the agreements under {get_settings().agreements_dir} are invalid:\n{exc}")
        raise  # unreachable; for the type checker


@app.command("migrate")
def migrate_cmd() -> None:
    """Bring the database schema up to date (Alembic migrations)."""
    migrate.upgrade(get_settings().database_url)
    typer.echo("database schema is up to date")


@app.command("db-check")
def db_check() -> None:
    """Fail if the models and the migrations disagree (alembic check)."""
    migrate.check(get_settings().database_url)
    typer.echo("models and migrations agree")


@app.command()
def serve(
    demo: Annotated[bool, typer.Option(help="Ensure the demo platform and print how to call it.")] = False,
    host: Annotated[str | None, typer.Option(help="Default: GATEWAY_HOST or 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: GATEWAY_PORT or 8000.")] = None,
    workers: Annotated[int, typer.Option(help="Processes (use PostgreSQL for more than one).")] = 1,
) -> None:
    """Migrate, load the agreements (refusing to start on an invalid one) and serve."""
    import uvicorn

    settings = _settings_with_secrets()
    try:
        check_settings()
    except ValueError as exc:  # pydantic's ValidationError; it never prints the values given
        _fail(f"invalid settings: {exc}")
    book = _book()
    migrate.upgrade(settings.database_url)
    with Session(get_engine()) as session:
        for change in record_agreement_loads(session, settings.agreements_dir, utcnow()):
            typer.echo(f"agreement change recorded in the audit log: {change}")
        session.commit()
    host, port = host or settings.host, port or settings.port
    base_url = local_base_url(host, port)
    if "public_url" not in settings.model_fields_set:
        # Links handed to riders must reach this server: default the public URL to where it listens.
        os.environ["GATEWAY_PUBLIC_URL"] = base_url
        get_settings.cache_clear()
    if demo:
        _print_demo(book, base_url)
    typer.echo(f"agreements loaded: {', '.join(book.ids())}")
    uvicorn.run("gateway.main:app", host=host, port=port, workers=workers, log_level="info")


def local_base_url(host: str, port: int) -> str:
    """Where a client on this machine reaches a server listening on host:port (a wildcard is not an address)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104 - mapping, not binding
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _print_demo(book: AgreementBook, base_url: str) -> None:
    from gateway.domains.fund import service as fund

    settings = get_settings()
    slug = settings.demo_platform
    with Session(get_engine(), expire_on_commit=False) as session:
        platform = platforms.get_platform(session, slug)
        if platform is None:
            platform, _ = platforms.create_platform(
                session,
                book,
                slug=slug,
                name="Demo delivery platform",
                adapter="standard",
                agreement=settings.demo_agreement,
            )
        now = utcnow()
        if not fund.history(session, limit=1):
            # The fund advances a rider's pay only within its cash: a demo fund starts with some, as a running
            # cooperative's does, so the quick start shows the guarantee paying (never outside the demo).
            fund.deposit(session, DEMO_FUND, "EUR", now, "demo opening balance (serve --demo)")
        secret = platforms.active_secrets(session, platform, now)[0].secret
        # Keys are stored hashed, so the demo gets a fresh one at each start (the previous one is revoked).
        platforms.revoke_credentials(session, platform, DEMO_LABEL, now)
        key = issue_credential(session, platform, settings.credential_pepper.get_secret_value(), DEMO_LABEL)
        cash = fund.balance(session)
        session.commit()
    gw = f"{REPO_ROOT / '.venv' / 'bin' / 'gateway'}" if (REPO_ROOT / ".venv").exists() else "gateway"
    examples = REPO_ROOT / "examples"
    typer.secho("\nDemo platform ready", bold=True)
    typer.echo(f"  platform slug   : {slug}  (adapter standard, agreement {platform.agreement})")
    typer.echo(f"  webhook secret  : {secret}")
    typer.echo(f"  API credential  : {key}   (new at each start)")
    typer.echo(f"  webhook URL     : {base_url}/v1/platforms/{slug}/webhooks")
    typer.echo(f"  guarantee fund  : {cash} EUR in cash (`gateway fund show`)")
    typer.echo("\nSend signed test webhooks (from another terminal):")
    # --url every time: the commands must reach this server whatever port it was given (not the default's).
    typer.echo(f"  {gw} webhook send --url {base_url} {slug} {examples / 'rider-enrolled.json'}")
    typer.echo(f"  {gw} webhook send --url {base_url} {slug} {examples / 'shift-booked.json'}")
    typer.echo("Read the contract back:")
    typer.echo(
        f"  curl -s -H 'Authorization: Bearer {key}' {base_url}/v1/platforms/{slug}/shifts/DEMO-SUN-0300/contract\n"
    )


@platforms_app.command("create")
def platforms_create(
    slug: str,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    adapter: Annotated[str, typer.Option(help="Adapter slug.")] = "standard",
    agreement: Annotated[str, typer.Option(help="Agreement id under agreements/.")] = "be-delivery-2016",
) -> None:
    """Create a platform; prints its webhook secret and an API credential (shown once)."""
    book = _book()
    settings = _settings_with_secrets()
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            platform, secret = platforms.create_platform(
                session, book, slug=slug, name=name or slug, adapter=adapter, agreement=agreement
            )
        except platforms.PlatformError as exc:
            _fail(str(exc))
            return
        key = issue_credential(session, platform, settings.credential_pepper.get_secret_value(), "initial")
        audit(
            session, cli_actor(), "platform.created", f"platform:{slug}", utcnow(), adapter=adapter, agreement=agreement
        )
        session.commit()
    typer.echo(f"platform {slug} created (adapter {adapter}, agreement {agreement})")
    typer.echo(f"webhook secret : {secret}")
    typer.echo(f"API credential : {key}  (stored hashed: copy it now)")


@platforms_app.command("list")
def platforms_list() -> None:
    """List platforms."""
    with Session(get_engine(), expire_on_commit=False) as session:
        for p in session.exec(select(Platform).order_by(Platform.slug)).all():
            typer.echo(f"{p.slug}\tadapter={p.adapter}\tagreement={p.agreement}\tcreated={p.created_at:%Y-%m-%d}")


@platforms_app.command("add-secret")
def platforms_add_secret(
    slug: str, secret: Annotated[str | None, typer.Option(help="Use this secret instead of a new random one.")] = None
) -> None:
    """Add a webhook signing secret; the existing ones stay valid (rotation without downtime)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        platform = platforms.get_platform(session, slug)
        if platform is None:
            _fail(f"no platform {slug!r}")
            return
        try:
            value = platforms.add_secret(session, platform, secret)
        except ValueError as exc:
            _fail(f"invalid secret for a {platform.adapter} platform: {exc}")
            return
        audit(session, cli_actor(), "webhook_secret.added", f"platform:{slug}", utcnow())
        session.commit()
    typer.echo(f"webhook secret added: {value}")


@platforms_app.command("new-credential")
def platforms_new_credential(slug: str, label: Annotated[str, typer.Option()] = "") -> None:
    """Issue another API credential for the platform (shown once)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        platform = platforms.get_platform(session, slug)
        if platform is None:
            _fail(f"no platform {slug!r}")
            return
        key = issue_credential(session, platform, _settings_with_secrets().credential_pepper.get_secret_value(), label)
        audit(session, cli_actor(), "api_credential.issued", f"platform:{slug}", utcnow(), label=label)
        session.commit()
    typer.echo(f"API credential : {key}  (stored hashed: copy it now)")


@platforms_app.command("credentials")
def platforms_credentials(slug: str) -> None:
    """List a platform's OAuth clients and API credentials (gwk_..., by prefix), revoked ones included."""
    from gateway.domains.auth.credentials import credentials
    from gateway.domains.auth.oauth import clients

    with Session(get_engine(), expire_on_commit=False) as session:
        platform = platforms.get_platform(session, slug)
        if platform is None:
            _fail(f"no platform {slug!r}")
            return
        for c in clients(session, platform):
            typer.echo(
                f"oauth-client\t{c.client_id}\tscopes={c.scopes.replace(' ', ',')}\t"
                f"created={c.created_at:%Y-%m-%d %H:%M}\t{_state(c.revoked_at)}"
            )
        for k in credentials(session, platform):
            typer.echo(
                f"api-credential\t{k.prefix}\tlabel={k.label or '-'}\t"
                f"created={k.created_at:%Y-%m-%d %H:%M}\t{_state(k.revoked_at)}"
            )


def _state(revoked_at: datetime | None) -> str:
    return "active" if revoked_at is None else f"revoked={revoked_at:%Y-%m-%d %H:%M}"


def _revoke(slug: str, revoke: Callable[[Session, Platform, datetime], object], action: str, **detail: str) -> None:
    """Revoke one of a platform's credentials with `revoke`, audited as `action`; a refusal exits 1 naming why."""
    from gateway.problems import Problem

    with Session(get_engine(), expire_on_commit=False) as session:
        platform = platforms.get_platform(session, slug)
        if platform is None:
            _fail(f"no platform {slug!r}")
            return
        now = utcnow()
        try:
            revoke(session, platform, now)
        except Problem as exc:
            _fail(exc.detail)
            return
        audit(session, cli_actor(), action, f"platform:{slug}", now, **detail)
        session.commit()


@platforms_app.command("revoke-client")
def platforms_revoke_client(slug: str, client_id: str) -> None:
    """Revoke an OAuth client: no new tokens; gateways refuse its tokens within GATEWAY_PLATFORM_CACHE_SECONDS."""
    from gateway.domains.auth.oauth import revoke_client

    _revoke(slug, lambda s, p, now: revoke_client(s, p, client_id, now), "oauth_client.revoked", client_id=client_id)
    seconds = get_settings().platform_cache_seconds
    typer.echo(f"OAuth client {client_id} revoked; its tokens are refused within {seconds:g} s")


@platforms_app.command("revoke-credential")
def platforms_revoke_credential(slug: str, prefix: str) -> None:
    """Revoke an API credential (gwk_...) by its prefix (see `gateway platforms credentials SLUG`)."""
    from gateway.domains.auth.credentials import revoke_credential

    _revoke(slug, lambda s, p, now: revoke_credential(s, p, prefix, now), "api_credential.revoked", prefix=prefix)
    typer.echo(f"API credential {prefix} revoked; it is refused from the next request on")


@webhook_app.command("send")
def webhook_send(
    platform: str,
    body_file: Annotated[Path, typer.Argument(help="JSON file with the event (or - for stdin).")],
    url: Annotated[str | None, typer.Option(help="Gateway base URL.")] = None,
    webhook_id: Annotated[
        str | None, typer.Option("--id", help="webhook-id, for schemes that carry one (default: a new one).")
    ] = None,
) -> None:
    """Sign a body with the platform's newest secret, in its adapter's scheme, and POST it to the gateway."""
    settings = get_settings()
    body = sys.stdin.buffer.read() if str(body_file) == "-" else body_file.read_bytes()
    with Session(get_engine(), expire_on_commit=False) as session:
        p = platforms.get_platform(session, platform)
        if p is None:
            _fail(f"no platform {platform!r}")
            return
        secret = platforms.active_secrets(session, p, utcnow())[0].secret
    try:
        headers = platforms.sign_as(p, secret, body, utcnow(), webhook_id)
    except platforms.PlatformError as exc:
        _fail(str(exc))
        return
    # A scheme without an id (CoopCycle's) has it derived from the body by the gateway: the answer names it.
    msg_id = headers.get("webhook-id")
    base = url or f"http://{settings.host}:{settings.port}"
    try:
        resp = httpx.post(f"{base}/v1/platforms/{platform}/webhooks", content=body, headers=headers, timeout=30)
    except httpx.TransportError as exc:
        _fail(f"cannot reach the gateway at {base} ({exc}); is `./dev run` running?")
        return
    try:
        answer = resp.json()
    except ValueError:
        answer = None
    if msg_id is None and isinstance(answer, dict) and isinstance(answer.get("webhook_id"), str):
        msg_id = answer["webhook_id"]
    typer.echo(f"HTTP {resp.status_code}  webhook-id {msg_id or '(none)'}")
    typer.echo(resp.text if answer is None else json.dumps(answer, indent=2, ensure_ascii=False))
    if resp.status_code >= 400:
        raise typer.Exit(1)


@app.command()
def openapi(check: Annotated[bool, typer.Option(help="Fail if the committed document differs.")] = False) -> None:
    """Write openapi/openapi.json from the app (or check it is current)."""
    from gateway.openapi_doc import render

    text = render()
    if check:
        current = OPENAPI_PATH.read_text(encoding="utf-8") if OPENAPI_PATH.exists() else ""
        if current != text:
            _fail("openapi/openapi.json is out of date: run ./dev openapi and commit it")
        typer.echo("openapi/openapi.json is current")
        return
    OPENAPI_PATH.parent.mkdir(exist_ok=True)
    OPENAPI_PATH.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {OPENAPI_PATH}")


@jobs_app.command("list")
def jobs_list() -> None:
    """The periodic jobs, with how often the scheduler runs them."""
    from gateway.jobs import registry

    for j in registry().values():
        typer.echo(f"{j.name}\tevery {j.every_seconds} s\t{j.description}")


@jobs_app.command("run")
def jobs_run(name: str) -> None:
    """Run one job now, once (safe beside running gateways: jobs claim their work)."""
    from gateway.jobs import JobContext, registry, run_job

    if name not in registry():
        _fail(f"no job {name!r}; see `gateway jobs list`")
    settings = get_settings()
    n = run_job(name, JobContext(get_engine(), settings, _book(), utcnow))
    typer.echo(f"{name}: {n} item(s) processed")


@platforms_app.command("insolvent")
def platforms_insolvent(
    slug: str, yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False
) -> None:
    """Declare a platform insolvent: settle every outstanding contract; the fund pays its riders when due."""
    from gateway.domains.insolvency.service import declare_insolvent
    from gateway.problems import Problem

    if not yes:
        _fail("declaring a platform insolvent cannot be undone: add --yes")
    with Session(get_engine(), expire_on_commit=False) as session:
        platform = platforms.get_platform(session, slug)
        if platform is None:
            _fail(f"no platform {slug!r}")
            return
        try:
            r = declare_insolvent(session, platform, _book(), utcnow(), cli_actor())
        except Problem as exc:
            _fail(exc.detail)
            return
        audit(session, cli_actor(), "platform.insolvent", f"platform:{slug}", utcnow(), settled=r.contracts_settled)
        session.commit()
    typer.echo(
        f"{slug} insolvent at {r.declared_at:%Y-%m-%d %H:%M} UTC: {r.contracts_settled} contract(s) settled, "
        f"{r.contracts_cancelled} cancelled, {r.invoices_defaulted} invoice(s) defaulted"
    )


@fund_app.command("show")
def fund_show() -> None:
    """Balances of the guarantee fund."""
    from gateway.domains.fund import service as fund

    with Session(get_engine()) as session:
        b = fund.balances(session)
    typer.echo(f"cash     {b.cash}\nlevies   {b.levies}\ndeposits {b.deposits}")
    for slug, debt in sorted(b.platform_debts.items()):
        typer.echo(f"debt of {slug}: {debt}")
    typer.echo("ledger balanced" if b.unbalanced_transactions == 0 else f"{b.unbalanced_transactions} UNBALANCED")


@fund_app.command("history")
def fund_history(limit: Annotated[int, typer.Option(min=1)] = 50) -> None:
    """The fund's ledger entries, newest first."""
    from gateway.domains.fund import service as fund

    with Session(get_engine()) as session:
        for e in fund.history(session, limit):
            typer.echo(f"{e.id}\t{e.created_at:%Y-%m-%d %H:%M}\t{e.kind}\t{e.account}\t{e.amount}\t{e.memo}")


@fund_app.command("deposit")
def fund_deposit(amount: str, memo: Annotated[str, typer.Option()] = "", currency: str = "EUR") -> None:
    """Pay money into the fund (e.g. its opening balance)."""
    from decimal import Decimal, InvalidOperation

    from gateway.domains.fund import service as fund

    try:
        value = Decimal(amount)
    except InvalidOperation:
        _fail(f"{amount!r} is not an amount")
        return
    if value <= 0 or value != value.quantize(Decimal("0.01")):
        _fail("the amount must be positive, to the cent")
    with Session(get_engine()) as session:
        fund.deposit(session, value, currency, utcnow(), memo)
        audit(session, cli_actor(), "fund.deposit", "fund", utcnow(), amount=str(value), memo=memo)
        session.commit()
        typer.echo(f"fund cash is now {fund.balance(session)}")


@invoices_app.command("pay")
def invoices_pay(invoice_id: str) -> None:
    """Record that the platform paid this invoice."""
    from gateway.domains.settlement.service import record_invoice_payment
    from gateway.problems import Problem

    try:
        iid = uuid.UUID(invoice_id)
    except ValueError:
        _fail(f"{invoice_id!r} is not an invoice id")
        return
    with Session(get_engine()) as session:
        try:
            inv = record_invoice_payment(session, iid, utcnow())
        except Problem as exc:
            _fail(exc.detail)
            return
        audit(session, cli_actor(), "invoice.paid", f"invoice:{iid}", utcnow(), total=str(inv.total))
        session.commit()
        typer.echo(f"invoice {inv.id} paid: {inv.total} {inv.currency}")


@platforms_app.command("rotate-secret")
def platforms_rotate_secret(
    slug: str,
    overlap_hours: Annotated[
        int | None, typer.Option(min=0, max=168, help="Default: GATEWAY_SECRET_OVERLAP_HOURS.")
    ] = None,
) -> None:
    """New webhook secret; the current ones keep verifying during the overlap, then expire."""
    from datetime import timedelta

    settings = get_settings()
    hours = settings.secret_overlap_hours if overlap_hours is None else overlap_hours
    with Session(get_engine(), expire_on_commit=False) as session:
        platform = platforms.get_platform(session, slug)
        if platform is None:
            _fail(f"no platform {slug!r}")
            return
        secret, until = platforms.rotate_secret(session, platform, utcnow(), timedelta(hours=hours))
        audit(session, cli_actor(), "webhook_secret.rotated", f"platform:{slug}", utcnow(), overlap_hours=hours)
        session.commit()
    typer.echo(f"new webhook secret : {secret}")
    typer.echo(f"previous secret(s) verify until {until:%Y-%m-%d %H:%M} UTC")


@platforms_app.command("oauth-client")
def platforms_oauth_client(
    slug: str, scope: Annotated[list[str] | None, typer.Option(help="Repeat for several; default: all.")] = None
) -> None:
    """Issue OAuth2 client credentials to a platform (secret shown once)."""
    from gateway.domains.auth.oauth import SCOPES, create_client

    settings = _settings_with_secrets()
    with Session(get_engine(), expire_on_commit=False) as session:
        platform = platforms.get_platform(session, slug)
        if platform is None:
            _fail(f"no platform {slug!r}")
            return
        try:
            client_id, secret = create_client(
                session, platform, settings.credential_pepper.get_secret_value(), scope or sorted(SCOPES)
            )
        except ValueError as exc:
            _fail(str(exc))
            return
        audit(session, cli_actor(), "oauth_client.created", f"platform:{slug}", utcnow(), client_id=client_id)
        session.commit()
    typer.echo(f"client_id     : {client_id}\nclient_secret : {secret}  (stored hashed: copy it now)")
    typer.echo(f"token URL     : {settings.public_url}/oauth2/token  (grant_type=client_credentials, HTTP Basic)")


@staff_app.command("add")
def staff_add(name: str, role: Annotated[list[str], typer.Option(help="Repeat for several roles.")]) -> None:
    """Add a staff member with the roles they need (least privilege); prints their token once."""
    from gateway.domains.staff.service import StaffError, add_member

    with Session(get_engine()) as session:
        try:
            token = add_member(session, name, role, _settings_with_secrets().credential_pepper.get_secret_value())
        except StaffError as exc:
            _fail(str(exc))
            return
        audit(session, cli_actor(), "staff.added", f"staff:{name}", utcnow(), roles=sorted(role))
        session.commit()
    typer.echo(f"staff token for {name}: {token}  (stored hashed: copy it now)")


@staff_app.command("roles")
def staff_roles() -> None:
    """The roles a staff member can hold."""
    from gateway.domains.staff.service import ROLES

    for r, what in ROLES.items():
        typer.echo(f"{r}\t{what}")


@staff_app.command("revoke")
def staff_revoke(name: str) -> None:
    """Revoke a staff member's token."""
    from gateway.domains.staff.service import revoke

    with Session(get_engine()) as session:
        if not revoke(session, name, utcnow()):
            _fail(f"no active staff member {name!r}")
        audit(session, cli_actor(), "staff.revoked", f"staff:{name}", utcnow())
        session.commit()
    typer.echo(f"{name}'s token is revoked")


@staff_app.command("audit")
def staff_audit(limit: Annotated[int, typer.Option(min=1)] = 50) -> None:
    """The audit log, newest first."""
    from gateway.domains.staff.service import audit_log

    with Session(get_engine()) as session:
        for e in audit_log(session, limit):
            typer.echo(f"{e.at:%Y-%m-%d %H:%M:%S}\t{e.actor}\t{e.action}\t{e.target}\t{e.detail}")


@web_app.command("screenshots")
def web_screenshots(
    out: Annotated[Path, typer.Option(help="Folder for the PNG files.")] = REPO_ROOT / "docs" / "screenshots",
    lang: Annotated[list[str] | None, typer.Option(help="Language(s): en, fr, nl (repeat the option).")] = None,
) -> None:
    """Render the rider's pages (list and one contract) at a phone's size in headless Chromium, from demo data."""
    from gateway.screenshots import render

    try:
        files = render(out, lang or ["en", "fr"])
    except RuntimeError as exc:
        typer.echo(f"cannot take screenshots: {exc}", err=True)
        raise typer.Exit(1) from exc
    for f in files:
        typer.echo(str(f))


@web_app.command("report-screenshots")
def web_report_screenshots(
    out: Annotated[Path, typer.Option(help="Folder for the PNG files.")] = REPO_ROOT / "docs" / "screenshots",
) -> None:
    """Render the negotiators' compliance and what-if reports of a demo month in headless Chromium, whole pages,
    to compliance-report.png and whatif-report.png."""
    from gateway.screenshots import render_reports

    try:
        files = render_reports(out)
    except RuntimeError as exc:
        typer.echo(f"cannot take screenshots: {exc}", err=True)
        raise typer.Exit(1) from exc
    for f in files:
        typer.echo(str(f))


@web_app.command("transparency-screenshot")
def web_transparency_screenshot(
    out: Annotated[Path, typer.Option(help="Folder for the PNG file.")] = REPO_ROOT / "docs" / "screenshots",
    lang: Annotated[str, typer.Option(help="en, fr or nl.")] = "en",
) -> None:
    """Render the public transparency notice (two demo platforms, a signed 2027 amendment announced ahead) in
    headless Chromium, whole, to transparency-notice.png."""
    from gateway.screenshots import render_transparency

    try:
        typer.echo(str(render_transparency(out, lang)))
    except RuntimeError as exc:
        typer.echo(f"cannot take screenshots: {exc}", err=True)
        raise typer.Exit(1) from exc


@web_app.command("payslip-screenshots")
def web_payslip_screenshots(
    out: Annotated[Path, typer.Option(help="Folder for the PNG files.")] = REPO_ROOT / "docs" / "screenshots",
    lang: Annotated[list[str] | None, typer.Option(help="Language(s): en, fr, nl (repeat the option).")] = None,
) -> None:
    """Render the first page of a demo payslip (PDF) per language to payslip-<lang>.png, from demo data."""
    from gateway.screenshots import render_payslips

    for f in render_payslips(out, lang or ["en", "fr", "nl"]):
        typer.echo(str(f))


# --- The riders' representatives (issue 20): the figures come from their domain, the page from gateway.web; both
# meet here, the one layer that may import the two.
@reports_app.command("representatives")
def reports_representatives(
    platform: Annotated[str, typer.Option("--platform", help="The platform's slug.")],
    half: Annotated[str, typer.Option("--half", help="YYYY-H1 (January to June) or YYYY-H2 (July to December).")],
    lang: Annotated[str, typer.Option("--lang", help="The page's language: en, fr or nl.")] = "en",
    out: Annotated[Path, typer.Option("--out", help="Directory for the CSV and HTML files.")] = REPO_ROOT
    / "var"
    / "reports",
) -> None:
    """A platform's half-year for the riders' representatives, never a group under five riders: writes
    representatives-<platform>-<half>.csv and representatives-<platform>-<half>-<lang>.html in --out."""
    from gateway.domains.representatives.export import to_csv
    from gateway.domains.representatives.service import HalfError, UnknownPlatform, figures
    from gateway.reports.files import outputs
    from gateway.web import representatives
    from gateway.web.i18n import LANGUAGES, Translator

    if lang not in LANGUAGES:
        _fail(f"--lang {lang!r}: choose from {', '.join(LANGUAGES)}")
        raise typer.Exit(1)
    try:
        book = AgreementBook.load(get_settings().agreements_dir)
        with Session(get_engine()) as session:
            report = figures(session, book, platform, half, utcnow())
    except (HalfError, UnknownPlatform, AgreementError) as exc:
        _fail(str(exc))
        raise typer.Exit(1) from exc
    stem = f"representatives-{report.platform}-{report.half}"
    with outputs(out) as files:
        written = [
            files.write_text(f"{stem}.csv", to_csv(report)),
            files.write_text(f"{stem}-{lang}.html", representatives.page(report, Translator(lang))),
        ]
    for path in written:
        typer.echo(f"written: {path}")


@web_app.command("representatives-screenshot")
def web_representatives_screenshot(
    out: Annotated[Path, typer.Option(help="Folder for the PNG file.")] = REPO_ROOT / "docs" / "screenshots",
    lang: Annotated[str, typer.Option(help="The page's language: en, fr or nl.")] = "en",
) -> None:
    """Render the representatives' page of a demo half-year in headless Chromium, whole, to representatives.png."""
    from gateway.screenshots import render_representatives

    try:
        typer.echo(str(render_representatives(out, lang)))
    except RuntimeError as exc:
        typer.echo(f"cannot take screenshots: {exc}", err=True)
        raise typer.Exit(1) from exc
