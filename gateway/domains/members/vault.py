"""Encryption of the members' SSIN and IBAN at rest, and the SSIN's blind index.

Fernet (the `cryptography` package: AES-128-CBC with HMAC-SHA256, authenticated) under a MultiFernet: the first
key of GATEWAY_IDENTITY_KEYS encrypts, every key decrypts, so keys rotate without downtime (add the new key last
everywhere, then move it first, then `gateway members rotate-keys` re-encrypts the rows, then drop the old key).
The blind index is an HMAC-SHA256 of the compact SSIN under a separate key: it makes "one SSIN, one member" a
unique constraint without decrypting anything.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from gateway.settings import Settings

MASK = "•••• "


class VaultError(RuntimeError):
    """A cipher no configured key opens (a key removed too early), or no usable key configured. Never the value."""


def key_id(key: str) -> str:
    """A key's fingerprint: names the key that encrypted a row, without revealing it."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Vault:
    keys: tuple[str, ...]
    index_key: bytes

    @property
    def current_key_id(self) -> str:
        return key_id(self.keys[0])

    @property
    def _fernet(self) -> MultiFernet:
        return _multi(self.keys)

    def encrypt(self, clear: str) -> str:
        return self._fernet.encrypt(clear.encode()).decode()

    def decrypt(self, cipher: str) -> str:
        try:
            return self._fernet.decrypt(cipher.encode()).decode()
        except InvalidToken as exc:
            raise VaultError(
                "a stored identity value cannot be decrypted with any key of GATEWAY_IDENTITY_KEYS "
                "(was a key removed before `gateway members rotate-keys` ran?)"
            ) from exc

    def rotate(self, cipher: str) -> str:
        """The same value encrypted under the current key."""
        try:
            return self._fernet.rotate(cipher.encode()).decode()
        except InvalidToken as exc:
            raise VaultError("a stored identity value cannot be decrypted with any configured key") from exc

    def index(self, ssin: str) -> str:
        return hmac.new(self.index_key, ssin.encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=8)
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def parse_keys(value: str) -> tuple[str, ...]:
    keys = tuple(k for k in re.split(r"[\s,]+", value) if k)
    if not keys:
        raise VaultError("GATEWAY_IDENTITY_KEYS is empty: set at least one key (`gateway members new-key`)")
    for k in keys:
        try:
            Fernet(k.encode())
        except ValueError as exc:
            raise VaultError(
                f"GATEWAY_IDENTITY_KEYS: the key with fingerprint {key_id(k)} is not a Fernet key "
                "(urlsafe base64 of 32 bytes; `gateway members new-key` makes one)"
            ) from exc
    return keys


def vault_of(settings: Settings) -> Vault:
    return _vault(settings.identity_keys.get_secret_value(), settings.identity_index_key.get_secret_value())


@lru_cache(maxsize=4)
def _vault(keys: str, index_key: str) -> Vault:
    return Vault(parse_keys(keys), index_key.encode())


def new_key() -> str:
    return Fernet.generate_key().decode()


def mask(last4: str | None) -> str | None:
    """What every answer shows of an SSIN or IBAN: its last four characters."""
    return None if not last4 else MASK + last4
