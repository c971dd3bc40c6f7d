"""Per-platform rate limit (OWASP API4): a moving window per process, 429 with Retry-After past it."""

from __future__ import annotations

import math
import time
from functools import cache
from typing import Any

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from gateway.problems import Problem


class TooManyRequests(Problem):
    status, slug, title = 429, "too-many-requests", "Too many requests"


@cache
def _limiter() -> MovingWindowRateLimiter:
    # In memory, per process: N processes allow N times the limit (docs/scaling.md says so).
    return MovingWindowRateLimiter(MemoryStorage())


def check_platform_rate(app: Any, platform: str) -> None:
    """Count one request of a platform proven by its signature or token. Counting before that would let anyone
    exhaust a platform's allowance with unsigned requests."""
    per_minute: int = app.state.settings.rate_limit_per_minute
    if not per_minute:
        return
    item = RateLimitItemPerMinute(per_minute)
    limiter = _limiter()
    key = f"{id(app)}:{platform}"
    if not limiter.hit(item, key):
        reset = limiter.get_window_stats(item, key).reset_time
        wait = max(1, math.ceil(reset - time.time()))
        raise TooManyRequests(
            f"platform {platform} is over its limit of {per_minute} requests a minute",
            headers={"Retry-After": str(wait)},
        )
