"""Two staff writes at once: the unique keys decide, and the loser gets the same 409 as a write that came later."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from gateway.domains.members import service as members
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.vault import vault_of
from gateway.problems import Conflict
from gateway.settings import Settings
from tests.conftest import TEST_NOW
from tests.domains.members.conftest import SSIN


@pytest.mark.postgres_only
@pytest.mark.parametrize(("second_number", "data"), [("M-1", {}), ("M-2", {"ssin": SSIN})])
def test_two_members_of_one_number_or_one_ssin_at_once_the_second_is_a_conflict(
    is_postgres: bool, engine: Engine, settings: Settings, second_number: str, data: dict[str, str]
) -> None:
    if not is_postgres:
        pytest.skip("the second write waits on the first one's row lock; SQLite has a single writer")
    vault = vault_of(settings)
    outcome: list[BaseException | None] = []
    with Session(engine) as first:
        members.create(first, vault, IdentityIn(ssin=SSIN), TEST_NOW, number="M-1")  # written, not committed

        def second() -> None:
            with Session(engine) as session:
                try:
                    # The check before the write cannot see the uncommitted row: the unique key decides.
                    members.create(session, vault, IdentityIn.model_validate(data), TEST_NOW, number=second_number)
                    outcome.append(None)
                except Conflict as exc:
                    outcome.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)  # blocked on the first one's unique key until it commits
        first.commit()
        thread.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict)
    assert SSIN not in str(outcome[0]) and outcome[0].status == 409
