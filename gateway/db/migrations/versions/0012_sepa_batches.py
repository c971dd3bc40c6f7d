"""payout_batch and payout_transfer: SEPA credit transfers (pain.001), one attempt per row

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payout_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("created_at", gateway.db.types.UTCDateTime(), nullable=False),
        sa.Column("execution_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", gateway.db.types.ScaledDecimal(2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("released_at", gateway.db.types.UTCDateTime(), nullable=True),
        sa.Column("released_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_batch")),
        sa.UniqueConstraint("message_id", name=op.f("uq_payout_batch_message_id")),
    )
    op.create_table(
        "payout_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payout_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount", gateway.db.types.ScaledDecimal(2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("creditor_name", sa.String(length=70), nullable=False),
        sa.Column("remittance", sa.String(length=140), nullable=False),
        sa.Column("iban_last4", sa.String(length=4), nullable=True),
        sa.Column("reason_code", sa.String(length=8), nullable=True),
        sa.Column("created_at", gateway.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["payout_batch.id"],
            name=op.f("fk_payout_transfer_batch_id_payout_batch"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["payout_id"], ["payout.id"], name=op.f("fk_payout_transfer_payout_id_payout"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_transfer")),
        sa.UniqueConstraint("end_to_end_id", name=op.f("uq_payout_transfer_end_to_end_id")),
        sa.UniqueConstraint("payout_id", "attempt", name="uq_payout_transfer_payout_id_attempt"),
    )
    with op.batch_alter_table("payout_transfer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_transfer_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payout_transfer_payout_id"), ["payout_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payout_transfer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_transfer_payout_id"))
        batch_op.drop_index(batch_op.f("ix_payout_transfer_batch_id"))
    op.drop_table("payout_transfer")
    op.drop_table("payout_batch")
