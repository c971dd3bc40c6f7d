"""Checking identity fields with well-kept libraries: python-stdnum for the SSIN (national and BIS numbers, check
digits, births from 2000), schwifty for IBAN and BIC, Babel's territory list for countries.

Each failure is a `FieldError`: the field, a stable code (the rider pages translate it: `identity.error.<code>`
in gateway/web/locales) and an English sentence for the API. No message ever repeats the value it refuses, and the libraries' own exceptions (which do) are dropped
(`from None`), so a traceback cannot carry an SSIN or IBAN into a log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from babel import Locale
from schwifty import BIC, IBAN
from schwifty.exceptions import InvalidChecksumDigits, InvalidCountryCode, InvalidLength, SchwiftyException
from stdnum.be import ssn as be_ssn
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.exceptions import InvalidLength as SsinLength

GENDERS = ("MALE", "FEMALE")
WORKER_TYPES = ("OTH", "STU", "FLX", "EXT")
LANGUAGES = ("en", "fr", "nl")
# Belgian law: no employment under 15 (students from 15, with conditions); a birth date before 1900 is a typo.
YOUNGEST_AGE = 15
EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    code: str
    message: str


class IdentityInvalid(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def ssin(value: str, birth_date: date | None = None) -> str:
    """The compact SSIN (11 digits), national number or BIS number; checked against the birth date if given."""
    compact = be_ssn.compact(value)
    if not re.fullmatch(r"\d{11}", compact):
        raise _one("ssin", "ssin_format", "a national number (SSIN) has 11 digits, e.g. 85.07.30-033.28")
    try:
        be_ssn.validate(compact)
    except InvalidChecksum:
        raise _one(
            "ssin", "ssin_checksum", "the check digits do not match: a digit is wrong or two are swapped"
        ) from None
    except (SsinLength, ValidationError):
        raise _one("ssin", "ssin_format", "this is not a Belgian national number or BIS number") from None
    if birth_date is not None:
        encoded = be_ssn.get_birth_date(compact)
        # An SSIN whose birth date is unknown encodes none; only a stated one must agree.
        if encoded is not None and encoded != birth_date:
            raise _one("ssin", "ssin_birth_date", "the national number does not match the date of birth given")
    return compact


def iban(value: str) -> str:
    """The compact IBAN of an account in the SEPA zone (payouts are SEPA credit transfers)."""
    try:
        account = IBAN(value)
    except InvalidChecksumDigits:
        raise _one("iban", "iban_checksum", "the IBAN's check digits do not match: a character is wrong") from None
    except (InvalidLength, InvalidCountryCode, SchwiftyException):
        raise _one("iban", "iban_format", "this is not a valid IBAN (e.g. BE71 0961 2345 6769)") from None
    if not account.in_sepa_zone:
        raise _one("iban", "iban_sepa", "the account must be in the SEPA zone to receive a SEPA transfer")
    return str(account.compact)


def bic_for(value: str | None, compact_iban: str | None) -> str | None:
    """The BIC given (checked, and of the IBAN's country), else the one the IBAN's bank code implies, if known."""
    if value:
        try:
            code = BIC(value)
        except SchwiftyException:
            raise _one("bic", "bic_format", "this is not a valid BIC (8 or 11 characters, e.g. GKCCBEBB)") from None
        if compact_iban and code.country_code != compact_iban[:2]:
            raise _one("bic", "bic_country", "the BIC is of another country than the IBAN")
        return str(code.compact)
    if compact_iban:
        implied = IBAN(compact_iban).bic
        return str(implied.compact) if implied is not None else None
    return None


def birth_date(value: date, today: date) -> date:
    latest = date(today.year - YOUNGEST_AGE, today.month, min(today.day, 28))
    if not EARLIEST_BIRTH <= value <= latest:
        raise _one(
            "birth_date", "birth_date_range", f"a member is born after 1900 and at least {YOUNGEST_AGE} years ago"
        )
    return value


def country(field: str, value: str) -> str:
    code = value.strip().upper()
    if code not in _countries():
        raise _one(field, "country", "a country is its two-letter ISO code, e.g. BE, FR, NL")
    return code


def choice(field: str, value: str, allowed: tuple[str, ...]) -> str:
    v = value.strip()
    v = v.upper() if allowed[0].isupper() else v.lower()
    if v not in allowed:
        raise _one(field, "choice", f"one of {', '.join(allowed)}")
    return v


def text(field: str, value: str, max_length: int) -> str:
    v = " ".join(value.split())
    if not v or len(v) > max_length or "\x00" in v:
        raise _one(field, "text", f"between 1 and {max_length} characters")
    return v


# CLDR's territories that are no country a person is born in, holds the nationality of or lives in: unions,
# groupings, pseudo-locales, "Unknown Region", and exceptional reservations of ISO 3166 (AC, CP, DG, EA, IC, TA).
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})


@cache
def _countries() -> frozenset[str]:
    territories = Locale("en").territories
    return frozenset(c for c in territories if isinstance(c, str) and len(c) == 2 and c.isalpha()) - _NOT_COUNTRIES


def _one(field: str, code: str, message: str) -> IdentityInvalid:
    return IdentityInvalid([FieldError(field, code, message)])
