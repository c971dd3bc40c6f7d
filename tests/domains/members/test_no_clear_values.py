"""No clear SSIN or IBAN leaves the gateway: not in an API answer, not in a log line, not in the staff audit. The
members' code never logs one; gateway/logredact.py masks whatever looks like one in any log record anyway."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gateway import logredact
from tests.conftest import PlatformHandle
from tests.domains.members.conftest import (
    ADMIN,
    CLEAR_VALUES,
    IBAN,
    IBAN_SPACED,
    OTHER_BORN,
    OTHER_IBAN,
    OTHER_SSIN,
    SSIN,
    SSIN_DOTTED,
    complete,
)

BASE = "/v1/admin/members"


@pytest.fixture
def every_log_line() -> Iterator[io.StringIO]:
    """Every record of every logger, at every level, as a handler formats it (tracebacks included)."""
    logredact.install()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_full_run_of_the_members_api_shows_no_clear_value_anywhere(
    staff_app: object, client: TestClient, enrolled: PlatformHandle, engine: Engine, every_log_line: io.StringIO
) -> None:
    answers = [
        client.post(BASE, json={"number": "M-1", **complete(ssin=SSIN_DOTTED, iban=IBAN_SPACED)}, headers=ADMIN),
        client.post(BASE, json={"number": "M-2", "ssin": SSIN}, headers=ADMIN),  # taken
        client.post(BASE, json={"number": "M-3", "ssin": SSIN[:-1] + "9"}, headers=ADMIN),  # wrong check digits
        client.post(BASE, json={"number": "M-3", "iban": IBAN[:-1] + "8"}, headers=ADMIN),
        client.post(BASE, json={"number": "M-3", "ssin": 85073003328}, headers=ADMIN),  # not a string
        client.post(BASE, json={"number": "M-3", "iban": IBAN * 3}, headers=ADMIN),  # too long
        client.patch(f"{BASE}/M-1", json={"birth_date": OTHER_BORN, "ssin": OTHER_SSIN}, headers=ADMIN),
        client.patch(f"{BASE}/M-1", json={"iban": OTHER_IBAN}, headers=ADMIN),
        client.put(f"{BASE}/M-1/riders/demo/r-1", headers=ADMIN),
        client.get(BASE, headers=ADMIN),
        client.get(f"{BASE}/M-1", headers=ADMIN),
        client.get(f"{BASE}/M-1/reads", headers=ADMIN),
        client.get("/v1/admin/audit", headers=ADMIN),
    ]
    assert [a.status_code for a in answers] == [201, 409, 422, 422, 422, 422, 200, 200, 200, 200, 200, 200, 200]
    with engine.connect() as conn:
        audit = json.dumps(
            [list(row) for row in conn.execute(text("SELECT actor, action, target, detail FROM audit_entry"))]
        )
    seen = "\n".join([*(a.text for a in answers), every_log_line.getvalue(), audit])
    bad_ssin, bad_iban = SSIN[:-1] + "9", IBAN[:-1] + "8"
    for value in (*CLEAR_VALUES, bad_ssin, bad_iban, "85073003328"):
        assert value not in seen


@pytest.mark.parametrize(
    "value", [SSIN, SSIN_DOTTED, "85 07 30 033 28", "85-07-30-033-28", IBAN, IBAN_SPACED, OTHER_IBAN]
)
def test_any_logger_masks_an_ssin_or_iban_to_its_last_four(every_log_line: io.StringIO, value: str) -> None:
    logging.getLogger("some.library").warning("refused %s for member M-1", value)
    logging.getLogger("other").info(f"inline {value} too")
    logging.getLogger("other").info("as a mapping %(v)s", {"v": value})
    try:
        raise ValueError(f"Invalid value {value}")
    except ValueError:
        logging.getLogger("x").exception("failed")
    logged = every_log_line.getvalue()
    assert value not in logged and re.sub(r"\W", "", value)[-4:] in logged
    assert "refused ••••" in logged and "for member M-1" in logged


def test_masking_keeps_what_only_looks_like_numbers(every_log_line: io.StringIO) -> None:
    line = (
        "GET /v1/contracts/3f2a1b4c-1234-5678-9012-345678901234?after=1764158400 HTTP/1.1 200 "
        "sha=0123456789abcdef0123456789abcdef 123456789012 2026-11-26 12:00:00 ab12cdef0123456789abcdef01234567"
    )
    logging.getLogger("some.module").info(line)
    logging.getLogger("counts").info("%d deliveries, SSIN %d", 12, 85073003328)
    assert line in every_log_line.getvalue()
    assert "12 deliveries, SSIN ••••3328" in every_log_line.getvalue()


def test_the_access_log_still_formats_its_arguments(every_log_line: io.StringIO) -> None:
    from uvicorn.logging import AccessFormatter

    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/v1/x?iban={IBAN}", "1.1", 200),
        None,
    )
    formatted = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert formatted.startswith('127.0.0.1:5000 - "GET /v1/x?iban=••••6769 HTTP/1.1" 200')
