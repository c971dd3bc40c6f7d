"""Which e-mail addresses the gateway writes to: bounded and plain, checked without asking any server."""

from __future__ import annotations

import re

MAX_ADDRESS = 254  # RFC 5321's path limit, less the angle brackets
# A dot-atom local part and a domain of DNS labels with a dot (ASCII: a platform's `email` is what it enrolled;
# an internationalised address would need SMTPUTF8, which not every relay offers).
_ADDRESS = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def usable_address(value: str | None) -> bool:
    """A single plain address (`local@domain.tld`), at most 254 characters, local part at most 64."""
    if not value or len(value) > MAX_ADDRESS:
        return False
    if _ADDRESS.fullmatch(value) is None:
        return False
    return len(value.rsplit("@", 1)[0]) <= 64
