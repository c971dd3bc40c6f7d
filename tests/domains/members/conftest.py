"""Members' fixtures: identities whose numbers check out (python-stdnum, schwifty), and staff who call the API."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session

from gateway.domains.staff.service import add_member
from gateway.settings import Settings

ADMIN = {"Authorization": "Bearer members-admin-token-0123456789abcdef"}
# Valid Belgian national numbers (check digits hold) and their birth dates; valid SEPA IBANs.
SSIN, SSIN_DOTTED, SSIN_BORN = "85073003328", "85.07.30-033.28", "1985-07-30"
OTHER_SSIN, OTHER_BORN = "90021512370", "1990-02-15"
IBAN, IBAN_SPACED = "BE71096123456769", "BE71 0961 2345 6769"
OTHER_IBAN = "NL91ABNA0417164300"
CLEAR_VALUES = (SSIN, SSIN_DOTTED, OTHER_SSIN, IBAN, IBAN_SPACED, OTHER_IBAN, "0961 2345", "85.07.30")


def complete(**more: str) -> dict[str, str]:
    """A declarable identity (name, birth date, SSIN) with an IBAN to be paid on."""
    return {"first_name": "Amina", "last_name": "Haddad", "birth_date": SSIN_BORN, "ssin": SSIN, "iban": IBAN} | more


@pytest.fixture
def staff_app(app: FastAPI, settings: Settings) -> FastAPI:
    app.state.settings = settings.model_copy(update={"admin_token": SecretStr(ADMIN["Authorization"][7:])})
    return app


@pytest.fixture
def staff_token(engine: Engine, settings: Settings) -> Callable[..., dict[str, str]]:
    """A staff member holding the given roles, as the Authorization header of their token."""

    def make(name: str, *roles: str) -> dict[str, str]:
        with Session(engine) as session:
            token = add_member(session, name, list(roles), settings.credential_pepper.get_secret_value())
            session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make
