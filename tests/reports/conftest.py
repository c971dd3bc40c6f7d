from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import Agreement
from gateway.reports.drafts import draft_agreement
from gateway.settings import REPO_ROOT
from tests.security.conftest import staff_token

__all__ = ["staff_token"]  # the negotiators' token, shared with the security tests

AGREEMENTS = REPO_ROOT / "agreements"
PROPOSAL = AGREEMENTS / "be-delivery-2016" / "proposals" / "2027-net-floor-12.yaml"

# A draft that ends the statutory-minimum term from 2027: riders paid at the floor lose (12.83 -> 11.51 gross).
NO_STATUTORY = """\
amends: be-delivery-2016
version: "2027.9-test"
title: Drop the statutory minimum (a test draft that makes losers)
signed_on: 2026-12-01
terms:
  statutory_minimum_wage:
    type: statutory_minimum
    clause: "Test draft, art. 1"
    values:
      2027-01-01: null
"""


@pytest.fixture(scope="session")
def signed(book: AgreementBook) -> Agreement:
    found = book.get("be-delivery-2016")
    assert found is not None
    return found


@pytest.fixture(scope="session")
def proposal(signed: Agreement) -> Agreement:
    return draft_agreement(AGREEMENTS, signed, PROPOSAL)


@pytest.fixture(scope="session")
def no_statutory_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("drafts") / "no-statutory.yaml"
    path.write_text(NO_STATUTORY, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def no_statutory(signed: Agreement, no_statutory_file: Path) -> Agreement:
    return draft_agreement(AGREEMENTS, signed, no_statutory_file)


def ticks(svg: str, axis: str) -> list[str]:
    """The tick labels matplotlib wrote on one axis ("x" or "y") of an SVG chart (each label's text is kept as a
    comment before its glyphs)."""
    return re.findall(rf'<g id="{axis}tick_\d+">.*?<!-- (.*?) -->', svg, re.S)


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", html, re.S)
