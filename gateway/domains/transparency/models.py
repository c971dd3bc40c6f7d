from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.db.types import UTCDateTime


class NoticeVersion(SQLModel, table=True):
    """One published version of the transparency notice: its content as riders read it, from the day it takes
    effect. A version published ahead (a future agreement version) is pending until then; one whose change was
    withdrawn from the configuration before that day is kept, marked withdrawn, never shown as coming."""

    __tablename__ = "transparency_version"
    # The same content taking effect on the same day is one version, however many processes publish it.
    __table_args__ = (UniqueConstraint("content_hash", "effective_on"),)

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True, description="1, 2, 3...: the order of publication.")
    content_hash: str = Field(sa_type=String(64), description="SHA-256 of the content's canonical JSON.")
    effective_on: date = Field(sa_type=Date)
    published_at: datetime = Field(sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    content: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
