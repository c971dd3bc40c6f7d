"""Request-scoped dependencies every router uses: the session, the settings, the agreement book, the clock.

Who is calling is each domain's own dependency: `auth.deps` (platforms), `riders.deps`, `staff.deps`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

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
