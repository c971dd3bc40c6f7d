"""Screenshots of the rider's pages for the README: a throw-away SQLite database filled by the demo platform's
webhooks (gateway.web.demo), the app served on loopback, and Debian's Chromium at a phone's size."""

from __future__ import annotations

import contextlib
import random
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from gateway.agreements.loader import AgreementBook
from gateway.app import create_app
from gateway.db.engine import engine_for
from gateway.db.migrate import upgrade
from gateway.domains.fund import service as fund
from gateway.domains.members import service as members
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.vault import vault_of
from gateway.domains.platforms import service as platforms
from gateway.domains.riders import access
from gateway.domains.riders.models import Rider
from gateway.jobs import JobContext, run_job
from gateway.settings import Settings
from gateway.signing import sign
from gateway.web import browser
from gateway.web.demo import BOOKED_AT, RIDER, DemoContracts, populate

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize


def _signed(secret: str, body: bytes, when: datetime) -> dict[str, str]:
    msg_id = f"msg_{time.monotonic_ns()}"
    ts = int(when.timestamp())
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, msg_id, ts, body),
    }


def render(out: Path, languages: Iterable[str] = ("en", "fr")) -> list[Path]:
    """Write rider-contracts-<lang>.png and rider-contract-<lang>.png under `out`; returns the files."""
    reason = browser.chromium_missing()
    if reason:
        raise RuntimeError(reason)
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with _demo() as demo:
        with Session(demo.engine) as session:
            rider = session.exec(select(Rider).where(Rider.external_id == RIDER)).one()
            token = access.issue_link(demo.settings, rider, BOOKED_AT).token
        return _shoot(demo.app, token, demo.contracts, list(languages), out, sync_playwright)


@dataclass
class _Demo:
    settings: Settings
    app: Any
    engine: Engine
    contracts: Any  # what `fill` returned: the rider's pages' DemoContracts by default
    clock: list[datetime]  # the app's clock: [now]


Send = Callable[[bytes, datetime], Any]
Run = Callable[[str, datetime], int]


@contextlib.contextmanager
def _demo(fill: Callable[[Send, Run], Any] = populate, **overrides: Any) -> Iterator[_Demo]:
    """A throw-away SQLite database filled by the demo platform's webhooks and jobs, and the app over it."""
    with warnings.catch_warnings():
        # Starlette prefers httpx2 for its test client; the project's stack is httpx (see pyproject's filters).
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/screenshots.db"
        upgrade(url)
        settings = Settings(database_url=url, env="development", scheduler=False, **overrides)
        book = AgreementBook.load(settings.agreements_dir)
        # The app's clock stands at the demo's booking time, so the pages read as on that day; it moves only while
        # the demo reports work, as it happens.
        clock = [BOOKED_AT]
        app = create_app(settings, book, clock=lambda: clock[0])
        engine = engine_for(url)
        with Session(engine) as session:
            _, secret = platforms.create_platform(
                session, book, slug="demo", name="Demo", adapter="standard", agreement="be-delivery-2016"
            )
            # A running cooperative's fund has cash: the fund advances a rider's pay only within it.
            fund.deposit(session, Decimal("10000.00"), "EUR", BOOKED_AT, "opening balance (screenshots)")
            session.commit()
        with TestClient(app) as client, httpx.Client(timeout=5) as http:

            def send(body: bytes, when: datetime) -> Any:
                clock[0] = when
                return client.post("/v1/platforms/demo/webhooks", content=body, headers=_signed(secret, body, when))

            def run(name: str, at: datetime) -> int:
                ctx = JobContext(
                    engine,
                    settings,
                    book,
                    lambda: at,
                    services={"http": http, "random": random.Random(0)},  # noqa: S311 - retry jitter, not a secret
                )
                return run_job(name, ctx)

            contracts = fill(send, run)
            clock[0] = BOOKED_AT
        try:
            yield _Demo(settings, app, engine, contracts, clock)
        finally:
            engine.dispose()


