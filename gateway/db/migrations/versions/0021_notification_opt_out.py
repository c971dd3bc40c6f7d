"""notification_opt_out: the kinds of e-mail a rider turned off (issue 20, notifications)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.db.types import UTCDateTime

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No row per rider until one turns a kind off: every kind is on by default, and nothing to backfill.
    op.create_table(
        "notification_opt_out",
        sa.Column("rider_id", sa.Integer(), sa.ForeignKey("rider.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("rider_id", "kind", name=op.f("pk_notification_opt_out")),
    )


def downgrade() -> None:
    op.drop_table("notification_opt_out")
