"""One run of the whole gateway, on both databases, with everything that leaves it captured and grepped for a
member's clear SSIN and IBAN in every way they can be written.

Staff create the member; the platform enrols its rider under that member and books a shift; the rider opens an
access link and reads every page and JSON view; the platform reads its contract; the outbox declares the work to
the Dimona stub and calls the platform back; the shift starts and ends; the jobs settle and pay; staff read every
listing, the metrics and the CLI; the negotiators' and the cooperative's reports are written. The one place a clear
SSIN may go is the body of the declaration posted to social security: the test checks that it is there (so it
cannot pass by seeing nothing) and nowhere else, and that each of those sends was audited.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from gateway.cli import app as cli
from gateway.domains.members.models import IdentityRead
from gateway.settings import get_settings
from tests.conftest import PlatformHandle, event, fund_opening_balance
from tests.domains.declarations.conftest import (  # noqa: F401 - fixtures
    BRUSSELS,
    book,
    dimona,
    keys,
    local_day,
    stub,
)
from tests.domains.declarations.dimona_stub import DimonaStub
from tests.domains.members.conftest import ADMIN, staff_app  # noqa: F401 - fixture
from tests.domains.outbound.conftest import (  # noqa: F401 - fixtures
    CALLBACK_URL,
    Dispatcher,
    add_endpoint,
    dispatcher,
    http,
    now,
)
from tests.reports.conftest import PROPOSAL
from tests.web.test_pages import BROWSER

# Not the examples the identity form shows as hints (85.07.30-033.28, BE71 0961 2345 6769): those are on every page.
SSIN = "93051822361"  # valid check digits, born 18 May 1993
IBAN = "BE98096012345693"
BORN = "1993-05-18"
FIRST_LAST = ("Amina", "El Idrissi")
SAME_SITE = "http://127.0.0.1:8000"  # settings.public_url in the tests: the form's own origin


def ssin_forms(d: str) -> set[str]:
    """An SSIN as people and programs write it: compact, dotted, spaced, dashed, in groups."""
    return {
        d,
        f"{d[:2]}.{d[2:4]}.{d[4:6]}-{d[6:9]}.{d[9:]}",
        f"{d[:2]}.{d[2:4]}.{d[4:6]}",  # the birth-date part as the card prints it, enough to narrow a search
        f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:9]} {d[9:]}",
        f"{d[:2]}-{d[2:4]}-{d[4:6]}-{d[6:9]}-{d[9:]}",
        f"{d[:6]}-{d[6:9]}-{d[9:]}",
        f"{d[:6]} {d[6:9]} {d[9:]}",
        f"{d[:6]}-{d[6:]}",
        d[:9],  # all but the check digits
    }


def iban_forms(iban: str) -> set[str]:
    """An IBAN compact, in groups of four, its account number alone; each in upper and lower case."""
    grouped = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    bban = iban[4:]
    forms = {iban, grouped, bban, f"{bban[:3]}-{bban[3:10]}-{bban[10:]}", grouped[5:]}
    return forms | {f.lower() for f in forms}


CLEAR = sorted(ssin_forms(SSIN) | iban_forms(IBAN))


def leaks(where: str, content: str) -> list[str]:
    return [f"{where}: {form!r}" for form in CLEAR if form in content]


@dataclass
class Seen:
    """Everything the run let out, by where it went."""

    answers: list[tuple[str, str]] = field(default_factory=list)

    def keep(self, where: str, r: httpx.Response) -> httpx.Response:
        # Headers too: a Location, a Link or a cookie is as much an answer as the body.
        headers = "\n".join(f"{k}: {v}" for k, v in r.headers.items())
        self.answers.append((f"{where} -> {r.status_code}", f"{headers}\n{r.text}"))
        return r

    def get(self, c: TestClient, path: str, **headers: str) -> httpx.Response:
        r = self.keep(f"GET {path}", c.get(path, headers=headers))
        assert r.status_code < 400, f"{path}: {r.status_code} {r.text}"
        return r


@pytest.fixture
def every_log_line() -> Iterator[io.StringIO]:
    """Every record of every logger at DEBUG, formatted as a handler writes it, with its raw arguments too. Loggers
    set to a higher level are lowered for the run, and those that do not propagate get the handler themselves."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s"))
    root = logging.getLogger()
    loggers = [root, *(lg for lg in root.manager.loggerDict.values() if isinstance(lg, logging.Logger))]
    levels = [(lg, lg.level) for lg in loggers]
    alone = [lg for lg in loggers if lg is root or not lg.propagate]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    for lg in alone:
        lg.addHandler(handler)
    yield out
    for lg in alone:
        lg.removeHandler(handler)
    for lg, level in levels:
        lg.setLevel(level)