# The payslips' screenshots show a fictional cooperative and member: made-up numbers that pass their check digits.
DEMO_EMPLOYER: dict[str, Any] = {
    "employer_name": "Coopérative des coursiers (demo)",
    "employer_enterprise_number": "0403.170.701",
    "employer_nsso_number": "000-0123456-01",
    "employer_address": "Rue de l'Exemple 1, 1000 Bruxelles",
}
DEMO_MEMBER = IdentityIn(first_name="Amina", last_name="El Idrissi", ssin="93.05.18-223.61", language="fr")
PAYSLIP_DPI = 110
# The payslips are printed the day after the fund paid the demo's Sunday shift (8 December).
PRINTED_AT = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)


def render_payslips(out: Path, languages: Iterable[str] = ("en", "fr", "nl")) -> list[Path]:
    """Write payslip-<lang>.png under `out`: the first page of the demo's fund-paid contract's payslip PDF, fetched
    through the rider's route as a browser would, rendered by PDFium."""
    import pypdfium2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    out.mkdir(parents=True, exist_ok=True)
    files = []
    with _demo(**DEMO_EMPLOYER) as demo:
        with Session(demo.engine) as session:
            rider = session.exec(select(Rider).where(Rider.external_id == RIDER)).one()
            member = members.create(session, vault_of(demo.settings), DEMO_MEMBER, BOOKED_AT)
            members.link(session, rider, member)
            session.commit()
            assert rider.id is not None
            demo.clock[0] = PRINTED_AT
            token = access.session_token(demo.settings, [rider.id], "link", PRINTED_AT)
        with TestClient(demo.app, cookies={access.RIDER_COOKIE: token}) as client:
            for lang in languages:
                r = client.get(f"/rider/contracts/{demo.contracts.paid}/payslip.pdf", params={"lang": lang})
                r.raise_for_status()
                pdf = pypdfium2.PdfDocument(r.content)
                image = pdf[0].render(scale=PAYSLIP_DPI / 72).to_pil()
                target = out / f"payslip-{lang}.png"
                image.save(target, optimize=True)
                pdf.close()
                files.append(target)
    return files


def _shoot(
    app: Any, token: str, contracts: DemoContracts, languages: list[str], out: Path, pw_factory: Any
) -> list[Path]:
    files = []
    with browser.serve(app) as base, pw_factory() as pw:
        chromium = browser.launch(pw)
        context = chromium.new_context(viewport=browser.PHONE, device_scale_factor=1, reduced_motion="reduce")
        page = context.new_page()
        page.goto(f"{base}/r/{token}")
        page.locator("form.open-link button").click()  # the link's page: its button uses the link
        page.wait_for_url(f"{base}/rider")
        for lang in languages:
            for name, path in (("contracts", "/rider"), ("contract", f"/rider/contracts/{contracts.paid}")):
                page.goto(f"{base}{path}?lang={lang}")
                target = out / f"rider-{name}-{lang}.png"
                page.screenshot(path=str(target), full_page=True)
                files.append(target)
        context.close()
        chromium.close()
    return files


# The reports' screenshots: a month of a demo platform's shifts, booked, worked, settled and paid through the same
# webhooks and jobs as production, then both reports made from it and shown in Chromium at a laptop's width.
REPORT_MONTH = "2026-12"
REPORT_AS_OF = datetime(2027, 1, 20, 11, 0, tzinfo=UTC)
REPORT_VIEWPORT: ViewportSize = {"width": 1100, "height": 900}
REPORT_DRAFT = Path("agreements/be-delivery-2016/proposals/2027-net-floor-12.yaml")


