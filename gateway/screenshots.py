"""Screenshots of the rider's pages for the README: a throw-away SQLite database filled by the demo platform's
webhooks (gateway.web.demo), the app served on loopback, and Debian's Chromium at a phone's size."""

from __future__ import annotations

import random
import tempfile
import time
import warnings
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, select

from gateway.agreements.loader import AgreementBook
from gateway.app import create_app
from gateway.db.engine import engine_for
from gateway.db.migrate import upgrade
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

    with warnings.catch_warnings():
        # Starlette prefers httpx2 for its test client; the project's stack is httpx (see pyproject's filters).
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/screenshots.db"
        upgrade(url)
        settings = Settings(database_url=url, env="development", scheduler=False)
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
        with Session(engine) as session:
            rider = session.exec(select(Rider).where(Rider.external_id == RIDER)).one()
            token = access.issue_link(settings, rider, BOOKED_AT).token
        files = _shoot(app, token, contracts, list(languages), out, sync_playwright)
        engine.dispose()
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
