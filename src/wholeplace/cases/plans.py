"""The single plan of a case: goals, actions each owned by a named agency with a due date, and reviews (seed 002
§7.4 and §10: a key worker responsible for delivering one plan); the families together agreement (§9.1); and the
electronic and alcohol monitoring of offenders under integrated offender management (§7.6, seed 003 §8).

Every function reaches the case through `cases.access`, so each record read or written is one access decision and
one audit entry: the plan is casework (`DataCategory.CASEWORK`), monitoring is offending
(`DataCategory.OFFENDING`). Input is checked in full first, so bad input is refused with every reason and nothing
is written, not even an access entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.business_dates import today
from wholeplace.cases.access import case_scope, checked_case, person_scope
from wholeplace.cases.model import (
    ActionStatus,
    Case,
    CaseKind,
    CaseStatus,
    FamilyAgreement,
    FamilyAgreementSignature,
    MonitoringKind,
    MonitoringRecord,
    PlanAction,
    PlanGoal,
    PlanReview,
)
from wholeplace.partners.model import Organisation, Team
from wholeplace.plain_text import clean_free_text, clean_name
from wholeplace.problems import Conflict, InvalidInput, NotFound, Problem
from wholeplace.sharing import access, rls
from wholeplace.sharing.model import DataCategory, Operation, Purpose

LARGEST_ID = 2**31 - 1  # ids are PostgreSQL INTEGERs; a bigger number is no partner's id
Child = TypeVar("Child", PlanGoal, PlanAction, MonitoringRecord)
Row = TypeVar("Row", PlanGoal, PlanAction, PlanReview, FamilyAgreement, MonitoringRecord)


@dataclass(frozen=True)
class ActionIn:
    description: str
    agency: str | int | None  # the owning partner: its identifier ("GB-LAE-ESS") or its id
    owner: str  # the named person at that agency
    due_on: dt.date | None
    goal_id: int | None = None


@dataclass(frozen=True)
class Signer:
    person_id: int
    name: str  # as the actor may see it: the name, or the pseudonym for an analyst


@dataclass(frozen=True)
class Plan:
    """A case's single plan as its page shows it."""

    case: Case
    goals: list[PlanGoal]
    actions: list[PlanAction]
    reviews: list[PlanReview]  # newest first
    agreements: list[FamilyAgreement]
    monitoring: list[MonitoringRecord] | None  # None: not an offender case, or offending data not shared with you
    signers: list[Signer]  # who may sign a families together agreement (family cases only)
    overdue_ids: frozenset[int]

    @property
    def next_review_on(self) -> dt.date | None:
        return self.reviews[0].next_review_on if self.reviews else None


@dataclass(frozen=True)
class OverdueAction:
    action: PlanAction
    case_reference: str
    days_overdue: int


