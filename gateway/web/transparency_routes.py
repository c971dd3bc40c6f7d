"""The public transparency notice (directive art. 9): no sign-in, three languages, as HTML and as JSON.

Every read first publishes what the configuration makes and is not stored yet (`transparency.publish`, in this
request's transaction), so the page can never lag behind a platform added or an agreement loaded since the start;
two readers publishing at once meet on the version's unique key, and the one that loses reads the other's.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Path as PathParam
from fastapi import Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, select

from gateway.agreements.loader import AgreementBook
from gateway.deps import BookDep, NowDep, SessionDep, SettingsDep
from gateway.domains.platforms.models import Platform
from gateway.domains.transparency import service
from gateway.domains.transparency.models import NoticeVersion
from gateway.domains.transparency.schemas import (
    ComingOut,
    ContentOut,
    NoticeOut,
    VersionDetailOut,
    VersionOut,
    change_out,
    version_out,
)
from gateway.problems import InvalidRequest, NotFound, problem_responses
from gateway.routing import api_router
from gateway.settings import Settings
from gateway.web.i18n import Translator
from gateway.web.routes import JSON_HEADERS, PageLang, _render, wants_html

log = logging.getLogger("gateway.transparency")
router = api_router(tags=["transparency"])
PlatformSlug = Annotated[str, PathParam(max_length=64, description="The platform's slug.")]
VersionNumber = Annotated[int, PathParam(ge=1, le=1_000_000, description="The version's number.")]
PlatformQuery = Annotated[str | None, Query(max_length=64, description="Only this platform's part (its slug).")]


def ensure_published(
    session: Session, book: AgreementBook, settings: Settings, now: datetime, *, force: bool = False
) -> None:
    """Store the versions the configuration makes, if not stored yet. The notice is public: working it out again
    on every read would let anyone make the gateway rebuild it at will, so a process does it again only when what
    it is made of changed since (the day, the agreements loaded, the settings, the platforms, the database)."""
    key = _configuration(session, book, settings, now.date())
    if not force and _PUBLISHED.get("key") == key:
        return
    try:
        service.publish(session, book, settings, now)
        session.commit()
    except IntegrityError:
        session.rollback()  # another reader published the same version first: read theirs
    _PUBLISHED["key"] = key


_PUBLISHED: dict[str, Hashable] = {}


def _configuration(session: Session, book: AgreementBook, settings: Settings, today: date) -> Hashable:
    rows = session.exec(select(Platform.slug, Platform.name, Platform.adapter, Platform.agreement)).all()
    return (str(session.get_bind().engine.url), today, id(book), id(settings), tuple(sorted(rows)))


def publish_at_start(engine: Engine, book: AgreementBook, settings: Settings, now: datetime) -> None:
    """Publish at start; a database not migrated yet must not stop the gateway (the first reader publishes)."""
    try:
        with Session(engine) as session:
            ensure_published(session, book, settings, now)
    except SQLAlchemyError:
        log.warning("the transparency notice could not be published at start", exc_info=True)


def _current(session: Session, book: AgreementBook, settings: Settings, now: datetime) -> NoticeVersion:
    ensure_published(session, book, settings, now)
    version = service.in_effect(session, now.date())
    if version is None:  # the table was emptied behind this process's back (a database restored, say)
        ensure_published(session, book, settings, now, force=True)
        version = service.in_effect(session, now.date())
    assert version is not None  # publish stores today's version when none is in effect
    return version


def _only(content: dict[str, Any], platform: str | None) -> dict[str, Any]:
    if platform is None:
        return content
    platforms = [p for p in content["platforms"] if p["slug"] == platform]
    if not platforms:
        raise NotFound(f"no platform {platform!r} in the notice")
    return {**content, "platforms": platforms}


def _coming(
    session: Session, now: datetime, current: NoticeVersion
) -> list[tuple[NoticeVersion, list[service.Change]]]:
    out = []
    before = current.content
    for version in service.pending(session, now.date()):
        out.append((version, service.changes(before, version.content)))
        before = version.content
    return out


def _changes(session: Session, version: NoticeVersion) -> list[service.Change]:
    previous = service.previous(session, version)
    return [] if previous is None else service.changes(previous.content, version.content)


# --- JSON ------------------------------------------------------------------------------------------------------


@router.get(
    "/v1/transparency",
    response_model=NoticeOut,
    summary="The transparency notice in effect today, with the versions published ahead and their changes (public)",
    responses=problem_responses(NotFound, InvalidRequest),
)
def notice_json(
    response: Response,
    session: SessionDep,
    book: BookDep,
    settings: SettingsDep,
    now: NowDep,
    platform: PlatformQuery = None,
) -> NoticeOut:
    current = _current(session, book, settings, now)
    response.headers.update(JSON_HEADERS)
    return NoticeOut(
        version=version_out(current),
        notice=ContentOut.model_validate(_only(current.content, platform)),
        coming=[
            ComingOut(
                version=version_out(v),
                changes=[change_out(c) for c in changes if platform is None or c.platform in (None, platform)],
            )
            for v, changes in _coming(session, now, current)
        ],
    )


@router.get(
    "/v1/transparency/versions",
    response_model=list[VersionOut],
    summary="Every version of the transparency notice, oldest first, withdrawn ones included (public)",
    responses=problem_responses(InvalidRequest),
)
def versions_json(
    response: Response, session: SessionDep, book: BookDep, settings: SettingsDep, now: NowDep
) -> list[VersionOut]:
    ensure_published(session, book, settings, now)
    response.headers.update(JSON_HEADERS)
    return [version_out(v) for v in service.versions(session)]


@router.get(
    "/v1/transparency/versions/{number}",
    response_model=VersionDetailOut,
    summary="One version of the transparency notice, with what it changed in the one before (public)",
    responses=problem_responses(NotFound, InvalidRequest),
)
def version_json(
    response: Response, number: VersionNumber, session: SessionDep, book: BookDep, settings: SettingsDep, now: NowDep
) -> VersionDetailOut:
    ensure_published(session, book, settings, now)
    version = service.by_number(session, number)
    if version is None:
        raise NotFound(f"no version {number} of the notice")
    response.headers.update(JSON_HEADERS)
    return VersionDetailOut(
        version=version_out(version),
        notice=ContentOut.model_validate(version.content),
        changes=[change_out(c) for c in _changes(session, version)],
    )


# --- HTML ------------------------------------------------------------------------------------------------------


def _change_view(c: service.Change, t: Translator, names: dict[str, str]) -> dict[str, Any]:
    item = c.after or c.before or {}
    if c.key == "platform":
        what = t("transparency.change.platform_line")
    elif item.get("clause"):
        what = t("transparency.change.term", clause=item["clause"])
    else:
        what = item.get("decides", {}).get(t.lang, c.key)
    details = []
    if c.change == "changed" and c.before is not None and c.after is not None:
        for name in sorted(set(c.before.get("values", {})) | set(c.after.get("values", {}))):
            old, new = c.before.get("values", {}).get(name), c.after.get("values", {}).get(name)
            if old != new:
                details.append(f"{name}: {old or '—'} → {new or '—'}")
        for field in ("agreement", "adapter", "name"):
            if c.before.get(field) != c.after.get(field) and field in c.after:
                details.append(f"{field}: {_short(c.before.get(field))} → {_short(c.after.get(field))}")
    return {
        "label": t(f"transparency.change.{c.change}"),
        "where": names.get(c.platform, c.platform) if c.platform else t("transparency.h.everyone"),
        "what": what,
        "details": details,
        "sentence": (c.after or {}).get("sentence") if c.change != "removed" else None,
    }


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(str(value.get(k, "")) for k in ("id", "version")).strip() or "—"
    return "—" if value is None else str(value)


def _page(
    request: Request, t: Translator, session: Session, now: datetime, version: NoticeVersion, **context: Any
) -> HTMLResponse:
    context.setdefault("archived", False)
    content = context.pop("content", version.content)
    names = {p["slug"]: p["name"] for p in version.content["platforms"]}
    coming = [
        {
            "number": v.number,
            "day": t.day(v.effective_on),
            "changes": [_change_view(c, t, names | {p["slug"]: p["name"] for p in v.content["platforms"]}) for c in cs],
        }
        for v, cs in context.pop("coming", [])
    ]
    changed = [_change_view(c, t, names) for c in context.pop("changed", [])]
    starts = {
        p["slug"]: t.day(date.fromisoformat(p["agreement"]["effective_from"]))
        for p in content["platforms"]
        if p["agreement"] and not p["agreement"].get("in_force", True)
    }
    return _render(
        request,
        "transparency.html",
        t,
        signed_in=False,
        page_title=t("transparency.title"),
        notice=content,
        number=version.number,
        effective=t.day(version.effective_on),
        in_effect=version.effective_on <= now.date() and version.withdrawn_at is None,
        withdrawn=version.withdrawn_at is not None,
        coming=coming,
        changed=changed,
        starts=starts,
        **context,
    )


@router.get(
    "/transparency",
    response_class=HTMLResponse,
    summary="The transparency notice (public HTML page, in the reader's language)",
    responses=problem_responses(InvalidRequest),
)
def notice_page(
    request: Request, session: SessionDep, book: BookDep, settings: SettingsDep, now: NowDep, t: PageLang
) -> HTMLResponse:
    current = _current(session, book, settings, now)
    return _page(request, t, session, now, current, coming=_coming(session, now, current), platform=None)


@router.get(
    "/transparency/platforms/{platform_slug}",
    response_class=HTMLResponse,
    summary="One platform's part of the transparency notice (public HTML page)",
    responses=problem_responses(NotFound, InvalidRequest),
)
def platform_notice_page(
    request: Request,
    platform_slug: PlatformSlug,
    session: SessionDep,
    book: BookDep,
    settings: SettingsDep,
    now: NowDep,
    t: PageLang,
) -> HTMLResponse:
    current = _current(session, book, settings, now)
    try:
        content = _only(current.content, platform_slug)
    except NotFound:
        if not wants_html(request):
            raise
        return _render(request, "not_found.html", t, 404, signed_in=False, page_title=t("page.notfound.title"))
    coming = [(v, [c for c in cs if c.platform in (None, platform_slug)]) for v, cs in _coming(session, now, current)]
    return _page(request, t, session, now, current, content=content, coming=coming, platform=platform_slug)


@router.get(
    "/transparency/versions",
    response_class=HTMLResponse,
    summary="Every version of the transparency notice (public HTML page)",
    responses=problem_responses(InvalidRequest),
)
def versions_page(
    request: Request, session: SessionDep, book: BookDep, settings: SettingsDep, now: NowDep, t: PageLang
) -> HTMLResponse:
    ensure_published(session, book, settings, now)
    today = now.date()
    current = service.in_effect(session, today)
    rows = [
        {
            "number": v.number,
            "day": t.day(v.effective_on),
            "state": t(f"transparency.state.{_state(v, current, today)}"),
            "published": t.day(v.published_at.date()),
        }
        for v in reversed(service.versions(session))
    ]
    return _render(
        request, "transparency_versions.html", t, signed_in=False, page_title=t("transparency.versions"), rows=rows
    )


def _state(v: NoticeVersion, current: NoticeVersion | None, today: date) -> str:
    if v.withdrawn_at is not None:
        return "withdrawn"
    if current is not None and v.number == current.number:
        return "current"
    return "coming" if v.effective_on > today else "past"


@router.get(
    "/transparency/versions/{number}",
    response_class=HTMLResponse,
    summary="One version of the transparency notice, with what it changed (public HTML page)",
    responses=problem_responses(NotFound, InvalidRequest),
)
def version_page(
    request: Request,
    number: VersionNumber,
    session: SessionDep,
    book: BookDep,
    settings: SettingsDep,
    now: NowDep,
    t: PageLang,
) -> HTMLResponse:
    ensure_published(session, book, settings, now)
    version = service.by_number(session, number)
    if version is None:
        if not wants_html(request):
            raise NotFound(f"no version {number} of the notice")
        return _render(request, "not_found.html", t, 404, signed_in=False, page_title=t("page.notfound.title"))
    return _page(request, t, session, now, version, changed=_changes(session, version), platform=None, archived=True)
