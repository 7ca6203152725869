"""Outcomes: frameworks, indicators, baselines, targets and measurements (revisions kept), their links to grants
and business cases, grant returns, and payment-by-results schemes with their claims

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 17:56:27.064399
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcome_frameworks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_outcome_frameworks_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_frameworks")),
        sa.UniqueConstraint("code", name=op.f("uq_outcome_frameworks_code")),
    )
    op.create_table(
        "framework_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["outcome_frameworks.id"],
            name=op.f("fk_framework_outcomes_framework_id_outcome_frameworks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_outcomes")),
    )
    with op.batch_alter_table("framework_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_framework_outcomes_framework_id"), ["framework_id"], unique=False)

    op.create_table(
        "business_case_funding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_case_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["fund_accounts.id"], name=op.f("fk_business_case_funding_account_id_fund_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["business_case_id"],
            ["business_cases.id"],
            name=op.f("fk_business_case_funding_business_case_id_business_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_case_funding")),
        sa.UniqueConstraint("business_case_id", "account_id", name=op.f("uq_business_case_funding_business_case_id")),
    )
    with op.batch_alter_table("business_case_funding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_business_case_funding_business_case_id"), ["business_case_id"], unique=False
        )

    op.create_table(
        "grant_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("spend_to_date_pence", sa.BigInteger(), nullable=False),
        sa.Column("outputs", sa.Text(), nullable=False),
        sa.Column("outcome_measures", sa.JSON(), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("risks", sa.Text(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("submitted_by", sa.String(length=254), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column(
            "period_kind",
            sa.Enum("year", "quarter", "month", name="periodkind", native_enum=False, length=10),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["fund_accounts.id"], name=op.f("fk_grant_returns_account_id_fund_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_returns")),
        sa.UniqueConstraint("account_id", "period_start", "period_kind", name=op.f("uq_grant_returns_account_id")),
    )
    with op.batch_alter_table("grant_returns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grant_returns_account_id"), ["account_id"], unique=False)

    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("numerator", sa.Text(), nullable=False),
        sa.Column("denominator", sa.Text(), nullable=True),
        sa.Column("unit", sa.String(length=60), nullable=False),
        sa.Column("higher_is_better", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column(
            "frequency",
            sa.Enum("year", "quarter", "month", name="periodkind", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("geographies", sa.String(length=60), nullable=False),
        sa.Column("on_track_within", sa.Numeric(precision=9, scale=3), nullable=False),
        sa.Column("at_risk_within", sa.Numeric(precision=9, scale=3), nullable=False),
        sa.Column("minimum_count", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_indicators_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["framework_outcomes.id"], name=op.f("fk_indicators_outcome_id_framework_outcomes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
        sa.UniqueConstraint("code", name=op.f("uq_indicators_code")),
    )
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicators_outcome_id"), ["outcome_id"], unique=False)

    op.create_table(
        "pbr_schemes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column(
            "evidence_rule",
            sa.Enum("case_outcomes", "measurements", name="evidencerule", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("pay_from_account_id", sa.Integer(), nullable=False),
        sa.Column("attachment_fee_pence", sa.BigInteger(), nullable=True),
        sa.Column("cap_per_unit_pence", sa.BigInteger(), nullable=True),
        sa.Column("cap_scheme_pence", sa.BigInteger(), nullable=True),
        sa.Column("holding_months", sa.Integer(), nullable=False),
        sa.Column("savings_rate", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("decision_maker", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_pbr_schemes_fund_id_funds")),
        sa.ForeignKeyConstraint(
            ["pay_from_account_id"], ["fund_accounts.id"], name=op.f("fk_pbr_schemes_pay_from_account_id_fund_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pbr_schemes")),
        sa.UniqueConstraint("code", name=op.f("uq_pbr_schemes_code")),
    )
    op.create_table(
        "indicator_baselines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=24, scale=6), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column(
            "period_kind",
            sa.Enum("year", "quarter", "month", name="periodkind", native_enum=False, length=10),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_indicator_baselines_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicators.id"], name=op.f("fk_indicator_baselines_indicator_id_indicators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_baselines")),
        sa.UniqueConstraint("indicator_id", "area_id", name=op.f("uq_indicator_baselines_indicator_id")),
    )
    with op.batch_alter_table("indicator_baselines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_baselines_indicator_id"), ["indicator_id"], unique=False)

    op.create_table(
        "indicator_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("grant", "benefit", name="linkkind", native_enum=False, length=10), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("business_case_id", sa.Integer(), nullable=True),
        sa.Column("case_outcome", sa.String(length=200), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column(
            "counting", sa.Enum("count", "reduction", name="counting", native_enum=False, length=10), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["fund_accounts.id"], name=op.f("fk_indicator_links_account_id_fund_accounts")
        ),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_indicator_links_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["business_case_id"], ["business_cases.id"], name=op.f("fk_indicator_links_business_case_id_business_cases")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicators.id"], name=op.f("fk_indicator_links_indicator_id_indicators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_links")),
    )
    with op.batch_alter_table("indicator_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_links_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_indicator_links_business_case_id"), ["business_case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_indicator_links_indicator_id"), ["indicator_id"], unique=False)

    op.create_table(
        "indicator_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=24, scale=6), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column(
            "period_kind",
            sa.Enum("year", "quarter", "month", name="periodkind", native_enum=False, length=10),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_indicator_targets_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicators.id"], name=op.f("fk_indicator_targets_indicator_id_indicators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_targets")),
        sa.UniqueConstraint(
            "indicator_id", "area_id", "period_start", "period_kind", name=op.f("uq_indicator_targets_indicator_id")
        ),
    )
    with op.batch_alter_table("indicator_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_targets_indicator_id"), ["indicator_id"], unique=False)

    op.create_table(
        "measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=24, scale=6), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=254), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column(
            "period_kind",
            sa.Enum("year", "quarter", "month", name="periodkind", native_enum=False, length=10),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_measurements_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicators.id"], name=op.f("fk_measurements_indicator_id_indicators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurements")),
        sa.UniqueConstraint(
            "indicator_id",
            "area_id",
            "period_start",
            "period_kind",
            "revision",
            name=op.f("uq_measurements_indicator_id"),
        ),
    )
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_measurements_current", ["indicator_id", "area_id", "current", "period_start"], unique=False
        )

    op.create_table(
        "pbr_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "submitted", "paid", name="claimstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column(
            "period_kind",
            sa.Enum("year", "quarter", "month", name="periodkind", native_enum=False, length=10),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"], name=op.f("fk_pbr_claims_decision_id_decisions")),
        sa.ForeignKeyConstraint(["scheme_id"], ["pbr_schemes.id"], name=op.f("fk_pbr_claims_scheme_id_pbr_schemes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pbr_claims")),
        sa.UniqueConstraint("scheme_id", "period_start", "period_kind", name=op.f("uq_pbr_claims_scheme_id")),
    )
    with op.batch_alter_table("pbr_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pbr_claims_scheme_id"), ["scheme_id"], unique=False)

    op.create_table(
        "pbr_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("unit_ref", sa.String(length=60), nullable=False),
        sa.Column("outcome_code", sa.String(length=60), nullable=False),
        sa.Column("achieved_on", sa.Date(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(["scheme_id"], ["pbr_schemes.id"], name=op.f("fk_pbr_evidence_scheme_id_pbr_schemes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pbr_evidence")),
    )
    with op.batch_alter_table("pbr_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pbr_evidence_scheme_id"), ["scheme_id"], unique=False)

    op.create_table(
        "pbr_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("unit_ref", sa.String(length=60), nullable=False),
        sa.Column("person_ref", sa.String(length=60), nullable=False),
        sa.Column("case_reference", sa.String(length=60), nullable=True),
        sa.Column("attached_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["scheme_id"], ["pbr_schemes.id"], name=op.f("fk_pbr_members_scheme_id_pbr_schemes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pbr_members")),
        sa.UniqueConstraint("scheme_id", "person_ref", name=op.f("uq_pbr_members_scheme_id")),
    )
    with op.batch_alter_table("pbr_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pbr_members_scheme_id"), ["scheme_id"], unique=False)

    op.create_table(
        "pbr_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tariff_pence", sa.BigInteger(), nullable=False),
        sa.Column("savings_pence", sa.JSON(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=True),
        sa.Column("threshold", sa.Numeric(precision=24, scale=6), nullable=True),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicators.id"], name=op.f("fk_pbr_outcomes_indicator_id_indicators")
        ),
        sa.ForeignKeyConstraint(["scheme_id"], ["pbr_schemes.id"], name=op.f("fk_pbr_outcomes_scheme_id_pbr_schemes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pbr_outcomes")),
        sa.UniqueConstraint("scheme_id", "code", name=op.f("uq_pbr_outcomes_scheme_id")),
    )
    with op.batch_alter_table("pbr_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pbr_outcomes_scheme_id"), ["scheme_id"], unique=False)

    op.create_table(
        "pbr_relapses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("unit_ref", sa.String(length=60), nullable=False),
        sa.Column("person_ref", sa.String(length=60), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("what", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(["scheme_id"], ["pbr_schemes.id"], name=op.f("fk_pbr_relapses_scheme_id_pbr_schemes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pbr_relapses")),
    )
    with op.batch_alter_table("pbr_relapses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pbr_relapses_scheme_id"), ["scheme_id"], unique=False)

    op.create_table(
        "pbr_claim_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("unit_ref", sa.String(length=60), nullable=False),
        sa.Column("outcome_code", sa.String(length=60), nullable=False),
        sa.Column("tariff_pence", sa.BigInteger(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("relapse_id", sa.Integer(), nullable=True),
        sa.Column("sampled", sa.Boolean(), nullable=False),
        sa.Column("check_passed", sa.Boolean(), nullable=True),
        sa.Column("check_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["pbr_claims.id"], name=op.f("fk_pbr_claim_lines_claim_id_pbr_claims"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["pbr_evidence.id"], name=op.f("fk_pbr_claim_lines_evidence_id_pbr_evidence")
        ),
        sa.ForeignKeyConstraint(
            ["relapse_id"], ["pbr_relapses.id"], name=op.f("fk_pbr_claim_lines_relapse_id_pbr_relapses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pbr_claim_lines")),
    )
    with op.batch_alter_table("pbr_claim_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pbr_claim_lines_claim_id"), ["claim_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pbr_claim_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pbr_claim_lines_claim_id"))

    op.drop_table("pbr_claim_lines")
    with op.batch_alter_table("pbr_relapses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pbr_relapses_scheme_id"))

    op.drop_table("pbr_relapses")
    with op.batch_alter_table("pbr_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pbr_outcomes_scheme_id"))

    op.drop_table("pbr_outcomes")
    with op.batch_alter_table("pbr_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pbr_members_scheme_id"))

    op.drop_table("pbr_members")
    with op.batch_alter_table("pbr_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pbr_evidence_scheme_id"))

    op.drop_table("pbr_evidence")
    with op.batch_alter_table("pbr_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pbr_claims_scheme_id"))

    op.drop_table("pbr_claims")
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.drop_index("ix_measurements_current")

    op.drop_table("measurements")
    with op.batch_alter_table("indicator_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_targets_indicator_id"))

    op.drop_table("indicator_targets")
    with op.batch_alter_table("indicator_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_links_indicator_id"))
        batch_op.drop_index(batch_op.f("ix_indicator_links_business_case_id"))
        batch_op.drop_index(batch_op.f("ix_indicator_links_account_id"))

    op.drop_table("indicator_links")
    with op.batch_alter_table("indicator_baselines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_baselines_indicator_id"))

    op.drop_table("indicator_baselines")
    op.drop_table("pbr_schemes")
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicators_outcome_id"))

    op.drop_table("indicators")
    with op.batch_alter_table("grant_returns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_returns_account_id"))

    op.drop_table("grant_returns")
    with op.batch_alter_table("business_case_funding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_business_case_funding_business_case_id"))

    op.drop_table("business_case_funding")
    with op.batch_alter_table("framework_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_framework_outcomes_framework_id"))

    op.drop_table("framework_outcomes")
    op.drop_table("outcome_frameworks")
