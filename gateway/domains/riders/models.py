from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import UTCDateTime


class Rider(SQLModel, table=True):
    """A rider enrolled by a platform. `external_id` is the platform's own id for the rider; `member_id` the
    cooperative's member number (`Member.number`) of the person, when known."""

    # The member number links the rider to the cooperative's member (gateway.domains.members): one index lookup.
    __table_args__ = (UniqueConstraint("platform_id", "external_id"), Index("ix_rider_member_id", "member_id"))

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(sa_column_args=[ForeignKey("platform.id", ondelete="RESTRICT")])
    external_id: str = Field(sa_type=String(128))
    name: str = Field(sa_type=String(200))
    email: str = Field(sa_type=String(320))
    member_id: str | None = Field(default=None, sa_type=String(64))
    enrolled_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RiderLinkUse(SQLModel, table=True):
    """An access link that was opened: its token id (jti) may open a session once. The primary key makes the
    second use fail in the database, also when two requests race; rows go when the link would have expired."""

    __tablename__ = "rider_link_use"

    jti: str = Field(primary_key=True, sa_type=String(64))
    rider_id: int
    used_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
