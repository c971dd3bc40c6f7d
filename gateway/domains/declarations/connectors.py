"""Declaration connectors: one interface, two implementations.

`local` (the embedded default) records each declaration and accepts it. `http` talks to a declaration
service shaped like the Belgian Dimona REST service: OAuth2 client credentials with a private_key_jwt
assertion; `POST declarations` answers with the reference in `Location`; `GET declarations/{ref}` gives the
result A (accepted), W (accepted with warning), B (refused) or S (waiting); 404 = not processed yet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx

from gateway.domains.outbox.delivery import SendError, describe_response, describe_transport_error, retry_after
from gateway.domains.outbox.oauth import ClientCredentials

Operation = Literal["in", "out", "update"]
ResultCode = Literal["A", "W", "B", "S"]


@dataclass(frozen=True, slots=True)
class DeclarationRequest:
    operation: Operation
    contract_id: uuid.UUID
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DeclarationResult:
    code: ResultCode
    detail: str | None = None

    @property
    def final(self) -> bool:
        return self.code != "S"


class DeclarationConnector(Protocol):
    name: str

    def submit(self, request: DeclarationRequest) -> str:
        """Send the declaration; return the service's reference. Raises SendError."""
        ...

    def result(self, reference: str) -> DeclarationResult | None:
        """The decision on a declaration, or None when it is not processed yet. Raises SendError."""
        ...


class LocalConnector:
    """Records the declaration (the `declaration` table is the record) and accepts it at once."""

    name = "local"

    def submit(self, request: DeclarationRequest) -> str:
        return f"local-{request.operation}-{request.contract_id}"

    def result(self, reference: str) -> DeclarationResult | None:
        return DeclarationResult("A", "accepted by the embedded local connector (no declaration service)")


class HttpConnector:
    name = "http"

    def __init__(self, http: httpx.Client, base_url: str, oauth: ClientCredentials) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.oauth = oauth

    def submit(self, request: DeclarationRequest) -> str:
        url = f"{self.base_url}/declarations"
        response = self._call("POST", url, json=request.body)
        if response.status_code in (400, 409, 422):
            # The service refused the request itself (malformed, duplicate): retrying the same body cannot help.
            raise SendError(describe_response(response), status_code=response.status_code, permanent=True)
        self._raise_unless_success(response)
        location: str | None = response.headers.get("location")
        if not location:
            raise SendError(f"HTTP {response.status_code} without a Location header", status_code=response.status_code)
        return str(location.rstrip("/").rsplit("/", 1)[-1])

    def result(self, reference: str) -> DeclarationResult | None:
        response = self._call("GET", f"{self.base_url}/declarations/{reference}")
        if response.status_code == 404:
            return None
        self._raise_unless_success(response)
        try:
            body = response.json()
        except ValueError as exc:
            raise SendError("the declaration result is not JSON", status_code=response.status_code) from exc
        return parse_result(body)

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.oauth.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise SendError(describe_transport_error(exc)) from exc

    def _raise_unless_success(self, response: httpx.Response) -> None:
        if response.is_success:
            return
        raise SendError(
            describe_response(response),
            status_code=response.status_code,
            retry_after=retry_after(response, self.oauth.clock()),
        )


def parse_result(body: Any) -> DeclarationResult:
    """`{"result": "A", "anomalies": [...]}`, also nested as `declarationStatus` (as the Dimona service does)."""
    if isinstance(body, dict) and isinstance(body.get("declarationStatus"), dict):
        body = body["declarationStatus"]
    if not isinstance(body, dict) or body.get("result") not in ("A", "W", "B", "S"):
        raise SendError("the declaration result has no result A, W, B or S")
    anomalies = body.get("anomalies") or []
    detail = "; ".join(str(a.get("label") or a.get("code") or a) if isinstance(a, dict) else str(a) for a in anomalies)
    code: ResultCode = body["result"]
    return DeclarationResult(code, detail[:1000] or None)
