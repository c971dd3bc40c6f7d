"""Acting as CoopCycle in tests: bodies as PHP's json_encode writes them, signed as WebhookHandler signs them.

Also the adapter's kit for the contract suite every adapter passes (tests/adapters/test_adapter_contract.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import httpx

from adapters.coopcycle.signature import sign

if TYPE_CHECKING:  # a test dependency: the kit is imported by tests only
    import respx


def php_json(payload: object) -> bytes:
    """json_encode's default spelling: compact, slashes escaped (so the signed bytes are CoopCycle's)."""
    return json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()


def notification(delivery: str, event: str) -> bytes:
    return php_json({"data": {"object": delivery, "event": event}})


def signed_headers(secret: str, body: bytes) -> dict[str, str]:
    return {"content-type": "application/json", "X-CoopCycle-Signature": sign(secret, body)}


class Kit:
    """What the adapter contract suite needs to act as this platform."""

    signature_headers: tuple[str, ...] = ("X-CoopCycle-Signature",)

    def valid_body(self) -> bytes:
        return notification("/api/deliveries/1", "delivery.completed")

    def invalid_body(self) -> bytes:
        return php_json({"data": {"object": "https://evil.example/api/deliveries/1", "event": "delivery.completed"}})

    def sign(self, secret: str, body: bytes, now: datetime) -> dict[str, str]:
        return signed_headers(secret, body)


KIT = Kit()


# --- Shift planning (the planned-shifts mode), as coopcycle-web serves it ------------------------------------
# GET /api/shifts?date[after]=&date[before]= for dispatchers (src/Entity/Shift.php, ShiftDateFilter), logged in
# with POST /api/login_check (lexik JWT). Mount on a respx router with `FakePlanning.mount(router, base_url)`.


@dataclass
class FakePlanning:
    """Shifts, their assignees and the times the coop adjusted; a dispatcher login; an optional outage."""

    dispatcher: str = "gateway-dispatcher"
    password: str = "dispatch-pass"  # noqa: S105 - the fake instance's test account
    roles: tuple[str, ...] = ("ROLE_USER", "ROLE_DISPATCHER")
    outage: int = 0  # answer this many GET /api/shifts with 503
    logins: int = 0
    reads: list[tuple[str, str]] = field(default_factory=list)  # the (after, before) days asked for
    shifts: dict[int, dict[str, Any]] = field(default_factory=dict)

    def plan(
        self, shift_id: int, starts_at: datetime, ends_at: datetime, *couriers: str, activity: str = "delivery"
    ) -> None:
        self.shifts[shift_id] = {
            "@id": f"/api/shifts/{shift_id}",
            "@type": "Shift",
            "id": shift_id,
            "activity": activity,
            "startsAt": starts_at.isoformat(),
            "endsAt": ends_at.isoformat(),
            "slots": max(1, len(couriers)),
            "breakMinutes": 0,
            "comment": None,
            "requiredSkills": [],
            "waitlist": [],
            "assignments": [],
        }
        for courier in couriers:
            self.assign(shift_id, courier)

    def assign(self, shift_id: int, courier: str) -> None:
        n = len(self.shifts[shift_id]["assignments"]) + 1
        self.shifts[shift_id]["assignments"].append(
            {
                "@id": f"/.well-known/genid/{shift_id:04d}{n:04d}",
                "@type": "ShiftAssignment",
                "user": {"@id": f"/api/users/{abs(hash(courier)) % 1000}", "@type": "User", "username": courier},
                "createdAt": self.shifts[shift_id]["startsAt"],
                "adjustment": None,
            }
        )

    def unassign(self, shift_id: int, courier: str) -> None:
        shift = self.shifts[shift_id]
        shift["assignments"] = [a for a in shift["assignments"] if a["user"]["username"] != courier]

    def move(self, shift_id: int, starts_at: datetime, ends_at: datetime) -> None:
        self.shifts[shift_id]["startsAt"], self.shifts[shift_id]["endsAt"] = starts_at.isoformat(), ends_at.isoformat()

    def delete(self, shift_id: int) -> None:
        del self.shifts[shift_id]

    def report_time(self, shift_id: int, courier: str, starts_at: datetime, ends_at: datetime) -> None:
        """PUT /api/shifts/{id}/report_time: the hours actually worked, when they differ from the plan."""
        for a in self.shifts[shift_id]["assignments"]:
            if a["user"]["username"] == courier:
                a["adjustment"] = {
                    "@id": f"/.well-known/genid/adj{shift_id}",
                    "@type": "ShiftTimeAdjustment",
                    "startsAt": starts_at.isoformat(),
                    "endsAt": ends_at.isoformat(),
                    "breakMinutes": 0,
                    "comment": None,
                    "reportedBy": None,
                    "updatedAt": ends_at.isoformat(),
                }

    def _token(self) -> str:
        return f"jwt-{self.dispatcher}-{self.logins}"

    def login(self, request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        if form.get("_username") != [self.dispatcher] or form.get("_password") != [self.password]:
            return httpx.Response(401, json={"code": 401, "message": "Invalid credentials."})
        self.logins += 1
        return httpx.Response(
            200,
            json={
                "token": self._token(),
                "roles": list(self.roles),
                "username": self.dispatcher,
                "email": f"{self.dispatcher}@coop.example",
                "id": 99,
                "refresh_token": "r",
                "enabled": True,
            },
        )

    def list_shifts(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {self._token()}":
            return httpx.Response(401, json={"code": 401, "message": "Expired JWT Token"})
        if "ROLE_DISPATCHER" not in self.roles:
            return httpx.Response(403, json={"detail": "Access Denied."})
        if self.outage:
            self.outage -= 1
            return httpx.Response(503, text="upstream unavailable")
        after, before = request.url.params["date[after]"], request.url.params["date[before]"]
        self.reads.append((after, before))
        lo = datetime.combine(date.fromisoformat(after), time(), UTC)
        hi = datetime.combine(date.fromisoformat(before) + timedelta(days=1), time(), UTC)
        members = [
            s
            for s in self.shifts.values()
            if datetime.fromisoformat(s["endsAt"]) > lo and datetime.fromisoformat(s["startsAt"]) < hi
        ]
        return httpx.Response(
            200,
            json={
                "@context": "/api/contexts/Shift",
                "@id": "/api/shifts",
                "@type": "hydra:Collection",
                "hydra:member": members,
                "hydra:totalItems": len(members),
            },
        )

    def mount(self, router: respx.MockRouter, base_url: str) -> None:
        router.post(f"{base_url}/api/login_check").mock(side_effect=self.login)
        router.get(url__regex=rf"^{re.escape(base_url)}/api/shifts(\?.*)?$").mock(side_effect=self.list_shifts)
