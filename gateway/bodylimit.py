"""One limit on the size of every request body, applied before routing and authentication.

A body declared (Content-Length) over the limit is refused at once, before a byte of it is read: the client that
waits for `100 Continue` never sends it. A body sent without a length (chunked) is counted as it arrives and cut
at the limit. Either way the answer is a 413 problem and the connection is closed, so the sender cannot go on.
A body within a declared length passes untouched (the server never delivers more than the length it declared):
the webhook hot path pays for one look at the headers.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import PROBLEM_MEDIA_TYPE, PayloadTooLarge

_HTTP1 = ("1.0", "1.1")


class _BodyCut(Exception):
    """Raised to the app by `receive` once the body passed the limit (its 413 is already sent)."""


class BodyLimit:
    """Pure ASGI middleware; the limit is `app.state.settings.max_body_bytes`, read per request (tests change it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit: int = scope["app"].state.settings.max_body_bytes
        declared, chunked = _framing(scope)
        if declared is not None:
            if declared > limit:
                await _refuse(scope, send, f"the body is {declared} bytes; the limit is {limit} bytes")
            else:
                await self.app(scope, receive, send)
        elif chunked or scope.get("http_version") not in _HTTP1:
            await _Counted(self.app, limit)(scope, receive, send)
        else:
            await self.app(scope, receive, send)  # HTTP/1 with neither a length nor chunks has no body (RFC 9112 §6.3)


def _framing(scope: Scope) -> tuple[int | None, bool]:
    """The declared Content-Length (None when absent or unreadable) and whether the body is chunked."""
    declared, chunked = None, False
    for name, value in scope["headers"]:
        if name == b"content-length":
            declared = int(value) if value.isdigit() else None
        elif name == b"transfer-encoding":
            chunked = True
    # With both, Transfer-Encoding wins (RFC 9112 §6.3): the length declared says nothing of the body, count it.
    return (None if chunked else declared), chunked


class _Counted:
    """One request whose body is counted as the app receives it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit
        self.received = 0
        self.started = False  # the app's answer has begun: a 413 can no longer be sent
        self.refused = False  # the 413 is sent: whatever the app answers after the cut is dropped

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counting() -> Message:
            if self.received > self.limit:
                raise _BodyCut  # read no further, whatever the app tries after the cut
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.limit:
                    if not (self.started or self.refused):
                        await _refuse(scope, send, f"the body is over the limit of {self.limit} bytes")
                        self.refused = True
                    raise _BodyCut
            return message

        async def guarded(message: Message) -> None:
            if self.refused:
                return
            if message["type"] == "http.response.start":
                self.started = True
            await send(message)

        try:
            await self.app(scope, counting, guarded)
        except _BodyCut:
            if not self.refused:
                raise  # the app had begun its answer: the server ends the connection


async def _refuse(scope: Scope, send: Send, detail: str) -> None:
    body = json.dumps(PayloadTooLarge(detail).body(scope["path"])).encode()
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": PayloadTooLarge.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
