"""Multi-agency casework: people and families, referrals at the gateway, risk checklists, MARAC, cases with a key
worker and one plan, interventions and the outcomes they achieve.

Every table that holds case data carries the partner (and, for cases, the team) it belongs to; on PostgreSQL
row-level security keys on those columns (see `sharing.rls`).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholeplace.auth.model import User
from wholeplace.db import CLASH, Base, UTCDateTime, enum_of, utcnow
from wholeplace.partners.model import Organisation, Team


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    NOT_KNOWN = "not known"


class Person(Base):
    """Someone casework is about: victim, perpetrator, child, family member or offender."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    # stable and meaningless: what an analyst sees instead of the name
    pseudonym: Mapped[str] = mapped_column(String(20), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    other_names: Mapped[str] = mapped_column(Text, default="")  # previous or alternative names, one per line
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[Sex] = mapped_column(enum_of(Sex, 10), default=Sex.NOT_KNOWN)
    address: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    telephone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)  # who first recorded
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    references: Mapped[list[AgencyReference]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AgencyReference.organisation_id"
    )

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class AgencyReference(Base):
    """What one partner calls this person in its own system (a police nominal number, an NHS number...)."""

    __tablename__ = "agency_references"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id", "reference", info={CLASH: "This partner's reference was given to someone else just now"}
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    reference: Mapped[str] = mapped_column(String(100))

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)


class Household(Base):
    """A family or household: the unit a family team and a families together agreement work with."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)

    members: Mapped[list[HouseholdMember]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="HouseholdMember.person_id"
    )


class Relationship(StrEnum):
    """A member's place in the household, as the household's lead adult would describe it."""

    LEAD_ADULT = "lead adult"
    PARTNER = "partner"
    FORMER_PARTNER = "former partner"
    CHILD = "child"
    STEPCHILD = "stepchild"
    SIBLING = "sibling"
    GRANDPARENT = "grandparent"
    OTHER_RELATIVE = "other relative"
    OTHER = "other"


class HouseholdMember(Base):
    __tablename__ = "household_members"

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True)
    relationship_to_lead: Mapped[Relationship] = mapped_column(enum_of(Relationship, 20))

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class Urgency(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"
    IMMEDIATE = "immediate"


class ReferralConsent(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    NOT_ASKED = "not asked"  # e.g. where asking would raise the risk


class ScreeningOutcome(StrEnum):
    NO_FURTHER_ACTION = "no further action"
    SIGNPOSTED = "signposted to the core offer"
    CASE_OPENED = "case opened"
    ADDED_TO_CASE = "added to an open case"


class Referral(Base):
    """A referral from any partner into the gateway, screened by the access team within a target time."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)  # the gateway's partner
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)  # the access team
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    source_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    referrer: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    concerns: Mapped[str] = mapped_column(Text, default="")
    consent: Mapped[ReferralConsent] = mapped_column(enum_of(ReferralConsent, 10))
    urgency: Mapped[Urgency] = mapped_column(enum_of(Urgency, 10))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    target_hours: Mapped[int]  # the screening target for its urgency when it arrived
    screened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    screened_by: Mapped[str | None] = mapped_column(String(254))
    outcome: Mapped[ScreeningOutcome | None] = mapped_column(enum_of(ScreeningOutcome, 40))
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    recorded_by: Mapped[str] = mapped_column(String(254))

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
    source: Mapped[Organisation] = relationship(foreign_keys=[source_organisation_id], lazy="joined", innerjoin=True)
    team: Mapped[Team] = relationship(lazy="joined", innerjoin=True)


class CaseKind(StrEnum):
    DOMESTIC_ABUSE_VICTIM = "domestic abuse victim"
    PERPETRATOR = "perpetrator"
    FAMILY = "family"
    OFFENDER = "offender"  # integrated offender management


class CaseStatus(StrEnum):
    OPEN = "open"
    STEPPED_DOWN = "stepped down"
    CLOSED = "closed"


