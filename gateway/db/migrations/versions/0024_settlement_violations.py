"""settlement violations: a violation says when it was recorded (`stage`: booking or settlement), and a partial
unique index keeps settlement's own rows to one per contract, term and code

Settlement records the working-time limits breached by the hours actually worked (a rest cut short, a day or week
past its maximum: action `reported`). A re-settlement, a retried job or two workers racing write the same rows
again; the index turns the second write into nothing (ON CONFLICT DO NOTHING), with no read before it.

Why a `stage` column and not an index on (contract_id, term, code) for every row: a booking's rows are written once
with their contract already, and a blocking entry may repeat by design (blocked, released, blocked again), so a
unique key over all rows would refuse what is right. Nor a partial index on `action = 'reported'`: a booking whose
limit is enforced by report records `reported` too, and the same code again at settlement is another fact (the
hours worked, not booked). Every existing row was written by a booking: the server default says so, and on
PostgreSQL adding a NOT NULL column with a constant default rewrites no row.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As gateway/domains/contracts/models.py writes it (SETTLEMENT_STAGE): a literal, so an ON CONFLICT's WHERE matches.
SETTLEMENT = "stage = 'settlement'"


def upgrade() -> None:
    with op.batch_alter_table("violation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage", sa.String(length=16), server_default="booking", nullable=False))
    op.create_index(
        "ux_violation_settlement",
        "violation",
        ["contract_id", "term", "code"],
        unique=True,
        postgresql_where=sa.text(SETTLEMENT),
        sqlite_where=sa.text(SETTLEMENT),
    )


def downgrade() -> None:
    op.drop_index("ux_violation_settlement", table_name="violation")
    with op.batch_alter_table("violation", schema=None) as batch_op:
        batch_op.drop_column("stage")
