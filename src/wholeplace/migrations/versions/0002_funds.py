"""funds ledger, decisions and meetings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:01:25.625111
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=200), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    op.create_table(
        "meeting_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.Enum("open", "done", name="actionstatus", native_enum=False, length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_actions_meeting_id_meetings"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_actions")),
        sa.UniqueConstraint("meeting_id", "number", name=op.f("uq_meeting_actions_meeting_id")),
    )
    op.create_table(
        "funds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=False),
        sa.Column("last_year", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["holder_id"], ["organisations.id"], name=op.f("fk_funds_holder_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds")),
        sa.UniqueConstraint("code", name=op.f("uq_funds_code")),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("decision_maker", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("financial_implications", sa.Text(), nullable=False),
        sa.Column("stated_total_pence", sa.BigInteger(), nullable=True),
        sa.Column("publish", sa.Boolean(), nullable=False),
        sa.Column("non_publication_reason", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("draft", "approved", "rejected", name="decisionstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_decisions_fund_id_funds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("reference", name=op.f("uq_decisions_reference")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_fund_id"), ["fund_id"], unique=False)

    op.create_table(
        "fund_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "contribution",
                "unallocated",
                "theme",
                "project",
                "spend",
                "returned",
                name="accountkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_fund_accounts_fund_id_funds")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_fund_accounts_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_accounts")),
        sa.UniqueConstraint("fund_id", "path", name=op.f("uq_fund_accounts_fund_id")),
    )
    with op.batch_alter_table("fund_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_accounts_fund_id"), ["fund_id"], unique=False)

    op.create_table(
        "balance_assertions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["fund_accounts.id"], name=op.f("fk_balance_assertions_account_id_fund_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_balance_assertions")),
    )
    with op.batch_alter_table("balance_assertions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_balance_assertions_account_id"), ["account_id"], unique=False)

    op.create_table(
        "ledger_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=400), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_ledger_transactions_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_ledger_transactions_fund_id_funds")),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_transactions_reverses_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transactions")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_ledger_transactions_reverses_id")),
    )
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_transactions_decision_id"), ["decision_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_transactions_fund_id"), ["fund_id"], unique=False)

    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("from_account_id", sa.Integer(), nullable=False),
        sa.Column("to_account_id", sa.Integer(), nullable=False),
        sa.Column("from_year", sa.Integer(), nullable=False),
        sa.Column("to_year", sa.Integer(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("stated_fraction", sa.String(length=20), nullable=True),
        sa.Column("fraction_of_pence", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_recommendations_decision_id_decisions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["from_account_id"], ["fund_accounts.id"], name=op.f("fk_recommendations_from_account_id_fund_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["to_account_id"], ["fund_accounts.id"], name=op.f("fk_recommendations_to_account_id_fund_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendations")),
        sa.UniqueConstraint("decision_id", "position", name=op.f("uq_recommendations_decision_id")),
    )
    op.create_table(
        "ledger_postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["fund_accounts.id"], name=op.f("fk_ledger_postings_account_id_fund_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_postings_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_postings")),
    )
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_postings_account_year", ["account_id", "financial_year"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_postings_transaction_id"), ["transaction_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_postings_transaction_id"))
        batch_op.drop_index("ix_ledger_postings_account_year")

    op.drop_table("ledger_postings")
    op.drop_table("recommendations")
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_fund_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_decision_id"))

    op.drop_table("ledger_transactions")
    with op.batch_alter_table("balance_assertions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_balance_assertions_account_id"))

    op.drop_table("balance_assertions")
    with op.batch_alter_table("fund_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_accounts_fund_id"))

    op.drop_table("fund_accounts")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_fund_id"))

    op.drop_table("decisions")
    op.drop_table("funds")
    op.drop_table("meeting_actions")
    op.drop_table("meetings")
