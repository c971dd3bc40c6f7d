"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 20:29:56.977354
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "platform",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("adapter", sa.String(length=64), nullable=False),
        sa.Column("agreement", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform")),
        sa.UniqueConstraint("slug", name=op.f("uq_platform_slug")),
    )
    op.create_table(
        "api_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_api_credential_platform_id_platform"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_credential")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_credential_key_hash")),
    )
    with op.batch_alter_table("api_credential", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_credential_platform_id"), ["platform_id"], unique=False)

    op.create_table(
        "inbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_inbox_message_platform_id_platform"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_message")),
        sa.UniqueConstraint("platform_id", "message_id", name=op.f("uq_inbox_message_platform_id_message_id")),
    )
    op.create_table(
        "rider",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_rider_platform_id_platform"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rider")),
        sa.UniqueConstraint("platform_id", "external_id", name=op.f("uq_rider_platform_id_external_id")),
    )
    op.create_table(
        "webhook_secret",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_webhook_secret_platform_id_platform"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_secret")),
    )
    with op.batch_alter_table("webhook_secret", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_secret_platform_id"), ["platform_id"], unique=False)

    op.create_table(
        "contract",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("rider_id", sa.Integer(), nullable=False),
        sa.Column("shift_code", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("zone", sa.String(length=100), nullable=True),
        sa.Column("agreement", sa.String(length=100), nullable=False),
        sa.Column("agreement_version", sa.String(length=40), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("minimum_paid_hours", sa.BigInteger(), nullable=False),
        sa.Column("guaranteed_paid_hours", sa.BigInteger(), nullable=False),
        sa.Column("pay_basis", sa.String(length=16), nullable=False),
        sa.Column("hourly_gross", sa.BigInteger(), nullable=False),
        sa.Column("hourly_net", sa.BigInteger(), nullable=False),
        sa.Column("offered_pay", sa.JSON(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("opened_by_message", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_contract_platform_id_platform"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["rider_id"], ["rider.id"], name=op.f("fk_contract_rider_id_rider"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract")),
        sa.UniqueConstraint("platform_id", "shift_code", name=op.f("uq_contract_platform_id_shift_code")),
    )
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_rider_id"), ["rider_id"], unique=False)

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_outbox_message_contract_id_contract"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_message_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index("ix_outbox_message_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "violation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("clause", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=1000), nullable=False),
        sa.Column("offered", sa.String(length=100), nullable=True),
        sa.Column("applied", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_violation_contract_id_contract"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_violation")),
    )
    with op.batch_alter_table("violation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_violation_contract_id"), ["contract_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("violation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_violation_contract_id"))

    op.drop_table("violation")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_due")
        batch_op.drop_index(batch_op.f("ix_outbox_message_contract_id"))

    op.drop_table("outbox_message")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_rider_id"))

    op.drop_table("contract")
    with op.batch_alter_table("webhook_secret", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_secret_platform_id"))

    op.drop_table("webhook_secret")
    op.drop_table("rider")
    op.drop_table("inbox_message")
    with op.batch_alter_table("api_credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_credential_platform_id"))

    op.drop_table("api_credential")
    op.drop_table("platform")
