"""transparency_version: the published versions of the public transparency notice (issue 20)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.db.types import UTCDateTime

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transparency_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.UniqueConstraint("number", name=op.f("uq_transparency_version_number")),
        sa.UniqueConstraint(
            "content_hash", "effective_on", name=op.f("uq_transparency_version_content_hash_effective_on")
        ),
    )


def downgrade() -> None:
    op.drop_table("transparency_version")
