"""Decision makers as a partner and a role, and the call-in period before money posts

Issue 17: a decision names the partner and role that decide it (existing ones: the fund's holder and its decision
makers), when its call-in period ends, why it was urgent, when its money posted, and any call-in with its outcome.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ROLES = ("admin", "finance", "programme", "analyst", "key_worker", "team_manager", "decision_maker", "viewer")


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch_op:
        batch_op.add_column(sa.Column("decision_maker_partner_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("decision_maker_role", sa.Enum(*ROLES, name="role", native_enum=False, length=20), nullable=True)
        )
        batch_op.add_column(sa.Column("urgent_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("call_in_ends_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("money_posted_at", sa.DateTime(timezone=True), nullable=True))
    # Decided before this: by the fund holder's decision makers, and their money posted when they were recorded.
    op.execute(
        "UPDATE decisions SET decision_maker_role = 'decision_maker', "
        "decision_maker_partner_id = (SELECT funds.holder_id FROM funds WHERE funds.id = decisions.fund_id)"
    )
    op.execute("UPDATE decisions SET money_posted_at = recorded_at WHERE status = 'approved'")
    with op.batch_alter_table("decisions") as batch_op:
        batch_op.alter_column("decision_maker_partner_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column(
            "decision_maker_role",
            existing_type=sa.Enum(*ROLES, name="role", native_enum=False, length=20),
            nullable=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_decisions_decision_maker_partner_id_organisations"),
            "organisations",
            ["decision_maker_partner_id"],
            ["id"],
        )
    op.create_table(
        "decision_call_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("called_in_by", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("called_in_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=254), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum("upheld", "referred_back", "rejected", name="callinoutcome", native_enum=False, length=20),
            nullable=True,
        ),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("outcome_recorded_by", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_call_ins_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_call_ins")),
    )
    with op.batch_alter_table("decision_call_ins") as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_call_ins_decision_id"), ["decision_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("decision_call_ins") as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_call_ins_decision_id"))
    op.drop_table("decision_call_ins")
    # Before call-in there was no stopped decision: the nearest is one rejected, its money never posted.
    op.execute(
        "UPDATE decisions SET status = 'rejected', rejection_reason = 'Stopped on call-in' WHERE status = 'stopped'"
    )
    with op.batch_alter_table("decisions") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_decisions_decision_maker_partner_id_organisations"), type_="foreignkey")
        batch_op.drop_column("money_posted_at")
        batch_op.drop_column("call_in_ends_on")
        batch_op.drop_column("urgent_reason")
        batch_op.drop_column("decision_maker_role")
        batch_op.drop_column("decision_maker_partner_id")
