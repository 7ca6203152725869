"""Decisions keep the date decided and the signatory apart from when the decision was recorded (issue 13)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch_op:
        batch_op.alter_column("decided_at", new_column_name="recorded_at")
        batch_op.alter_column("decided_by", new_column_name="recorded_by")
        batch_op.add_column(sa.Column("decided_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("signed_by", sa.String(length=200), nullable=True))
    # Decisions recorded before this knew only when they were entered: take that day and the office named.
    day = "date(recorded_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(recorded_at AS DATE)"
    op.execute(f"UPDATE decisions SET decided_on = {day}, signed_by = decision_maker WHERE recorded_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch_op:
        batch_op.drop_column("signed_by")
        batch_op.drop_column("decided_on")
        batch_op.alter_column("recorded_by", new_column_name="decided_by")
        batch_op.alter_column("recorded_at", new_column_name="decided_at")