class Case(Base):
    """A case held by a team in a partner, with a key worker and one single plan."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(
        String(30), unique=True, info={CLASH: "Another case took this reference at the same moment; try again"}
    )
    kind: Mapped[CaseKind] = mapped_column(enum_of(CaseKind, 30))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    key_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="SET NULL"))
    status: Mapped[CaseStatus] = mapped_column(enum_of(CaseStatus, 20), default=CaseStatus.OPEN)
    closed_reason: Mapped[str] = mapped_column(Text, default="")
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    team: Mapped[Team] = relationship(lazy="joined", innerjoin=True)
    key_worker: Mapped[User | None] = relationship(lazy="joined")
    members: Mapped[list[CaseMember]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CaseMember.person_id"
    )


class CaseRole(StrEnum):
    VICTIM = "victim"
    PERPETRATOR = "perpetrator"
    CHILD = "child"
    OTHER = "other"


class CaseMember(Base):
    """A person's role in a case."""

    __tablename__ = "case_members"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[CaseRole] = mapped_column(enum_of(CaseRole, 20))

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class Assessment(Base):
    """A completed checklist: the answers as given, and the score, level and reasons computed from them."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    checklist: Mapped[str] = mapped_column(String(50))
    checklist_version: Mapped[str] = mapped_column(String(50))
    answers: Mapped[str] = mapped_column(Text)  # JSON: question number -> answer
    police_callouts_12_months: Mapped[int | None]
    judgement: Mapped[str | None] = mapped_column(String(20))
    judgement_reason: Mapped[str] = mapped_column(Text, default="")
    yes_count: Mapped[int]
    computed_level: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(20))
    marac: Mapped[bool]
    reasons: Mapped[str] = mapped_column(Text)  # JSON list of sentences
    assessed_by: Mapped[str] = mapped_column(String(254))
    assessed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MaracMeeting(Base):
    """A multi-agency risk assessment conference: partners meet about the highest-risk cases."""

    __tablename__ = "marac_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)  # the chairing partner
    held_on: Mapped[dt.date] = mapped_column(Date)
    area: Mapped[str] = mapped_column(String(200))
    chair: Mapped[str] = mapped_column(String(200))


class MaracReferral(Base):
    """A case referred to MARAC, prefilled from the assessment that met the criteria."""

    __tablename__ = "marac_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("marac_meetings.id", ondelete="SET NULL"), index=True)
    referred_on: Mapped[dt.date] = mapped_column(Date)
    criteria: Mapped[str] = mapped_column(Text)  # the criteria met, one per line
    summary: Mapped[str] = mapped_column(Text)  # the risk summary carried over from the case and checklist
    is_repeat: Mapped[bool]
    previous_referral_id: Mapped[int | None] = mapped_column(ForeignKey("marac_referrals.id", ondelete="SET NULL"))
    referred_by: Mapped[str] = mapped_column(String(254))

    actions: Mapped[list[MaracAction]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="MaracAction.id"
    )


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class MaracAction(Base):
    """What one agency agreed at MARAC to do for a case, by when."""

    __tablename__ = "marac_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    marac_referral_id: Mapped[int] = mapped_column(ForeignKey("marac_referrals.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    owner: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(enum_of(ActionStatus, 10), default=ActionStatus.OPEN)
    done_on: Mapped[dt.date | None] = mapped_column(Date)

    agency: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)


class PlanGoal(Base):
    """A goal of the case's single plan."""

    __tablename__ = "plan_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    achieved_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanAction(Base):
    """An action in the single plan, owned by a named agency, with a due date."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("plan_goals.id", ondelete="SET NULL"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    owner: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(enum_of(ActionStatus, 10), default=ActionStatus.OPEN)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)


class PlanReview(Base):
    """A review of the single plan: what has changed and what happens next."""

    __tablename__ = "plan_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    reviewed_on: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    next_review_on: Mapped[dt.date | None] = mapped_column(Date)
    reviewed_by: Mapped[str] = mapped_column(String(254))


class FamilyAgreement(Base):
    """A families together agreement: what the family and each member agreed to, signed and dated."""

    __tablename__ = "family_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    family_commitment: Mapped[str] = mapped_column(Text)
    agencies_commitment: Mapped[str] = mapped_column(Text)
    signed_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(254))

    signatures: Mapped[list[FamilyAgreementSignature]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="FamilyAgreementSignature.person_id"
    )


class FamilyAgreementSignature(Base):
    __tablename__ = "family_agreement_signatures"

    agreement_id: Mapped[int] = mapped_column(ForeignKey("family_agreements.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    agreed_to: Mapped[str] = mapped_column(Text)
    signed_on: Mapped[dt.date] = mapped_column(Date)

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class InterventionKind(StrEnum):
    """Seed 002 §6: spending on prevention against spending on the consequences of abuse."""

    PREVENTION = "prevention"
    CONSEQUENCE = "consequence"


class Intervention(Base):
    """A service in the catalogue: who provides it, what it costs, where it is offered and for how many."""

    __tablename__ = "interventions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    unit_cost_pence: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(50))  # what the unit cost buys: "per case", "per week", "per session"
    kind: Mapped[InterventionKind] = mapped_column(enum_of(InterventionKind, 20))
    area_served: Mapped[str] = mapped_column(String(200))
    crosses_boundaries: Mapped[bool] = mapped_column(default=False)  # refuges, hospital IDVAs (seed 002 §11)
    capacity: Mapped[int | None]  # places at any one time

    provider: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)


class CaseIntervention(Base):
    """An intervention given to a case: when, how much was attended, and whether it achieved its aim."""

    __tablename__ = "case_interventions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("interventions.id"), index=True)
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    units: Mapped[int] = mapped_column(default=1)  # how many of the intervention's units were delivered
    sessions_offered: Mapped[int] = mapped_column(default=0)
    sessions_attended: Mapped[int] = mapped_column(default=0)
    achieved: Mapped[bool | None]  # None while it runs

    intervention: Mapped[Intervention] = relationship(lazy="joined", innerjoin=True)


class OutcomeKind(StrEnum):
    NO_REPEAT_INCIDENT_6_MONTHS = "no repeat incident in 6 months"
    NO_REOFFENCE_12_MONTHS = "no reoffence in 12 months"
    CHILD_PROTECTION_PLAN_AVOIDED = "child protection plan avoided"
    SCHOOL_ATTENDANCE_90 = "school attendance at least 90%"


class CaseOutcome(Base):
    """Whether a case reached one of the shared outcomes, and when that was known."""

    __tablename__ = "case_outcomes"
    __table_args__ = (
        UniqueConstraint("case_id", "kind", info={CLASH: "This outcome was recorded at the same moment"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[OutcomeKind] = mapped_column(enum_of(OutcomeKind, 40))
    achieved: Mapped[bool]
    recorded_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(254))


class MonitoringKind(StrEnum):
    ELECTRONIC = "electronic monitoring"
    ALCOHOL = "alcohol monitoring"


class MonitoringRecord(Base):
    """Electronic or alcohol monitoring of an offender managed under integrated offender management."""

    __tablename__ = "monitoring_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MonitoringKind] = mapped_column(enum_of(MonitoringKind, 30))
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    breaches: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")


class CaseNote(Base):
    """A dated note on a case, and what the timeline shows for events that have no record of their own."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    written_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    written_by: Mapped[str] = mapped_column(String(254))
    text: Mapped[str] = mapped_column(Text)