def agencies(session: Session) -> list[Organisation]:
    """The partners an action can be given to, by name."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def find_agency(session: Session, given: str | int | None, problems: list[Problem], where: str) -> Organisation | None:
    """The partner named by identifier or id; a problem naming what was given when there is none."""
    text = str(given).strip() if given is not None else ""
    if not text:
        problems.append(Problem(where, "Choose the agency that owns this"))
        return None
    found = None
    if text.isdigit() and int(text) <= LARGEST_ID:
        found = session.get(Organisation, int(text))
    if found is None:
        found = session.scalar(select(Organisation).where(Organisation.identifier == text))
    if found is None:
        problems.append(Problem(where, f"There is no partner '{text[:100]}'. Choose one of the partners of the place"))
    return found


# field -> (its label in messages, what to say when it is left empty, its longest length)
TEXTS = {
    "goal": ("Goal", "Describe the goal", 2000),
    "description": ("Action", "Describe the action", 5000),
    "summary": ("Summary", "Say what the review found", 20000),
    "family_commitment": ("What the family agrees to", "Say what the family agrees to", 20000),
    "agencies_commitment": ("What the agencies agree to", "Say what the agencies agree to", 20000),
    "agreed_to": ("What they agreed to", "Say what this person agreed to", 5000),
}


def _text(problems: list[Problem], where: str, value: str, kind: str | None = None) -> str:
    """Required free text, cleaned; its problems are added to `problems`."""
    label, missing, max_length = TEXTS[kind or where]
    cleaned, found = clean_free_text(value, where=where, label=label, max_length=max_length)
    problems += found
    if not cleaned and not found:
        problems.append(Problem(where, missing))
    return cleaned


def _not_future(problems: list[Problem], where: str, day: dt.date | None, label: str) -> None:
    if day is not None and day > today():
        problems.append(Problem(where, f"{label} must be today or in the past"))


# what the audit trail and the access decisions call each record
RECORD_TYPES: dict[type, str] = {
    PlanGoal: "plan_goal",
    PlanAction: "plan_action",
    PlanReview: "plan_review",
    FamilyAgreement: "family_agreement",
    MonitoringRecord: "monitoring",
}


def _saved(session: Session, actor: Actor, action: str, record: Row, **detail: object) -> Row:
    """The record written, and its audit entry."""
    session.add(record)
    session.flush()
    record_type = RECORD_TYPES[type(record)]
    audit.record(session, actor, action, object_type=record_type, object_id=record.id, case_id=record.case_id, **detail)
    return record


def _category(model: type) -> DataCategory:
    return DataCategory.OFFENDING if model is MonitoringRecord else DataCategory.CASEWORK


def _case_to_change(session: Session, actor: Actor, case_id: int, model: type) -> Case:
    """The open case, once the access decision allows writing this kind of record to it."""
    purpose, operation = Purpose.CASE_MANAGEMENT, Operation.WRITE
    case, _ = checked_case(
        session, actor, case_id, purpose, operation, _category(model), record_type=RECORD_TYPES[model]
    )
    _open(case)
    return case


def _open(case: Case) -> None:
    if case.status is CaseStatus.CLOSED:
        raise Conflict(f"Case {case.reference} is closed, so its plan cannot change; reopen the case first")


def add_goal(session: Session, actor: Actor, case_id: int, description: str) -> PlanGoal:
    problems: list[Problem] = []
    text = _text(problems, "goal", description)
    if problems:
        raise InvalidInput(problems)
    case = _case_to_change(session, actor, case_id, PlanGoal)
    return _saved(session, actor, "plan.goal_added", PlanGoal(case_id=case.id, description=text))


def achieve_goal(session: Session, actor: Actor, goal_id: int, achieved_on: dt.date | None) -> PlanGoal:
    """Mark a goal achieved on a day (or not achieved after all, with None)."""
    if achieved_on is not None and achieved_on > today():
        raise InvalidInput([Problem("achieved_on", "The date achieved must be today or in the past")])
    goal = _checked_child(session, actor, PlanGoal, goal_id)
    goal.achieved_on = achieved_on
    return _saved(session, actor, "plan.goal_achieved", goal, achieved_on=achieved_on)


def add_action(session: Session, actor: Actor, case_id: int, action: ActionIn) -> PlanAction:
    """An action of the plan, owned by a named agency, due on a day; an unknown agency is refused."""
    rls.enter(session, actor)
    problems: list[Problem] = []
    description = _text(problems, "description", action.description)
    agency = find_agency(session, action.agency, problems, "agency")
    owner, found = clean_name(action.owner, where="owner", label="Owner", max_length=200)
    problems += found
    if action.due_on is None:
        problems.append(Problem("due_on", "Enter the date the action is due"))
    if problems:
        raise InvalidInput(problems)
    assert agency is not None and action.due_on is not None
    case = _case_to_change(session, actor, case_id, PlanAction)
    goal = session.get(PlanGoal, action.goal_id) if action.goal_id and action.goal_id <= LARGEST_ID else None
    if action.goal_id is not None and (goal is None or goal.case_id != case.id):
        raise InvalidInput([Problem("goal_id", "Choose one of this plan's goals, or none")])
    made = PlanAction(
        case_id=case.id,
        goal_id=action.goal_id,
        agency_id=agency.id,
        owner=owner,
        description=description,
        due_on=action.due_on,
        created_by=actor.label,
    )
    return _saved(session, actor, "plan.action_added", made, agency_id=agency.id, due_on=action.due_on)


def complete_action(session: Session, actor: Actor, action_id: int, done_on: dt.date | None = None) -> PlanAction:
    return _close_action(session, actor, action_id, ActionStatus.DONE, done_on or today())


def cancel_action(session: Session, actor: Actor, action_id: int) -> PlanAction:
    return _close_action(session, actor, action_id, ActionStatus.CANCELLED, None)


def _close_action(
    session: Session, actor: Actor, action_id: int, status: ActionStatus, done_on: dt.date | None
) -> PlanAction:
    if done_on is not None and done_on > today():
        raise InvalidInput([Problem("done_on", "The date done must be today or in the past")])
    action = _checked_child(session, actor, PlanAction, action_id)
    if action.status is not ActionStatus.OPEN:
        raise Conflict(f"This action is already {action.status.value}")
    action.status, action.done_on = status, done_on
    return _saved(session, actor, f"plan.action_{status.value}", action)


def add_review(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    reviewed_on: dt.date | None,
    summary: str,
    next_review_on: dt.date | None,
) -> PlanReview:
    """A review of the plan: what changed, and when it is next reviewed (after this review)."""
    problems: list[Problem] = []
    text = _text(problems, "summary", summary)
    if reviewed_on is None:
        problems.append(Problem("reviewed_on", "Enter the date of the review"))
    _not_future(problems, "reviewed_on", reviewed_on, "The date of the review")
    if next_review_on is not None and reviewed_on is not None and next_review_on <= reviewed_on:
        problems.append(Problem("next_review_on", "The next review must be after this one"))
    if problems:
        raise InvalidInput(problems)
    assert reviewed_on is not None
    case = _case_to_change(session, actor, case_id, PlanReview)
    review = PlanReview(
        case_id=case.id, reviewed_on=reviewed_on, summary=text, next_review_on=next_review_on, reviewed_by=actor.label
    )
    return _saved(session, actor, "plan.reviewed", review)


def record_family_agreement(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    family_commitment: str,
    agencies_commitment: str,
    signed_on: dt.date | None,
    signatures: Mapping[int, str],
) -> FamilyAgreement:
    """A families together agreement: what the family and the agencies commit to, and what each member who
    signed agreed to. Only on a family case, and each signer must be in the case."""
    problems: list[Problem] = []
    family = _text(problems, "family_commitment", family_commitment)
    agencies_text = _text(problems, "agencies_commitment", agencies_commitment)
    if signed_on is None:
        problems.append(Problem("signed_on", "Enter the date the agreement was signed"))
    _not_future(problems, "signed_on", signed_on, "The date signed")
    if not signatures:
        problems.append(Problem("signatures", "At least one member of the family must sign the agreement"))
    agreed = {
        person_id: _text(problems, f"agreed_to_{person_id}", text, "agreed_to")
        for person_id, text in signatures.items()
    }
    if problems:
        raise InvalidInput(problems)
    assert signed_on is not None
    case = _case_to_change(session, actor, case_id, FamilyAgreement)
    if case.kind is not CaseKind.FAMILY:
        raise InvalidInput([Problem("", "A families together agreement is made on a family case")])
    members = {member.person_id for member in case.members}
    strangers = [person_id for person_id in agreed if person_id not in members]
    if strangers:
        message = f"Only the people in case {case.reference} can sign its agreement"
        raise InvalidInput([Problem(f"agreed_to_{person_id}", message) for person_id in strangers])
    agreement = FamilyAgreement(
        case_id=case.id,
        family_commitment=family,
        agencies_commitment=agencies_text,
        signed_on=signed_on,
        recorded_by=actor.label,
        signatures=[
            FamilyAgreementSignature(person_id=person_id, agreed_to=text, signed_on=signed_on)
            for person_id, text in sorted(agreed.items())
        ],
    )
    return _saved(session, actor, "plan.family_agreement_signed", agreement, signed_by=sorted(agreed))


def add_monitoring(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    kind: MonitoringKind,
    started_on: dt.date | None,
    ended_on: dt.date | None = None,
    breaches: int = 0,
    note: str = "",
) -> MonitoringRecord:
    """Electronic or alcohol monitoring of an offender: only on an offender case, as offending data."""
    problems: list[Problem] = []
    note_text, found = clean_free_text(note, where="note", label="Note", max_length=5000)
    problems += found + _period_problems(started_on, ended_on, breaches)
    if problems:
        raise InvalidInput(problems)
    case = _case_to_change(session, actor, case_id, MonitoringRecord)
    if case.kind is not CaseKind.OFFENDER:
        raise InvalidInput([Problem("", "Monitoring is recorded only on offender cases (offender management)")])
    assert started_on is not None
    record = MonitoringRecord(
        case_id=case.id, kind=kind, started_on=started_on, ended_on=ended_on, breaches=breaches, note=note_text
    )
    return _saved(session, actor, "plan.monitoring_added", record, kind=kind.value)


def end_monitoring(
    session: Session, actor: Actor, record_id: int, *, ended_on: dt.date | None, breaches: int
) -> MonitoringRecord:
    """Close a monitoring period with its count of breaches."""
    record = _checked_child(session, actor, MonitoringRecord, record_id)
    if ended_on is None:
        raise InvalidInput([Problem("ended_on", "Enter the date monitoring ended")])
    if problems := _period_problems(record.started_on, ended_on, breaches):
        raise InvalidInput(problems)
    record.ended_on, record.breaches = ended_on, breaches
    return _saved(session, actor, "plan.monitoring_ended", record, breaches=breaches)


def _period_problems(started_on: dt.date | None, ended_on: dt.date | None, breaches: int) -> list[Problem]:
    problems = []
    if started_on is None:
        problems.append(Problem("started_on", "Enter the date monitoring started"))
    if ended_on is not None and started_on is not None and ended_on < started_on:
        problems.append(Problem("ended_on", "Monitoring cannot end before it started"))
    _not_future(problems, "ended_on", ended_on, "The date monitoring ended")
    if not 0 <= breaches <= 10_000:
        problems.append(Problem("breaches", "Breaches must be a whole number, 0 or more"))
    return problems


def _checked_child(session: Session, actor: Actor, model: type[Child], record_id: int) -> Child:
    """A record of an open case's plan, once the access decision for that record allows a change to it."""
    rls.enter(session, actor)
    record = session.get(model, record_id)
    case = session.get(Case, record.case_id) if record is not None else None
    if record is None or case is None:
        label = RECORD_TYPES[model].removeprefix("plan_").replace("_", " ")
        raise NotFound(f"There is no {label} {record_id}, or it is not shared with your organisation")
    scope = case_scope(case, _category(model), record_type=RECORD_TYPES[model], record_id=record_id)
    access.require(session, actor, scope, Purpose.CASE_MANAGEMENT, Operation.WRITE)
    _open(case)
    return record


