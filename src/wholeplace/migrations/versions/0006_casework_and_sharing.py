"""Casework and information sharing (issue 14): people, referrals, checklists, MARAC, cases, plans, interventions,
sharing agreements, consent, break-glass; on PostgreSQL, row-level security on every table of case data

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 11:58:19.718296
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sharing_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("purposes", sa.String(length=300), nullable=False),
        sa.Column("categories", sa.String(length=300), nullable=False),
        sa.Column("lawful_basis", sa.Text(), nullable=False),
        sa.Column("dpia_reference", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("needs_consent", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_agreements")),
    )
    op.create_table(
        "households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_households_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
    )
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_households_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "interventions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("unit_cost_pence", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("prevention", "consequence", name="interventionkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("area_served", sa.String(length=200), nullable=False),
        sa.Column("crosses_boundaries", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["organisations.id"], name=op.f("fk_interventions_provider_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interventions")),
        sa.UniqueConstraint("name", name=op.f("uq_interventions_name")),
    )
    op.create_table(
        "marac_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("area", sa.String(length=200), nullable=False),
        sa.Column("chair", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_marac_meetings_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marac_meetings")),
    )
    with op.batch_alter_table("marac_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_marac_meetings_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=20), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("other_names", sa.Text(), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column(
            "sex", sa.Enum("female", "male", "not known", name="sex", native_enum=False, length=10), nullable=False
        ),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("telephone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_people_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_people_pseudonym")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "sharing_agreement_parties",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["sharing_agreements.id"],
            name=op.f("fk_sharing_agreement_parties_agreement_id_sharing_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_sharing_agreement_parties_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("agreement_id", "organisation_id", name=op.f("pk_sharing_agreement_parties")),
    )
    with op.batch_alter_table("sharing_agreement_parties", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sharing_agreement_parties_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("is_gateway", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_teams_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_teams_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_teams_organisation_id")),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teams_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "agency_references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_agency_references_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_agency_references_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_references")),
        sa.UniqueConstraint("organisation_id", "reference", name=op.f("uq_agency_references_organisation_id")),
    )
    with op.batch_alter_table("agency_references", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_references_person_id"), ["person_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "domestic abuse victim",
                "perpetrator",
                "family",
                "offender",
                name="casekind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("key_worker_id", sa.Integer(), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "stepped down", "closed", name="casestatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("closed_reason", sa.Text(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_cases_household_id_households"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["key_worker_id"], ["users.id"], name=op.f("fk_cases_key_worker_id_users")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_cases_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_cases_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_key_worker_id"), ["key_worker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_team_id"), ["team_id"], unique=False)

    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("given", "refused", "withdrawn", name="consentstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("purposes", sa.String(length=300), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=254), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_consents_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_person_id"), ["person_id"], unique=False)

    op.create_table(
        "household_members",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "relationship_to_lead",
            sa.Enum(
                "lead adult",
                "partner",
                "former partner",
                "child",
                "stepchild",
                "sibling",
                "grandparent",
                "other relative",
                "other",
                name="relationship",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_household_members_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_household_members_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("household_id", "person_id", name=op.f("pk_household_members")),
    )
    with op.batch_alter_table("household_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_household_members_person_id"), ["person_id"], unique=False)

    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_members_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_team_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_team_members")),
    )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("checklist", sa.String(length=50), nullable=False),
        sa.Column("checklist_version", sa.String(length=50), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("police_callouts_12_months", sa.Integer(), nullable=True),
        sa.Column("judgement", sa.String(length=20), nullable=True),
        sa.Column("judgement_reason", sa.Text(), nullable=False),
        sa.Column("yes_count", sa.Integer(), nullable=False),
        sa.Column("computed_level", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("marac", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("assessed_by", sa.String(length=254), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_assessments_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_assessments_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessments_person_id"), ["person_id"], unique=False)

    op.create_table(
        "break_glass",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=254), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_break_glass_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_break_glass_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_glass")),
    )
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_break_glass_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_break_glass_user_id"), ["user_id"], unique=False)

    op.create_table(
        "case_interventions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("sessions_offered", sa.Integer(), nullable=False),
        sa.Column("sessions_attended", sa.Integer(), nullable=False),
        sa.Column("achieved", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_interventions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["intervention_id"], ["interventions.id"], name=op.f("fk_case_interventions_intervention_id_interventions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_interventions")),
    )
    with op.batch_alter_table("case_interventions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_interventions_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_interventions_intervention_id"), ["intervention_id"], unique=False)

    op.create_table(
        "case_members",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("victim", "perpetrator", "child", "other", name="caserole", native_enum=False, length=20),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_members_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_case_members_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "person_id", name=op.f("pk_case_members")),
    )
    with op.batch_alter_table("case_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_members_person_id"), ["person_id"], unique=False)

    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("written_by", sa.String(length=254), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_notes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_notes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "no repeat incident in 6 months",
                "no reoffence in 12 months",
                "child protection plan avoided",
                "school attendance at least 90%",
                name="outcomekind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("achieved", sa.Boolean(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_outcomes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_outcomes")),
        sa.UniqueConstraint("case_id", "kind", name=op.f("uq_case_outcomes_case_id")),
    )
    with op.batch_alter_table("case_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_outcomes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "family_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("family_commitment", sa.Text(), nullable=False),
        sa.Column("agencies_commitment", sa.Text(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_family_agreements_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_agreements")),
    )
    with op.batch_alter_table("family_agreements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_agreements_case_id"), ["case_id"], unique=False)

    op.create_table(
        "monitoring_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("electronic monitoring", "alcohol monitoring", name="monitoringkind", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("breaches", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_monitoring_records_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_records")),
    )
    with op.batch_alter_table("monitoring_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monitoring_records_case_id"), ["case_id"], unique=False)

    op.create_table(
        "plan_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("achieved_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_plan_goals_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_goals")),
    )
    with op.batch_alter_table("plan_goals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_goals_case_id"), ["case_id"], unique=False)

    op.create_table(
        "plan_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_plan_reviews_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_reviews")),
    )
    with op.batch_alter_table("plan_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_reviews_case_id"), ["case_id"], unique=False)

    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("source_organisation_id", sa.Integer(), nullable=False),
        sa.Column("referrer", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("concerns", sa.Text(), nullable=False),
        sa.Column(
            "consent",
            sa.Enum("given", "refused", "not asked", name="referralconsent", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column(
            "urgency",
            sa.Enum("routine", "urgent", "immediate", name="urgency", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("target_hours", sa.Integer(), nullable=False),
        sa.Column("screened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("screened_by", sa.String(length=254), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "no further action",
                "signposted to the core offer",
                "case opened",
                "added to an open case",
                name="screeningoutcome",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("outcome_note", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_referrals_case_id_cases"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_referrals_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_referrals_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_referrals_source_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_referrals_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("reference", name=op.f("uq_referrals_reference")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_team_id"), ["team_id"], unique=False)

    op.create_table(
        "family_agreement_signatures",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("agreed_to", sa.Text(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["family_agreements.id"],
            name=op.f("fk_family_agreement_signatures_agreement_id_family_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_family_agreement_signatures_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agreement_id", "person_id", name=op.f("pk_family_agreement_signatures")),
    )
    op.create_table(
        "marac_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("is_repeat", sa.Boolean(), nullable=False),
        sa.Column("previous_referral_id", sa.Integer(), nullable=True),
        sa.Column("referred_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_marac_referrals_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_marac_referrals_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["marac_meetings.id"],
            name=op.f("fk_marac_referrals_meeting_id_marac_meetings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_marac_referrals_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["previous_referral_id"],
            ["marac_referrals.id"],
            name=op.f("fk_marac_referrals_previous_referral_id_marac_referrals"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marac_referrals")),
    )
    with op.batch_alter_table("marac_referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_marac_referrals_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_marac_referrals_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_marac_referrals_person_id"), ["person_id"], unique=False)

    op.create_table(
        "plan_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "done", "cancelled", name="actionstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["organisations.id"], name=op.f("fk_plan_actions_agency_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_plan_actions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["plan_goals.id"], name=op.f("fk_plan_actions_goal_id_plan_goals"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_actions")),
    )
    with op.batch_alter_table("plan_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_actions_case_id"), ["case_id"], unique=False)

    op.create_table(
        "marac_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("marac_referral_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "done", "cancelled", name="actionstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["organisations.id"], name=op.f("fk_marac_actions_agency_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["marac_referral_id"],
            ["marac_referrals.id"],
            name=op.f("fk_marac_actions_marac_referral_id_marac_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marac_actions")),
    )
    with op.batch_alter_table("marac_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_marac_actions_marac_referral_id"), ["marac_referral_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        _enable_row_level_security()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _disable_row_level_security()
    with op.batch_alter_table("marac_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marac_actions_marac_referral_id"))

    op.drop_table("marac_actions")
    with op.batch_alter_table("plan_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_actions_case_id"))

    op.drop_table("plan_actions")
    with op.batch_alter_table("marac_referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marac_referrals_person_id"))
        batch_op.drop_index(batch_op.f("ix_marac_referrals_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_marac_referrals_case_id"))

    op.drop_table("marac_referrals")
    op.drop_table("family_agreement_signatures")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_team_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_received_at"))
        batch_op.drop_index(batch_op.f("ix_referrals_person_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_organisation_id"))

    op.drop_table("referrals")
    with op.batch_alter_table("plan_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_reviews_case_id"))

    op.drop_table("plan_reviews")
    with op.batch_alter_table("plan_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_goals_case_id"))

    op.drop_table("plan_goals")
    with op.batch_alter_table("monitoring_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_records_case_id"))

    op.drop_table("monitoring_records")
    with op.batch_alter_table("family_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_agreements_case_id"))

    op.drop_table("family_agreements")
    with op.batch_alter_table("case_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_outcomes_case_id"))

    op.drop_table("case_outcomes")
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_notes_case_id"))

    op.drop_table("case_notes")
    with op.batch_alter_table("case_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_members_person_id"))

    op.drop_table("case_members")
    with op.batch_alter_table("case_interventions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_interventions_intervention_id"))
        batch_op.drop_index(batch_op.f("ix_case_interventions_case_id"))

    op.drop_table("case_interventions")
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_break_glass_user_id"))
        batch_op.drop_index(batch_op.f("ix_break_glass_case_id"))

    op.drop_table("break_glass")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessments_person_id"))
        batch_op.drop_index(batch_op.f("ix_assessments_case_id"))

    op.drop_table("assessments")
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_members_user_id"))

    op.drop_table("team_members")
    with op.batch_alter_table("household_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_members_person_id"))

    op.drop_table("household_members")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_person_id"))

    op.drop_table("consents")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_team_id"))
        batch_op.drop_index(batch_op.f("ix_cases_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_cases_key_worker_id"))

    op.drop_table("cases")
    with op.batch_alter_table("agency_references", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_references_person_id"))

    op.drop_table("agency_references")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_organisation_id"))

    op.drop_table("teams")
    with op.batch_alter_table("sharing_agreement_parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sharing_agreement_parties_organisation_id"))

    op.drop_table("sharing_agreement_parties")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_organisation_id"))

    op.drop_table("people")
    with op.batch_alter_table("marac_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marac_meetings_organisation_id"))

    op.drop_table("marac_meetings")
    op.drop_table("interventions")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_households_organisation_id"))

    op.drop_table("households")
    op.drop_table("sharing_agreements")


# Row-level security (PostgreSQL): the second line behind `sharing.access`. Each transaction says whose it is
# with set_config('wholeplace.organisation_id', ...) (see sharing/rls.py); with no setting no row matches.
SEES_ORGANISATION = """
CREATE FUNCTION wholeplace_organisation() RETURNS integer LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('wholeplace.organisation_id', true), '')::integer $$;
CREATE FUNCTION wholeplace_user() RETURNS integer LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('wholeplace.user_id', true), '')::integer $$;
CREATE FUNCTION wholeplace_sees_organisation(owner integer) RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT owner = wholeplace_organisation() OR EXISTS (
     SELECT 1 FROM sharing_agreement_parties mine
     JOIN sharing_agreement_parties theirs ON theirs.agreement_id = mine.agreement_id
     JOIN sharing_agreements agreement ON agreement.id = mine.agreement_id
     WHERE mine.organisation_id = wholeplace_organisation() AND theirs.organisation_id = owner
       AND agreement.starts_on <= current_date AND (agreement.ends_on IS NULL OR agreement.ends_on >= current_date)) $$;
