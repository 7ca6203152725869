"""Outcomes: frameworks, indicators with baselines, targets and measurements; what they link to; grant returns;
payment-by-results schemes with their cohorts, evidence and claims.

Measurements are never overwritten: a revised figure is a new row with the next revision number, and the one
before stays (`current` marks the newest). Figures are Decimals held as NUMERIC; money is pence.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholeplace.db import Base, UTCDateTime, enum_of, utcnow
from wholeplace.outcomes.periods import Period, PeriodKind
from wholeplace.partners.model import Area, Organisation

FIGURE = Numeric(24, 6)  # indicator values: counts, rates and percentages, to six places


class PeriodMixin:
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_kind: Mapped[PeriodKind] = mapped_column(enum_of(PeriodKind, 10))

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_kind)


class Framework(Base):
    """One outcomes framework the partners hold themselves to, such as Safer Essex's or the WECB's."""

    __tablename__ = "outcome_frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")  # the paper it comes from, by title and date
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    outcomes: Mapped[list[FrameworkOutcome]] = relationship(
        back_populates="framework", order_by="FrameworkOutcome.position", lazy="selectin"
    )


class FrameworkOutcome(Base):
    """An outcome the framework aims at ("Less crime"), judged by its indicators."""

    __tablename__ = "framework_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("outcome_frameworks.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    framework: Mapped[Framework] = relationship(back_populates="outcomes")
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="outcome", order_by="Indicator.code", lazy="selectin"
    )


class Indicator(Base):
    """What is measured, how, by whom and how often, and how its status is judged (outcomes.status)."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("framework_outcomes.id"), index=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)  # "all-crime"
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text, default="")
    numerator: Mapped[str] = mapped_column(Text, default="")  # what is counted, for a rate
    denominator: Mapped[str | None] = mapped_column(Text)  # what it is counted out of; None when not a rate
    unit: Mapped[str] = mapped_column(String(60))  # "crimes", "% of victims", "per 1,000 people"
    higher_is_better: Mapped[bool]
    source: Mapped[str] = mapped_column(Text, default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))  # the owning partner
    frequency: Mapped[PeriodKind] = mapped_column(enum_of(PeriodKind, 10))
    geographies: Mapped[str] = mapped_column(String(60), default="county,district")
    on_track_within: Mapped[Decimal] = mapped_column(Numeric(9, 3), default=Decimal(0))  # % of target
    at_risk_within: Mapped[Decimal] = mapped_column(Numeric(9, 3), default=Decimal(5))  # % of target
    minimum_count: Mapped[int | None]  # a rate on fewer cases is not rated

    outcome: Mapped[FrameworkOutcome] = relationship(back_populates="indicators", lazy="joined")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None


