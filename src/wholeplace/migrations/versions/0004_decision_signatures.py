"""Decisions keep the date decided and the signatory apart from when they were recorded, and who drafted them

Issue 13 (the date and signatory) and issue 19 (the drafter may not decide their own decision).

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
        batch_op.add_column(sa.Column("drafted_by_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_decisions_drafted_by_user_id_users"), "users", ["drafted_by_user_id"], ["id"]
        )
    # Decisions recorded before this knew only when they were entered: take that day and the office named.
    day = "date(recorded_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(recorded_at AS DATE)"
    op.execute(f"UPDATE decisions SET decided_on = {day}, signed_by = decision_maker WHERE recorded_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_decisions_drafted_by_user_id_users"), type_="foreignkey")
        batch_op.drop_column("drafted_by_user_id")
        batch_op.drop_column("signed_by")
        batch_op.drop_column("decided_on")
        batch_op.alter_column("recorded_by", new_column_name="decided_by")
        batch_op.alter_column("recorded_at", new_column_name="decided_at")
