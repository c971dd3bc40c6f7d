"""No credential in a log line. The access log prints each request's path with its query string: a rider's
access link (`/r/<token>`), an OIDC callback's `code` and `state`, a token someone put in a query. Those are
replaced by `[redacted]` before any handler sees the record, whatever serves the app (`gateway serve`, uvicorn)."""

from __future__ import annotations

import logging
import re

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
# The loggers that print request lines. A logger's filter sees only its own records (not its children's), so
# each is named: the access log prints every path; the error log may quote a request line.
LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    text = _LINK.sub(rf"\g<1>{REDACTED}", text)
    text = _SECRET_QUERY.sub(rf"\g<1>{REDACTED}", text)
    return _JWT.sub(REDACTED, text)


class RedactCredentials(logging.Filter):
    """Rewrites the record's message and arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install() -> None:
    """Idempotent: every app the process builds calls it. On the loggers themselves (not a handler), so that a
    logging configuration that replaces the handlers keeps the filter."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactCredentials) for f in logger.filters):
            logger.addFilter(RedactCredentials())
