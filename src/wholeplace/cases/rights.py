"""Rights of the person: subject access (all that a partner holds about someone, as data and as a PDF), and
rectification of their details with the old values kept in the audit trail (`rights_rectify`), retention and
erasure (`rights_retention`); all three answer from here.

Subject access is the data protection officer's work: `sharing.access` allows it to an administrator of the
partner that holds the records (rule `subject-access`), so each partner answers for its own records and
this export never reaches into another partner's. Every record read leaves one audit entry with the purpose
`subject_access`. Other people's data is left out where it has a record of its own (the other members of a
case or household are not listed); free text (notes, plans, summaries) may still mention them, which is why
the export tells whoever releases it to review it first (UK GDPR Article 15(4), DPA 2018 Schedule 2 Part 3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.business_dates import london_date, today
from wholeplace.cases.access import case_scope, referral_scope
from wholeplace.cases.model import (
    Assessment,
    Case,
    CaseIntervention,
    CaseMember,
    CaseNote,
    CaseOutcome,
    FamilyAgreement,
    Household,
    HouseholdMember,
    MaracReferral,
    MonitoringRecord,
    Person,
    PlanAction,
    PlanGoal,
    PlanReview,
    Referral,
)
from wholeplace.cases.rights_rectify import details_to_correct as details_to_correct
from wholeplace.cases.rights_rectify import rectify as rectify

# Retention answers from here too (the brief of item 9 names them rights.retention_dry_run and rights.erase).
from wholeplace.cases.rights_retention import RULES as RULES
from wholeplace.cases.rights_retention import Erasable as Erasable
from wholeplace.cases.rights_retention import erase as erase
from wholeplace.cases.rights_retention import retention_dry_run as retention_dry_run
from wholeplace.partners.model import Organisation
from wholeplace.plain_text import clean_name
from wholeplace.problems import AccessRefused, InvalidInput, NotFound, Refusal
from wholeplace.sharing import access, rls
from wholeplace.sharing.access import Scope
from wholeplace.sharing.model import Consent, DataCategory, Operation, Purpose

TEMPLATES = Path(__file__).resolve().parent / "templates"
REVIEW_NOTE = (
    "Before this is released, read the free text (notes, plans, summaries, reasons) and redact anything about "
    "other people that they have not agreed to share (UK GDPR Article 15(4); DPA 2018 Schedule 2 Part 3)."
)
FOUND_AT_MOST = 50
# The names other parts of casework give these records in the audit trail.
RECORD_TYPES: dict[type, str] = {
    Assessment: "assessment",
    MaracReferral: "marac_referral",
    PlanGoal: "plan_goal",
    PlanAction: "plan_action",
    PlanReview: "plan_review",
    FamilyAgreement: "family_agreement",
    CaseIntervention: "case_intervention",
    CaseOutcome: "case_outcome",
    MonitoringRecord: "monitoring",
    CaseNote: "case_note",
}


def _day(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _read(session: Session, actor: Actor, scope: Scope) -> None:
    access.require(session, actor, scope, Purpose.SUBJECT_ACCESS, Operation.READ)


def _holds(session: Session, organisation_id: int | None, person: Person) -> bool:
    """Whether the partner holds anything about the person: their record, a case, a referral or a household."""
    if organisation_id is None:
        return False
    if person.organisation_id == organisation_id:
        return True
    statements = (
        select(Case.id).join(CaseMember).where(CaseMember.person_id == person.id),
        select(Referral.id).where(Referral.person_id == person.id),
        select(Household.id).join(HouseholdMember).where(HouseholdMember.person_id == person.id),
    )
    entity = (Case, Referral, Household)
    return any(
        session.scalar(statement.where(model.organisation_id == organisation_id).limit(1)) is not None
        for statement, model in zip(statements, entity, strict=True)
    )


def _person_scope(person: Person, organisation_id: int, category: DataCategory) -> Scope:
    return Scope("person", person.id, organisation_id, None, category, person_ids=(person.id,))


def require_answerer(actor: Actor) -> None:
    """Refuse (and audit) anyone but an administrator before they search people for a subject access request."""
    if Role.ADMIN not in actor.roles:
        reason = "Only an administrator answers a subject access request"
        detail = {"rule": "subject-access-admins-only", "category": DataCategory.IDENTITY.value}
        refusal = Refusal(actor, "casework.read", "person", None, reason, Purpose.SUBJECT_ACCESS.value, detail)
        raise AccessRefused(reason, refusal)


def find_people(session: Session, actor: Actor, family_name: str, date_of_birth: dt.date | None = None) -> list[Person]:
    """People the actor's partner holds records about, by family name (and date of birth), for a request."""
    require_answerer(actor)
    rls.enter(session, actor)
    name, problems = clean_name(family_name, where="family_name", label="Family name", max_length=100)
    if problems:
        raise InvalidInput(problems)
    statement = select(Person).where(Person.family_name.ilike(name.replace("%", r"\%").replace("_", r"\_")))
    if date_of_birth is not None:
        statement = statement.where(Person.date_of_birth == date_of_birth)
    found = []
    for person in session.scalars(statement.order_by(Person.given_name, Person.id).limit(FOUND_AT_MOST)):
        if _holds(session, actor.organisation_id, person):
            assert actor.organisation_id is not None
            _read(session, actor, _person_scope(person, actor.organisation_id, DataCategory.IDENTITY))
            found.append(person)
    return found