def plan_of(session: Session, actor: Actor, case_id: int) -> Plan:
    """The plan, read as one casework record; monitoring (offending data) and the names of a family's members
    (identity) are further decisions, so a partner sees only what it is allowed."""
    case, _ = checked_case(session, actor, case_id, Purpose.CASE_MANAGEMENT, Operation.READ, record_type="plan")
    goals = _of_case(session, PlanGoal, case.id, PlanGoal.id)
    actions = _of_case(session, PlanAction, case.id, PlanAction.due_on, PlanAction.id)
    reviews = _of_case(session, PlanReview, case.id, PlanReview.reviewed_on.desc(), PlanReview.id.desc())
    agreements = _of_case(
        session, FamilyAgreement, case.id, FamilyAgreement.signed_on.desc(), FamilyAgreement.id.desc()
    )
    monitoring = None
    if case.kind is CaseKind.OFFENDER:
        scope = case_scope(case, DataCategory.OFFENDING, record_type="monitoring")
        if access.decide(session, actor, scope, Purpose.CASE_MANAGEMENT, Operation.READ).allowed:
            monitoring = _of_case(session, MonitoringRecord, case.id, MonitoringRecord.started_on.desc())
    signers = _signers(session, actor, case) if case.kind is CaseKind.FAMILY else []
    day = today()
    overdue = frozenset(a.id for a in actions if a.status is ActionStatus.OPEN and a.due_on < day)
    return Plan(case, goals, actions, reviews, agreements, monitoring, signers, overdue)


