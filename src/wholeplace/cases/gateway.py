"""The single gateway (seed 002 §7.1 and §10): referrals from any partner land in the access team's queue, oldest
first, each with its age against the screening target and the partners who already know the person; screening
ends in no further action, a signpost to the core offer, a new case, or an addition to an open case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.cases.access import checked_referral
from wholeplace.cases.casework import add_member, new_reference, open_case
from wholeplace.cases.model import (
    AgencyReference,
    Case,
    CaseKind,
    CaseMember,
    CaseRole,
    Person,
    Referral,
    ReferralConsent,
    ScreeningOutcome,
    Urgency,
)
from wholeplace.cases.people import PersonDetails, add_person, checked_details
from wholeplace.db import utcnow
from wholeplace.paging import Page, paginate
from wholeplace.partners.model import Organisation, Team
from wholeplace.plain_text import clean_free_text, clean_name
from wholeplace.problems import Conflict, InvalidInput, NotFound, Problem
from wholeplace.sharing import access, rls
from wholeplace.sharing.access import Scope
from wholeplace.sharing.model import DataCategory, Operation, Purpose

# A local rule, recorded on each referral when it arrives: hours the access team has to screen it.
SCREENING_TARGET_HOURS = {Urgency.IMMEDIATE: 4, Urgency.URGENT: 24, Urgency.ROUTINE: 72}


@dataclass(frozen=True)
class ReferralDetails:
    referrer: str
    reason: str
    concerns: str
    consent: ReferralConsent
    urgency: Urgency
    person: PersonDetails | None = None  # someone new to the system ...
    person_id: int | None = None  # ... or someone already known
    gateway_team_id: int | None = None  # None: the place's only gateway


@dataclass(frozen=True)
class Screening:
    outcome: ScreeningOutcome
    note: str = ""
    case_kind: CaseKind | None = None  # for a new case
    team_id: int | None = None  # the case management team for a new case
    key_worker_id: int | None = None
    add_to_case_id: int | None = None  # for an addition to an open case
    role: CaseRole = CaseRole.VICTIM


@dataclass(frozen=True)
class QueueItem:
    referral: Referral
    age_hours: float
    overdue: bool
    known_to: tuple[str, ...]  # partners that already hold a reference, case or referral for the person


def gateway_teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).where(Team.is_gateway).order_by(Team.id)))


def record_referral(session: Session, actor: Actor, details: ReferralDetails) -> Referral:
    """A referral from the actor's partner into the gateway queue; bad details are refused with nothing written."""
    rls.enter(session, actor)
    problems: list[Problem] = []
    referrer, found = clean_name(details.referrer, where="referrer", label="Referrer", max_length=200)
    problems += found
    reason, found = clean_free_text(details.reason, where="reason", label="Reason", max_length=5000)
    problems += found
    if not reason:
        problems.append(Problem("reason", "Enter the reason for the referral"))
    concerns, found = clean_free_text(details.concerns, where="concerns", label="Concerns", max_length=20000)
    problems += found
    person_details = None
    if details.person_id is None:
        if details.person is None:
            problems.append(Problem("person", "Say who is being referred"))
        else:
            person_details, found = checked_details(details.person, prefix="person.")
            problems += found
    gateway = _gateway(session, details.gateway_team_id, problems)
    if problems:
        raise InvalidInput(problems)
    assert gateway is not None and actor.organisation_id is not None
    scope = Scope("referral", None, gateway.organisation_id, gateway.id, DataCategory.IDENTITY)
    access.require(session, actor, scope, Purpose.SAFEGUARDING, Operation.WRITE)
    if details.person_id is not None:
        person = session.get(Person, details.person_id)
        if person is None:
            raise InvalidInput([Problem("person_id", f"There is no person {details.person_id} shared with you")])
    else:
        assert person_details is not None
        person = add_person(session, actor.organisation_id, person_details)
    referral = Referral(
        reference=new_reference(session, "REF", Referral.reference),
        organisation_id=gateway.organisation_id,
        team_id=gateway.id,
        person_id=person.id,
        source_organisation_id=actor.organisation_id,
        referrer=referrer,
        reason=reason,
        concerns=concerns,
        consent=details.consent,
        urgency=details.urgency,
        received_at=utcnow(),
        target_hours=SCREENING_TARGET_HOURS[details.urgency],
        recorded_by=actor.label,
    )
    session.add(referral)
    session.flush()
    audit.record(
        session,
        actor,
        "referral.received",
        object_type="referral",
        object_id=referral.id,
        purpose=Purpose.SAFEGUARDING.value,
        reference=referral.reference,
        urgency=referral.urgency.value,
    )
    return referral


def _gateway(session: Session, team_id: int | None, problems: list[Problem]) -> Team | None:
    teams = gateway_teams(session)
    if team_id is not None:
        chosen = next((team for team in teams if team.id == team_id), None)
        if chosen is None:
            problems.append(Problem("gateway_team_id", f"Team {team_id} is not a gateway team"))
        return chosen
    if not teams:
        problems.append(Problem("gateway_team_id", "No gateway team is set up to receive referrals"))
        return None
    return teams[0]


