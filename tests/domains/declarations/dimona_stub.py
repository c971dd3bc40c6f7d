"""A stand-in for the Belgian social security's Dimona REST v1 service and its OAuth v3 token server.

It checks what the real service checks, as FACTS.md describes it: the token request (form fields; the client
assertion's RS256 signature against the registered public key; iss = sub = self_service_expeditor_<number>, aud,
iat/nbf/exp, a jti never seen before; the scope), a bearer token of the right scope on every call, and every
declaration body against `dimona_schema.json`. It answers 201 with the number in `Location`, then, poll after
poll, what the scenario says (404, S, then A, W or B with anomalies).

Two ways to run it: in tests, `stub.mount(respx_mock)` routes httpx calls to it (no network); outside tests,
`python -m tests.domains.declarations.dimona_stub --port 8099 --public-key key.pub --expeditor 123456` serves it
over HTTP (accepts everything valid; A after one poll), for the worked example in docs/declarations.md.
"""

from __future__ import annotations

import argparse
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import jsonschema
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

SCHEMA = json.loads((Path(__file__).parent / "dimona_schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
AUDIENCE = "https://oauth.socialsecurity.be"
SCOPES = ("scope:dimona:declaration:declarant", "scope:dimona:declaration:consult")
BASE_PATH = "/REST/dimona/v1"
TOKEN_PATH = "/REST/oauth/v3/token"

# One answer to a poll: "404" (not processed yet), or a result code with its anomalies.
Answer = str | tuple[str, list[dict[str, str]]]


@dataclass
class Token:
    scope: str
    expires_at: datetime
    revoked: bool = False


@dataclass
class Filed:
    number: str
    body: dict[str, Any]
    answers: deque[Answer]
    polls: int = 0


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class DimonaStub:
    def __init__(
        self,
        public_key_pem: str,
        expeditor: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        base_url: str = f"https://services-sim.socialsecurity.be{BASE_PATH}",
        token_lifetime: int = 600,
        script: tuple[Answer, ...] = ("404", "A"),
    ) -> None:
        self.key = RSAKey.import_key(public_key_pem)
        self.client = f"self_service_expeditor_{expeditor}"
        self.clock = clock
        self.base_url = base_url.rstrip("/")
        self.token_lifetime = token_lifetime
        # What each new declaration answers, poll after poll (the last answer repeats); `then` queues per filing.
        self.script = script
        self.queued: deque[tuple[Answer, ...]] = deque()
        self.tokens: dict[str, Token] = {}
        self.jtis: set[str] = set()
        self.filed: dict[str, Filed] = {}
        self.assertions: list[dict[str, Any]] = []
        self.faults: deque[int] = deque()  # statuses to answer the next POSTs with, before any check
        self._next = 2026_000_001

    # --- scenario ---------------------------------------------------------------------------------------------

    def then(self, *answers: Answer) -> DimonaStub:
        """The next filed declaration answers these, in turn, to its polls."""
        self.queued.append(answers)
        return self

    def revoke_tokens(self) -> None:
        """The server forgets every token it issued (it may, before they expire): the next call gets 401."""
        for t in self.tokens.values():
            t.revoked = True

    def bodies(self, key: str | None = None) -> list[dict[str, Any]]:
        return [f.body for f in self.filed.values() if key is None or key in f.body]

    # --- the service ------------------------------------------------------------------------------------------

    def token(self, form: dict[str, str]) -> Reply:
        if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != ASSERTION_TYPE:
            return Reply(400, {"error": "invalid_request"})
        if form.get("scope") not in SCOPES:
            return Reply(400, {"error": "invalid_scope"})
        problem = self._assertion_problem(form.get("client_assertion", ""))
        if problem:
            return Reply(400, {"error": "invalid_client", "error_description": problem})
        value = f"tok-{len(self.tokens) + 1}"
        scope = form["scope"]
        self.tokens[value] = Token(scope, self.clock() + timedelta(seconds=self.token_lifetime))
        return Reply(200, {"access_token": value, "token_type": "Bearer", "expires_in": self.token_lifetime})

    def _assertion_problem(self, assertion: str) -> str | None:
        try:
            token = jwt.decode(assertion, self.key, algorithms=["RS256"])
        except (JoseError, ValueError):
            return "the client assertion's signature does not verify with the registered key"
        c = dict(token.claims)
        self.assertions.append(c)
        now = int(self.clock().timestamp())
        if c.get("iss") != self.client or c.get("sub") != self.client:
            return "iss and sub must be self_service_expeditor_<your number>"
        if c.get("aud") != AUDIENCE:
            return f"aud must be {AUDIENCE}"
        if not c.get("jti") or c["jti"] in self.jtis:
            return "jti missing or already used"
        if not all(isinstance(c.get(k), int) for k in ("iat", "nbf", "exp")):
            return "iat, nbf and exp are required"
        if not c["nbf"] - 60 <= now < c["exp"] or c["exp"] - c["iat"] > 3600:
            return "the assertion is not valid now"
        self.jtis.add(c["jti"])
        return None

    def _bearer(self, authorization: str | None, scope: str) -> Reply | None:
        value = (authorization or "").removeprefix("Bearer ")
        t = self.tokens.get(value)
        if t is None or t.revoked or self.clock() >= t.expires_at:
            return Reply(401, {"error": "invalid_token"})
        if t.scope != scope:
            return Reply(403, {"error": "insufficient_scope"})
        return None

    def declare(self, authorization: str | None, body: Any) -> Reply:
        if self.faults:
            return Reply(self.faults.popleft(), {"message": "technical fault"})
        refused = self._bearer(authorization, SCOPES[0])
        if refused:
            return refused
        errors = list(VALIDATOR.iter_errors(body))
        if errors:
            worst = jsonschema.exceptions.best_match(errors)
            where = "/".join(str(p) for p in worst.absolute_path)
            return Reply(400, {"message": "invalid parameters", "errors": [f"{where}: {worst.message}"]})
        number = str(self._next)
        self._next += 1
        answers = self.queued.popleft() if self.queued else self.script
        self.filed[number] = Filed(number, body, deque(answers))
        return Reply(201, None, {"Location": f"{self.base_url}/declarations/{number}"})

    def consult(self, authorization: str | None, number: str) -> Reply:
        refused = self._bearer(authorization, SCOPES[1])
        if refused:
            return refused
        filed = self.filed.get(number)
        if filed is None:
            return Reply(404)
        filed.polls += 1
        answer = filed.answers.popleft() if len(filed.answers) > 1 else filed.answers[0]
        if answer == "404":
            return Reply(404)
        code, anomalies = (answer, []) if isinstance(answer, str) else answer
        status: dict[str, Any] = {"result": code}
        if anomalies:
            status["anomaliesCollection"] = anomalies
        return Reply(200, {"declarationId": int(number), "declarationStatus": status})

    # --- as respx routes ---------------------------------------------------------------------------------------

    def mount(self, router: Any, token_url: str = f"https://services.socialsecurity.be{TOKEN_PATH}") -> None:
        router.post(token_url).mock(side_effect=lambda r: _http(self.token(_form(r))))
        router.post(f"{self.base_url}/declarations").mock(
            side_effect=lambda r: _http(self.declare(r.headers.get("authorization"), _json(r)))
        )
        router.get(url__regex=rf"^{self.base_url}/declarations/(?P<number>[^/]+)$").mock(
            side_effect=lambda r, number: _http(self.consult(r.headers.get("authorization"), number))
        )


def _form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def _json(request: httpx.Request) -> Any:
    try:
        return json.loads(request.content)
    except ValueError:
        return None


def _http(reply: Reply) -> httpx.Response:
    if reply.body is None:
        return httpx.Response(reply.status, headers=reply.headers)
    return httpx.Response(reply.status, json=reply.body, headers=reply.headers)


# --- as a local HTTP server ---------------------------------------------------------------------------------------


def asgi_app(stub: DimonaStub) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    def answer(reply: Reply) -> Response:
        if reply.body is None:
            return Response(status_code=reply.status, headers=reply.headers)
        return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)

    async def token(request: Request) -> Response:
        # Parsed here: the form is url-encoded, and python-multipart is not a dependency of the gateway.
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        return answer(stub.token(form))

    async def declare(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        return answer(stub.declare(request.headers.get("authorization"), body))

    async def consult(request: Request) -> Response:
        return answer(stub.consult(request.headers.get("authorization"), request.path_params["number"]))

    return Starlette(
        routes=[
            Route(TOKEN_PATH, token, methods=["POST"]),
            Route(f"{BASE_PATH}/declarations", declare, methods=["POST"]),
            Route(f"{BASE_PATH}/declarations/{{number}}", consult, methods=["GET"]),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="A local stand-in for Dimona REST v1 and its token server.")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--public-key", type=Path, required=True, help="PEM public key the assertions verify with")
    parser.add_argument("--expeditor", required=True, help="the expeditor number the assertions must name")
    args = parser.parse_args(argv)
    base = f"http://127.0.0.1:{args.port}{BASE_PATH}"
    stub = DimonaStub(args.public_key.read_text(), args.expeditor, base_url=base)
    print(f"Dimona stub: GATEWAY_DECLARATION_BASE_URL={base}")
    print(f"             GATEWAY_DECLARATION_TOKEN_URL=http://127.0.0.1:{args.port}{TOKEN_PATH}")
    uvicorn.run(asgi_app(stub), host="127.0.0.1", port=args.port, log_level="info")


if __name__ == "__main__":
    main()