def subject_access(session: Session, actor: Actor, person_id: int) -> dict[str, Any]:
    """Everything the actor's partner holds about the person, as JSON-ready data; each record read is audited."""
    rls.enter(session, actor)
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"There is no person {person_id}: nothing is held about them")
    holder_id = actor.organisation_id if _holds(session, actor.organisation_id, person) else person.organisation_id
    assert holder_id is not None
    for category in (DataCategory.IDENTITY, DataCategory.CONTACT):
        _read(session, actor, _person_scope(person, holder_id, category))
    holder = session.get(Organisation, holder_id)
    return {
        "produced_on": _day(today()),
        "produced_by": actor.label,
        "held_by": holder.name if holder else "",
        "review_before_release": REVIEW_NOTE,
        "person": _person(person),
        "households": _households(session, actor, person, holder_id),
        "referrals": _referrals(session, actor, person, holder_id),
        "cases": [_case(session, actor, person, case) for case in _cases(session, person, holder_id)],
        "consents": _consents(session, actor, person, holder_id),
    }


def _person(person: Person) -> dict[str, Any]:
    return {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "other_names": [name for name in person.other_names.splitlines() if name.strip()],
        "date_of_birth": _day(person.date_of_birth),
        "sex": person.sex.value,
        "address": person.address,
        "postcode": person.postcode,
        "telephone": person.telephone,
        "email": person.email,
        "references": [{"partner": ref.organisation.name, "reference": ref.reference} for ref in person.references],
        "first_recorded_at": _day(person.created_at),
    }


def _households(session: Session, actor: Actor, person: Person, holder_id: int) -> list[dict[str, Any]]:
    statement = (
        select(Household, HouseholdMember.relationship_to_lead)
        .join(HouseholdMember)
        .where(HouseholdMember.person_id == person.id, Household.organisation_id == holder_id)
        .order_by(Household.id)
    )
    found = []
    for household, relationship in session.execute(statement).all():
        scope = Scope("household", household.id, holder_id, None, DataCategory.IDENTITY, person_ids=(person.id,))
        _read(session, actor, scope)
        found.append({"name": household.name, "relationship_to_lead": relationship.value})
    return found


def _referrals(session: Session, actor: Actor, person: Person, holder_id: int) -> list[dict[str, Any]]:
    statement = (
        select(Referral)
        .where(Referral.person_id == person.id, Referral.organisation_id == holder_id)
        .order_by(Referral.received_at)
    )
    found = []
    for referral in session.scalars(statement):
        _read(session, actor, referral_scope(referral, DataCategory.IDENTITY))
        found.append(
            {
                "reference": referral.reference,
                "received_at": _day(referral.received_at),
                "from": referral.source.name,
                "referrer": referral.referrer,
                "reason": referral.reason,
                "concerns": referral.concerns,
                "consent_to_referral": referral.consent.value,
                "urgency": referral.urgency.value,
                "screened_at": _day(referral.screened_at),
                "outcome": referral.outcome.value if referral.outcome else None,
                "outcome_note": referral.outcome_note,
            }
        )
    return found


def _cases(session: Session, person: Person, holder_id: int) -> list[Case]:
    statement = (
        select(Case)
        .join(CaseMember)
        .where(CaseMember.person_id == person.id, Case.organisation_id == holder_id)
        .order_by(Case.opened_on, Case.id)
    )
    return list(session.scalars(statement).unique())


def _rows(session: Session, actor: Actor, case: Case, model: type, category: DataCategory, *where: Any) -> list[Any]:
    """The case's records of one kind, each read under its own audited decision."""
    record_type = RECORD_TYPES[model]
    rows = list(session.scalars(select(model).where(model.case_id == case.id, *where).order_by(model.id)))
    for row in rows:
        _read(session, actor, case_scope(case, category, record_type=record_type, record_id=row.id))
    return rows


