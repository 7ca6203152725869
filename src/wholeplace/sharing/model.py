"""Information sharing agreements, a person's consent, and break-glass access to a case.

These tables say who may see case data beyond the team that holds it; `sharing.access` reads them
for every access decision, and on PostgreSQL the row-level security policies read them too.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wholeplace.db import Base, UTCDateTime, enum_of, utcnow
from wholeplace.partners.model import Organisation


class Purpose(StrEnum):
    """Why case data is being read or written: every access names one, and the audit trail keeps it."""

    CASE_MANAGEMENT = "case_management"
    SAFEGUARDING = "safeguarding"
    RISK_ASSESSMENT = "risk_assessment"
    MARAC = "marac"
    ANALYSIS = "analysis"
    SUBJECT_ACCESS = "subject_access"
    DATA_MATCHING = "data_matching"  # the data and intelligence hub finding one person across agencies' records

    @property
    def label(self) -> str:
        return PURPOSE_LABELS[self]


PURPOSE_LABELS = {
    Purpose.CASE_MANAGEMENT: "Case management",
    Purpose.SAFEGUARDING: "Safeguarding",
    Purpose.RISK_ASSESSMENT: "Risk assessment",
    Purpose.MARAC: "Multi-agency risk assessment conference (MARAC)",
    Purpose.ANALYSIS: "Analysis (pseudonymised)",
    Purpose.SUBJECT_ACCESS: "Subject access request",
    Purpose.DATA_MATCHING: "Data matching (finding one person across partners' records)",
}


class DataCategory(StrEnum):
    """The kinds of case data an agreement can cover."""

    IDENTITY = "identity"  # names, date of birth, sex, agency references
    CONTACT = "contact"  # address, postcode, telephone, email
    RISK = "risk"  # risk checklists, MARAC referrals
    CASEWORK = "casework"  # the case, its plan, interventions, notes, outcomes
    OFFENDING = "offending"  # integrated offender management and its monitoring

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    DataCategory.IDENTITY: "Identity (names, date of birth, references)",
    DataCategory.CONTACT: "Contact details (address, telephone, email)",
    DataCategory.RISK: "Risk (checklists, MARAC)",
    DataCategory.CASEWORK: "Casework (plans, interventions, notes, outcomes)",
    DataCategory.OFFENDING: "Offending (offender management, monitoring)",
}


class Operation(StrEnum):
    READ = "read"
    WRITE = "write"


class SharingAgreement(Base):
    """An information sharing agreement between partners: what they may share, why, and on what lawful basis."""

    __tablename__ = "sharing_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    purposes: Mapped[str] = mapped_column(String(300))  # Purpose values, comma-separated
    categories: Mapped[str] = mapped_column(String(300))  # DataCategory values, comma-separated
    lawful_basis: Mapped[str] = mapped_column(Text)
    dpia_reference: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    needs_consent: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    parties: Mapped[list[AgreementParty]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AgreementParty.organisation_id"
    )

    @property
    def purpose_set(self) -> frozenset[Purpose]:
        return frozenset(Purpose(value) for value in self.purposes.split(",") if value)

    @property
    def category_set(self) -> frozenset[DataCategory]:
        return frozenset(DataCategory(value) for value in self.categories.split(",") if value)

    def active_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class AgreementParty(Base):
    __tablename__ = "sharing_agreement_parties"

    agreement_id: Mapped[int] = mapped_column(ForeignKey("sharing_agreements.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True, index=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)


class ConsentStatus(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Consent(Base):
    """What a person said about sharing their information, for which purposes, and when.

    It belongs to the person, not to a team, so it follows their records when a case moves team or
    partner. The newest record for a purpose is the one in force; earlier ones stay as history.
    """

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[ConsentStatus] = mapped_column(enum_of(ConsentStatus, 10))
    purposes: Mapped[str] = mapped_column(String(300))  # Purpose values, comma-separated
    recorded_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(254))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def purpose_set(self) -> frozenset[Purpose]:
        return frozenset(Purpose(value) for value in self.purposes.split(",") if value)


class BreakGlass(Base):
    """An emergency opening of a case the user's team may not otherwise see: reasoned, time-limited, reviewed."""

    __tablename__ = "break_glass"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(254))
    review_note: Mapped[str | None] = mapped_column(Text)