class Baseline(PeriodMixin, Base):
    """Where an indicator started in an area: the figure change is measured from."""

    __tablename__ = "indicator_baselines"
    __table_args__ = (UniqueConstraint("indicator_id", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    value: Mapped[Decimal] = mapped_column(FIGURE)
    source: Mapped[str] = mapped_column(Text, default="")

    area: Mapped[Area] = relationship(lazy="joined")


class Target(PeriodMixin, Base):
    """What an indicator should reach in an area by the end of a period."""

    __tablename__ = "indicator_targets"
    __table_args__ = (UniqueConstraint("indicator_id", "area_id", "period_start", "period_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    value: Mapped[Decimal] = mapped_column(FIGURE)

    area: Mapped[Area] = relationship(lazy="joined")


class Measurement(PeriodMixin, Base):
    """One figure for one indicator, area and period, as received; a revision is a new row, never an edit."""

    __tablename__ = "measurements"
    __table_args__ = (
        UniqueConstraint("indicator_id", "area_id", "period_start", "period_kind", "revision"),
        Index("ix_measurements_current", "indicator_id", "area_id", "current", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    value: Mapped[Decimal] = mapped_column(FIGURE)
    count: Mapped[int | None]  # the cases a rate is on (its denominator), for the small-number rule
    source: Mapped[str] = mapped_column(Text, default="")
    received_on: Mapped[dt.date] = mapped_column(Date)
    revision: Mapped[int] = mapped_column(default=1)
    current: Mapped[bool] = mapped_column(default=True)  # the newest revision
    note: Mapped[str] = mapped_column(Text, default="")  # why a revision was made
    recorded_by: Mapped[str] = mapped_column(String(254))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    indicator: Mapped[Indicator] = relationship(lazy="joined")
    area: Mapped[Area] = relationship(lazy="joined")


class LinkKind(StrEnum):
    GRANT = "grant"  # a fund's theme or project account meant to move the indicator
    BENEFIT = "benefit"  # a business case outcome whose benefits the indicator measures


class Counting(StrEnum):
    """How an indicator's figures become a business case's outcomes achieved in a year."""

    COUNT = "count"  # the figures are the outcomes: families turned around
    REDUCTION = "reduction"  # the fall from the baseline: repeat victims fewer than before


class IndicatorLink(Base):
    """An indicator tied to the money meant to move it: a grant's account, or a business case's outcome."""

    __tablename__ = "indicator_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), index=True)
    kind: Mapped[LinkKind] = mapped_column(enum_of(LinkKind, 10))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("fund_accounts.id"), index=True)
    business_case_id: Mapped[int | None] = mapped_column(ForeignKey("business_cases.id"), index=True)
    case_outcome: Mapped[str | None] = mapped_column(String(200))  # the outcome's name in the case
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))  # whose figures count, for benefits
    counting: Mapped[Counting] = mapped_column(enum_of(Counting, 10), default=Counting.COUNT)

    indicator: Mapped[Indicator] = relationship(lazy="joined")
    area: Mapped[Area | None] = relationship(lazy="joined")


class CaseFunding(Base):
    """The theme or project account that carries a business case's approved funding and its spend."""

    __tablename__ = "business_case_funding"
    __table_args__ = (UniqueConstraint("business_case_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_case_id: Mapped[int] = mapped_column(ForeignKey("business_cases.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("fund_accounts.id"))


class GrantReturn(PeriodMixin, Base):
    """A funded project's quarterly return: spend to date, outputs, outcome measures, narrative and risks."""

    __tablename__ = "grant_returns"
    __table_args__ = (UniqueConstraint("account_id", "period_start", "period_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("fund_accounts.id"), index=True)
    spend_to_date_pence: Mapped[int] = mapped_column(BigInteger)
    outputs: Mapped[str] = mapped_column(Text, default="")
    outcome_measures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{indicator, value}]
    narrative: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    submitted_by: Mapped[str] = mapped_column(String(254))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class EvidenceRule(StrEnum):
    CASE_OUTCOMES = "case_outcomes"  # outcome records for each family or person
    MEASUREMENTS = "measurements"  # an indicator's measurement for an area meeting the outcome's threshold


class Scheme(Base):
    """A payment-by-results scheme: who is in it, what it pays for, its caps, and where the money comes from."""

    __tablename__ = "pbr_schemes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20), default="family")  # what is paid for: family, person or area
    evidence_rule: Mapped[EvidenceRule] = mapped_column(enum_of(EvidenceRule, 20))
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    pay_from_account_id: Mapped[int] = mapped_column(ForeignKey("fund_accounts.id"))  # a theme or project
    attachment_fee_pence: Mapped[int | None] = mapped_column(BigInteger)
    cap_per_unit_pence: Mapped[int | None] = mapped_column(BigInteger)
    cap_scheme_pence: Mapped[int | None] = mapped_column(BigInteger)
    holding_months: Mapped[int] = mapped_column(default=6)
    savings_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4), default=Decimal(0))  # share returned to the place
    decision_maker: Mapped[str] = mapped_column(String(200))  # the office that approves claims
    description: Mapped[str] = mapped_column(Text, default="")

    outcomes: Mapped[list[SchemeOutcome]] = relationship(order_by="SchemeOutcome.code", lazy="selectin")


class SchemeOutcome(Base):
    """An outcome a scheme pays for, its tariff, and the savings one brings each partner."""

    __tablename__ = "pbr_outcomes"
    __table_args__ = (UniqueConstraint("scheme_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("pbr_schemes.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    tariff_pence: Mapped[int] = mapped_column(BigInteger)
    savings_pence: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # partner name -> pence per outcome
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicators.id"))  # for measurement evidence
    threshold: Mapped[Decimal | None] = mapped_column(FIGURE)  # the figure a measurement must reach


class CohortMember(Base):
    """A person in a scheme's cohort, by reference (never by name), in the family or unit paid for."""

    __tablename__ = "pbr_members"
    __table_args__ = (UniqueConstraint("scheme_id", "person_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("pbr_schemes.id"), index=True)
    unit_ref: Mapped[str] = mapped_column(String(60))  # the family's (or person's, or area's) reference
    person_ref: Mapped[str] = mapped_column(String(60))
    case_reference: Mapped[str | None] = mapped_column(String(60))  # the casework case that works with them
    attached_on: Mapped[dt.date] = mapped_column(Date)


class OutcomeRecord(Base):
    """Evidence that a unit achieved an outcome on a date, and where the evidence is held."""

    __tablename__ = "pbr_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("pbr_schemes.id"), index=True)
    unit_ref: Mapped[str] = mapped_column(String(60))
    outcome_code: Mapped[str] = mapped_column(String(60))
    achieved_on: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(254))


class RelapseRecord(Base):
    """Something that undoes a unit's outcomes held within the holding period: an offence, an exclusion."""

    __tablename__ = "pbr_relapses"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("pbr_schemes.id"), index=True)
    unit_ref: Mapped[str] = mapped_column(String(60))
    person_ref: Mapped[str] = mapped_column(String(60))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    what: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(254))


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # its payment drafted as a decision, awaiting approval
    PAID = "paid"


class ClaimRecord(PeriodMixin, Base):
    """A claim for one period, with its lines; once submitted, the decision that pays it."""

    __tablename__ = "pbr_claims"
    __table_args__ = (UniqueConstraint("scheme_id", "period_start", "period_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("pbr_schemes.id"), index=True)
    status: Mapped[ClaimStatus] = mapped_column(enum_of(ClaimStatus, 10), default=ClaimStatus.DRAFT)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    scheme: Mapped[Scheme] = relationship(lazy="joined")
    lines: Mapped[list[ClaimLineRecord]] = relationship(
        back_populates="claim", order_by="ClaimLineRecord.position", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def total_pence(self) -> int:
        return sum(line.amount_pence for line in self.lines if line.paying)


class ClaimLineRecord(Base):
    """One line of a claim: a unit, an outcome (or the attachment fee), what it pays and why, and its check."""

    __tablename__ = "pbr_claim_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("pbr_claims.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    unit_ref: Mapped[str] = mapped_column(String(60))
    outcome_code: Mapped[str] = mapped_column(String(60))
    tariff_pence: Mapped[int] = mapped_column(BigInteger)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))  # claims.LineStatus
    reason: Mapped[str] = mapped_column(Text)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("pbr_evidence.id"))
    relapse_id: Mapped[int | None] = mapped_column(ForeignKey("pbr_relapses.id"))
    sampled: Mapped[bool] = mapped_column(default=False)
    check_passed: Mapped[bool | None]
    check_note: Mapped[str] = mapped_column(Text, default="")

    claim: Mapped[ClaimRecord] = relationship(back_populates="lines")
    evidence: Mapped[OutcomeRecord | None] = relationship(lazy="joined")

    @property
    def paying(self) -> bool:
        return self.status in ("payable", "capped")
