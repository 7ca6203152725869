"""MARAC: referrals prefilled from the checklist and the case, repeats within 12 months of the person's last MARAC,
meetings with their list of cases, and each agency's actions with owners and due dates.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.business_dates import today
from wholeplace.cases.access import case_scope, checked_case
from wholeplace.cases.checklists import available_checklists
from wholeplace.cases.model import (
    ActionStatus,
    Assessment,
    Case,
    MaracAction,
    MaracMeeting,
    MaracReferral,
)
from wholeplace.paging import Page, paginate
from wholeplace.partners.model import Organisation
from wholeplace.plain_text import clean_free_text, clean_name
from wholeplace.problems import InvalidInput, NotFound, Problem
from wholeplace.sharing import access, rls
from wholeplace.sharing.model import DataCategory, Operation, Purpose


def year_before(day: dt.date) -> dt.date:
    """The same day a year earlier (28 February for 29 February): a referral after it is within 12 months."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def refer_to_marac(
    session: Session, actor: Actor, case: Case, assessment: Assessment, criteria: tuple[str, ...]
) -> MaracReferral:
    """A MARAC referral written from the assessment and the case; the referral is a record of its own, so writing
    it is an access decision of its own (for the MARAC purpose), after the caller's on the assessment."""
    referred_on = today()
    previous = last_referral(session, assessment.person_id, before=referred_on)
    is_repeat = previous is not None and previous.referred_on > year_before(referred_on)
    referral = MaracReferral(
        case_id=case.id,
        person_id=assessment.person_id,
        assessment_id=assessment.id,
        referred_on=referred_on,
        criteria="\n".join(criteria),
        summary=referral_summary(case, assessment),
        is_repeat=is_repeat,
        previous_referral_id=previous.id if is_repeat and previous else None,
        referred_by=actor.label,
    )
    session.add(referral)
    session.flush()
    scope = case_scope(case, DataCategory.RISK, record_type="marac_referral", record_id=referral.id)
    access.require(session, actor, scope, Purpose.MARAC, Operation.WRITE)
    audit.record(
        session,
        actor,
        "marac.referred",
        object_type="marac_referral",
        object_id=referral.id,
        purpose=Purpose.MARAC.value,
        case_id=case.id,
        repeat=is_repeat,
        criteria=list(criteria),
    )
    return referral


def referral_summary(case: Case, assessment: Assessment) -> str:
    """What the MARAC needs to know, one sentence a line, carried over from the case and the checklist so that
    nothing is re-keyed: the case, the checklist by its title with the yes count and level, the call-outs, the
    reasons the level and the criteria were met, and the case's own summary."""
    shipped = available_checklists().get(assessment.checklist)
    title = shipped.title if shipped else assessment.checklist  # a checklist no longer shipped keeps its id
    lines = [
        f"{case.reference}: {case.kind.value} case held by {case.team.name}, {case.organisation.name}.",
        f"{title} ({assessment.checklist_version}) on {assessment.assessed_at:%d %B %Y}: "
        f"{assessment.yes_count} answered yes, level {assessment.level}.",
    ]
    if assessment.police_callouts_12_months is not None:
        lines.append(f"Police call-outs in the last 12 months: {assessment.police_callouts_12_months}.")
    lines += [_sentence(reason) for reason in json.loads(assessment.reasons or "[]")]
    if case.summary:
        lines.append(case.summary)
    return "\n".join(lines)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def last_referral(session: Session, person_id: int, *, before: dt.date) -> MaracReferral | None:
    statement = (
        select(MaracReferral)
        .where(MaracReferral.person_id == person_id, MaracReferral.referred_on <= before)
        .order_by(MaracReferral.referred_on.desc(), MaracReferral.id.desc())
    )
    return session.scalars(statement.limit(1)).first()


def get_referral(session: Session, actor: Actor, referral_id: int) -> tuple[MaracReferral, Case]:
    rls.enter(session, actor)
    referral = session.get(MaracReferral, referral_id)
    if referral is None:
        raise NotFound(f"There is no MARAC referral {referral_id}, or it is not shared with your organisation")
    case, _ = checked_case(
        session, actor, referral.case_id, Purpose.MARAC, Operation.READ, DataCategory.RISK, record_type="marac_referral"
    )
    return referral, case