def report_month(send: Send, run: Run) -> list[str]:
    """Twelve riders' December: varied offers (none, under the floor, above it, per trip), some short bookings;
    each shift booked the day before, worked as booked, settled and invoiced that evening. Returns the shift codes."""
    from gateway.web.demo import event

    rnd = random.Random(2026)  # noqa: S311 - demo data, not a secret
    riders = [f"rider-{i:02d}" for i in range(1, 13)]
    codes = []

    def post(type_: str, when: datetime, **data: Any) -> None:
        r = send(event(type_, when, **data), when)
        if r.status_code != 200:
            raise RuntimeError(f"{type_} refused: {r.status_code} {r.text}")

    for rider in riders:
        post("rider.enrolled", BOOKED_AT, rider_id=rider, name=rider, email=f"{rider}@example.org")
    offers: list[dict[str, str] | None] = [None, None, {"hourly_gross": "11.00"}, {"hourly_gross": "14.00"},
                                           {"hourly_gross": "16.50"}, {"per_trip": "4.50"}]  # fmt: skip
    for day in range(1, 22):
        for rider in rnd.sample(riders, 5):
            start = datetime(2026, 12, day, rnd.choice([11, 12, 18, 19]), tzinfo=UTC)
            end = start + timedelta(hours=rnd.choice([2, 3, 3, 4, 4, 5]))
            code = f"D{day:02d}-{rider}"
            offer = rnd.choice(offers)
            pay = {"pay": {**offer, "currency": "EUR"}} if offer else {}
            post("shift.booked", start - timedelta(days=1), shift_code=code, rider_id=rider,
                 starts_at=start.isoformat(), ends_at=end.isoformat(), **pay)  # fmt: skip
            post("shift.started", start, shift_code=code, at=start.isoformat())
            post("shift.ended", end, shift_code=code, at=end.isoformat(), deliveries=rnd.randrange(0, 9))
            codes.append(code)
        evening = datetime(2026, 12, day, 22, tzinfo=UTC)
        run("contracts.settle", evening)
        run("invoices.issue", evening)
    for day in range(2, 32):
        run("payouts.execute", datetime(2026, 12, day, 9, tzinfo=UTC))
    return codes


def _pay_invoices(engine: Engine) -> None:
    """The platform pays its invoices of the first week on time, the second week's late, the rest not yet."""
    from gateway.domains.settlement.models import Invoice
    from gateway.domains.settlement.service import record_invoice_payment

    with Session(engine) as session:
        invoices = session.exec(select(Invoice).order_by(col(Invoice.issued_at), col(Invoice.id))).all()
        for invoice in invoices:
            issued = invoice.issued_at
            if issued.day <= 7:
                record_invoice_payment(session, invoice.id, issued + timedelta(days=20))
            elif issued.day <= 14:
                record_invoice_payment(session, invoice.id, datetime(2027, 1, 18, 10, tzinfo=UTC))
        session.commit()


def render_reports(out: Path) -> list[Path]:
    """Write compliance-report.png and whatif-report.png under `out`: the demo month's compliance report and the
    what-if of the 2027 proposal over its shifts, each page as a negotiator opens it, whole."""
    reason = browser.chromium_missing()
    if reason:
        raise RuntimeError(reason)
    from playwright.sync_api import sync_playwright

    from gateway.reports import compliance_render, whatif_render
    from gateway.reports.compliance import compliance
    from gateway.reports.drafts import draft_agreement, draft_takes_effect, signed_agreement
    from gateway.reports.sources import DatabaseShifts
    from gateway.reports.whatif import run_whatif

    out.mkdir(parents=True, exist_ok=True)
    with _demo(fill=report_month) as demo:
        _pay_invoices(demo.engine)
        book = AgreementBook.load(demo.settings.agreements_dir)
        with Session(demo.engine) as session:
            report = compliance(session, book, "demo", REPORT_MONTH, REPORT_AS_OF, invoice_payment_days=30)
        signed = signed_agreement(book, "be-delivery-2016")
        root = demo.settings.agreements_dir
        draft_file = root.parent / REPORT_DRAFT
        draft = draft_agreement(root, signed, draft_file)
        source = DatabaseShifts(demo.engine, "demo", date(2026, 12, 1), date(2026, 12, 31), signed.timezone)
        result = run_whatif(
            signed,
            draft,
            iter(source),
            at=draft_takes_effect(signed, draft),
            draft_label=f"{draft.version} ({draft_file.name})",
            source=source.label,
        )
        pages = {
            "compliance-report.png": compliance_render.to_html(report),
            "whatif-report.png": whatif_render.html_report(result),
        }
    files = []
    with sync_playwright() as pw:
        chromium = browser.launch(pw)
        context = chromium.new_context(viewport=REPORT_VIEWPORT, device_scale_factor=1, reduced_motion="reduce")
        tab = context.new_page()
        for name, html in pages.items():
            tab.set_content(html, wait_until="load")  # a report is one self-contained file: nothing to fetch
            target = out / name
            tab.screenshot(path=str(target), full_page=True)
            files.append(target)
        context.close()
        chromium.close()
    return files


