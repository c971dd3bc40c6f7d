"""correction values: a violation keeps its numbers (unit, offered and applied values) beside its sentences

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable and not backfilled: older rows keep only their sentences, and the views fall back for them.
    with op.batch_alter_table("violation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("offered_value", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("applied_value", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("violation", schema=None) as batch_op:
        batch_op.drop_column("applied_value")
        batch_op.drop_column("offered_value")
        batch_op.drop_column("unit")
