"""decision and decision_review: automated decisions about riders, and a person's review of them (issue 20)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.db.types import UTCDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("rider_id", sa.Integer(), sa.ForeignKey("rider.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("platform_id", sa.Integer(), sa.ForeignKey("platform.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("contract_id", sa.Uuid(), sa.ForeignKey("contract.id", ondelete="CASCADE"), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("decided_by", sa.String(80), nullable=False),
        sa.Column("clause", sa.String(100), nullable=True),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.String(2000), nullable=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_decision_rider_decided", "decision", ["rider_id", "decided_at"])
    op.create_index("ix_decision_platform_id", "decision", ["platform_id"])
    op.create_index("ix_decision_contract_id", "decision", ["contract_id"])
    op.create_table(
        "decision_review",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "decision_id", sa.Integer(), sa.ForeignKey("decision.id", ondelete="CASCADE"), nullable=False, unique=True
        ),
        sa.Column("comment", sa.String(2000), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answer", sa.String(4000), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("reviewer", sa.String(120), nullable=True),
    )
    op.create_index("ix_decision_review_open_due", "decision_review", ["answered_at", "due_at"])


def downgrade() -> None:
    op.drop_table("decision_review")
    op.drop_table("decision")
