"""coopcycle adapter: several store accounts per platform, the reconciliation sweep

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03

One CoopCycle instance with several stores is one platform: an account per store API app (unique per platform and
client id, no longer per platform). Each account remembers its store and how far the sweep has read; each delivery
remembers which account reads it and a digest of its tasks as last listed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("coopcycle_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("store", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("swept_until", gateway.db.types.UTCDateTime(), nullable=True))
        batch_op.drop_constraint("uq_coopcycle_account_platform_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_coopcycle_account_platform_id_client_id"), ["platform_id", "client_id"]
        )
    with op.batch_alter_table("coopcycle_delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("listed", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_coopcycle_delivery_account_id_coopcycle_account"),
            "coopcycle_account",
            ["account_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("coopcycle_delivery", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_coopcycle_delivery_account_id_coopcycle_account"), type_="foreignkey")
        batch_op.drop_column("listed")
        batch_op.drop_column("account_id")
    with op.batch_alter_table("coopcycle_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_coopcycle_account_platform_id_client_id"), type_="unique")
        batch_op.create_unique_constraint("uq_coopcycle_account_platform_id", ["platform_id"])
        batch_op.drop_column("swept_until")
        batch_op.drop_column("store")
