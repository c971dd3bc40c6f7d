"""coopcycle adapter: the planned-shifts mode (a platform's mode and dispatcher login; one row per assignment)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coopcycle_planning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("username", sa.String(length=180), nullable=False),
        sa.Column("password", sa.String(length=200), nullable=False),
        sa.Column("poll_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform.id"],
            name=op.f("fk_coopcycle_planning_platform_id_platform"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coopcycle_planning")),
        sa.UniqueConstraint("platform_id", name=op.f("uq_coopcycle_planning_platform_id")),
    )
    with op.batch_alter_table("coopcycle_planning", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coopcycle_planning_poll_due_at"), ["poll_due_at"], unique=False)

    op.create_table(
        "coopcycle_shift_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("courier", sa.String(length=180), nullable=False),
        sa.Column("activity", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("shift_code", sa.String(length=128), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actual_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actual_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=True),
        sa.Column("first_delivery_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform.id"],
            name=op.f("fk_coopcycle_shift_assignment_platform_id_platform"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coopcycle_shift_assignment")),
        sa.UniqueConstraint(
            "platform_id",
            "shift_id",
            "courier",
            name=op.f("uq_coopcycle_shift_assignment_platform_id_shift_id_courier"),
        ),
    )
    with op.batch_alter_table("coopcycle_shift_assignment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_coopcycle_shift_assignment_status_ends_due_at", ["status", "ends_due_at"], unique=False
        )
        batch_op.create_index(
            "ix_coopcycle_shift_assignment_platform_courier", ["platform_id", "courier"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("coopcycle_shift_assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_coopcycle_shift_assignment_platform_courier")
        batch_op.drop_index("ix_coopcycle_shift_assignment_status_ends_due_at")
    op.drop_table("coopcycle_shift_assignment")
    with op.batch_alter_table("coopcycle_planning", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coopcycle_planning_poll_due_at"))
    op.drop_table("coopcycle_planning")
