"""Reading a delivery from CoopCycle's API: who delivered it, and when the work on it began and ended.

Shapes as coopcycle-web serialises them (JSON-LD, API Platform): `GET /api/deliveries/{id}` has `pickup` and
`dropoff` tasks (`@id`, `status` TODO/DOING/FAILED/DONE/CANCELLED); `GET /api/tasks/{id}/events` lists the
task's events (`name` such as task:assigned, task:started, task:done, task:failed, task:cancelled, with
`createdAt` and `data`; task:assigned carries the courier's `username`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from adapters.coopcycle.notice import DELIVERY_IRI
from gateway.host import ClientCredentials, SendError, describe_transport_error

TASK_IRI = re.compile(r"^/api/tasks/[1-9][0-9]{0,17}$")
# The first sign of work on a delivery: its pickup started (or done, or failed when "start" was skipped).
_WORK = {"task:started", "task:done", "task:failed"}
TERMINAL = {"done", "failed", "cancelled"}


class ApiError(Exception):
    """The delivery could not be read now; the fetch is retried later. The message names no secret.

    `status` is CoopCycle's HTTP status when it answered (403/404: not this API app's delivery)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


NOT_MINE = {403, 404}
MAX_PAGES = 20  # 15 deliveries a page (coopcycle-web's default): 300 deliveries a sweep per store


@dataclass(frozen=True, slots=True)
class Listed:
    """A delivery as a store's listing shows it; `digest` changes whenever one of its tasks does."""

    iri: str
    digest: str


@dataclass(frozen=True, slots=True)
class TaskEvent:
    name: str
    at: datetime
    username: str | None = None


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of the delivery's work done by one courier: the one assigned to the task under way then."""

    courier: str
    started_at: datetime
    finished_at: datetime | None  # None: still under way


@dataclass(frozen=True, slots=True)
class DeliveryFacts:
    courier: str | None
    status: str  # todo, in_progress, done, failed, cancelled
    started_at: datetime | None
    finished_at: datetime | None
    # Who did which part, in order; more than one when the delivery was reassigned while under way.
    pieces: tuple[Piece, ...] = ()


class CoopCycleApi:
    def __init__(self, credentials: ClientCredentials, base_url: str) -> None:
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")

    def delivery(self, iri: str) -> DeliveryFacts:
        doc = self._get(iri)
        pickup, dropoff = _task(doc, "pickup"), _task(doc, "dropoff")
        return facts_of(pickup["status"], dropoff["status"], self._events(pickup["@id"]), self._events(dropoff["@id"]))

    def store_deliveries(self, store: str, since: datetime) -> list[Listed]:
        """The store's deliveries whose pickup window starts after `since` (GET /api/stores/{id}/deliveries,
        filtered on `pickup.after`, as coopcycle-web's own store dashboard asks), following `hydra:next`."""
        path: str | None = f"{store}/deliveries?" + urlencode({"pickup.after[after]": since.isoformat()})
        listed: list[Listed] = []
        for _ in range(MAX_PAGES):
            if path is None:
                break
            doc = self._get(path)
            members = doc.get("hydra:member") if isinstance(doc, dict) else None
            if not isinstance(members, list):
                raise ApiError(f"GET {store}/deliveries: expected a collection")
            listed += [_listed(m) for m in members]
            view = doc.get("hydra:view")
            nxt = view.get("hydra:next") if isinstance(view, dict) else None
            path = nxt if isinstance(nxt, str) and nxt.startswith(f"{store}/deliveries?") else None
        return listed

    def _events(self, task_iri: str) -> list[TaskEvent]:
        doc = self._get(f"{task_iri}/events")
        members = doc.get("hydra:member") if isinstance(doc, dict) else doc
        if not isinstance(members, list):
            raise ApiError(f"GET {task_iri}/events: expected a list of events")
        return [_event(m, task_iri) for m in members]

    def _get(self, path: str) -> Any:
        try:
            response = self.credentials.request("GET", self.base_url + path, headers={"accept": "application/ld+json"})
        except httpx.HTTPError as exc:
            raise ApiError(f"GET {path}: {describe_transport_error(exc)}") from exc
        except SendError as exc:  # the token endpoint failed
            raise ApiError(str(exc)) from exc
        if not response.is_success:
            raise ApiError(f"GET {path} answered HTTP {response.status_code}", response.status_code)
        try:
            return response.json()
        except ValueError as exc:
            raise ApiError(f"GET {path} answered a body that is not JSON") from exc


def _listed(member: Any) -> Listed:
    iri = member.get("@id") if isinstance(member, dict) else None
    if not isinstance(iri, str) or not DELIVERY_IRI.match(iri):
        raise ApiError("a listed delivery without an @id such as /api/deliveries/1")
    tasks = [member.get(role) for role in ("pickup", "dropoff")]
    # Status and assignee of each task, and whatever else the listing shows of them: any change is news.
    digest = hashlib.sha256(json.dumps(tasks, sort_keys=True, default=str).encode()).hexdigest()
    return Listed(iri, digest)


