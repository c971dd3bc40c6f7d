"""`gateway members ...`: the same member record as the staff API, from a terminal; and key rotation."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner, Result

from gateway.cli import app as cli
from gateway.domains.members import service as members
from gateway.domains.members.models import LinkRequest, Member
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.vault import Vault, key_id, new_key
from gateway.domains.riders.models import Rider
from gateway.domains.staff.models import AuditEntry
from gateway.settings import Settings, get_settings
from tests.conftest import TEST_NOW, PlatformHandle
from tests.domains.members.conftest import CLEAR_VALUES, IBAN, OTHER_BORN, OTHER_SSIN, SSIN, SSIN_BORN

KEY_A, KEY_B = new_key(), new_key()
Run = Callable[..., Result]


@pytest.fixture
def cli_env(database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The CLI reads the settings from the environment: this test's database, key A."""
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    monkeypatch.setenv("GATEWAY_IDENTITY_KEYS", KEY_A)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def run(cli_env: pytest.MonkeyPatch) -> Run:
    def invoke(*args: str, input: str | None = None, keys: str | None = None) -> Result:
        if keys is not None:
            cli_env.setenv("GATEWAY_IDENTITY_KEYS", keys)
            get_settings.cache_clear()
        return CliRunner().invoke(cli, ["members", *args], input=input)

    return invoke


def _rows(engine: Engine) -> list[Member]:
    with Session(engine) as session:
        return list(session.exec(select(Member).order_by(col(Member.number))).all())


def _add(run: Run, number: str, ssin: str, born: str, iban: str | None = IBAN) -> None:
    args = ["add", "--number", number, "--first-name", "A", "--last-name", "B", "--birth-date", born, "--ssin", ssin]
    r = run(*args, *(["--iban", iban] if iban else []))
    assert r.exit_code == 0, r.output


def test_add_show_set_and_list_with_every_value_masked(run: Run) -> None:
    r = run("add", "--number", "M-1", "--first-name", "Amina", "--last-name", "Haddad", "--birth-date", SSIN_BORN)
    assert r.exit_code == 0 and "missing             ssin, birth_place" in r.output
    assert "M-1\tAmina Haddad\tmissing: ssin" in run("list", "--incomplete").output
    r = run("set", "M-1", "--ssin", SSIN, "--iban", IBAN)
    assert r.exit_code == 0 and "•••• 3328" in r.output and "•••• 6769" in r.output
    assert "declarable          True" in r.output
    assert run("list", "--incomplete").output == ""
    assert "M-1\tAmina Haddad\tdeclarable\t•••• 3328\t-" in run("list").output
    shown = run("show", "M-1").output
    assert "ssin                •••• 3328" in shown and "bic                 GKCCBEBB" in shown
    for output in (r.output, shown, run("list").output):
        assert not any(v in output for v in CLEAR_VALUES)


def test_dash_asks_for_the_ssin_and_iban_at_a_hidden_prompt(run: Run, engine: Engine) -> None:
    r = run(
        "add", "--number", "M-1", "--birth-date", SSIN_BORN, "--ssin", "-", "--iban", "-", input=f"{SSIN}\n{IBAN}\n"
    )
    assert r.exit_code == 0, r.output
    assert "SSIN: " in r.output and SSIN not in r.output and IBAN not in r.output
    assert [m.ssin_last4 for m in _rows(engine)] == ["3328"]
    help_text = run("set", "--help").output
    assert "hidden prompt" in help_text


def test_a_wrong_ssin_names_the_field_and_code_and_writes_nothing(run: Run, engine: Engine) -> None:
    r = run("add", "--number", "M-1", "--ssin", "85073003329", "--iban", "BE71096123456768")
    assert r.exit_code == 1
    assert "ssin: the check digits do not match" in r.output and "(ssin_checksum)" in r.output
    assert "(iban_checksum)" in r.output
    assert "85073003329" not in r.output and "BE71096123456768" not in r.output
    assert _rows(engine) == []
    assert run("add", "--number", "M-1", "--gender", "X").exit_code != 0
    assert run("show", "M-404").exit_code == 1


