"""JSON shapes of referrals, cases, people and assessments in the API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from wholeplace.cases.gateway import QueueItem
from wholeplace.cases.model import (
    Assessment,
    Case,
    CaseKind,
    CaseRole,
    Person,
    Referral,
    ReferralConsent,
    ScreeningOutcome,
    Sex,
    Urgency,
)
from wholeplace.cases.people import PersonDetails


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given_name: str = Field(max_length=200)
    family_name: str = Field(max_length=200)
    other_names: str = Field(default="", max_length=1000)
    date_of_birth: dt.date | None = None
    sex: Sex = Sex.NOT_KNOWN
    address: str = Field(default="", max_length=1000)
    postcode: str = Field(default="", max_length=20)
    telephone: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=254)
    references: dict[str, str] = Field(default_factory=dict, description="partner identifier -> its reference")

    def details(self) -> PersonDetails:
        return PersonDetails(**self.model_dump())


class ReferralIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    referrer: str = Field(max_length=200, description="Who made the referral")
    reason: str = Field(max_length=5000)
    concerns: str = Field(default="", max_length=20000)
    consent: ReferralConsent
    urgency: Urgency
    person: PersonIn | None = Field(default=None, description="Someone new; or give person_id")
    person_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class ScreeningIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: ScreeningOutcome
    note: str = Field(default="", max_length=5000)
    case_kind: CaseKind | None = None
    team_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    key_worker_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    add_to_case_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    role: CaseRole = CaseRole.VICTIM


class PersonOut(BaseModel):
    id: int
    pseudonym: str
    given_name: str | None
    family_name: str | None
    year_of_birth: int | None
    date_of_birth: dt.date | None
    sex: str
    references: dict[str, str]

    @classmethod
    def of(cls, person: Person, *, pseudonymised: bool) -> PersonOut:
        """Under pseudonymisation: the pseudonym and year of birth only, no names and no references."""
        born = person.date_of_birth
        return cls(
            id=person.id,
            pseudonym=person.pseudonym,
            given_name=None if pseudonymised else person.given_name,
            family_name=None if pseudonymised else person.family_name,
            year_of_birth=born.year if born else None,
            date_of_birth=None if pseudonymised else born,
            sex=person.sex.value,
            references={}
            if pseudonymised
            else {ref.organisation.identifier: ref.reference for ref in person.references},
        )


class MemberOut(BaseModel):
    role: str
    person: PersonOut


class CaseOut(BaseModel):
    id: int
    reference: str
    kind: str
    status: str
    organisation: str
    team: str
    key_worker: str | None
    opened_on: dt.date
    closed_on: dt.date | None
    closed_reason: str
    members: list[MemberOut]

    @classmethod
    def of(cls, case: Case, *, pseudonymised: bool = False) -> CaseOut:
        """Pseudonymised: no names of the people or the key worker, and no free text."""
        return cls(
            id=case.id,
            reference=case.reference,
            kind=case.kind.value,
            status=case.status.value,
            organisation=case.organisation.name,
            team=case.team.name,
            key_worker=None if pseudonymised or case.key_worker is None else case.key_worker.name,
            opened_on=case.opened_on,
            closed_on=case.closed_on,
            closed_reason="" if pseudonymised else case.closed_reason,  # free text may name people
            members=[
                MemberOut(role=m.role.value, person=PersonOut.of(m.person, pseudonymised=pseudonymised))
                for m in case.members
            ],
        )


class ReferralOut(BaseModel):
    id: int
    reference: str
    received_at: dt.datetime
    urgency: str
    target_hours: int
    source: str
    referrer: str
    reason: str
    consent: str
    person: PersonOut
    screened_at: dt.datetime | None
    outcome: str | None
    case_id: int | None

    @classmethod
    def of(cls, referral: Referral) -> ReferralOut:
        return cls(
            id=referral.id,
            reference=referral.reference,
            received_at=referral.received_at,
            urgency=referral.urgency.value,
            target_hours=referral.target_hours,
            source=referral.source.name,
            referrer=referral.referrer,
            reason=referral.reason,
            consent=referral.consent.value,
            person=PersonOut.of(referral.person, pseudonymised=False),
            screened_at=referral.screened_at,
            outcome=None if referral.outcome is None else referral.outcome.value,
            case_id=referral.case_id,
        )


class QueueItemOut(ReferralOut):
    age_hours: float
    overdue: bool
    known_to: list[str]

    @classmethod
    def of_item(cls, item: QueueItem) -> QueueItemOut:
        return cls(
            **ReferralOut.of(item.referral).model_dump(),
            age_hours=round(item.age_hours, 1),
            overdue=item.overdue,
            known_to=list(item.known_to),
        )


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=20000)


class NoteOut(BaseModel):
    id: int
    written_at: dt.datetime
    written_by: str
    text: str


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: int = Field(ge=1, le=2**31 - 1)
    person_id: int = Field(ge=1, le=2**31 - 1)
    checklist: str = Field(default="dash-ric", max_length=50)
    answers: dict[int, str] = Field(description="question number -> yes, no or not known")
    police_callouts_12_months: int | None = Field(default=None, ge=0, le=10000)
    judgement: str | None = Field(default=None, max_length=20)
    judgement_reason: str = Field(default="", max_length=5000)


class AssessmentOut(BaseModel):
    id: int
    case_id: int
    person_id: int
    checklist: str
    checklist_version: str
    yes_count: int
    computed_level: str
    level: str
    marac: bool
    reasons: list[str]
    assessed_by: str
    assessed_at: dt.datetime
    marac_referral_id: int | None = None

    @classmethod
    def of(cls, assessment: Assessment, reasons: list[str], marac_referral_id: int | None = None) -> AssessmentOut:
        return cls(
            id=assessment.id,
            case_id=assessment.case_id,
            person_id=assessment.person_id,
            checklist=assessment.checklist,
            checklist_version=assessment.checklist_version,
            yes_count=assessment.yes_count,
            computed_level=assessment.computed_level,
            level=assessment.level,
            marac=assessment.marac,
            reasons=reasons,
            assessed_by=assessment.assessed_by,
            assessed_at=assessment.assessed_at,
            marac_referral_id=marac_referral_id,
        )