def _task(doc: Any, role: str) -> dict[str, str]:
    task = doc.get(role) if isinstance(doc, dict) else None
    iri = task.get("@id") if isinstance(task, dict) else None
    status = task.get("status") if isinstance(task, dict) else None
    if not isinstance(iri, str) or not TASK_IRI.match(iri) or not isinstance(status, str):
        raise ApiError(f"the delivery has no {role} task with an @id and a status")
    return {"@id": iri, "status": status}


def _event(member: Any, task_iri: str) -> TaskEvent:
    name = member.get("name") if isinstance(member, dict) else None
    created = member.get("createdAt") if isinstance(member, dict) else None
    try:
        at = datetime.fromisoformat(created) if isinstance(created, str) else None
    except ValueError:
        at = None
    if not isinstance(name, str) or at is None or at.tzinfo is None:
        raise ApiError(f"GET {task_iri}/events: an event without a name or a createdAt with an offset")
    data = member.get("data")
    username = data.get("username") if isinstance(data, dict) else None
    return TaskEvent(name, at, username if isinstance(username, str) and username else None)


def _courier(events: Iterable[TaskEvent]) -> str | None:
    courier = None
    for e in sorted(events, key=lambda e: e.at):
        if e.name == "task:assigned":
            courier = e.username
        elif e.name == "task:unassigned":
            courier = None
    return courier


def _last(events: Iterable[TaskEvent], name: str) -> datetime | None:
    return max((e.at for e in events if e.name == name), default=None)


def facts_of(
    pickup_status: str, dropoff_status: str, pickup: list[TaskEvent], dropoff: list[TaskEvent]
) -> DeliveryFacts:
    """The delivery's worked interval and outcome. A failed delivery is worked time like a completed one."""
    both = pickup + dropoff
    courier = _courier(dropoff) or _courier(pickup)
    started_at = min((e.at for e in both if e.name in _WORK), default=None)
    statuses = {pickup_status, dropoff_status}
    finished_at: datetime | None
    if dropoff_status == "DONE":
        status, finished_at = "done", _last(dropoff, "task:done")
    elif "FAILED" in statuses:
        status, finished_at = "failed", _last(both, "task:failed")
    elif "CANCELLED" in statuses:
        status, finished_at = "cancelled", _last(both, "task:cancelled")
    elif started_at is not None:
        status, finished_at = "in_progress", None
    else:
        status, finished_at = "todo", None
    if status in TERMINAL and finished_at is None:
        # A final status whose event is missing: the last thing known to have happened ends it.
        finished_at = max((e.at for e in both), default=None)
    if status == "cancelled" and started_at is None:
        finished_at = None  # cancelled before anyone worked on it: no worked time
    if started_at is None and finished_at is not None:
        started_at = finished_at
    pieces = _pieces(pickup, dropoff, started_at, finished_at) if started_at is not None else ()
    if pieces:
        courier = pieces[-1].courier
    return DeliveryFacts(courier, status, started_at, finished_at, pieces)


def _assignee(events: list[TaskEvent], at: datetime) -> str | None:
    who = None
    for e in sorted(events, key=lambda e: e.at):
        if e.at > at:
            break
        if e.name == "task:assigned":
            who = e.username
        elif e.name == "task:unassigned":
            who = None
    return who


def _pieces(
    pickup: list[TaskEvent], dropoff: list[TaskEvent], start: datetime, end: datetime | None
) -> tuple[Piece, ...]:
    """Split the worked interval wherever the courier assigned to the task under way changes.

    The pickup is under way until it is done (or failed), then the dropoff. Work nobody was assigned to is no
    one's (it cannot happen in CoopCycle, which starts only an assigned task).
    """
    picked = min((e.at for e in pickup if e.name in ("task:done", "task:failed")), default=None)

    def courier_at(t: datetime) -> str | None:
        task, other = (pickup, dropoff) if picked is None or t < picked else (dropoff, pickup)
        return _assignee(task, t) or _assignee(other, t)

    cuts = {e.at for e in pickup + dropoff if e.name in ("task:assigned", "task:unassigned")}
    if picked is not None:
        cuts.add(picked)
    bounds = [start, *sorted(c for c in cuts if start < c and (end is None or c < end))]
    pieces: list[Piece] = []
    for i, b in enumerate(bounds):
        until = bounds[i + 1] if i + 1 < len(bounds) else end
        who = courier_at(b)
        if who is None:
            continue
        if pieces and pieces[-1].courier == who and pieces[-1].finished_at == b:
            pieces[-1] = Piece(who, pieces[-1].started_at, until)
        else:
            pieces.append(Piece(who, b, until))
    return tuple(pieces)