def referrals_of_case(session: Session, case: Case) -> list[MaracReferral]:
    statement = select(MaracReferral).where(MaracReferral.case_id == case.id).order_by(MaracReferral.referred_on)
    return list(session.scalars(statement))


@dataclass(frozen=True)
class MeetingDetails:
    held_on: dt.date | None
    area: str
    chair: str


def schedule_meeting(session: Session, actor: Actor, details: MeetingDetails) -> MaracMeeting:
    """A MARAC meeting chaired by the actor's partner."""
    rls.enter(session, actor)
    area, problems = clean_name(details.area, where="area", label="Area", max_length=200)
    chair, found = clean_name(details.chair, where="chair", label="Chair", max_length=200)
    problems += found
    if details.held_on is None:
        problems.append(Problem("held_on", "Enter the date of the meeting"))
    if actor.organisation_id is None:
        problems.append(Problem("organisation", "Only a partner's user can schedule a MARAC"))
    if problems:
        raise InvalidInput(problems)
    assert details.held_on is not None and actor.organisation_id is not None
    meeting = MaracMeeting(organisation_id=actor.organisation_id, held_on=details.held_on, area=area, chair=chair)
    session.add(meeting)
    session.flush()
    audit.record(session, actor, "marac.meeting_scheduled", object_type="marac_meeting", object_id=meeting.id)
    return meeting


def list_meetings(session: Session, actor: Actor, *, page: int, page_size: int) -> Page[MaracMeeting]:
    rls.enter(session, actor)
    statement = select(MaracMeeting).order_by(MaracMeeting.held_on.desc(), MaracMeeting.id.desc())
    if actor.organisation_id is not None and session.get_bind().dialect.name != "postgresql":
        # row-level security limits this on PostgreSQL; here the service does
        statement = statement.where(MaracMeeting.organisation_id == actor.organisation_id)
    return paginate(session, statement, page=page, page_size=page_size)


def get_meeting(
    session: Session, actor: Actor, meeting_id: int
) -> tuple[MaracMeeting, list[tuple[MaracReferral, Case]]]:
    """The meeting and the cases on its list that the actor may read (each an audited read)."""
    rls.enter(session, actor)
    meeting = session.get(MaracMeeting, meeting_id)
    if meeting is None or meeting.organisation_id != actor.organisation_id:
        raise NotFound(f"There is no MARAC meeting {meeting_id} of your organisation")
    listed = []
    statement = select(MaracReferral).where(MaracReferral.meeting_id == meeting.id).order_by(MaracReferral.id)
    for referral in session.scalars(statement):
        case = session.get(Case, referral.case_id)
        assert case is not None
        scope = case_scope(case, DataCategory.RISK, record_type="marac_referral", record_id=referral.id)
        if access.decide(session, actor, scope, Purpose.MARAC, Operation.READ).allowed:
            listed.append((referral, case))
    return meeting, listed


def add_to_meeting(session: Session, actor: Actor, referral_id: int, meeting_id: int) -> MaracReferral:
    referral, _case = _writable_referral(session, actor, referral_id)
    meeting = session.get(MaracMeeting, meeting_id)
    # the same meetings the actor is shown (row-level security hides the others on PostgreSQL, this on SQLite)
    if meeting is None or meeting.organisation_id != actor.organisation_id:
        raise InvalidInput([Problem("meeting_id", f"There is no MARAC meeting {meeting_id} of your organisation")])
    referral.meeting_id = meeting.id
    session.flush()
    audit.record(
        session, actor, "marac.listed", object_type="marac_referral", object_id=referral.id, meeting_id=meeting.id
    )
    return referral


@dataclass(frozen=True)
class ActionDetails:
    agency: str | int  # the partner's identifier or name, or its id
    owner: str
    description: str
    due_on: dt.date | None


def record_action(session: Session, actor: Actor, referral_id: int, details: ActionDetails) -> MaracAction:
    """What an agency agreed at MARAC to do for the case; an unknown agency is refused with nothing written."""
    referral, _case = _writable_referral(session, actor, referral_id)
    owner, problems = clean_name(details.owner, where="owner", label="Owner", max_length=200)
    description, found = clean_free_text(details.description, where="description", label="Action", max_length=5000)
    problems += found
    if not description:
        problems.append(Problem("description", "Say what the agency will do"))
    if details.due_on is None:
        problems.append(Problem("due_on", "Enter the date the action is due"))
    agency = find_agency(session, details.agency)
    if agency is None:
        problems.append(Problem("agency", f"There is no partner called '{details.agency}'"))
    if problems:
        raise InvalidInput(problems)
    assert agency is not None and details.due_on is not None
    action = MaracAction(
        marac_referral_id=referral.id, agency_id=agency.id, owner=owner, description=description, due_on=details.due_on
    )
    referral.actions.append(action)
    session.flush()
    audit.record(session, actor, "marac.action_recorded", object_type="marac_action", object_id=action.id)
    return action


