"""OAuth2 client credentials for calls out (the declaration service, platforms' own APIs).

The token is cached until shortly before it expires (by the caller's clock, so tests move time instead of
sleeping) and fetched again then, or at once when the API answers 401. The client authenticates either
with a private_key_jwt assertion (RFC 7523, signed by Authlib: RS256, valid 300 s; `iss` = `sub` = the client id,
`aud` the token endpoint unless the server names another audience, as the Belgian social security's does; a random
`jti`; `iat` = `nbf`) or with a client secret (HTTP Basic). Secrets and tokens never appear in errors or logs.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from authlib.oauth2.rfc7523.assertion import sign_jwt_bearer_assertion
from joserfc.jwk import RSAKey
from pydantic import SecretStr

from gateway.domains.outbox.delivery import SendError, describe_transport_error, retry_after

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_SECONDS = 300


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires_at: datetime


class ClientCredentials:
    """A cached OAuth2 client-credentials token and authenticated requests with it. Thread-safe."""

    def __init__(
        self,
        http: httpx.Client,
        token_url: str,
        client_id: str,
        *,
        clock: Callable[[], datetime],
        private_key_pem: SecretStr | None = None,
        client_secret: SecretStr | None = None,
        scope: str | None = None,
        audience: str | None = None,
        leeway_seconds: int = 30,
    ) -> None:
        if (private_key_pem is None) == (client_secret is None):
            raise ValueError("give either a private key (private_key_jwt) or a client secret, not both")
        self.http = http
        self.token_url = token_url
        self.client_id = client_id
        self.clock = clock
        self.scope = scope
        self.audience = audience or token_url
        self.leeway = timedelta(seconds=leeway_seconds)
        self._key = None if private_key_pem is None else RSAKey.import_key(private_key_pem.get_secret_value())
        self._secret = client_secret
        self._token: _Token | None = None
        self._lock = threading.Lock()

    def access_token(self) -> str:
        with self._lock:
            now = self.clock()
            if self._token is None or now >= self._token.expires_at - self.leeway:
                self._token = self._fetch(now)
            return self._token.value

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with the bearer token; on 401 fetch a new token once and retry (it was revoked or expired early)."""
        response = self._send(method, url, **kwargs)
        if response.status_code == 401:
            self.invalidate()
            response = self._send(method, url, **kwargs)
        return response

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        headers["authorization"] = f"Bearer {self.access_token()}"
        return self.http.request(method, url, headers=headers, **kwargs)

    def client_assertion(self, now: datetime) -> str:
        assert self._key is not None
        issued_at = int(now.timestamp())
        token: str | bytes = sign_jwt_bearer_assertion(
            self._key,
            issuer=self.client_id,
            audience=self.audience,
            subject=self.client_id,
            issued_at=issued_at,
            expires_at=issued_at + ASSERTION_LIFETIME_SECONDS,
            # A fresh jti per assertion: the server refuses a replayed one.
            claims={"jti": secrets.token_urlsafe(24), "nbf": issued_at},
            alg="RS256",
        )
        return token.decode() if isinstance(token, bytes) else token

    def _fetch(self, now: datetime) -> _Token:
        data = {"grant_type": "client_credentials"}
        if self.scope:
            data["scope"] = self.scope
        auth = httpx.Auth()  # the base class adds nothing: the assertion is in the form
        if self._key is not None:
            # The assertion names the client (iss, sub): the form carries no client_id, as the Dimona service expects.
            data.update(
                client_assertion_type=ASSERTION_TYPE,
                client_assertion=self.client_assertion(now),
            )
        else:
            assert self._secret is not None
            auth = httpx.BasicAuth(self.client_id, self._secret.get_secret_value())
        try:
            response = self.http.post(self.token_url, data=data, auth=auth, headers={"accept": "application/json"})
        except httpx.HTTPError as exc:
            raise SendError(f"token endpoint: {describe_transport_error(exc)}") from exc
        if not response.is_success:
            # The body of an OAuth2 error names the error, not the credential; keep it short anyway.
            raise SendError(
                f"token endpoint answered HTTP {response.status_code}: {response.text[:200]}",
                status_code=response.status_code,
                retry_after=retry_after(response, now),
            )
        try:
            body = response.json()
            value = str(body["access_token"])
            lifetime = int(body.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError) as exc:
            raise SendError("token endpoint answered without a usable access_token") from exc
        return _Token(value, now + timedelta(seconds=lifetime))
