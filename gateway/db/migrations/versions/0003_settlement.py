"""settlement, payouts, guarantee fund, contract lifecycle

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contract_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_contract_event_contract_id_contract"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_event")),
    )
    with op.batch_alter_table("contract_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_event_contract_id"), ["contract_id"], unique=False)

    op.create_table(
        "invoice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("wages", sa.BigInteger(), nullable=False),
        sa.Column("employer_contributions", sa.BigInteger(), nullable=False),
        sa.Column("expenses", sa.BigInteger(), nullable=False),
        sa.Column("guarantee_levy", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_invoice_contract_id_contract"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_invoice_platform_id_platform"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_invoice_contract_id")),
    )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.create_index("ix_invoice_platform_status", ["platform_id", "status"], unique=False)

    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("txn_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=True),
        sa.Column("memo", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_ledger_entry_contract_id_contract"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_entry_account", ["account", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entry_txn_id"), ["txn_id"], unique=False)

    op.create_table(
        "payout",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("rider_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("funded_by", sa.String(length=20), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_payout_contract_id_contract"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["rider_id"], ["rider.id"], name=op.f("fk_payout_rider_id_rider"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_payout_contract_id")),
    )
    with op.batch_alter_table("payout", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_rider_id"), ["rider_id"], unique=False)
        batch_op.create_index("ix_payout_status_due_on", ["status", "due_on"], unique=False)

    op.create_table(
        "settlement",
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("worked_hours", sa.BigInteger(), nullable=False),
        sa.Column("paid_hours", sa.BigInteger(), nullable=False),
        sa.Column("hourly_gross", sa.BigInteger(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("employee_social_security", sa.BigInteger(), nullable=False),
        sa.Column("withholding", sa.BigInteger(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("expenses", sa.BigInteger(), nullable=False),
        sa.Column("payout", sa.BigInteger(), nullable=False),
        sa.Column("employer_contributions", sa.BigInteger(), nullable=False),
        sa.Column("guarantee_levy", sa.BigInteger(), nullable=False),
        sa.Column("invoice_total", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_due", sa.Date(), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_settlement_contract_id_contract"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("contract_id", name=op.f("pk_settlement")),
    )
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actual_start", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("actual_end", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("first_delivery_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deliveries", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sent_home_early", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("proposed_pay", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("settle_after", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_contract_status_ends_at", ["status", "ends_at"], unique=False)
    # Contracts opened before this revision changed status when they were opened.
    op.execute("UPDATE contract SET status_changed_at = opened_at")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.alter_column("status_changed_at", existing_type=sa.DateTime(timezone=True), nullable=False)

    with op.batch_alter_table("platform", schema=None) as batch_op:
        batch_op.add_column(sa.Column("insolvent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("platform", schema=None) as batch_op:
        batch_op.drop_column("insolvent_at")

    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_index("ix_contract_status_ends_at")
        batch_op.drop_column("status_changed_at")
        batch_op.drop_column("settle_after")
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("proposed_pay")
        batch_op.drop_column("sent_home_early")
        batch_op.drop_column("deliveries")
        batch_op.drop_column("first_delivery_at")
        batch_op.drop_column("actual_end")
        batch_op.drop_column("actual_start")

    op.drop_table("settlement")
    with op.batch_alter_table("payout", schema=None) as batch_op:
        batch_op.drop_index("ix_payout_status_due_on")
        batch_op.drop_index(batch_op.f("ix_payout_rider_id"))

    op.drop_table("payout")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entry_txn_id"))
        batch_op.drop_index("ix_ledger_entry_account")

    op.drop_table("ledger_entry")
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index("ix_invoice_platform_status")

    op.drop_table("invoice")
    with op.batch_alter_table("contract_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_event_contract_id"))

    op.drop_table("contract_event")
