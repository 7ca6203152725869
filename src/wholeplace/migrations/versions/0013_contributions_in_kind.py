"""Contributions recorded in cash or in kind, with the basis of an in-kind valuation

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fund_contributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum("cash", "in_kind", name="contributionkind", native_enum=False, length=10), nullable=False
        ),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_fund_contributions_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_contributions")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_fund_contributions_transaction_id")),
    )


def downgrade() -> None:
    op.drop_table("fund_contributions")
