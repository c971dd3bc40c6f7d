"""Declaration connectors: one interface, two implementations.

`local` (the embedded default) records each declaration and accepts it: the demo needs no identity and no
accreditation. `http` is the Belgian Dimona REST v1 service (FACTS.md, "Declaration of employment"): a token per
scope from the social security's OAuth v3 server with a private_key_jwt assertion; `POST declarations` answers
201 with the declaration number as the last segment of `Location`; `GET declarations/{number}` gives
`declarationStatus.result` A (accepted), W (accepted with anomalies), B (refused) or S (waiting for the worker's
identification); 404 = submitted but not processed yet.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from gateway.domains.outbox.delivery import SendError, describe_response, describe_transport_error, retry_after
from gateway.domains.outbox.oauth import ClientCredentials
from gateway.settings import Settings

Operation = Literal["in", "update", "cancel", "out"]
ResultCode = Literal["A", "W", "B", "S"]

SCOPE_DECLARE = "scope:dimona:declaration:declarant"
SCOPE_CONSULT = "scope:dimona:declaration:consult"
# 400: the body is invalid; 403: no mandate for this employer. Sending the same body again cannot help: the message
# becomes a dead letter, listed as failed, and staff replay it once the cause is fixed.
PERMANENT = (400, 403, 409, 422)
# An SSIN as a person or a service may write it (85073003328, 85.07.30-033.28): the service's answers may echo the
# worker's, and what the gateway stores or logs of them must not hold it in clear.
_SSIN_LIKE = re.compile(r"(?<!\d)\d{2}\.?\d{2}\.?\d{2}[-. ]?\d{3}\.?\d{2}(?!\d)")


def redact(text: str) -> str:
    """The text with every SSIN-like number masked to its last four digits."""
    return _SSIN_LIKE.sub(lambda m: "•••• " + re.sub(r"\D", "", m.group())[-4:], text)


@dataclass(frozen=True, slots=True)
class DeclarationRequest:
    operation: Operation
    contract_id: uuid.UUID
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DeclarationResult:
    code: ResultCode
    # As the service words them: [{"code": ..., "description": ...}].
    anomalies: tuple[dict[str, str], ...] = field(default=())
    note: str | None = None

    @property
    def final(self) -> bool:
        return self.code != "S"

    @property
    def detail(self) -> str | None:
        """One line for staff and the platform: the anomalies' codes and descriptions (never a worker's SSIN)."""
        text = "; ".join(f"{a['code']}: {a['description']}" if a["code"] else a["description"] for a in self.anomalies)
        text = text or self.note or ""
        return text[:1000] or None


class DeclarationConnector(Protocol):
    name: str
    # Whether a declaration names the worker (the real service): the local connector needs no identity.
    identifies_worker: bool

    def submit(self, request: DeclarationRequest) -> str:
        """Send the declaration; return the service's reference. Raises SendError."""
        ...

    def result(self, reference: str) -> DeclarationResult | None:
        """The decision on a declaration, or None when it is not processed yet. Raises SendError."""
        ...


class LocalConnector:
    """Records the declaration (the `declaration` table is the record) and accepts it at once."""

    name = "local"
    identifies_worker = False

    def submit(self, request: DeclarationRequest) -> str:
        return f"local-{request.operation}-{request.contract_id}"

    def result(self, reference: str) -> DeclarationResult | None:
        return DeclarationResult("A", note="accepted by the embedded local connector (no declaration service)")


