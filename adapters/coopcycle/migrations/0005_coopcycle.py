"""coopcycle adapter: API accounts, notified deliveries (the fetch queue), work sessions

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-27

Kept in the adapter's package (found through its PLUGIN), with its id and place in the one history unchanged, so
databases migrated before it moved upgrade as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coopcycle_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("client_secret", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_coopcycle_account_platform_id_platform"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coopcycle_account")),
        sa.UniqueConstraint("platform_id", name=op.f("uq_coopcycle_account_platform_id")),
    )
    op.create_table(
        "coopcycle_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("rider_id", sa.Integer(), nullable=False),
        sa.Column("courier", sa.String(length=180), nullable=False),
        sa.Column("shift_code", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform.id"],
            name=op.f("fk_coopcycle_session_platform_id_platform"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["rider_id"], ["rider.id"], name=op.f("fk_coopcycle_session_rider_id_rider"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coopcycle_session")),
        sa.UniqueConstraint("platform_id", "shift_code", name=op.f("uq_coopcycle_session_platform_id_shift_code")),
    )
    with op.batch_alter_table("coopcycle_session", schema=None) as batch_op:
        batch_op.create_index("ix_coopcycle_session_platform_courier", ["platform_id", "courier"], unique=False)
        batch_op.create_index("ix_coopcycle_session_status_closes_at", ["status", "closes_at"], unique=False)

    op.create_table(
        "coopcycle_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("iri", sa.String(length=64), nullable=False),
        sa.Column("last_event", sa.String(length=40), nullable=False),
        sa.Column("notices", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetch_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetch_attempts", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("courier", sa.String(length=180), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform.id"],
            name=op.f("fk_coopcycle_delivery_platform_id_platform"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["coopcycle_session.id"],
            name=op.f("fk_coopcycle_delivery_session_id_coopcycle_session"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coopcycle_delivery")),
        sa.UniqueConstraint("platform_id", "iri", name=op.f("uq_coopcycle_delivery_platform_id_iri")),
    )
    with op.batch_alter_table("coopcycle_delivery", schema=None) as batch_op:
        batch_op.create_index("ix_coopcycle_delivery_fetch_due_at", ["fetch_due_at"], unique=False)
        batch_op.create_index("ix_coopcycle_delivery_platform_courier", ["platform_id", "courier"], unique=False)
        batch_op.create_index(batch_op.f("ix_coopcycle_delivery_session_id"), ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("coopcycle_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coopcycle_delivery_session_id"))
        batch_op.drop_index("ix_coopcycle_delivery_platform_courier")
        batch_op.drop_index("ix_coopcycle_delivery_fetch_due_at")
    op.drop_table("coopcycle_delivery")
    with op.batch_alter_table("coopcycle_session", schema=None) as batch_op:
        batch_op.drop_index("ix_coopcycle_session_status_closes_at")
        batch_op.drop_index("ix_coopcycle_session_platform_courier")
    op.drop_table("coopcycle_session")
    op.drop_table("coopcycle_account")
