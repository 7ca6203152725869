"""Rectification: correcting a person's details on their request, the old value of each kept in the audit entry
beside the new one, with the reason. Decided as a write of identity or contact details (or both) in the case
the actor's team holds, for case management.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.cases.access import person_scope
from wholeplace.cases.model import Case, CaseMember, Person, Sex
from wholeplace.cases.people import PersonDetails, checked_details
from wholeplace.plain_text import clean_free_text
from wholeplace.problems import InvalidInput, NotFound, Problem
from wholeplace.sharing import access, rls
from wholeplace.sharing.model import DataCategory, Operation, Purpose

# Which details a rectification may correct, and the category of data each belongs to.
CORRECTABLE: dict[str, DataCategory] = {
    "given_name": DataCategory.IDENTITY,
    "family_name": DataCategory.IDENTITY,
    "other_names": DataCategory.IDENTITY,
    "date_of_birth": DataCategory.IDENTITY,
    "sex": DataCategory.IDENTITY,
    "address": DataCategory.CONTACT,
    "postcode": DataCategory.CONTACT,
    "telephone": DataCategory.CONTACT,
    "email": DataCategory.CONTACT,
}


def _holding_case(session: Session, actor: Actor, person: Person) -> Case | None:
    """The case to decide a change of the person's details in: one of the actor's teams' first, open first."""
    teams = access.team_ids(session, actor)
    cases = session.scalars(select(Case).join(CaseMember).where(CaseMember.person_id == person.id)).unique()
    return min(cases, key=lambda c: (c.team_id not in teams, c.closed_on is not None, -c.id), default=None)


def details_to_correct(session: Session, actor: Actor, person_id: int) -> Person:
    """The person's details as held, for a correction: reading both categories is decided (and audited)."""
    rls.enter(session, actor)
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"There is no person {person_id}, or it is not shared with you")
    case = _holding_case(session, actor, person)
    for category in (DataCategory.IDENTITY, DataCategory.CONTACT):
        scope = person_scope(session, person, category, case)
        access.require(session, actor, scope, Purpose.CASE_MANAGEMENT, Operation.READ)
    return person


def rectify(
    session: Session, actor: Actor, person_id: int, changes: Mapping[str, object], *, reason: str = ""
) -> Person:
    """Correct a person's details; the audit entry keeps each old value beside the new one, and the reason."""
    rls.enter(session, actor)
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"There is no person {person_id}, or it is not shared with you")
    unknown = [
        Problem(key, f"{key} is not a detail that can be corrected") for key in changes if key not in CORRECTABLE
    ]
    if unknown:
        raise InvalidInput(unknown)
    case = _holding_case(session, actor, person)
    for category in sorted({CORRECTABLE[key] for key in changes}):
        scope = person_scope(session, person, category, case)
        access.require(session, actor, scope, Purpose.CASE_MANAGEMENT, Operation.WRITE)
    problems: list[Problem] = []
    given = dict(changes)
    if "sex" in given and not isinstance(given["sex"], Sex):
        try:
            given["sex"] = Sex(str(given["sex"]))
        except ValueError:
            problems.append(Problem("sex", "Choose female, male or not known"))
            given.pop("sex")
    if "date_of_birth" in given and not isinstance(given["date_of_birth"], dt.date | None):
        problems.append(Problem("date_of_birth", "Date of birth must be a date"))
        given.pop("date_of_birth")
    current = {key: getattr(person, key) for key in CORRECTABLE}
    cleaned, found = checked_details(PersonDetails(**(current | given)))  # type: ignore[arg-type]
    problems += [problem for problem in found if problem.where in changes]
    reason, found = clean_free_text(reason, where="reason", label="Reason", max_length=2000)
    problems += found
    if problems:
        raise InvalidInput(problems)
    changed = {key: (current[key], getattr(cleaned, key)) for key in given if current[key] != getattr(cleaned, key)}
    if not changed:
        raise InvalidInput([Problem("", "Nothing to correct: the details given are the ones already held")])
    for key, (_, after) in changed.items():
        setattr(person, key, after)
    session.flush()
    audit.record(
        session,
        actor,
        "person.rectified",
        object_type="person",
        object_id=person.id,
        purpose=Purpose.CASE_MANAGEMENT.value,
        changes={key: {"before": _plain(before), "after": _plain(after)} for key, (before, after) in changed.items()},
        reason=reason,
    )
    return person


def _plain(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Sex):
        return value.value
    return value
