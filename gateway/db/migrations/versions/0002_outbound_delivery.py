"""outbound delivery (declarations, callbacks): reserved for the outbox dispatcher

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "callback_endpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", sa.String(length=500), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_callback_endpoint_platform_id_platform"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_endpoint")),
    )
    with op.batch_alter_table("callback_endpoint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_callback_endpoint_platform_id"), ["platform_id"], unique=False)

    op.create_table(
        "declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("connector", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("result_code", sa.String(length=1), nullable=True),
        sa.Column("detail", sa.String(length=1000), nullable=True),
        sa.Column("last_operation", sa.String(length=8), nullable=False),
        sa.Column("last_operation_state", sa.String(length=24), nullable=False),
        sa.Column("last_operation_reference", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_declaration_contract_id_contract"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_declaration_contract_id")),
    )
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.create_index("ix_declaration_state", ["state"], unique=False)

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("endpoint_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("failures", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("external_ref", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("lease_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_message_endpoint_id"), ["endpoint_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_endpoint_id_callback_endpoint"),
            "callback_endpoint",
            ["endpoint_id"],
            ["id"],
            ondelete="CASCADE",
        )

    op.create_table(
        "outbox_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("target", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_message.id"],
            name=op.f("fk_outbox_attempt_message_id_outbox_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attempt")),
    )
    with op.batch_alter_table("outbox_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_attempt_message_id"), ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_attempt_message_id"))

    op.drop_table("outbox_attempt")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_message_endpoint_id_callback_endpoint"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_message_endpoint_id"))
        batch_op.drop_column("finished_at")
        batch_op.drop_column("last_error")
        batch_op.drop_column("lease_token")
        batch_op.drop_column("external_ref")
        batch_op.drop_column("failures")
        batch_op.drop_column("endpoint_id")

    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.drop_index("ix_declaration_state")

    op.drop_table("declaration")
    with op.batch_alter_table("callback_endpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callback_endpoint_platform_id"))

    op.drop_table("callback_endpoint")
