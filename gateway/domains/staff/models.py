from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import UTCDateTime


class StaffMember(SQLModel, table=True):
    """A person of the cooperative with a bearer token (stored hashed) and the roles they hold."""

    __tablename__ = "staff_member"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(100), unique=True)
    token_hash: str = Field(sa_type=String(64), unique=True)
    roles: str = Field(sa_type=String(300), description="Space-separated roles.")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """Who did what, when: every administrative change and every agreement change the gateway loads."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(sa_type=String(120), description="staff:<name>, cli:<os user>, platform:<slug> or system")
    action: str = Field(sa_type=String(80))
    target: str = Field(sa_type=String(200))
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
