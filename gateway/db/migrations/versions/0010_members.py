"""members: the cooperative's members and their identity (SSIN and IBAN encrypted), reads of clear values, link
requests

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gateway.db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("first_name", sa.String(length=200), nullable=True),
        sa.Column("last_name", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("ssin_cipher", sa.Text(), nullable=True),
        sa.Column("ssin_index", sa.String(length=64), nullable=True),
        sa.Column("ssin_last4", sa.String(length=4), nullable=True),
        sa.Column("birth_place", sa.String(length=100), nullable=True),
        sa.Column("birth_place_country", sa.String(length=2), nullable=True),
        sa.Column("nationality", sa.String(length=2), nullable=True),
        sa.Column("gender", sa.String(length=6), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("house_number", sa.String(length=20), nullable=True),
        sa.Column("zip_code", sa.String(length=20), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("iban_cipher", sa.Text(), nullable=True),
        sa.Column("iban_last4", sa.String(length=4), nullable=True),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("worker_type", sa.String(length=3), nullable=True),
        sa.Column("declarable", sa.Boolean(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=True),
        sa.Column("created_at", gateway.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", gateway.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("ssin_index"),
    )
    op.create_index("ix_member_key_id", "member", ["key_id"], unique=False)
    op.create_table(
        "identity_read",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=8), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("at", gateway.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_identity_read_member", "identity_read", ["member_id", "at"], unique=False)
    op.create_table(
        "member_link_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rider_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", gateway.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["rider_id"], ["rider.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rider_id"),
    )
    # A booking finds the rider's member by its number: one index lookup.
    op.create_index("ix_rider_member_id", "rider", ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_rider_member_id", table_name="rider")
    op.drop_table("member_link_request")
    op.drop_index("ix_identity_read_member", table_name="identity_read")
    op.drop_table("identity_read")
    op.drop_index("ix_member_key_id", table_name="member")
    op.drop_table("member")
