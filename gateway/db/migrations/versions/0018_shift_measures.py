"""shift measures: contract.distance_km and contract.bonus (sent with shift.ended); settlement.notes; member.employed_since

Revision ID: 0018
Revises: 0017 (adapters/coopcycle/migrations/0017_coopcycle_sweep)
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, not backfilled: a contract ended before these were sent has none, and pays no expense per km and
    # no bonus. Amounts are scaled integers (gateway.db.types.ScaledDecimal): thousandths of a km, cents.
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.add_column(sa.Column("distance_km", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("bonus", sa.BigInteger(), nullable=True))
    # A settlement's notes (why the rider's status changed the pay); none on rows settled before.
    with op.batch_alter_table("settlement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes", sa.JSON(), nullable=True))
    # When the cooperative first employed the member (seniority steps); staff set it, the gateway never guesses.
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employed_since", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("settlement", schema=None) as batch_op:
        batch_op.drop_column("notes")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("employed_since")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_column("bonus")
        batch_op.drop_column("distance_km")