def _case(session: Session, actor: Actor, person: Person, case: Case) -> dict[str, Any]:
    _read(session, actor, case_scope(case, DataCategory.CASEWORK))
    role = next(member.role.value for member in case.members if member.person_id == person.id)
    casework, risk, offending = DataCategory.CASEWORK, DataCategory.RISK, DataCategory.OFFENDING
    assessments = _rows(session, actor, case, Assessment, risk, Assessment.person_id == person.id)
    maracs = _rows(session, actor, case, MaracReferral, risk, MaracReferral.person_id == person.id)
    agreements = _rows(session, actor, case, FamilyAgreement, casework)
    return {
        "reference": case.reference,
        "kind": case.kind.value,
        "your_role": role,
        "held_by": f"{case.team.name}, {case.organisation.name}",
        "key_worker": case.key_worker.name if case.key_worker else None,
        "status": case.status.value,
        "opened_on": _day(case.opened_on),
        "closed_on": _day(case.closed_on),
        "closed_reason": case.closed_reason,
        "summary": case.summary,
        "assessments": [
            {
                "checklist": f"{a.checklist} ({a.checklist_version})",
                "assessed_at": _day(a.assessed_at),
                "assessed_by": a.assessed_by,
                "yes_count": a.yes_count,
                "level": a.level,
                "judgement_reason": a.judgement_reason,
                "marac": a.marac,
            }
            for a in assessments
        ],
        "marac_referrals": [
            {
                "referred_on": _day(m.referred_on),
                "criteria": m.criteria.splitlines(),
                "summary": m.summary,
                "repeat": m.is_repeat,
                "actions": [
                    {"agency": x.agency.name, "owner": x.owner, "action": x.description, "due_on": _day(x.due_on)}
                    | {"status": x.status.value, "done_on": _day(x.done_on)}
                    for x in m.actions
                ],
            }
            for m in maracs
        ],
        "plan": {
            "goals": [
                {"goal": g.description, "achieved_on": _day(g.achieved_on)}
                for g in _rows(session, actor, case, PlanGoal, casework)
            ],
            "actions": [
                {"action": a.description, "agency": a.agency.name, "owner": a.owner, "due_on": _day(a.due_on)}
                | {"status": a.status.value, "done_on": _day(a.done_on)}
                for a in _rows(session, actor, case, PlanAction, casework)
            ],
            "reviews": [
                {"reviewed_on": _day(r.reviewed_on), "summary": r.summary, "next_review_on": _day(r.next_review_on)}
                for r in _rows(session, actor, case, PlanReview, casework)
            ],
        },
        "family_agreements": [
            {
                "signed_on": _day(f.signed_on),
                "family_commitment": f.family_commitment,
                "agencies_commitment": f.agencies_commitment,
                "you_agreed_to": next((s.agreed_to for s in f.signatures if s.person_id == person.id), None),
            }
            for f in agreements
        ],
        "interventions": [
            {"intervention": i.intervention.name, "provider": i.intervention.provider.name}
            | {"started_on": _day(i.started_on), "ended_on": _day(i.ended_on), "achieved": i.achieved}
            | {"sessions_offered": i.sessions_offered, "sessions_attended": i.sessions_attended}
            for i in _rows(session, actor, case, CaseIntervention, casework)
        ],
        "outcomes": [
            {"outcome": o.kind.value, "achieved": o.achieved, "recorded_on": _day(o.recorded_on)}
            for o in _rows(session, actor, case, CaseOutcome, casework)
        ],
        "monitoring": [
            {"kind": m.kind.value, "started_on": _day(m.started_on), "ended_on": _day(m.ended_on)}
            | {"breaches": m.breaches, "note": m.note}
            for m in _rows(session, actor, case, MonitoringRecord, offending)
        ],
        "notes": [
            {"written_at": _day(n.written_at), "written_by": n.written_by, "text": n.text}
            for n in _rows(session, actor, case, CaseNote, casework)
        ],
    }


def _consents(session: Session, actor: Actor, person: Person, holder_id: int) -> list[dict[str, Any]]:
    statement = select(Consent).where(Consent.person_id == person.id).order_by(Consent.recorded_on, Consent.id)
    found = []
    for consent in session.scalars(statement):
        scope = Scope("consent", consent.id, holder_id, None, DataCategory.CASEWORK, person_ids=(person.id,))
        _read(session, actor, scope)
        found.append(
            {
                "status": consent.status.value,
                "purposes": sorted(purpose.label for purpose in consent.purpose_set),
                "recorded_on": _day(consent.recorded_on),
                "note": consent.note,
            }
        )
    return found


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["long_date"] = long_date
    return environment


def long_date(iso: str | None) -> str:
    """'2014-03-31' (or a moment on that day) as '31 March 2014', as the export's pages show dates."""
    if not iso:
        return ""
    day = london_date(dt.datetime.fromisoformat(iso)) if len(iso) > 10 else dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def subject_access_html(data: Mapping[str, Any]) -> str:
    """The export as a printable HTML document (what the PDF is printed from)."""
    return _environment().get_template("cases/rights_subject_access_print.html").render(data=data)


def subject_access_pdf(session: Session, actor: Actor, person_id: int) -> bytes:
    """The export as a PDF. Only data: URLs may be fetched, so printing never reaches the network."""
    from weasyprint import HTML  # imported here: WeasyPrint loads its fonts and libraries on import
    from weasyprint.urls import URLFetcher

    html = subject_access_html(subject_access(session, actor, person_id))
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, base_url=str(TEMPLATES), url_fetcher=fetcher).write_pdf()