def _of_case(session: Session, model: type[Row], case_id: int, *order: Any) -> list[Row]:
    return list(session.scalars(select(model).where(model.case_id == case_id).order_by(*order)))


def _signers(session: Session, actor: Actor, case: Case) -> list[Signer]:
    signers = []
    for member in case.members:
        scope = person_scope(session, member.person, DataCategory.IDENTITY, case)
        decision = access.decide(session, actor, scope, Purpose.CASE_MANAGEMENT, Operation.READ)
        # a refused or pseudonymised reader sees the meaningless pseudonym, never the name
        shown = decision.allowed and not decision.pseudonymised
        signers.append(Signer(member.person_id, member.person.full_name if shown else member.person.pseudonym))
    return signers


def overdue_plan_actions(session: Session, actor: Actor, team_id: int) -> list[OverdueAction]:
    """Open actions past their due date in the team's open and stepped-down cases, the longest overdue first;
    each listed action is an audited read."""
    rls.enter(session, actor)
    if session.get(Team, team_id) is None:
        raise NotFound(f"There is no team {team_id}")
    day = today()
    rows = session.execute(
        select(PlanAction, Case)
        .join(Case, Case.id == PlanAction.case_id)
        .where(
            Case.team_id == team_id,
            Case.status != CaseStatus.CLOSED,
            PlanAction.status == ActionStatus.OPEN,
            PlanAction.due_on < day,
        )
        .order_by(PlanAction.due_on, PlanAction.id)
    ).all()
    overdue = []
    for action, case in rows:
        scope = case_scope(case, DataCategory.CASEWORK, record_type="plan_action", record_id=action.id)
        access.require(session, actor, scope, Purpose.CASE_MANAGEMENT, Operation.READ)
        overdue.append(OverdueAction(action, case.reference, (day - action.due_on).days))
    return overdue
