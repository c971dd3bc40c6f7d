"""Reading CoopCycle's shift planning: who is planned to work when, and the times the coop adjusted.

Shapes as coopcycle-web serialises them (read in its source, 2026-08: src/Entity/Shift.php,
ShiftAssignment.php, ShiftTimeAdjustment.php, src/Api/Filter/ShiftDateFilter.php, features/shifts.feature):

- `GET /api/shifts?date[after]=YYYY-MM-DD&date[before]=YYYY-MM-DD` (API Platform, not paginated,
  `ROLE_DISPATCHER` only) lists the shifts that overlap the days: `endsAt` after the first day's 00:00 and
  `startsAt` before the day after the last. Each shift: `id`, `activity` (a slug such as "delivery"),
  `startsAt`, `endsAt`, `breakMinutes`, and `assignments`, each `{"user": {"@id", "username"}, "createdAt",
  "adjustment": null | {"startsAt", "endsAt", "breakMinutes", "comment", ...}}`.
- An assignment's own `@id` is a generated blank-node id (it is no API resource), so an assignment is known
  by its shift's id and its courier's username: a shift lists a user at most once.
- The adjustment is "the hours actually worked, when they differ from the plan", reported after the fact
  by the employee or a dispatcher; the planned shift is never changed by it.
- Shifts send no webhook (src/Entity/Webhook.php lists none), so the gateway polls.

Reading them needs a dispatcher: an API app's client-credentials token carries OAuth2 scopes, not
`ROLE_DISPATCHER`. The gateway logs in as a dispatcher account the coop creates for it, with
`POST /api/login_check` (`_username`, `_password`, form-encoded) → `{"token", "roles", ...}` (lexik JWT; the
token lives `COOPCYCLE_JWT_TTL`), and logs in again when the API answers 401.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import httpx

from adapters.coopcycle.api import ApiError
from gateway.host import describe_transport_error

DISPATCHER_ROLES = frozenset({"ROLE_DISPATCHER", "ROLE_ADMIN"})
USERNAME_MAX = 180


@dataclass(frozen=True, slots=True)
class PlannedAssignment:
    """One courier on one planned shift, with the adjusted (actually worked) times when reported."""

    shift_id: int
    courier: str
    activity: str
    starts_at: datetime
    ends_at: datetime
    actual_starts_at: datetime | None
    actual_ends_at: datetime | None


class DispatcherSession:
    """A dispatcher's JWT for one CoopCycle instance, fetched at first use and again after a 401."""

    def __init__(self, http: httpx.Client, base_url: str, username: str, password: Callable[[], str]) -> None:
        self.http, self.base_url, self.username, self._password = http, base_url.rstrip("/"), username, password
        self._token: str | None = None

    def get(self, path: str, params: dict[str, str]) -> Any:
        for attempt in (1, 2):
            token = self._token or self._login()
            try:
                response = self.http.get(
                    self.base_url + path,
                    params=params,
                    headers={"accept": "application/ld+json", "authorization": f"Bearer {token}"},
                )
            except httpx.HTTPError as exc:
                raise ApiError(f"GET {path}: {describe_transport_error(exc)}") from exc
            if response.status_code == 401 and attempt == 1:
                self._token = None  # expired (COOPCYCLE_JWT_TTL): log in once more
                continue
            if response.status_code == 403:
                raise ApiError(f"GET {path} answered 403: {self.username!r} is not a dispatcher on this instance")
            if not response.is_success:
                raise ApiError(f"GET {path} answered HTTP {response.status_code}")
            try:
                return response.json()
            except ValueError as exc:
                raise ApiError(f"GET {path} answered a body that is not JSON") from exc
        raise ApiError(f"GET {path} answered 401 again after a fresh login")

    def _login(self) -> str:
        try:
            response = self.http.post(
                self.base_url + "/api/login_check",
                data={"_username": self.username, "_password": self._password()},
                headers={"accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise ApiError(f"POST /api/login_check: {describe_transport_error(exc)}") from exc
        if response.status_code == 401:
            raise ApiError(f"POST /api/login_check refused the dispatcher {self.username!r} (wrong password?)")
        if not response.is_success:
            raise ApiError(f"POST /api/login_check answered HTTP {response.status_code}")
        try:
            doc = response.json()
        except ValueError as exc:
            raise ApiError("POST /api/login_check answered a body that is not JSON") from exc
        token = doc.get("token") if isinstance(doc, dict) else None
        roles = doc.get("roles") if isinstance(doc, dict) else None
        if not isinstance(token, str) or not token:
            raise ApiError("POST /api/login_check answered no token")
        if isinstance(roles, list) and not DISPATCHER_ROLES & {r for r in roles if isinstance(r, str)}:
            raise ApiError(f"{self.username!r} is not a dispatcher: shifts are readable by dispatchers only")
        self._token = token
        return token


def read_shifts(api: DispatcherSession, first: date, last: date) -> list[PlannedAssignment]:
    """Every assignment of every shift overlapping the days `first` to `last` (both included)."""
    doc = api.get("/api/shifts", {"date[after]": first.isoformat(), "date[before]": last.isoformat()})
    members = doc.get("hydra:member") if isinstance(doc, dict) else doc
    if not isinstance(members, list):
        raise ApiError("GET /api/shifts: expected a list of shifts")
    return [a for shift in members for a in _assignments(shift)]


def _assignments(shift: Any) -> list[PlannedAssignment]:
    if not isinstance(shift, dict):
        raise ApiError("GET /api/shifts: a shift that is not an object")
    shift_id, activity = shift.get("id"), shift.get("activity")
    if not isinstance(shift_id, int) or isinstance(shift_id, bool) or shift_id < 1 or not isinstance(activity, str):
        raise ApiError("GET /api/shifts: a shift without an integer id or an activity")
    starts_at, ends_at = _instant(shift, "startsAt", shift_id), _instant(shift, "endsAt", shift_id)
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        raise ApiError(f"GET /api/shifts: shift {shift_id} has no startsAt before its endsAt")
    assignments = shift.get("assignments") or []
    if not isinstance(assignments, list):
        raise ApiError(f"GET /api/shifts: shift {shift_id} has assignments that are not a list")
    found = []
    for a in assignments:
        user = a.get("user") if isinstance(a, dict) else None
        username = user.get("username") if isinstance(user, dict) else None
        if not isinstance(username, str) or not 0 < len(username) <= USERNAME_MAX:
            raise ApiError(f"GET /api/shifts: shift {shift_id} has an assignment without a username")
        adjustment = a.get("adjustment")
        actual_start = actual_end = None
        if isinstance(adjustment, dict):
            actual_start = _instant(adjustment, "startsAt", shift_id)
            actual_end = _instant(adjustment, "endsAt", shift_id)
            if actual_start is None or actual_end is None or actual_end <= actual_start:
                raise ApiError(f"GET /api/shifts: shift {shift_id} has an adjustment without start before end")
        found.append(PlannedAssignment(shift_id, username, activity, starts_at, ends_at, actual_start, actual_end))
    return found


def _instant(doc: dict[str, Any], key: str, shift_id: int) -> datetime | None:
    value = doc.get(key)
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        # API Platform writes RFC 3339 with the offset; a local time without one is ambiguous around DST.
        raise ApiError(f"GET /api/shifts: shift {shift_id} has a {key} that is not an instant with an offset")
    return at
