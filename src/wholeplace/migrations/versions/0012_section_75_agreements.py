"""Section 75 agreements: host, instalment schedules, risk shares and year-end settlements

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "s75_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column(
            "underspend",
            sa.Enum("return", "carry_forward", name="underspendtreatment", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_s75_agreements_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_s75_agreements_fund_id_funds")),
        sa.ForeignKeyConstraint(
            ["host_id"], ["organisations.id"], name=op.f("fk_s75_agreements_host_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_s75_agreements")),
        sa.UniqueConstraint("reference", name=op.f("uq_s75_agreements_reference")),
    )
    with op.batch_alter_table("s75_agreements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_s75_agreements_fund_id"), ["fund_id"], unique=False)

    op.create_table(
        "s75_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("overspend_share_bp", sa.Integer(), nullable=False),
        sa.Column("underspend_share_bp", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["s75_agreements.id"], name=op.f("fk_s75_partners_agreement_id_s75_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_s75_partners_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_s75_partners")),
        sa.UniqueConstraint("agreement_id", "organisation_id", name=op.f("uq_s75_partners_agreement_id")),
    )
    with op.batch_alter_table("s75_partners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_s75_partners_agreement_id"), ["agreement_id"], unique=False)

    op.create_table(
        "s75_settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("accrued_pence", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["s75_agreements.id"], name=op.f("fk_s75_settlements_agreement_id_s75_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_s75_settlements_decision_id_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_s75_settlements")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_s75_settlements_decision_id")),
    )
    with op.batch_alter_table("s75_settlements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_s75_settlements_agreement_id"), ["agreement_id"], unique=False)

    op.create_table(
        "s75_instalments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["s75_partners.id"], name=op.f("fk_s75_instalments_partner_id_s75_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_s75_instalments")),
    )
    with op.batch_alter_table("s75_instalments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_s75_instalments_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "s75_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instalment_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=254), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instalment_id"], ["s75_instalments.id"], name=op.f("fk_s75_receipts_instalment_id_s75_instalments")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_s75_receipts_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_s75_receipts")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_s75_receipts_transaction_id")),
    )
    with op.batch_alter_table("s75_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_s75_receipts_instalment_id"), ["instalment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("s75_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_s75_receipts_instalment_id"))

    op.drop_table("s75_receipts")
    with op.batch_alter_table("s75_instalments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_s75_instalments_partner_id"))

    op.drop_table("s75_instalments")
    with op.batch_alter_table("s75_settlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_s75_settlements_agreement_id"))

    op.drop_table("s75_settlements")
    with op.batch_alter_table("s75_partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_s75_partners_agreement_id"))

    op.drop_table("s75_partners")
    with op.batch_alter_table("s75_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_s75_agreements_fund_id"))

    op.drop_table("s75_agreements")
