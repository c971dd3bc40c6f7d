"""declaration: the service's anomalies (W and B results) and the period last declared (Dimona REST v1)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anomalies", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("period", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.drop_column("period")
        batch_op.drop_column("anomalies")