class DimonaConnector:
    """Dimona REST v1: declares with the declarant scope's token, reads results with the consult scope's."""

    name = "http"
    identifies_worker = True

    def __init__(
        self, http: httpx.Client, base_url: str, declarant: ClientCredentials, consult: ClientCredentials
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.declarant = declarant
        self.consult = consult

    def submit(self, request: DeclarationRequest) -> str:
        response = _call(self.declarant, "POST", f"{self.base_url}/declarations", json=request.body)
        if response.status_code in PERMANENT:
            raise SendError(redact(describe_response(response)), status_code=response.status_code, permanent=True)
        _raise_unless_success(response, self.declarant.clock)
        location: str | None = response.headers.get("location")
        if not location:
            raise SendError(f"HTTP {response.status_code} without a Location header", status_code=response.status_code)
        return str(location.rstrip("/").rsplit("/", 1)[-1])

    def result(self, reference: str) -> DeclarationResult | None:
        response = _call(self.consult, "GET", f"{self.base_url}/declarations/{reference}")
        if response.status_code == 404:
            return None
        _raise_unless_success(response, self.consult.clock)
        try:
            body = response.json()
        except ValueError as exc:
            raise SendError("the declaration result is not JSON", status_code=response.status_code) from exc
        return parse_result(body)


def dimona_connector(http: httpx.Client, settings: Settings, clock: Callable[[], datetime]) -> DimonaConnector:
    declarant, consult = (token_client(http, settings, clock, scope) for scope in (SCOPE_DECLARE, SCOPE_CONSULT))
    return DimonaConnector(http, settings.declaration_service_url, declarant, consult)


def token_client(
    http: httpx.Client, settings: Settings, clock: Callable[[], datetime], scope: str
) -> ClientCredentials:
    """One cached token per scope: the service hands out a token for the scope asked, and no other."""
    return ClientCredentials(
        http,
        settings.declaration_token_url,
        f"self_service_expeditor_{settings.declaration_expeditor_number}",
        clock=clock,
        private_key_pem=settings.declaration_key_pem(),
        scope=scope,
        audience=settings.declaration_token_audience,
    )


def _call(oauth: ClientCredentials, method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        return oauth.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise SendError(describe_transport_error(exc)) from exc


def _raise_unless_success(response: httpx.Response, clock: Callable[[], datetime]) -> None:
    if response.is_success:
        return
    raise SendError(
        redact(describe_response(response)),
        status_code=response.status_code,
        retry_after=retry_after(response, clock()),
    )


def parse_result(body: Any) -> DeclarationResult:
    """`{"declarationStatus": {"result": "W", "anomaliesCollection": [{"code": ..., "description": ...}]}}`."""
    status = body.get("declarationStatus") if isinstance(body, dict) else None
    if not isinstance(status, dict) or status.get("result") not in ("A", "W", "B", "S"):
        raise SendError("the declaration result has no declarationStatus.result A, W, B or S")
    code: ResultCode = status["result"]
    return DeclarationResult(code, tuple(_anomaly(a) for a in status.get("anomaliesCollection") or [])[:50])


def _anomaly(item: Any) -> dict[str, str]:
    if not isinstance(item, dict):
        return {"code": "", "description": redact(str(item))[:500]}
    # The documentation names `code` and `description`; a service answering in one language per field is read too.
    text = item.get("description") or item.get("descriptionEn") or item.get("descriptionFr") or item.get("label")
    return {"code": str(item.get("code") or "")[:40], "description": redact(str(text or ""))[:500]}


# --- `gateway declarations check` -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_configuration(settings: Settings, http: httpx.Client, clock: Callable[[], datetime]) -> list[Check]:
    """Prove the http connector's set-up without declaring anything: a token for each scope, and the private key
    matching the public key registered with the social security."""
    checks = [_key_check(settings)]
    for scope in (SCOPE_DECLARE, SCOPE_CONSULT):
        try:
            token_client(http, settings, clock, scope).access_token()
            checks.append(Check(f"token {scope}", True, f"obtained from {settings.declaration_token_url}"))
        except (SendError, ValueError, OSError) as exc:
            checks.append(Check(f"token {scope}", False, str(exc)[:300]))
    return checks


def _key_check(settings: Settings) -> Check:
    name = "key pair"
    try:
        private = serialization.load_pem_private_key(_pem(settings.declaration_key_pem()), password=None)
    except (ValueError, TypeError, OSError) as exc:
        # The message of a key that does not load says why (format, password), never the key.
        return Check(name, False, f"the private key cannot be read: {type(exc).__name__}")
    if not isinstance(private, rsa.RSAPrivateKey):
        return Check(name, False, "the private key is not an RSA key (the service signs RS256)")
    if settings.declaration_public_key_file is None:
        return Check(name, False, "GATEWAY_DECLARATION_PUBLIC_KEY_FILE is not set: nothing to compare the key with")
    try:
        registered = registered_public_key(settings.declaration_public_key_file.read_bytes())
    except (ValueError, OSError) as exc:
        return Check(name, False, f"the registered certificate or public key cannot be read: {exc}")
    if registered.public_numbers() != private.public_key().public_numbers():
        return Check(name, False, "the private key does NOT match the registered certificate or public key")
    return Check(name, True, "the private key matches the registered certificate or public key")


def registered_public_key(pem: bytes) -> rsa.RSAPublicKey:
    """The public key of a PEM certificate (what the portal usually takes) or of a bare PEM public key."""
    key = (
        x509.load_pem_x509_certificate(pem).public_key()
        if b"BEGIN CERTIFICATE" in pem
        else serialization.load_pem_public_key(pem)
    )
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def _pem(secret: SecretStr) -> bytes:
    return secret.get_secret_value().encode()
