"""Cases: opened in a team with a key worker, their members and roles, status (open, stepped down, closed with a
reason), moves between teams and partners, notes, and the team's caseload.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role, User
from wholeplace.business_dates import today
from wholeplace.cases.access import case_scope, checked_case
from wholeplace.cases.model import (
    AgencyReference,
    Case,
    CaseKind,
    CaseMember,
    CaseNote,
    CaseRole,
    CaseStatus,
    Person,
    Referral,
)
from wholeplace.db import utcnow
from wholeplace.paging import Page, paginate
from wholeplace.partners.model import Team, TeamMember
from wholeplace.plain_text import clean_free_text
from wholeplace.problems import Conflict, InvalidInput, NotFound, Problem
from wholeplace.sharing import access, rls
from wholeplace.sharing.model import DataCategory, Operation, Purpose

CASE_PREFIX = {
    CaseKind.DOMESTIC_ABUSE_VICTIM: "DA",
    CaseKind.PERPETRATOR: "PE",
    CaseKind.FAMILY: "FA",
    CaseKind.OFFENDER: "IOM",
}


def open_case(
    session: Session,
    actor: Actor,
    *,
    kind: CaseKind,
    team_id: int,
    key_worker_id: int | None,
    members: Mapping[int, CaseRole],
    summary: str = "",
    household_id: int | None = None,
) -> Case:
    """A new open case in a team, with its members; the team's partner holds it."""
    rls.enter(session, actor)
    problems: list[Problem] = []
    team = session.get(Team, team_id)
    if team is None:
        raise InvalidInput([Problem("team_id", f"There is no team {team_id}")])
    if key_worker_id is not None:
        problems += _key_worker_problems(session, team, key_worker_id)
    if not members:
        problems.append(Problem("members", "A case needs at least one person"))
    for person_id in members:
        if session.get(Person, person_id) is None:
            problems.append(Problem("members", f"There is no person {person_id} shared with you"))
    summary, found = clean_free_text(summary, where="summary", label="Summary", max_length=5000)
    problems += found
    if problems:
        raise InvalidInput(problems)
    case = Case(
        reference=new_reference(session, CASE_PREFIX[kind], Case.reference),
        kind=kind,
        organisation_id=team.organisation_id,
        team_id=team.id,
        key_worker_id=key_worker_id,
        household_id=household_id,
        opened_on=today(),
        summary=summary,
        members=[CaseMember(person_id=person_id, role=role) for person_id, role in members.items()],
    )
    access.require(session, actor, case_scope(case, DataCategory.CASEWORK), Purpose.CASE_MANAGEMENT, Operation.WRITE)
    session.add(case)
    session.flush()
    audit.record(session, actor, "case.opened", object_type="case", object_id=case.id, reference=case.reference)
    return case


def _key_worker_problems(session: Session, team: Team, user_id: int) -> list[Problem]:
    user = session.get(User, user_id)
    in_team = session.get(TeamMember, (team.id, user_id)) is not None
    if user is None or not in_team or not user.active:
        return [Problem("key_worker_id", f"The key worker must be an active member of {team.name}")]
    if not user.roles & {Role.KEY_WORKER, Role.TEAM_MANAGER}:
        return [Problem("key_worker_id", f"{user.name} is not a key worker")]
    return []


def new_reference(session: Session, prefix: str, column: InstrumentedAttribute[str]) -> str:
    """A reference such as DA-2026-004217: random, so it says nothing about how many came before, and unused."""
    year = utcnow().year
    while True:
        candidate = f"{prefix}-{year}-{secrets.randbelow(10**6):06d}"
        if session.scalar(select(column).where(column == candidate).limit(1)) is None:
            return candidate


def add_member(session: Session, actor: Actor, case_id: int, person_id: int, role: CaseRole) -> Case:
    case, _ = checked_case(
        session, actor, case_id, Purpose.CASE_MANAGEMENT, Operation.WRITE, for_update=True, record_type="case_member"
    )
    if case.status is CaseStatus.CLOSED:
        raise Conflict(f"Case {case.reference} is closed; reopen it or open a new case")
    if session.get(Person, person_id) is None:
        raise InvalidInput([Problem("person_id", f"There is no person {person_id} shared with you")])
    if any(member.person_id == person_id for member in case.members):
        raise Conflict(f"That person is already in case {case.reference}")
    case.members.append(CaseMember(person_id=person_id, role=role))
    session.flush()
    audit.record(session, actor, "case.member_added", object_type="case", object_id=case.id, person_id=person_id)
    return case


def get_case(session: Session, actor: Actor, case_id: int, purpose: Purpose = Purpose.CASE_MANAGEMENT) -> Case:
    case, _ = checked_case(session, actor, case_id, purpose, Operation.READ)
    return case


