"""The master person index: agencies' extracts and records, scored pairs, people and their history, and
analysts' link decisions; on PostgreSQL, row-level security on the tables that hold personal data

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 15:01:03.043662
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


# Records and what is said about them belong to the partner that sent them, as case records do (0006).
ROW_RULES = {
    "linkage_extracts": "wholeplace_sees_organisation(organisation_id)",
    "linkage_records": "wholeplace_sees_organisation(organisation_id)",
    "linkage_pairs": "EXISTS (SELECT 1 FROM linkage_records WHERE linkage_records.id = record_l_id) "
    "AND EXISTS (SELECT 1 FROM linkage_records WHERE linkage_records.id = record_r_id)",
    "linkage_decisions": "EXISTS (SELECT 1 FROM linkage_records WHERE linkage_records.id = record_l_id) "
    "AND EXISTS (SELECT 1 FROM linkage_records WHERE linkage_records.id = record_r_id)",
}


def upgrade() -> None:
    op.create_table(
        "linkage_extracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("new_records", sa.Integer(), nullable=False),
        sa.Column("changed_records", sa.Integer(), nullable=False),
        sa.Column("unusable", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["users.id"], name=op.f("fk_linkage_extracts_imported_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_linkage_extracts_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_extracts")),
    )
    with op.batch_alter_table("linkage_extracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_linkage_extracts_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "linkage_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_by_id", sa.Integer(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("review_from", sa.Float(), nullable=False),
        sa.Column("max_cluster_size", sa.Integer(), nullable=False),
        sa.Column("model", sa.JSON(), nullable=True),
        sa.Column("model_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("records_linked", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("identifiers_issued", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_by_id"], ["users.id"], name=op.f("fk_linkage_runs_run_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_runs")),
    )
    op.create_table(
        "linkage_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("related", sa.JSON(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["linkage_runs.id"], name=op.f("fk_linkage_events_run_id_linkage_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_events")),
    )
    with op.batch_alter_table("linkage_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_linkage_events_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_linkage_events_run_id"), ["run_id"], unique=False)

    op.create_table(
        "linkage_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("agency_ref", sa.String(length=80), nullable=False),
        sa.Column("extract_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=True),
        sa.Column("given_canonical", sa.String(length=100), nullable=True),
        sa.Column("surname", sa.String(length=100), nullable=True),
        sa.Column("other_names", sa.String(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("no_fixed_abode", sa.Boolean(), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=True),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["extract_id"], ["linkage_extracts.id"], name=op.f("fk_linkage_records_extract_id_linkage_extracts")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_linkage_records_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_records")),
        sa.UniqueConstraint("source", "agency_ref", name=op.f("uq_linkage_records_source")),
    )
    with op.batch_alter_table("linkage_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_linkage_records_extract_id"), ["extract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_linkage_records_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_linkage_records_person_id"), ["person_id"], unique=False)

    op.create_table(
        "linkage_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_l_id", sa.Integer(), nullable=False),
        sa.Column("record_r_id", sa.Integer(), nullable=False),
        sa.Column(
            "verdict", sa.Enum("same", "different", name="verdict", native_enum=False, length=10), nullable=False
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_linkage_decisions_decided_by_id_users")),
        sa.ForeignKeyConstraint(
            ["record_l_id"],
            ["linkage_records.id"],
            name=op.f("fk_linkage_decisions_record_l_id_linkage_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_r_id"],
            ["linkage_records.id"],
            name=op.f("fk_linkage_decisions_record_r_id_linkage_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["users.id"], name=op.f("fk_linkage_decisions_withdrawn_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_decisions")),
    )
    with op.batch_alter_table("linkage_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_linkage_decisions_record_l_id"), ["record_l_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_linkage_decisions_record_r_id"), ["record_r_id"], unique=False)

    op.create_table(
        "linkage_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_l_id", sa.Integer(), nullable=False),
        sa.Column("record_r_id", sa.Integer(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_l_id"],
            ["linkage_records.id"],
            name=op.f("fk_linkage_pairs_record_l_id_linkage_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_r_id"],
            ["linkage_records.id"],
            name=op.f("fk_linkage_pairs_record_r_id_linkage_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["run_id"], ["linkage_runs.id"], name=op.f("fk_linkage_pairs_run_id_linkage_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_pairs")),
        sa.UniqueConstraint("record_l_id", "record_r_id", name=op.f("uq_linkage_pairs_record_l_id")),
    )
    with op.batch_alter_table("linkage_pairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_linkage_pairs_record_l_id"), ["record_l_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_linkage_pairs_record_r_id"), ["record_r_id"], unique=False)

    op.create_table(
        "linkage_people",
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column(
            "status",
            sa.Enum("published", "held", "retired", name="personstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("merged_into", sa.String(length=20), nullable=True),
        sa.Column("hold_reason", sa.Text(), nullable=False),
        sa.Column("bridging_record_id", sa.Integer(), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bridging_record_id"],
            ["linkage_records.id"],
            name=op.f("fk_linkage_people_bridging_record_id_linkage_records"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_linkage_people")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, rule in ROW_RULES.items():
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {table}_by_organisation ON {table} USING ({rule}) WITH CHECK ({rule})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ROW_RULES:
            op.execute(f"DROP POLICY IF EXISTS {table}_by_organisation ON {table}")
    op.drop_table("linkage_people")
    with op.batch_alter_table("linkage_pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linkage_pairs_record_r_id"))
        batch_op.drop_index(batch_op.f("ix_linkage_pairs_record_l_id"))

    op.drop_table("linkage_pairs")
    with op.batch_alter_table("linkage_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linkage_decisions_record_r_id"))
        batch_op.drop_index(batch_op.f("ix_linkage_decisions_record_l_id"))

    op.drop_table("linkage_decisions")
    with op.batch_alter_table("linkage_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linkage_records_person_id"))
        batch_op.drop_index(batch_op.f("ix_linkage_records_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_linkage_records_extract_id"))

    op.drop_table("linkage_records")
    with op.batch_alter_table("linkage_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linkage_events_run_id"))
        batch_op.drop_index(batch_op.f("ix_linkage_events_person_id"))

    op.drop_table("linkage_events")
    op.drop_table("linkage_runs")
    with op.batch_alter_table("linkage_extracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_linkage_extracts_organisation_id"))

    op.drop_table("linkage_extracts")
