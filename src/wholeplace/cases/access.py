"""How casework asks `sharing.access` before touching a record: the scope of each kind of record, and loading a
case, referral or person only once the decision allows it.

Every service in `cases` goes through these functions, so no case data is read or written without one access
decision and its audit entry. Each also scopes the transaction for row-level security on PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from wholeplace.auth.actor import Actor
from wholeplace.cases.model import Case, CaseMember, CaseRole, Person, Referral
from wholeplace.problems import NotFound
from wholeplace.sharing import access, rls
from wholeplace.sharing.access import AccessDecision, Scope
from wholeplace.sharing.model import DataCategory, Operation, Purpose


def case_scope(case: Case, category: DataCategory, *, record_type: str = "case", record_id: int | None = None) -> Scope:
    return Scope(
        record_type=record_type,
        record_id=case.id if record_id is None else record_id,
        organisation_id=case.organisation_id,
        team_id=case.team_id,
        category=category,
        case_id=case.id,
        person_ids=tuple(member.person_id for member in case.members),
    )


def person_scope(session: Session, person: Person, category: DataCategory, case: Case | None = None) -> Scope:
    """A person's record, as held in a case (or, outside any case, by the partner that recorded them)."""
    return Scope(
        record_type="person",
        record_id=person.id,
        organisation_id=case.organisation_id if case else person.organisation_id,
        team_id=case.team_id if case else None,
        category=category,
        case_id=case.id if case else None,
        person_ids=(person.id,),
        protected_from_team_ids=teams_working_with_abusers_of(session, person.id),
    )


def referral_scope(referral: Referral, category: DataCategory) -> Scope:
    return Scope(
        record_type="referral",
        record_id=referral.id,
        organisation_id=referral.organisation_id,
        team_id=referral.team_id,
        category=category,
        case_id=referral.case_id,
        person_ids=(referral.person_id,),
    )


def teams_working_with_abusers_of(session: Session, person_id: int) -> frozenset[int]:
    """Teams holding a case of someone named as perpetrator in a case where this person is a victim.

    A team that also holds a case of this person is not among them: it is working with the victim.
    """
    as_victim = aliased(CaseMember)
    their_perpetrator = aliased(CaseMember)
    perpetrator_elsewhere = aliased(CaseMember)
    perpetrators = (
        select(their_perpetrator.person_id)
        .join(as_victim, as_victim.case_id == their_perpetrator.case_id)
        .where(
            as_victim.person_id == person_id,
            as_victim.role == CaseRole.VICTIM,
            their_perpetrator.role == CaseRole.PERPETRATOR,
        )
    )
    cases_of_person = select(CaseMember.case_id).where(CaseMember.person_id == person_id)
    teams_with_person = select(Case.team_id).where(Case.id.in_(cases_of_person))
    statement = (
        select(Case.team_id)
        .join(perpetrator_elsewhere, perpetrator_elsewhere.case_id == Case.id)
        .where(
            perpetrator_elsewhere.person_id.in_(perpetrators),
            perpetrator_elsewhere.role == CaseRole.PERPETRATOR,
            Case.team_id.not_in(teams_with_person),
        )
    )
    return frozenset(session.scalars(statement))


def checked_case(
    session: Session,
    actor: Actor,
    case_id: int,
    purpose: Purpose,
    operation: Operation,
    category: DataCategory = DataCategory.CASEWORK,
    *,
    for_update: bool = False,
    record_type: str = "case",
) -> tuple[Case, AccessDecision]:
    """The case, once the access decision allows the actor this operation on it; refused otherwise."""
    rls.enter(session, actor)
    statement = select(Case).where(Case.id == case_id)
    if for_update:
        statement = statement.with_for_update(of=Case, key_share=True)
    case = session.scalar(statement)
    if case is None:
        raise NotFound(f"There is no case {case_id}, or it is not shared with your organisation")
    return case, access.require(session, actor, case_scope(case, category, record_type=record_type), purpose, operation)


def checked_referral(
    session: Session,
    actor: Actor,
    referral_id: int,
    purpose: Purpose,
    operation: Operation,
    *,
    for_update: bool = False,
) -> tuple[Referral, AccessDecision]:
    rls.enter(session, actor)
    statement = select(Referral).where(Referral.id == referral_id)
    if for_update:
        statement = statement.with_for_update(of=Referral, key_share=True)
    referral = session.scalar(statement)
    if referral is None:
        raise NotFound(f"There is no referral {referral_id}, or it is not shared with your organisation")
    return referral, access.require(session, actor, referral_scope(referral, DataCategory.IDENTITY), purpose, operation)


def contact_visible(session: Session, actor: Actor, person: Person, case: Case | None, purpose: Purpose) -> bool:
    """Whether the actor may see this person's address and contact details here; the answer is audited."""
    scope = person_scope(session, person, DataCategory.CONTACT, case)
    return access.decide(session, actor, scope, purpose, Operation.READ).allowed
