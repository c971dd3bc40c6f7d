"""The one reader of JSON request bodies: webhooks (every adapter) and the gateway's own JSON routes
(gateway/routing.py). What it refuses is refused the same way everywhere.

Python's `json` reads what a database or the rest of the code cannot hold: arrays nested a thousand deep end in a
RecursionError, a 5,000-digit integer in a ValueError, `NaN` is read as a float, and `"\\u0000"` or a lone
surrogate becomes a string that PostgreSQL refuses to store. Here each is a `JSONRefused` naming the cause.
"""

from __future__ import annotations

import json
import math
import re

MAX_DEPTH = 32  # arrays and objects inside each other; the deepest body the gateway reads has 3
MAX_NUMBER_CHARS = 100  # one number literal; the longest the gateway needs is a count (StrictInt, at most 10,000)

# Text that no column can store: NUL (PostgreSQL refuses it) and lone surrogates (not encodable as UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class JSONRefused(ValueError):
    """The body is not JSON the gateway reads.

    `malformed`: the text itself is refused (400); otherwise one value is (422), named by `location`, a dotted
    path such as `data.name` (list items by index).
    """

    def __init__(self, detail: str, *, malformed: bool = True, location: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        self.malformed = malformed
        self.location = location


class _NumberRefused(Exception):
    """Raised inside the decoder's number hooks; not a ValueError, so it cannot pass for a JSONDecodeError."""


def _number_text(text: str) -> str:
    if len(text) > MAX_NUMBER_CHARS:
        raise _NumberRefused(f"a number is {len(text)} characters long; at most {MAX_NUMBER_CHARS} are read")
    return text


def _int(text: str) -> int:
    return int(_number_text(text))


def _float(text: str) -> float:
    value = float(_number_text(text))
    if math.isinf(value):
        raise _NumberRefused(f"the number {text} is out of range")
    return value


def _constant(name: str) -> object:
    raise _NumberRefused(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)


def loads(body: bytes) -> object:
    """The JSON document in `body` (UTF-8), or JSONRefused naming the first thing refused."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JSONRefused(f"the body is not UTF-8 (byte {exc.start})") from exc
    try:
        doc = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise JSONRefused(f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except _NumberRefused as exc:
        raise JSONRefused(str(exc)) from exc
    except RecursionError as exc:
        # The C decoder stops at the interpreter's recursion limit (about 1,000 levels), cleanly.
        raise JSONRefused(_too_deep()) from exc
    # The walk costs a pass over the document: only when a count over the raw text says it may find something.
    if text.count("[") + text.count("{") > MAX_DEPTH or "\\u0000" in text or "\\ud" in text or "\\uD" in text:
        _walk(doc)
    return doc


def _too_deep() -> str:
    return f"the body nests arrays and objects more than {MAX_DEPTH} deep"


def _walk(doc: object) -> None:
    """Refuse nesting past MAX_DEPTH and text no column can store, naming where (iterative: any depth)."""
    stack: list[tuple[object, tuple[str, ...]]] = [(doc, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict | list):
            if len(path) >= MAX_DEPTH:
                raise JSONRefused(_too_deep())
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and _UNSTORABLE.search(key):
                    raise JSONRefused(f"a key: {_unstorable(key)}", malformed=False, location=".".join(path))
                stack.append((item, (*path, _named(key))))
        elif isinstance(value, str) and _UNSTORABLE.search(value):
            raise JSONRefused(_unstorable(value), malformed=False, location=".".join(path))


def _named(key: str | int) -> str:
    """A key as a location names it: a client's key of any length is not echoed back whole."""
    text = str(key)
    return text if len(text) <= 64 else text[:63] + "…"


def _unstorable(text: str) -> str:
    if "\x00" in text:
        return "text must not contain a NUL character (\\u0000)"
    return "text must not contain a lone surrogate (\\ud800-\\udfff)"
