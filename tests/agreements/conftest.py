from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.agreements.loader import AgreementBook
from gateway.agreements.model import Agreement
from gateway.settings import REPO_ROOT

BUNDLED = REPO_ROOT / "agreements"
AGREEMENT_ID = "be-delivery-2016"


@pytest.fixture(scope="session")
def belgian() -> Agreement:
    agreement = AgreementBook.load(BUNDLED).get(AGREEMENT_ID)
    assert agreement is not None
    return agreement


@pytest.fixture
def agreements_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled agreements, free to break."""
    target = tmp_path / "agreements"
    shutil.copytree(BUNDLED, target)
    return target


Edit = Callable[[str, str], None]


@pytest.fixture
def edit(agreements_dir: Path) -> Edit:
    """Replace text in the copied Belgian agreement file (the replaced text must be there)."""

    def _edit(old: str, new: str) -> None:
        path = agreements_dir / AGREEMENT_ID / "agreement.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return _edit
