"""Rate limits (OWASP API4): moving windows per process, 429 with Retry-After past them.

Per platform on its API and webhooks; per client and per address on the token endpoint; per rider on the writes
of their identity.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from typing import Any

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from gateway.problems import Problem


class TooManyRequests(Problem):
    status, slug, title = 429, "too-many-requests", "Too many requests"


_making = threading.Lock()


def _limiter(app: Any) -> MovingWindowRateLimiter:
    """This app's counters (one per app: in memory, per process, so N processes allow N times the limit, as
    docs/scaling.md says; and two apps in one process, as in the tests, never share a count)."""
    limiter: MovingWindowRateLimiter | None = getattr(app.state, "rate_limiter", None)
    if limiter is None:
        with _making:
            limiter = getattr(app.state, "rate_limiter", None)
            if limiter is None:
                limiter = app.state.rate_limiter = MovingWindowRateLimiter(MemoryStorage())
    return limiter


def _hit(app: Any, item: RateLimitItem, key: str, message: str) -> None:
    limiter = _limiter(app)
    if not limiter.hit(item, key):
        reset = limiter.get_window_stats(item, key).reset_time
        wait = max(1, math.ceil(reset - time.time()))
        raise TooManyRequests(message, headers={"Retry-After": str(wait)})


def check_platform_rate(app: Any, platform: str) -> None:
    """Count one request of a platform proven by its signature or token. Counting before that would let anyone
    exhaust a platform's allowance with unsigned requests."""
    per_minute: int = app.state.settings.rate_limit_per_minute
    if per_minute:
        _hit(
            app,
            RateLimitItemPerMinute(per_minute),
            f"platform:{platform}",
            f"platform {platform} is over its limit of {per_minute} requests a minute",
        )


def check_token_rate(app: Any, address: str, client_id: str) -> None:
    """Count one token request, before the client's secret is looked up and hashed: per address first (so that
    one address cannot spread guesses over many client ids), then per client id (so that many addresses cannot
    pile onto one client). The client id is only claimed here, so a flood naming another platform's client can
    delay that client's next token; its current tokens keep working, and the per-address limit bounds the flood.
    """
    settings = app.state.settings
    per_address: int = settings.token_rate_limit_per_address
    per_client: int = settings.token_rate_limit_per_client
    if per_address:
        _hit(
            app,
            RateLimitItemPerMinute(per_address),
            f"token-address:{address}",
            f"too many token requests from this address (limit {per_address} a minute)",
        )
    if per_client:
        _hit(
            app,
            RateLimitItemPerMinute(per_client),
            f"token-client:{client_id}",
            f"too many token requests for this client (limit {per_client} a minute)",
        )


def check_identity_write_rate(app: Any, rider_ids: Iterable[int]) -> None:
    """Count one write of a rider's identity. An answer to a write tells whether an SSIN is already a member's, so
    a signed-in rider could otherwise probe national numbers one after another. Counted per rider account, not per
    session token, so that opening a fresh access link does not start a fresh allowance; a session that covers
    several accounts (a log-in) counts against each of them."""
    per_hour: int = app.state.settings.rider_identity_writes_per_hour
    if per_hour:
        item = RateLimitItemPerHour(per_hour)
        for rider_id in sorted(rider_ids):
            _hit(
                app, item, f"identity-write:{rider_id}", f"too many changes of the identity (limit {per_hour} an hour)"
            )
