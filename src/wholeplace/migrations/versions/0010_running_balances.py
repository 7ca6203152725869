"""Running balances per account and financial year, kept by the ledger as it posts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fund_account_balances",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.Column("balance_pence", sa.BigInteger(), nullable=False),
        sa.Column("postings", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["fund_accounts.id"], name=op.f("fk_fund_account_balances_account_id_fund_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", "financial_year", name=op.f("pk_fund_account_balances")),
    )
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_transactions_date_fund", ["date", "fund_id"], unique=False)
    # The balances of the postings already in the ledger, so an upgraded database's statements are right at once.
    op.execute(
        "INSERT INTO fund_account_balances (account_id, financial_year, balance_pence, postings) "
        "SELECT account_id, financial_year, SUM(amount_pence), COUNT(*) FROM ledger_postings "
        "GROUP BY account_id, financial_year"
    )


def downgrade() -> None:
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_transactions_date_fund")

    op.drop_table("fund_account_balances")