def test_one_ssin_one_member_from_the_cli_too(run: Run) -> None:
    _add(run, "M-1", SSIN, SSIN_BORN)
    r = run("add", "--number", "M-2", "--ssin", SSIN)
    assert r.exit_code == 1 and "already another member's" in r.output and SSIN not in r.output


def test_link_a_rider_then_link_requests_and_reads(run: Run, enrolled: PlatformHandle, engine: Engine) -> None:
    _add(run, "M-1", SSIN, SSIN_BORN)
    with Session(engine) as session:
        rider = session.exec(select(Rider).where(Rider.external_id == "r-1")).one()
        member = session.exec(select(Member)).one()
        assert rider.id is not None and member.id is not None
        session.add(LinkRequest(rider_id=rider.id, member_id=member.id, requested_at=TEST_NOW))
        session.commit()
    assert run("link-requests").output == "2026-11-26 12:00:00\tdemo/r-1\tmember M-1\n"
    r = run("link", "M-1", "demo", "r-1")
    assert r.exit_code == 0 and r.output == "demo/r-1 is member M-1\n"
    assert run("link-requests").output == ""
    assert "demo/r-1" in run("list").output
    assert run("link", "M-1", "demo", "r-404").exit_code == 1
    assert run("link", "M-1", "nowhere", "r-1").exit_code == 1
    assert run("reads", "M-1").output == ""
    with Session(engine) as session:
        actions = [(e.actor.startswith("cli:"), e.action) for e in session.exec(select(AuditEntry)).all()]
    assert actions == [(True, "member.created"), (True, "member.linked")]


def test_rotate_keys_moves_every_row_to_the_new_key_batch_by_batch(
    run: Run, engine: Engine, settings: Settings
) -> None:
    _add(run, "M-1", SSIN, SSIN_BORN)
    _add(run, "M-2", OTHER_SSIN, OTHER_BORN, iban=None)
    assert run("add", "--number", "M-3", "--first-name", "No", "--last-name", "Secret").exit_code == 0
    assert [m.key_id for m in _rows(engine)] == [key_id(KEY_A), key_id(KEY_A), None]

    r = run("rotate-keys", "--batch", "1", keys=f"{KEY_B} {KEY_A}")
    assert r.exit_code == 0, r.output
    assert "re-encrypted 1 member(s)" in r.output and "re-encrypted 2 member(s)" in r.output
    assert "done: 2 re-encrypted, 0 unreadable" in r.output
    rows = _rows(engine)
    assert [m.key_id for m in rows] == [key_id(KEY_B), key_id(KEY_B), None]
    only_b = Vault((KEY_B,), settings.identity_index_key.get_secret_value().encode())
    assert [only_b.decrypt(m.ssin_cipher or "") for m in rows[:2]] == [SSIN, OTHER_SSIN]
    assert only_b.decrypt(rows[0].iban_cipher or "") == IBAN

    again = run("rotate-keys", keys=f"{KEY_B} {KEY_A}")
    assert again.exit_code == 0 and "done: 0 re-encrypted" in again.output
    assert [(m.ssin_cipher, m.iban_cipher, m.updated_at) for m in _rows(engine)] == [
        (m.ssin_cipher, m.iban_cipher, m.updated_at) for m in rows
    ]
    # The old key can go: the gateway reads every row with B alone.
    assert run("rotate-keys", keys=KEY_B).exit_code == 0


