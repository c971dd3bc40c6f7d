"""rider link use: an access link opens a session once

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rider_link_use",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("rider_id", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_rider_link_use")),
    )
    with op.batch_alter_table("rider_link_use", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rider_link_use_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rider_link_use", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rider_link_use_expires_at"))
    op.drop_table("rider_link_use")
