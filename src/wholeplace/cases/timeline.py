"""One timeline of a case: everything that happened on it, newest first, gathered from each record that holds it.

For a case whose reading was already decided (see cases.access.checked_case): the parts are the case's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.cases.checklists import available_checklists
from wholeplace.cases.model import (
    Assessment,
    Case,
    CaseIntervention,
    CaseNote,
    CaseOutcome,
    FamilyAgreement,
    MaracReferral,
    MonitoringRecord,
    PlanAction,
    PlanGoal,
    PlanReview,
    Referral,
)


@dataclass(frozen=True)
class Event:
    on: dt.date
    kind: str  # a heading: "Referral", "Risk checklist", "Plan action", ...
    text: str
    by: str = ""
    href: str | None = None


def _day(moment: dt.datetime | dt.date) -> dt.date:
    return moment.date() if isinstance(moment, dt.datetime) else moment


def timeline(session: Session, case: Case) -> list[Event]:
    def rows(model: type) -> list:  # type: ignore[type-arg]
        return list(session.scalars(select(model).where(model.case_id == case.id)))

    events = [Event(case.opened_on, "Case opened", f"{case.kind.value.capitalize()} case opened in {case.team.name}")]
    if case.closed_on:
        events.append(Event(case.closed_on, "Case closed", case.closed_reason))
    for referral in rows(Referral):
        events.append(
            Event(
                _day(referral.received_at),
                "Referral",
                f"{referral.reference} from {referral.source.name}: {referral.reason}",
                referral.referrer,
                f"/cases/referrals/{referral.id}",
            )
        )
    for assessment in rows(Assessment):
        title = available_checklists().get(assessment.checklist)
        name = title.title if title else assessment.checklist
        text = f"{name}: {assessment.yes_count} answered yes, level {assessment.level}"
        events.append(
            Event(
                _day(assessment.assessed_at),
                "Risk checklist",
                text + (" (meets MARAC criteria)" if assessment.marac else ""),
                assessment.assessed_by,
                f"/cases/{case.id}/assessments/{assessment.id}",
            )
        )
    for marac in rows(MaracReferral):
        repeat = " (repeat)" if marac.is_repeat else ""
        events.append(
            Event(marac.referred_on, "MARAC referral", marac.criteria.replace("\n", ", ") + repeat, marac.referred_by)
        )
    for goal in rows(PlanGoal):
        events.append(Event(_day(goal.created_at), "Plan goal", goal.description))
    for action in rows(PlanAction):
        events.append(
            Event(
                _day(action.created_at),
                "Plan action",
                f"{action.agency.name}: {action.description} (due {action.due_on:%d %B %Y}, {action.status.value})",
                action.created_by,
            )
        )
    for review in rows(PlanReview):
        events.append(Event(review.reviewed_on, "Plan review", review.summary, review.reviewed_by))
    for agreement in rows(FamilyAgreement):
        events.append(Event(agreement.signed_on, "Families together agreement", agreement.family_commitment))
    for given in rows(CaseIntervention):
        events.append(Event(given.started_on, "Intervention", f"{given.intervention.name} started"))
        if given.ended_on:
            result = {True: "achieved its aim", False: "did not achieve its aim", None: "ended"}[given.achieved]
            events.append(Event(given.ended_on, "Intervention", f"{given.intervention.name} {result}"))
    for outcome in rows(CaseOutcome):
        state = "achieved" if outcome.achieved else "not achieved"
        events.append(Event(outcome.recorded_on, "Outcome", f"{outcome.kind.value}: {state}", outcome.recorded_by))
    for record in rows(MonitoringRecord):
        events.append(Event(record.started_on, "Monitoring", f"{record.kind.value} began; {record.breaches} breaches"))
    for note in rows(CaseNote):
        events.append(Event(_day(note.written_at), "Note", note.text, note.written_by))
    return sorted(events, key=lambda event: event.on, reverse=True)