# The transparency notice's screenshot: a CoopCycle platform (its adapter declares the work sessions it builds) under
# the 2016 agreement with its 2027 proposal signed as an amendment, so the page shows the changes published ahead.
TRANSPARENCY_VIEWPORT: ViewportSize = {"width": 1000, "height": 900}


def render_transparency(out: Path, lang: str = "en") -> Path:
    """Write transparency-notice.png under `out`: the public notice as a reader opens it, whole."""
    import shutil

    reason = browser.chromium_missing()
    if reason:
        raise RuntimeError(reason)
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    target = out / "transparency-notice.png"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "agreements"
        shutil.copytree(Settings().agreements_dir, root)
        amendments = root / "be-delivery-2016" / "amendments"
        amendments.mkdir()
        shutil.copy(root.parent / "agreements" / "be-delivery-2016" / "proposals" / REPORT_DRAFT.name, amendments)
        url = f"sqlite:///{tmp}/transparency.db"
        upgrade(url)
        settings = Settings(database_url=url, env="development", scheduler=False, agreements_dir=root)
        book = AgreementBook.load(root)
        app = create_app(settings, book, clock=lambda: BOOKED_AT)
        engine = engine_for(url)
        with Session(engine) as session:
            platforms.create_platform(
                session,
                book,
                slug="coopcycle",
                name="CoopCycle Bruxelles",
                adapter="coopcycle",
                agreement="be-delivery-2016",
            )
            session.commit()
        try:
            with browser.serve(app) as base, sync_playwright() as pw:
                chromium = browser.launch(pw)
                context = chromium.new_context(
                    viewport=TRANSPARENCY_VIEWPORT, device_scale_factor=1, reduced_motion="reduce"
                )
                page = context.new_page()
                page.goto(f"{base}/transparency?lang={lang}")
                page.screenshot(path=str(target), full_page=True)
                context.close()
                chromium.close()
        finally:
            engine.dispose()
    return target


# The representatives' page (issue 20): a demo half-year's shifts, with the decisions the gateway took on them (its
# bookings record one per correction) and a few reviews riders asked for, as a representative reads the half-year.
REPRESENTATIVES_HALF = "2026-H2"


def _decided(engine: Engine) -> None:
    """Reviews of some of the decisions the demo's bookings recorded (one per correction, the rider's): six upheld,
    three overturned, two not answered yet, each asked by a different rider."""
    from gateway.domains.decisions.models import Decision, DecisionReview

    with Session(engine) as session:
        firsts: dict[int, int] = {}
        for d in session.exec(select(Decision).order_by(col(Decision.id))).all():
            if d.id is not None:
                firsts.setdefault(d.rider_id, d.id)
        outcomes = ["upheld"] * 6 + ["overturned"] * 3 + [None] * 2
        for decision_id, outcome in zip(firsts.values(), outcomes, strict=False):
            asked = REPORT_AS_OF - timedelta(days=20)
            session.add(
                DecisionReview(
                    decision_id=decision_id, comment="demo", requested_at=asked, due_at=asked + timedelta(days=14),
                    answered_at=asked + timedelta(days=5) if outcome else None,
                    answer="demo answer" if outcome else None, outcome=outcome,
                    reviewer="staff:demo" if outcome else None,
                )
            )  # fmt: skip
        session.commit()


