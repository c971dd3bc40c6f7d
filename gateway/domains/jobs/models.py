from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.db.types import UTCDateTime


class JobFailure(SQLModel, table=True):
    """A row a job could not handle, set aside with its reason so that the rest of the work goes on.

    While it is here the job does not claim the row again; a staff retry deletes it (the audit log keeps it).
    """

    __tablename__ = "job_failure"
    # The key the claim queries probe (NOT EXISTS), and the one that makes setting aside idempotent.
    __table_args__ = (UniqueConstraint("job", "table_name", "row_key"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(sa_type=String(64), description="The job's name, e.g. contracts.settle.")
    table_name: str = Field(sa_type=String(64))
    row_key: str = Field(sa_type=String(64), description="The row's primary key, as the database casts it to text.")
    platform_id: int | None = Field(default=None, sa_column_args=[ForeignKey("platform.id", ondelete="SET NULL")])
    error_type: str = Field(sa_type=String(120))
    message: str = Field(sa_type=String(500), description="Safe to show staff: no traceback, secrets redacted.")
    failed_at: datetime = Field(sa_type=UTCDateTime)
