"""Screenshots of the rider's pages for the README: a throw-away SQLite database filled by the demo platform's
webhooks (gateway.web.demo), the app served on loopback, and Debian's Chromium at a phone's size."""

from __future__ import annotations

import contextlib
import random
import tempfile
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select

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
    contracts: DemoContracts
    clock: list[datetime]  # the app's clock: [now]


@contextlib.contextmanager
def _demo(**overrides: Any) -> Iterator[_Demo]:
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

            contracts = populate(send, run)
            clock[0] = BOOKED_AT
        try:
            yield _Demo(settings, app, engine, contracts, clock)
        finally:
            engine.dispose()


# The payslips' screenshots show a fictional cooperative and member: made-up numbers that pass their check digits.
DEMO_EMPLOYER = {
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
