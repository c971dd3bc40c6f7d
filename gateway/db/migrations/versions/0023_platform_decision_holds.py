"""decision: a partial index of the riders held from bookings by a confirmed platform suspension or deactivation
(issue 20, rider.decision)

Every booking asks whether its rider is held, inside its one statement; the index holds only those few riders, so
the question costs an index probe of (almost) no rows whatever the number of the rider's other decisions.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As gateway/domains/decisions/models.py writes it: literals, so PostgreSQL matches the bookings' condition to it.
HOLDING = "status = 'confirmed' AND kind IN ('platform_suspension', 'platform_deactivation')"


def upgrade() -> None:
    op.create_index(
        "ix_decision_holding",
        "decision",
        ["rider_id"],
        postgresql_where=sa.text(HOLDING),
        sqlite_where=sa.text(HOLDING),
    )


def downgrade() -> None:
    op.drop_index("ix_decision_holding", table_name="decision")