@pytest.fixture
def callbacks(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.post(CALLBACK_URL).mock(return_value=httpx.Response(204))


def open_link(client: TestClient, seen: Seen, p: PlatformHandle, rider: str) -> TestClient:
    """The platform asks for an access link; the rider's browser opens it and posts its button."""
    r = seen.keep(
        "POST access-links", client.post(f"/v1/platforms/{p.slug}/riders/{rider}/access-links", headers=p.auth)
    )
    assert r.status_code == 201, r.text
    link = r.json()["url"].split("127.0.0.1:8000", 1)[1]
    browser = TestClient(client.app)
    seen.get(browser, link, **BROWSER)
    opened = seen.keep("POST /r", browser.post("/r", data={"token": link.removeprefix("/r/")}, follow_redirects=False))
    assert opened.status_code == 303
    return browser


def dispatch_all(d: Dispatcher, rounds: int = 6) -> None:
    """Send everything due, moving the clock past each poll and retry."""
    for _ in range(rounds):
        d.run()
        d.advance(60)


def cli_outputs(tmp: Path, day: str, message_ids: list[int]) -> list[tuple[str, str]]:
    """What staff and negotiators read in a terminal, and every file the reports write."""
    runs = [
        ["members", "show", "M-1"],
        ["members", "list"],
        ["members", "reads", "M-1"],
        ["members", "link-requests"],
        ["declarations", "list", "--state", "accepted", "--state", "ended"],
        ["declarations", "list"],
        ["outbox", "list", "--status", "sent"],
        ["outbox", "list", "--status", "pending"],
        ["outbox", "list"],
        ["staff", "audit"],
        ["callbacks", "list"],
        ["platforms", "list"],
        ["platforms", "credentials", "demo"],
        ["fund", "show"],
        ["fund", "history"],
        ["jobs", "failures"],
        *(["outbox", "show", str(i)] for i in message_ids),
        ["reports", "compliance", "--platform", "demo", "--month", day[:7], "--out", str(tmp)],
        # A draft replayed on the platform's real shifts: per rider, per shift.
        [
            *("reports", "whatif", "--agreement", "be-delivery-2016", "--draft", str(PROPOSAL)),
            *("--platform", "demo", "--from", day, "--to", day, "--out", str(tmp)),
        ],
    ]
    out: list[tuple[str, str]] = []
    for args in runs:
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 0, f"{args}: {r.output}"
        out.append(("gateway " + " ".join(args), r.output))
    written = sorted(tmp.iterdir())
    assert {p.suffix for p in written} >= {".csv", ".html"}, written
    return out + [(f"report file {p.name}", p.read_text(encoding="utf-8")) for p in written]


def stored_text(engine: Engine) -> list[tuple[str, str]]:
    """What the gateway keeps in clear beside the encrypted columns: the audit, the outbox and its attempt log (the
    staff read them), declarations with the service's anomalies."""
    out = []
    with engine.connect() as conn:
        for table in ("audit_entry", "outbox_message", "outbox_attempt", "declaration", "job_failure"):
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608 - fixed table names
            out.append((f"table {table}", "\n".join(repr(tuple(row)) for row in rows)))
    return out


def test_a_full_run_lets_the_clear_ssin_out_only_to_dimona_and_audits_each_read(
    staff_app: object,  # noqa: F811 - the fixture
    client: TestClient,
    platform: PlatformHandle,
    send: Callable[..., Any],
    dimona: Dispatcher,  # noqa: F811 - the fixture
    stub: DimonaStub,  # noqa: F811 - the fixture
    callbacks: respx.Route,
    respx_mock: respx.MockRouter,
    run_job: Callable[..., int],
    engine: Engine,
    database_url: str,
    now: datetime,  # noqa: F811 - the fixture
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    every_log_line: io.StringIO,
) -> None:
    seen = Seen()
    clock = dimona.clock
    staff = ADMIN
    # Staff write the member as a person types the numbers: dotted, grouped.
    dotted, grouped = "93.05.18-223.61", "BE98 0960 1234 5693"
    identity = {"first_name": FIRST_LAST[0], "last_name": FIRST_LAST[1], "birth_date": BORN, "language": "fr"}
    created = seen.keep(
        "POST members",
        client.post(
            "/v1/admin/members", json={"number": "M-1", **identity, "ssin": dotted, "iban": grouped}, headers=staff
        ),
    )
    assert created.status_code == 201, created.text
    add_endpoint(engine)

    enrolled = send(
        platform, event("rider.enrolled", rider_id="r-1", name="Amina", email="a@example.org", member_id="M-1")
    )
    assert seen.keep("webhook rider.enrolled", enrolled).status_code == 200
    day = local_day(now)
    contract_id = book(send, platform, day, time(10), 4)
    starts = datetime.combine(day, time(10), tzinfo=BRUSSELS)
    ends = starts + timedelta(hours=4)

    # The rider reads everything, in two languages; a link may not change the numbers, and typing them is refused
    # without typing them back.
    rider = open_link(client, seen, platform, "r-1")
    for lang in ("en", "fr"):
        for path in ("/rider", f"/rider/contracts/{contract_id}", "/rider/identity"):
            seen.get(rider, f"{path}?lang={lang}", **BROWSER)
        for path in ("/v1/rider/view", "/v1/rider/contracts", f"/v1/rider/contracts/{contract_id}"):
            seen.get(rider, f"{path}?lang={lang}")
        seen.get(rider, f"/v1/rider/contracts/{contract_id}/view?lang={lang}")
        seen.get(rider, f"/v1/rider/identity?lang={lang}")
    locked = seen.keep("PUT identity", rider.put("/v1/rider/identity", json={"ssin": SSIN, "iban": IBAN}))
    assert locked.status_code == 422
    posted = seen.keep(
        "POST identity",
        rider.post(
            "/rider/identity",
            data={"ssin": dotted, "iban": grouped.lower(), "city": "Bruxelles"},
            headers={**BROWSER, "origin": SAME_SITE},
            follow_redirects=False,
        ),
    )
    assert posted.status_code == 422
    # Another rider types the member's SSIN (as someone who knows it would): a link request for staff, and nothing
    # of the member's identity in any answer, in JSON or on the page.
    other = send(platform, event("rider.enrolled", rider_id="r-2", name="Someone", email="s@example.org"))
    assert seen.keep("webhook rider.enrolled r-2", other).status_code == 200
    stranger = open_link(client, seen, platform, "r-2")
    typed = {"first_name": "Someone", "last_name": "Else", "birth_date": BORN, "ssin": "930518-223-61"}
    asked = seen.keep("PUT identity r-2", stranger.put("/v1/rider/identity", json=typed))
    assert asked.status_code == 200 and asked.json()["state"] == "link_requested"
    for lang in ("en", "nl"):
        seen.get(stranger, f"/rider/identity?lang={lang}", **BROWSER)
        seen.get(stranger, f"/v1/rider/identity?lang={lang}")
    again = stranger.post("/rider/identity", data={"ssin": SSIN}, headers={**BROWSER, "origin": SAME_SITE})
    assert seen.keep("POST identity r-2", again).status_code == 409
    for path in (f"/v1/platforms/demo/contracts/{contract_id}", "/v1/platforms/demo/shifts/S-1/contract"):
        seen.get(client, path, **platform.auth)

    # Declared before the work (the service accepts with a warning that names the worker by number, as it does),
    # then the work, then settled and paid.
    stub.then("404", ("W", [{"code": "00913-355", "description": f"Worker {SSIN}: declared late"}]))
    dispatch_all(dimona)
    clock.fixed = starts
    seen.keep("webhook started", send(platform, event("shift.started", shift_code="S-1", at=starts.isoformat())))
    clock.fixed = ends
    ended = send(platform, event("shift.ended", shift_code="S-1", at=ends.isoformat(), deliveries=3))
    assert seen.keep("webhook ended", ended).status_code == 200
    assert run_job("contracts.settle", ends + timedelta(hours=1)) == 1
    settled = seen.get(client, f"/v1/platforms/demo/contracts/{contract_id}", **platform.auth).json()
    pay_day = datetime.combine(datetime.fromisoformat(settled["payout"]["due_on"]), time(12), tzinfo=BRUSSELS)
    assert run_job("invoices.issue", ends + timedelta(hours=2)) == 1
    fund_opening_balance(engine)
    assert run_job("payouts.execute", pay_day) == 1
    clock.fixed = pay_day
    dispatch_all(dimona)
    # A week on, the first session has expired: the rider opens a fresh link from the app.
    rider = open_link(client, seen, platform, "r-1")
    paid = seen.get(rider, f"/v1/rider/contracts/{contract_id}").json()
    assert paid["payout"]["status"] == "paid" and paid["declaration"]["state"] == "accepted_with_warning"

    # Staff read every listing; the metrics; the negotiators' report over the API.
    for path in (
        "/v1/admin/members",
        "/v1/admin/members/M-1",
        "/v1/admin/members/M-1/reads",
        "/v1/admin/members/link-requests",
        "/v1/admin/declarations",
        "/v1/admin/declarations?state=accepted",
        "/v1/admin/audit",
        "/v1/admin/outbox/messages?status=sent",
        "/v1/admin/outbox/messages",
        "/v1/admin/fund",
        "/v1/admin/fund/entries",
        "/v1/admin/jobs/failures",
        "/v1/admin/staff",
        f"/v1/reports/platforms/demo/compliance?month={day.isoformat()[:7]}",
    ):
        seen.get(client, path, **staff)
    message_ids = [m["id"] for m in seen.get(client, "/v1/admin/outbox/messages?status=sent", **staff).json()]
    for i in message_ids:
        seen.get(client, f"/v1/admin/outbox/messages/{i}", **staff)
    seen.get(client, "/v1/platforms/demo/callback-endpoints", **platform.auth)
    seen.get(client, "/metrics")

    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        terminal = cli_outputs(tmp_path, day.isoformat(), message_ids)
    finally:
        get_settings.cache_clear()

    # Every request that left: callbacks to the platform, tokens and declarations to social security.
    sent = [(f"{c.request.method} {c.request.url}", c.request.content.decode()) for c in respx_mock.calls]
    declared = [body for where, body in sent if where.startswith("POST") and where.endswith("/declarations")]
    assert callbacks.call_count >= 4 and declared, sent
    assert all(SSIN in body for body in declared)  # the one way out, and it was taken
    outbound = [(where, body) for where, body in sent if body not in declared]

    found = [
        leak
        for where, content in [
            *seen.answers,
            *outbound,
            *terminal,
            *stored_text(engine),
            ("logs", every_log_line.getvalue()),
        ]
        for leak in leaks(where, content)
    ]
    assert found == []
    # What was grepped is this run's: the member shown masked, the rider in the reports.
    assert any("•••• 2361" in content and "•••• 5693" in content for _, content in seen.answers)
    assert "2361" in dict(terminal)["gateway members show M-1"]
    assert any(where.startswith("report file") and "r-1" in content for where, content in terminal)
    # The run did log (the webhooks, the jobs, the sends): the check above read something.
    assert "outbox" in every_log_line.getvalue() or "contract" in every_log_line.getvalue()

    # Each clear SSIN the gateway read (one per declaration sent) is audited: who, why; never the IBAN.
    with Session(engine) as session:
        reads = session.exec(select(IdentityRead).order_by(col(IdentityRead.id))).all()
    assert [(r.field, r.actor) for r in reads] == [("ssin", "declarations")] * len(declared)
    assert all(str(contract_id) in r.purpose for r in reads)
    listed = seen.get(client, "/v1/admin/members/M-1/reads", **staff).json()
    assert [(r["field"], r["actor"]) for r in listed] == [("ssin", "declarations")] * len(declared)


def test_the_grep_knows_every_way_to_write_the_numbers() -> None:
    """The forms the run is searched for: a change to them must be a decision, not an accident."""
    assert {"93051822361", "93.05.18-223.61", "93 05 18 223 61", "930518-223-61"} <= ssin_forms(SSIN)
    assert {"BE98096012345693", "BE98 0960 1234 5693", "be98 0960 1234 5693", "096012345693"} <= iban_forms(IBAN)
    assert "x: 'be98096012345693'" in leaks("x", "iban be98096012345693 here")
    assert leaks("x", "•••• 2361, •••• 5693, contract 3f2a1b4c") == []