def change_status(session: Session, actor: Actor, case_id: int, status: CaseStatus, reason: str = "") -> Case:
    """Step a case down or close it (a reason is required to close) or reopen it."""
    case, _ = checked_case(session, actor, case_id, Purpose.CASE_MANAGEMENT, Operation.WRITE, for_update=True)
    reason, problems = clean_free_text(reason, where="reason", label="Reason", max_length=2000)
    if status is CaseStatus.CLOSED and not reason:
        problems.append(Problem("reason", "Say why the case is closing"))
    if problems:
        raise InvalidInput(problems)
    previous = case.status
    case.status = status
    case.closed_reason = reason if status is CaseStatus.CLOSED else ""
    case.closed_on = today() if status is CaseStatus.CLOSED else None
    session.flush()
    audit.record(
        session,
        actor,
        "case.status_changed",
        object_type="case",
        object_id=case.id,
        before=previous.value,
        after=status.value,
        reason=reason,
    )
    return case


def move_case(session: Session, actor: Actor, case_id: int, team_id: int, key_worker_id: int | None) -> Case:
    """Hand a case to another team, in this partner or another; consent stays with the people in it."""
    case, _ = checked_case(session, actor, case_id, Purpose.CASE_MANAGEMENT, Operation.WRITE, for_update=True)
    team = session.get(Team, team_id)
    if team is None:
        raise InvalidInput([Problem("team_id", f"There is no team {team_id}")])
    if key_worker_id is not None and (problems := _key_worker_problems(session, team, key_worker_id)):
        raise InvalidInput(problems)
    before = (case.organisation_id, case.team_id)
    case.organisation_id, case.team_id, case.key_worker_id = team.organisation_id, team.id, key_worker_id
    session.flush()
    audit.record(
        session,
        actor,
        "case.moved",
        object_type="case",
        object_id=case.id,
        from_organisation_id=before[0],
        from_team_id=before[1],
        to_organisation_id=team.organisation_id,
        to_team_id=team.id,
    )
    return case


def add_note(session: Session, actor: Actor, case_id: int, text: str) -> CaseNote:
    case, _ = checked_case(session, actor, case_id, Purpose.CASE_MANAGEMENT, Operation.WRITE)
    cleaned, problems = clean_free_text(text, where="text", label="Note", max_length=20000)
    if not cleaned:
        problems.append(Problem("text", "Write the note"))
    if problems:
        raise InvalidInput(problems)
    note = CaseNote(case_id=case.id, written_by=actor.label, text=cleaned)
    session.add(note)
    session.flush()
    return note


def caseload(
    session: Session,
    actor: Actor,
    *,
    page: int,
    page_size: int,
    team_id: int | None = None,
    status: CaseStatus | None = CaseStatus.OPEN,
    kind: CaseKind | None = None,
) -> Page[Case]:
    """The cases of the actor's teams (or one of them), newest first; each listed case is an audited read."""
    rls.enter(session, actor)
    teams = access.team_ids(session, actor)
    if team_id is not None:
        if team_id not in teams:
            raise NotFound(f"You are not a member of team {team_id}")
        teams = frozenset({team_id})
    statement = (
        select(Case)
        .where(Case.team_id.in_(teams))
        .order_by(Case.opened_on.desc(), Case.id.desc())
        # the list names each case's people; their agencies' references are for the case's own page
        .options(selectinload(Case.members).joinedload(CaseMember.person).lazyload(Person.references))
    )
    if status is not None:
        statement = statement.where(Case.status == status)
    if kind is not None:
        statement = statement.where(Case.kind == kind)
    found = paginate(session, statement, page=page, page_size=page_size)
    for case in found.items:
        access.require(session, actor, case_scope(case, DataCategory.CASEWORK), Purpose.CASE_MANAGEMENT, Operation.READ)
    return found


def referrals_of(session: Session, case_id: int) -> list[Referral]:
    return list(session.scalars(select(Referral).where(Referral.case_id == case_id).order_by(Referral.received_at)))


def my_teams(session: Session, actor: Actor) -> list[Team]:
    teams = access.team_ids(session, actor)
    return list(session.scalars(select(Team).where(Team.id.in_(teams)).order_by(Team.name)))


def open_cases_of_organisation(session: Session, organisation_id: int, limit: int = 500) -> list[Case]:
    """The partner's open cases, newest first, for the gateway's "add to an open case" choice."""
    statement = (
        select(Case)
        .where(Case.organisation_id == organisation_id, Case.status == CaseStatus.OPEN)
        .order_by(Case.opened_on.desc(), Case.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


SYNTHETIC_REFERENCE = "SYN-"  # the demo cohort's mark on every person it makes up


def holds_synthetic_people(session: Session) -> bool:
    """Whether the demo's made-up people are here, so that pages can say so."""
    statement = select(AgencyReference.id).where(AgencyReference.reference.startswith(SYNTHETIC_REFERENCE))
    return session.scalar(statement.limit(1)) is not None