def test_a_row_under_a_removed_key_is_named_without_its_value_and_the_rest_rotate(run: Run, engine: Engine) -> None:
    _add(run, "M-1", SSIN, SSIN_BORN)
    key_c = new_key()
    _add(run, "M-2", OTHER_SSIN, OTHER_BORN, iban=None)  # under A too
    run("rotate-keys", keys=f"{key_c} {KEY_A}")  # both under C
    run("set", "M-2", "--first-name", "Jan", keys=KEY_A)  # no new cipher: M-2 stays under C
    _add_under_a = run("set", "M-1", "--ssin", SSIN, keys=KEY_A)  # M-1 re-written under A
    assert _add_under_a.exit_code == 0

    r = run("rotate-keys", keys=KEY_B)  # A and C both removed too early; M-1 and M-2 cannot be opened
    assert r.exit_code == 1
    assert "member M-1: a stored value opens with no key of GATEWAY_IDENTITY_KEYS" in r.output
    assert "member M-2:" in r.output and "done: 0 re-encrypted, 2 unreadable" in r.output
    assert not any(v in r.output for v in CLEAR_VALUES)
    assert [m.key_id for m in _rows(engine)] == [key_id(KEY_A), key_id(key_c)]

    # Putting the old keys back (last) lets the same command finish the job.
    r = run("rotate-keys", keys=f"{KEY_B} {KEY_A} {key_c}")
    assert r.exit_code == 0 and "done: 2 re-encrypted, 0 unreadable" in r.output
    assert [m.key_id for m in _rows(engine)] == [key_id(KEY_B), key_id(KEY_B)]


def test_reindex_recomputes_the_blind_index_under_a_new_index_key(
    run: Run, engine: Engine, cli_env: pytest.MonkeyPatch
) -> None:
    _add(run, "M-1", SSIN, SSIN_BORN)
    cli_env.setenv("GATEWAY_IDENTITY_INDEX_KEY", "a-new-index-key-of-enough-length")
    r = run("rotate-keys", "--reindex", keys=KEY_A)
    assert r.exit_code == 0 and "done: 1 re-encrypted" in r.output
    fresh = Vault((KEY_A,), b"a-new-index-key-of-enough-length")
    assert [m.ssin_index for m in _rows(engine)] == [fresh.index(SSIN)]
    # The index finds the member again: the same SSIN for another member is refused.
    assert "already another member's" in run("add", "--number", "M-2", "--ssin", SSIN).output


def test_new_key_prints_a_fernet_key(run: Run) -> None:
    key = run("new-key").output.strip()
    assert Vault((key,), b"x").decrypt(Vault((key,), b"x").encrypt("ok")) == "ok"


@pytest.mark.postgres_only
def test_rotate_keys_while_the_gateway_writes_never_puts_back_a_replaced_value(
    run: Run, engine: Engine, settings: Settings, is_postgres: bool, cli_env: pytest.MonkeyPatch
) -> None:
    if not is_postgres:
        pytest.skip("the rotation waits on the gateway's row lock; SQLite has a single writer")
    _add(run, "M-1", SSIN, SSIN_BORN)
    cli_env.setenv("GATEWAY_IDENTITY_KEYS", f"{KEY_B} {KEY_A}")
    get_settings.cache_clear()
    gateway_keys = Vault((KEY_B, KEY_A), settings.identity_index_key.get_secret_value().encode())
    results: list[Result] = []
    with Session(engine) as gateway:
        member = gateway.exec(select(Member)).one()
        # The gateway (already on "B A") replaces the SSIN: written under B, not yet committed.
        members.update(gateway, gateway_keys, member, IdentityIn(birth_date=OTHER_BORN, ssin=OTHER_SSIN), TEST_NOW)
        rotation = threading.Thread(target=lambda: results.append(CliRunner().invoke(cli, ["members", "rotate-keys"])))
        rotation.start()
        rotation.join(0.5)  # waits on the row the gateway holds
        gateway.commit()
        rotation.join(10)
    assert results and results[0].exit_code == 0, results
    (row,) = _rows(engine)
    assert row.key_id == key_id(KEY_B) and Vault((KEY_B,), b"-").decrypt(row.ssin_cipher or "") == OTHER_SSIN