def representatives_half(send: Send, run: Run) -> None:
    """Thirty riders' July to December: each rider keeps one kind of offer (none or 11.00, both raised to the
    statutory minimum; 14.00, 15.20 or 16.50 an hour), three shifts each; three riders' shifts cancelled in good time, two booked for New
    Year's Eve and not worked yet. Settled as they end; paid up to November."""
    from gateway.web.demo import event

    rnd = random.Random(2026)  # noqa: S311 - demo data, not a secret
    riders = [f"rider-{i:02d}" for i in range(1, 31)]
    offers: list[dict[str, str] | None] = [None, {"hourly_gross": "11.00"}, {"hourly_gross": "14.00"},
                                           {"hourly_gross": "15.20"}, {"hourly_gross": "16.50"}]  # fmt: skip
    start_of_half = datetime(2026, 6, 20, 9, tzinfo=UTC)

    def post(type_: str, when: datetime, **data: Any) -> None:
        r = send(event(type_, when, **data), when)
        if r.status_code != 200:
            raise RuntimeError(f"{type_} refused: {r.status_code} {r.text}")

    for rider in riders:
        post("rider.enrolled", start_of_half, rider_id=rider, name=rider, email=f"{rider}@example.org")
    shifts = sorted(
        (datetime(2026, month, rnd.randrange(1, 29), rnd.choice([11, 12, 18]), tzinfo=UTC), i, n)
        for i in range(len(riders))
        for n, month in enumerate(rnd.sample(range(7, 12), 3))
    )
    for start, i, n in shifts:
        rider, code, offer = riders[i], f"H2-{riders[i]}-{n}", offers[i % len(offers)]
        end = start + timedelta(hours=rnd.choice([2, 3, 4, 5]))
        pay = {"pay": {**offer, "currency": "EUR"}} if offer else {}
        post("shift.booked", start - timedelta(days=4), shift_code=code, rider_id=rider,
             starts_at=start.isoformat(), ends_at=end.isoformat(), **pay)  # fmt: skip
        if i < 3 and n == 0:
            post(
                "shift.cancelled",
                start - timedelta(days=3),
                shift_code=code,
                at=(start - timedelta(days=3)).isoformat(),
            )
            continue
        post("shift.started", start, shift_code=code, at=start.isoformat())
        post("shift.ended", end, shift_code=code, at=end.isoformat(), deliveries=rnd.randrange(0, 9))
        run("contracts.settle", end + timedelta(hours=2))
    for day in range(1, 31):
        run("payouts.execute", datetime(2026, 11, day, 9, tzinfo=UTC))
    for rider in riders[-2:]:
        start = datetime(2026, 12, 31, 18, tzinfo=UTC)
        post("shift.booked", start - timedelta(days=2), shift_code=f"NYE-{rider}", rider_id=rider,
             starts_at=start.isoformat(), ends_at=(start + timedelta(hours=4)).isoformat())  # fmt: skip


def representatives_page(lang: str = "en") -> str:
    """The demo half-year's representatives' page (HTML), from a throw-away database."""
    from gateway.domains.representatives.service import figures
    from gateway.web import representatives
    from gateway.web.i18n import Translator

    with _demo(fill=representatives_half) as demo:
        _decided(demo.engine)
        book = AgreementBook.load(demo.settings.agreements_dir)
        with Session(demo.engine) as session:
            report = figures(session, book, "demo", REPRESENTATIVES_HALF, REPORT_AS_OF)
    return representatives.page(report, Translator(lang))


def render_representatives(out: Path, lang: str = "en") -> Path:
    """Write representatives.png under `out`: the demo half-year's page, whole, at a laptop's width."""
    reason = browser.chromium_missing()
    if reason:
        raise RuntimeError(reason)
    from playwright.sync_api import sync_playwright

    html = representatives_page(lang)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "representatives.png"
    with sync_playwright() as pw:
        chromium = browser.launch(pw)
        context = chromium.new_context(viewport=REPORT_VIEWPORT, device_scale_factor=1, reduced_motion="reduce")
        tab = context.new_page()
        tab.set_content(html, wait_until="load")  # one self-contained file: nothing to fetch
        tab.screenshot(path=str(target), full_page=True)
        context.close()
        chromium.close()
    return target
