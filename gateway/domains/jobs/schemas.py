from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class JobFailureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from a row by these fields' names, and only those

    id: int
    job: str = Field(description="The job that set the row aside, e.g. contracts.settle.")
    table: str = Field(description="The row's table, e.g. contract.")
    row_key: str = Field(description="The row's primary key, as the database writes it as text.")
    platform: str | None = Field(description="The row's platform, when known.")
    error_type: str = Field(description="The exception's type, e.g. ServiceUnavailable.")
    message: str = Field(description="What went wrong, in one line (the traceback is in the gateway's log).")
    failed_at: datetime = Field(description="When it last failed.")


class RetryAllIn(BaseModel):
    job: str = Field(min_length=1, max_length=64, description="Release every row this job set aside.")


class RetryOut(BaseModel):
    count: int = Field(description="How many rows were released: their job claims them again on its next run.")
    retried: list[JobFailureOut] = Field(description="The rows released (the first 1000), as they were set aside.")