def queue(
    session: Session,
    actor: Actor,
    *,
    page: int,
    page_size: int,
    team_id: int | None = None,
    include_screened: bool = False,
) -> Page[QueueItem]:
    """The gateway's referrals waiting to be screened, oldest first, for a member of the access team."""
    rls.enter(session, actor)
    teams = access.team_ids(session, actor)
    gateways = [team.id for team in gateway_teams(session) if team.id in teams]
    if team_id is not None:
        gateways = [team for team in gateways if team == team_id]
    if not gateways:
        raise NotFound("You are not a member of a gateway team, so there is no queue to show")
    statement = select(Referral).where(Referral.team_id.in_(gateways)).order_by(Referral.received_at, Referral.id)
    if not include_screened:
        statement = statement.where(Referral.screened_at.is_(None))
    found = paginate(session, statement, page=page, page_size=page_size)
    now = utcnow()
    known = known_to_each(session, {referral.person_id for referral in found.items})
    items = []
    for referral in found.items:
        access.require(
            session,
            actor,
            Scope("referral", referral.id, referral.organisation_id, referral.team_id, DataCategory.IDENTITY),
            Purpose.SAFEGUARDING,
            Operation.READ,
        )
        age = ((referral.screened_at or now) - referral.received_at).total_seconds() / 3600
        items.append(QueueItem(referral, age, age > referral.target_hours, known.get(referral.person_id, ())))
    return Page(items, found.page, found.page_size, found.total)


def known_to(session: Session, person_id: int) -> tuple[str, ...]:
    """Names of the partners that already know the person: a reference, a case or a referral they made.

    Only the partners' names: what each holds is shown under the sharing rules when a record is opened.
    """
    return known_to_each(session, {person_id}).get(person_id, ())


def known_to_each(session: Session, person_ids: set[int]) -> dict[int, tuple[str, ...]]:
    """`known_to` for many people in one query (a queue page of twenty-five referrals asked twenty-five times)."""
    by_reference = select(AgencyReference.person_id, AgencyReference.organisation_id).where(
        AgencyReference.person_id.in_(person_ids)
    )
    by_case = select(CaseMember.person_id, Case.organisation_id).join(Case).where(CaseMember.person_id.in_(person_ids))
    by_referral = select(Referral.person_id, Referral.source_organisation_id).where(Referral.person_id.in_(person_ids))
    knowing = union(by_reference, by_case, by_referral).subquery()
    statement = (
        select(knowing.c[0], Organisation.name, Organisation.id)
        .join(Organisation, Organisation.id == knowing.c[1])
        .distinct()  # each partner once, however many ways it knows the person
        .order_by(knowing.c[0], Organisation.name, Organisation.id)
    )
    names: dict[int, list[str]] = {}
    for person_id, name, _ in session.execute(statement):
        names.setdefault(person_id, []).append(name)
    return {person_id: tuple(found) for person_id, found in names.items()}


def screen(session: Session, actor: Actor, referral_id: int, screening: Screening) -> Referral:
    """The access team's decision on a referral, once; a new case goes to the chosen team and key worker."""
    referral, _ = checked_referral(session, actor, referral_id, Purpose.SAFEGUARDING, Operation.WRITE, for_update=True)
    if referral.screened_at is not None:
        raise Conflict(f"Referral {referral.reference} was already screened: {referral.outcome}")
    note, problems = clean_free_text(screening.note, where="note", label="Note", max_length=5000)
    case: Case | None = None
    if screening.outcome is ScreeningOutcome.CASE_OPENED:
        if screening.case_kind is None:
            problems.append(Problem("case_kind", "Choose the kind of case to open"))
        if screening.team_id is None:
            problems.append(Problem("team_id", "Choose the case management team"))
        if problems:
            raise InvalidInput(problems)
        assert screening.case_kind is not None and screening.team_id is not None
        case = open_case(
            session,
            actor,
            kind=screening.case_kind,
            team_id=screening.team_id,
            key_worker_id=screening.key_worker_id,
            members={referral.person_id: screening.role},
            summary=referral.reason,
        )
    elif screening.outcome is ScreeningOutcome.ADDED_TO_CASE:
        if screening.add_to_case_id is None:
            problems.append(Problem("add_to_case_id", "Choose the open case to add the person to"))
        if problems:
            raise InvalidInput(problems)
        assert screening.add_to_case_id is not None
        case = add_member(session, actor, screening.add_to_case_id, referral.person_id, screening.role)
    elif problems:
        raise InvalidInput(problems)
    referral.screened_at = utcnow()
    referral.screened_by = actor.label
    referral.outcome = screening.outcome
    referral.outcome_note = note
    referral.case_id = case.id if case else None
    session.flush()
    audit.record(
        session,
        actor,
        "referral.screened",
        object_type="referral",
        object_id=referral.id,
        purpose=Purpose.SAFEGUARDING.value,
        outcome_of_screening=screening.outcome.value,
        case_id=referral.case_id,
        within_target=(referral.screened_at - referral.received_at) <= dt.timedelta(hours=referral.target_hours),
    )
    return referral


def waiting_count(session: Session, team_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Referral)
            .where(Referral.team_id == team_id, Referral.screened_at.is_(None))
        )
        or 0
    )
