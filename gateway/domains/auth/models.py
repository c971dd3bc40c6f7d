from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlmodel import Field, SQLModel

from gateway.db.base import utcnow
from gateway.db.types import UTCDateTime


class OAuthClient(SQLModel, table=True):
    """A platform's OAuth2 client (client credentials grant). The secret is stored as a peppered hash."""

    __tablename__ = "oauth_client"

    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(sa_column_args=[ForeignKey("platform.id", ondelete="CASCADE")], index=True)
    client_id: str = Field(sa_type=String(64), unique=True)
    secret_hash: str = Field(sa_type=String(64))
    scopes: str = Field(sa_type=String(300), description="Space-separated scopes this client may be granted.")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
