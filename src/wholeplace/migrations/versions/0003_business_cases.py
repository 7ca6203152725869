"""Business cases and their numbered versions (issue 4)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:14:20.825256
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "business_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_cases")),
    )
    op.create_table(
        "business_case_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("pv_costs_pence", sa.BigInteger(), nullable=False),
        sa.Column("pv_benefits_pence", sa.BigInteger(), nullable=False),
        sa.Column("npv_fiscal_pence", sa.BigInteger(), nullable=False),
        sa.Column("npv_total_pence", sa.BigInteger(), nullable=False),
        sa.Column("bcr", sa.String(length=20), nullable=True),
        sa.Column("payback_year", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_case_id"],
            ["business_cases.id"],
            name=op.f("fk_business_case_versions_business_case_id_business_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_case_versions")),
        sa.UniqueConstraint("business_case_id", "number", name=op.f("uq_business_case_versions_business_case_id")),
    )
    with op.batch_alter_table("business_case_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_business_case_versions_business_case_id"), ["business_case_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("business_case_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_business_case_versions_business_case_id"))

    op.drop_table("business_case_versions")
    op.drop_table("business_cases")
