"""bank_statement_import; member.iban_rejected_at/_reason (camt.053/.054 reconciliation)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bank_statement_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("message", sa.String(length=20), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("paid", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("unknown", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("imported_at", gateway.db.types.UTCDateTime(), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement_import")),
        sa.UniqueConstraint("checksum", name=op.f("uq_bank_statement_import_checksum")),
    )
    with op.batch_alter_table("bank_statement_import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_statement_import_message_id"), ["message_id"], unique=False)
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("iban_rejected_at", gateway.db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("iban_rejected_reason", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("iban_rejected_reason")
        batch_op.drop_column("iban_rejected_at")
    with op.batch_alter_table("bank_statement_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_statement_import_message_id"))
    op.drop_table("bank_statement_import")