"""

# table -> the condition a row must meet to be seen or written
ROW_RULES = {
    "cases": "wholeplace_sees_organisation(organisation_id) OR EXISTS (SELECT 1 FROM break_glass WHERE "
    "break_glass.case_id = cases.id AND break_glass.user_id = wholeplace_user() AND break_glass.expires_at > now())",
    "referrals": "wholeplace_sees_organisation(organisation_id) OR source_organisation_id = wholeplace_organisation()",
    "people": "wholeplace_sees_organisation(organisation_id) "
    "OR EXISTS (SELECT 1 FROM case_members WHERE case_members.person_id = people.id) "
    "OR EXISTS (SELECT 1 FROM referrals WHERE referrals.person_id = people.id)",
    "households": "wholeplace_sees_organisation(organisation_id)",
    "marac_meetings": "wholeplace_sees_organisation(organisation_id)",
    "agency_references": "EXISTS (SELECT 1 FROM people WHERE people.id = person_id)",
    "consents": "EXISTS (SELECT 1 FROM people WHERE people.id = person_id)",
    "household_members": "EXISTS (SELECT 1 FROM households WHERE households.id = household_id)",
    "marac_actions": "EXISTS (SELECT 1 FROM marac_referrals WHERE marac_referrals.id = marac_referral_id)",
    "family_agreement_signatures": "EXISTS (SELECT 1 FROM family_agreements WHERE family_agreements.id = agreement_id)",
    **{
        table: "EXISTS (SELECT 1 FROM cases WHERE cases.id = case_id)"
        for table in (
            "case_members",
            "assessments",
            "marac_referrals",
            "plan_goals",
            "plan_actions",
            "plan_reviews",
            "family_agreements",
            "case_interventions",
            "case_outcomes",
            "monitoring_records",
            "case_notes",
        )
    },
}


def _enable_row_level_security() -> None:
    op.execute(SEES_ORGANISATION)
    for table, rule in ROW_RULES.items():
        # FORCE: the tables' owner is held to the policy too; only superusers and BYPASSRLS roles skip it
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_by_organisation ON {table} USING ({rule}) WITH CHECK ({rule})")


def _disable_row_level_security() -> None:
    for table in ROW_RULES:
        op.execute(f"DROP POLICY IF EXISTS {table}_by_organisation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for function in ("wholeplace_sees_organisation(integer)", "wholeplace_user()", "wholeplace_organisation()"):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