def find_agency(session: Session, agency: str | int) -> Organisation | None:
    """The partner named by its id, identifier or name; None when there is no such partner."""
    if isinstance(agency, int):
        return session.get(Organisation, agency)
    text = " ".join(agency.split())
    if not text:
        return None
    statement = select(Organisation).where((Organisation.identifier == text) | (Organisation.name == text))
    return session.scalars(statement.limit(1)).first()


def complete_action(
    session: Session, actor: Actor, action_id: int, done_on: dt.date | None = None, *, of_referral: int | None = None
) -> MaracAction:
    """Mark an agency's action done (today unless told); only an open action can be. A page names the referral
    the action was shown under (`of_referral`), and an action of another referral is not found there."""
    rls.enter(session, actor)
    action = session.get(MaracAction, action_id)
    if action is None or of_referral not in (None, action.marac_referral_id):
        raise NotFound(f"There is no MARAC action {action_id}")
    _writable_referral(session, actor, action.marac_referral_id)
    problems = []
    if action.status is not ActionStatus.OPEN:
        problems.append(Problem("action", f"This action is already {action.status.value}"))
    if done_on is not None and done_on > today():
        problems.append(Problem("done_on", "The date it was done must be today or in the past"))
    if problems:
        raise InvalidInput(problems)
    action.status, action.done_on = ActionStatus.DONE, done_on or today()
    session.flush()
    audit.record(session, actor, "marac.action_done", object_type="marac_action", object_id=action.id)
    return action


def _writable_referral(session: Session, actor: Actor, referral_id: int) -> tuple[MaracReferral, Case]:
    rls.enter(session, actor)
    referral = session.get(MaracReferral, referral_id)
    if referral is None:
        raise NotFound(f"There is no MARAC referral {referral_id}, or it is not shared with your organisation")
    case, _ = checked_case(
        session,
        actor,
        referral.case_id,
        Purpose.MARAC,
        Operation.WRITE,
        DataCategory.RISK,
        record_type="marac_referral",
    )
    return referral, case


def overdue_actions(session: Session, actor: Actor, team_id: int, on: dt.date | None = None) -> list[MaracAction]:
    """Open MARAC actions past their due date on the cases of one of the actor's teams, the longest overdue first;
    each listed action is an audited read."""
    rls.enter(session, actor)
    if team_id not in access.team_ids(session, actor):
        raise NotFound(f"You are not a member of team {team_id}")
    rows = session.execute(
        select(MaracAction, Case)
        .join(MaracReferral, MaracReferral.id == MaracAction.marac_referral_id)
        .join(Case, Case.id == MaracReferral.case_id)
        .where(Case.team_id == team_id, MaracAction.status == ActionStatus.OPEN, MaracAction.due_on < (on or today()))
        .order_by(MaracAction.due_on, MaracAction.id)
    ).all()
    overdue = []
    for action, case in rows:
        scope = case_scope(case, DataCategory.RISK, record_type="marac_action", record_id=action.id)
        access.require(session, actor, scope, Purpose.MARAC, Operation.READ)
        overdue.append(action)
    return overdue


def actions_by_agency(
    listed: list[tuple[MaracReferral, Case]],
) -> list[tuple[Organisation, list[tuple[MaracAction, Case]]]]:
    """A meeting's actions grouped by the agency that owns them (by name), each agency's soonest due first."""
    grouped: dict[int, tuple[Organisation, list[tuple[MaracAction, Case]]]] = {}
    for referral, case in listed:
        for action in referral.actions:
            grouped.setdefault(action.agency_id, (action.agency, []))[1].append((action, case))
    return [
        (agency, sorted(actions, key=lambda pair: (pair[0].due_on, pair[0].id)))
        for agency, actions in sorted(grouped.values(), key=lambda group: group[0].name)
    ]
