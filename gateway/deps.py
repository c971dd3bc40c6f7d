"""Request-scoped dependencies every router uses: the session, the settings, the agreement book, the clock.

Who is calling is each domain's own dependency: `auth.deps` (platforms), `riders.deps`, `staff.deps`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlmodel import Session

from gateway.agreements.loader import AgreementBook
from gateway.db.engine import get_session
from gateway.settings import Settings

SessionDep = Annotated[Session, Depends(get_session)]


# Pure lookups are `async`: FastAPI runs a sync dependency in the threadpool, a thread hop per request for nothing.
async def settings_dep(request: Request) -> Settings:
    s: Settings = request.app.state.settings
    return s


async def book_dep(request: Request) -> AgreementBook:
    b: AgreementBook = request.app.state.book
    return b


async def clock_dep(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


SettingsDep = Annotated[Settings, Depends(settings_dep)]
BookDep = Annotated[AgreementBook, Depends(book_dep)]
NowDep = Annotated[datetime, Depends(clock_dep)]


def utcnow() -> datetime:
    return datetime.now(UTC)


_T = TypeVar("_T")


def per_app(request: Request, name: str, make: Callable[[Settings], _T]) -> _T:
    """This app's one `make(settings)`, kept on `app.state.<name>`: one per app, so tests and processes never
    share one (the caches of webhook targets, live OAuth clients, live API credentials)."""
    state = request.app.state
    value: Any = getattr(state, name, None)
    if value is None:
        value = make(state.settings)
        setattr(state, name, value)
    return value  # type: ignore[no-any-return]
