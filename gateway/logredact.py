"""No credential and no member's identity number in a log line. The access log prints each request's path with its
query string: a rider's access link (`/r/<token>`), an OIDC callback's `code` and `state`, a token someone put in a
query. Those are replaced by `[redacted]` before any handler sees the record, whatever serves the app (`gateway
serve`, uvicorn).

Belt and braces for the members' identity (gateway.domains.members never logs a clear SSIN or IBAN, but a library's
exception message or a request body quoted in a log might): anything shaped like a Belgian national number (11
digits, with or without the usual dots, dashes or spaces) or an IBAN is masked to its last four characters in every
log record the process makes, whichever logger makes it: the record factory rewrites it as it is made.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

REDACTED = "[redacted]"
# The path segment after /r/ is a rider's access link.
_LINK = re.compile(r"(/r/)[^/?#\s\"]+")
_SECRET_QUERY = re.compile(
    r"([?&](?:token|code|state|id_token|access_token|refresh_token|client_secret|secret|key|password|session)=)"
    r"[^&#\s\"]*",
    re.IGNORECASE,
)
# A JWT anywhere (three base64url parts, the first a JSON header): a token pasted where it did not belong.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# 85073003328, 85.07.30-033.28, 85 07 30 033 28: YYMMDD, a sequence of 3, 2 check digits. Not inside a longer run
# of letters or digits (a hash, a number of 12 digits or more), so ids and timestamps stay readable.
_SSIN = re.compile(r"(?<![0-9A-Za-z])\d{2}(?:[.\- ]?\d{2}){2}[.\- ]?\d{3}[.\- ]?(\d)(\d)(?![0-9A-Za-z])")
# An IBAN as typed or printed (BE71 0961 2345 6769, be71096123456769): country, check digits, 11 to 30 letters or
# digits, spaced in fours or not. Longer runs (hashes) are left alone; in lower case (where a hex id may look the
# same) only a string whose IBAN check digits hold is masked.
_IBAN = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}(?![0-9A-Za-z])")
MASK = "••••"
# The loggers that print request lines. A logger's filter sees only its own records (not its children's), so
# each is named: the access log prints every path; the error log may quote a request line.
LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    text = _LINK.sub(rf"\g<1>{REDACTED}", text)
    text = _SECRET_QUERY.sub(rf"\g<1>{REDACTED}", text)
    text = _JWT.sub(REDACTED, text)
    return mask_identity(text)


def mask_identity(text: str) -> str:
    """SSIN- and IBAN-shaped strings masked to their last four characters (separators dropped)."""
    text = _IBAN.sub(_iban_last4, text)
    return _SSIN.sub(_last4, text)


def _iban_last4(match: re.Match[str]) -> str:
    value = match.group(0)
    return _last4(match) if value[:2].isupper() or _iban_checks(value) else value


def _iban_checks(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    digits = "".join(str(int(c, 36)) for c in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def _last4(match: re.Match[str]) -> str:
    compact = re.sub(r"[.\- ]", "", match.group(0))
    return MASK + compact[-4:]


class RedactCredentials(logging.Filter):
    """Rewrites the record's message and arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class _IdentityMaskingFactory:
    """Wraps the process's log record factory: every record, of every logger, leaves it with SSIN- and IBAN-shaped
    strings masked in its message, its arguments, its traceback and its stack. Arguments keep their type when
    nothing in them is masked (uvicorn's access formatter unpacks its arguments; `%d` wants a number)."""

    def __init__(self, make: Callable[..., logging.LogRecord]) -> None:
        self.make = make

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.make(*args, **kwargs)
        if _holds_an_ssin_number(record.args):
            # `%d` takes no masked text: this message is formatted now, then masked as a whole.
            record.msg, record.args = mask_identity(record.getMessage()), None
        else:
            record.msg = _masked(record.msg)
            if isinstance(record.args, tuple):
                record.args = tuple(_masked(a) for a in record.args)
            elif isinstance(record.args, Mapping):
                record.args = {k: _masked(v) for k, v in record.args.items()}
        if record.exc_info and record.exc_info[0] is not None:
            # Formatted now (as a formatter would, later), so a value quoted by an exception is masked too.
            record.exc_text = mask_identity(_FORMATTER.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = mask_identity(record.stack_info)
        return record


_FORMATTER = logging.Formatter()


def _holds_an_ssin_number(args: object) -> bool:
    values = args.values() if isinstance(args, Mapping) else args if isinstance(args, tuple) else ()
    return any(isinstance(v, int) and not isinstance(v, bool) and len(str(abs(v))) == 11 for v in values)


def _masked(value: object) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else str(value)
    masked = mask_identity(text)
    return value if masked == text else masked


def install() -> None:
    """Idempotent: every app the process builds calls it. On the loggers themselves (not a handler), so that a
    logging configuration that replaces the handlers keeps the filter; the identity mask on the record factory,
    so that it holds for every logger."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactCredentials) for f in logger.filters):
            logger.addFilter(RedactCredentials())
    if not isinstance(logging.getLogRecordFactory(), _IdentityMaskingFactory):
        logging.setLogRecordFactory(_IdentityMaskingFactory(logging.getLogRecordFactory()))
