"""One timeline of a case: everything that happened on it, newest first, gathered from each record that holds it.

For a case whose reading was already decided (see cases.access.checked_case): the parts are the case's own.
Status changes and moves are kept nowhere but the audit trail (the case row holds only the latest state), so
they are read from there, by the case's id.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.audit import COMMITTED_ONLY, AuditEntry
from wholeplace.business_dates import LONDON, london_date
from wholeplace.cases.checklists import available_checklists
from wholeplace.cases.model import (
    Assessment,
    Case,
    CaseIntervention,
    CaseNote,
    CaseOutcome,
    CaseStatus,
    FamilyAgreement,
    MaracReferral,
    MonitoringRecord,
    PlanAction,
    PlanGoal,
    PlanReview,
    Referral,
)
from wholeplace.partners.model import Team

# What a status change is called on the timeline, by the status it went to.
STATUS_EVENTS = {CaseStatus.OPEN: "Case reopened", CaseStatus.STEPPED_DOWN: "Stepped down", CaseStatus.CLOSED: "Closed"}


@dataclass(frozen=True)
class Event:
    on: dt.date  # the day in London
    kind: str  # a heading: "Referral", "Risk checklist", "Plan action", ...
    text: str
    by: str = ""
    href: str | None = None
    at: dt.datetime | None = None  # the moment, where the record keeps one (zone-aware)

    @property
    def time(self) -> str:
        """The London time of day, for events that keep one; "" for those that keep only a day."""
        return f"{self.at.astimezone(LONDON):%H:%M}" if self.at else ""


def _timed(at: dt.datetime, kind: str, text: str, by: str = "", href: str | None = None) -> Event:
    return Event(london_date(at), kind, text, by, href, at)


def timeline(session: Session, case: Case) -> list[Event]:
    """Every event of the case, newest first; on one day, events that keep a time come in their order, and
    those that keep only a day come after them (a plan review dated today was written after this morning's note)."""
    events = _gateway_and_status(session, case) + _risk(session, case) + _plan(session, case)
    events += _support(session, case)
    numbered = list(enumerate(events))
    numbered.sort(
        key=lambda pair: (pair[1].on, pair[1].at is None, pair[1].at.timestamp() if pair[1].at else 0.0, pair[0])
    )
    return [event for _, event in reversed(numbered)]


def _rows(session: Session, model: type, case: Case) -> list:  # type: ignore[type-arg]
    return list(session.scalars(select(model).where(model.case_id == case.id).order_by(model.id)))


def _gateway_and_status(session: Session, case: Case) -> list[Event]:
    events: list[Event] = []
    for referral in _rows(session, Referral, case):
        text = f"{referral.reference} from {referral.source.name}: {referral.reason}"
        href = f"/cases/referrals/{referral.id}"
        events.append(_timed(referral.received_at, "Referral", text, referral.referrer, href))
        if referral.screened_at and referral.outcome:
            note = f": {referral.outcome_note}" if referral.outcome_note else ""
            outcome = f"{referral.reference} screened: {referral.outcome.value}{note}"
            events.append(_timed(referral.screened_at, "Screening", outcome, referral.screened_by or "", href))
    statement = (
        select(AuditEntry)
        .where(
            AuditEntry.action.in_(("case.opened", "case.status_changed", "case.moved")),
            AuditEntry.object_type == "case",
            AuditEntry.object_id == str(case.id),
            AuditEntry.outcome == "allowed",
        )
        .order_by(AuditEntry.seq)
        .execution_options(**COMMITTED_ONLY)  # the page's own reads of the case are no part of its history
    )
    opened = f"{case.kind.value.capitalize()} case opened"
    entries = list(session.scalars(statement))
    if not any(entry.action == "case.opened" for entry in entries):  # loaded without the service (the demo)
        events.append(Event(case.opened_on, "Case opened", opened))
    closures = 0
    for entry in entries:
        detail = json.loads(entry.detail or "{}")
        if entry.action == "case.opened":
            events.append(_timed(entry.at, "Case opened", opened, entry.actor))
        elif entry.action == "case.moved":
            team = session.get(Team, detail.get("to_team_id"))
            events.append(_timed(entry.at, "Moved", f"Handed to {team.name if team else 'another team'}", entry.actor))
        elif detail.get("after") in CaseStatus._value2member_map_:
            after = CaseStatus(detail["after"])
            closures += after is CaseStatus.CLOSED
            events.append(_timed(entry.at, STATUS_EVENTS[after], detail.get("reason") or "", entry.actor))
    if case.closed_on and not closures:  # closed without the service
        events.append(Event(case.closed_on, "Closed", case.closed_reason))
    return events


def _risk(session: Session, case: Case) -> list[Event]:
    events: list[Event] = []
    checklists = available_checklists()
    for assessment in _rows(session, Assessment, case):
        checklist = checklists.get(assessment.checklist)
        name = checklist.title if checklist else assessment.checklist
        text = f"{name}: {assessment.yes_count} answered yes, level {assessment.level}"
        text += " (meets MARAC criteria)" if assessment.marac else ""
        href = f"/cases/{case.id}/assessments/{assessment.id}"
        events.append(_timed(assessment.assessed_at, "Risk checklist", text, assessment.assessed_by, href))
    for marac in _rows(session, MaracReferral, case):
        text = marac.criteria.replace("\n", ", ") + (" (repeat within 12 months)" if marac.is_repeat else "")
        href = f"/cases/marac/referrals/{marac.id}"
        events.append(Event(marac.referred_on, "MARAC referral", text, marac.referred_by, href))
    return events


def _plan(session: Session, case: Case) -> list[Event]:
    events: list[Event] = []
    href = f"/cases/{case.id}/plan"
    for goal in _rows(session, PlanGoal, case):
        events.append(_timed(goal.created_at, "Plan goal", goal.description, href=href))
        if goal.achieved_on:
            events.append(Event(goal.achieved_on, "Plan goal achieved", goal.description, href=href))
    for action in _rows(session, PlanAction, case):
        text = f"{action.agency.name} ({action.owner}): {action.description}, due {action.due_on:%d %B %Y}"
        events.append(_timed(action.created_at, "Plan action", text, action.created_by, href))
        if action.done_on:
            events.append(Event(action.done_on, f"Plan action {action.status.value}", text, href=href))
    for review in _rows(session, PlanReview, case):
        events.append(Event(review.reviewed_on, "Plan review", review.summary, review.reviewed_by, href))
    for agreement in _rows(session, FamilyAgreement, case):
        text = f"Signed by the family: {agreement.family_commitment}"
        events.append(Event(agreement.signed_on, "Families together agreement", text, agreement.recorded_by, href))
    return events


def _support(session: Session, case: Case) -> list[Event]:
    events: list[Event] = []
    href = f"/cases/{case.id}/interventions"
    for given in _rows(session, CaseIntervention, case):
        name = given.intervention.name
        events.append(Event(given.started_on, "Intervention", f"{name} started", href=href))
        if given.ended_on:
            result = {True: "achieved its aim", False: "did not achieve its aim", None: "ended"}[given.achieved]
            attended = (
                f" ({given.sessions_attended} of {given.sessions_offered} sessions attended)"
                if given.sessions_offered
                else ""
            )
            events.append(Event(given.ended_on, "Intervention", f"{name} {result}{attended}", href=href))
    for outcome in _rows(session, CaseOutcome, case):
        state = "achieved" if outcome.achieved else "not achieved"
        text = f"{outcome.kind.value.capitalize()}: {state}"
        events.append(Event(outcome.recorded_on, "Outcome", text, outcome.recorded_by, href))
    for record in _rows(session, MonitoringRecord, case):
        kind = record.kind.value.capitalize()
        began = f"{kind} began" + (f": {record.note}" if record.note else "")
        events.append(Event(record.started_on, "Monitoring", began))
        if record.ended_on:
            breaches = f"{record.breaches} breach" + ("" if record.breaches == 1 else "es")
            events.append(Event(record.ended_on, "Monitoring", f"{kind} ended; {breaches}"))
    for note in _rows(session, CaseNote, case):
        events.append(_timed(note.written_at, "Note", note.text, note.written_by))
    return events
