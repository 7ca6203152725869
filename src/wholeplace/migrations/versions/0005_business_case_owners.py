"""Business cases belong to the partner whose user added them (issue 19: edits scoped to it and its partners)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Cases added before this have no owner: the partners each names may still edit it.
    with op.batch_alter_table("business_cases") as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_business_cases_organisation_id_organisations"), "organisations", ["organisation_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("business_cases") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_business_cases_organisation_id_organisations"), type_="foreignkey")
        batch_op.drop_column("organisation_id")
