"""The casework on each case of the demo's synthetic cohort: consent, risk checklists scored by the engine, MARAC
referrals and their actions, the single plan, interventions, outcomes, monitoring and notes.

Rows only: `cohort.load_cohort` writes them in bulk. Levels, MARAC criteria, reasons and repeats are computed (by
`cases.checklists.score` and `cases.marac`), never typed; only the answers are made up.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from wholeplace.cases.checklists import Answers, Checklist, Score, score
from wholeplace.cases.marac import referral_summary, year_before
from wholeplace.cases.model import (
    ActionStatus,
    Assessment,
    Case,
    CaseKind,
    MonitoringKind,
)
from wholeplace.demo.cohort_data import NOTES, OUTCOMES, PLANS, POLICE, Key
from wholeplace.sharing.model import ConsentStatus, Purpose

if TYPE_CHECKING:
    from wholeplace.demo.cohort_builder import Builder, NewCase

CONSENT_PURPOSES = ",".join(p.value for p in (Purpose.CASE_MANAGEMENT, Purpose.SAFEGUARDING))
MONITORING = {
    MonitoringKind.ELECTRONIC: "Electronic monitoring",
    MonitoringKind.ALCOHOL: "Alcohol monitoring (sobriety tag)",
}


def consent(build: Builder, case: NewCase, person: Key) -> None:
    """Asked when the case opens: mostly given; some refused, some given then withdrawn, a few never asked."""
    roll = build.random.random()
    if roll < 0.05:
        return
    statuses = [ConsentStatus.REFUSED if roll < 0.1 else ConsentStatus.GIVEN]
    if 0.1 <= roll < 0.16:
        statuses.append(ConsentStatus.WITHDRAWN)
    for days, status in zip((0, build.random.randint(20, 90)), statuses, strict=False):
        on = min(case.opened + dt.timedelta(days=days), build.today)
        build.rows.add(
            case.partner,
            "consents",
            person_id=person,
            status=status,
            purposes=CONSENT_PURPOSES,
            recorded_on=on,
            note="",
            recorded_by=case.assessor,
            recorded_at=build.at(on, 10),
        )


def risk(build: Builder, case: NewCase, victim: Key) -> None:
    """The Dash checklist at the start of the case; a MARAC referral where it meets the criteria, and for some a
    new incident months later, a second checklist and (within 12 months of the first) a repeat referral."""
    dash = build.checklists["dash-ric"]
    roll = build.random.random()
    yes = (
        build.random.randint(14, 20)
        if roll < 0.08
        else build.random.randint(10, 13)
        if roll < 0.33
        else build.random.randint(2, 9)
    )
    callouts = build.random.choice([0, 0, 1, 1, 2, 3, 4]) if roll < 0.5 else build.random.choice([0, 1])
    raised = 10 <= yes <= 13 and build.random.random() < 0.1  # the key worker's judgement raises a few
    on = min(case.opened + dt.timedelta(days=build.random.randint(0, 10)), build.today)
    first = _assessment(
        build,
        case,
        victim,
        dash,
        _answers(build, dash, yes),
        on,
        callouts,
        "high" if raised else None,
        "Recent threats to kill reported since the checklist" if raised else "",
    )
    if not first[1].marac:
        return
    earlier = _marac(build, case, victim, *first, previous=None)
    later = on + dt.timedelta(days=build.random.randint(90, 300))
    if build.random.random() < 0.3 and later < build.today and not case.closed:
        answers = _answers(build, dash, build.random.randint(11, 19))
        again = _assessment(build, case, victim, dash, answers, later, build.random.randint(1, 5))
        if again[1].marac:
            _marac(build, case, victim, *again, previous=earlier)


def family_needs(build: Builder, case: NewCase, lead: Key) -> None:
    checklist = build.checklists["family-needs"]
    on = min(case.opened + dt.timedelta(days=build.random.randint(0, 7)), build.today)
    _assessment(build, case, lead, checklist, _answers(build, checklist, build.random.randint(3, 10)), on)


def _answers(build: Builder, checklist: Checklist, yes: int) -> dict[int, str]:
    numbers = sorted(checklist.questions)
    build.random.shuffle(numbers)
    others = ["no", "no", "no", "not known"]
    return {n: "yes" if i < yes else build.random.choice(others) for i, n in enumerate(numbers)}


def _assessment(
    build: Builder,
    case: NewCase,
    person: Key,
    checklist: Checklist,
    answers: Mapping[int, str],
    on: dt.date,
    callouts: int | None = None,
    judgement: str | None = None,
    reason: str = "",
) -> tuple[Key, Score, Assessment]:
    """A completed checklist, scored by the engine as the service scores one; its row, score and a detached copy."""
    result = score(checklist, Answers(answers, callouts, judgement, reason))
    values: dict[str, object] = {
        "checklist": checklist.id,
        "checklist_version": checklist.version,
        "answers": json.dumps({str(n): a for n, a in sorted(answers.items())}),
        "police_callouts_12_months": callouts,
        "judgement": judgement,
        "judgement_reason": reason,
        "yes_count": result.yes_count,
        "computed_level": result.computed_level,
        "level": result.level,
        "marac": result.marac,
        "reasons": json.dumps(list(result.reasons)),
        "assessed_by": case.assessor,
        "assessed_at": build.at(on, 11),
    }
    key = build.rows.add(case.partner, "assessments", case_id=case.key, person_id=person, **values)
    build.summary.assessments += 1
    build.summary.high_risk += checklist.id == "dash-ric" and result.level == "high"
    return key, result, Assessment(**values)


def _marac(
    build: Builder,
    case: NewCase,
    victim: Key,
    assessment: Key,
    result: Score,
    record: Assessment,
    *,
    previous: tuple[Key, dt.date] | None,
) -> tuple[Key, dt.date]:
    """The MARAC referral prefilled from the checklist and the case, at the next meeting, with agencies' actions."""
    referred = record.assessed_at.date()
    meeting = next((m for m in build.meetings if m.held_on >= referred), None)
    holder = Case(
        reference=case.reference,
        kind=case.kind,
        team=case.team,
        organisation=build.partners[case.partner],
        summary=case.summary,
    )  # detached: only read by referral_summary, never added to the session
    is_repeat = previous is not None and previous[1] > year_before(referred)
    key = build.rows.add(
        case.partner,
        "repeat_marac_referrals" if previous else "marac_referrals",
        case_id=case.key,
        person_id=victim,
        assessment_id=assessment,
        meeting_id=meeting.id if meeting else None,
        referred_on=referred,
        criteria="\n".join(result.marac_criteria),
        summary=referral_summary(holder, record),
        is_repeat=is_repeat,
        previous_referral_id=previous[0] if previous else None,
        referred_by=case.assessor,
    )
    build.summary.marac_referrals += 1
    build.summary.repeats += is_repeat
    if meeting is None or meeting.held_on > build.today:
        return key, referred
    recent = build.today - dt.timedelta(days=60)
    for agency, owner, text in (
        (POLICE, "Public protection unit", "Flag the address for an urgent response"),
        (case.partner, case.team.name, "Safety plan and target hardening"),
    ):
        due = meeting.held_on + dt.timedelta(days=build.random.randint(7, 28))
        # most actions are done; a few of the last two months' meetings are not yet
        done = due < build.today and build.random.random() < (0.8 if due > recent else 1)
        build.summary.overdue_actions += due < build.today and not done
        build.rows.add(
            case.partner,
            "marac_actions",
            marac_referral_id=key,
            agency_id=build.partners[agency].id,
            owner=owner,
            description=text,
            due_on=due,
            status=ActionStatus.DONE if done else ActionStatus.OPEN,
            done_on=due if done else None,
        )
    return key, referred


def plan(build: Builder, case: NewCase, goals: Sequence[tuple[str, tuple[tuple[str, str, str], ...]]] = ()) -> None:
    """The single plan: its kind's goals (and any given), actions owned by named agencies, and a review."""
    created, recent = build.at(case.opened, 14), build.today - dt.timedelta(days=60)
    for description, actions in (*PLANS[case.kind], *goals):
        goal = build.rows.add(
            case.partner,
            "plan_goals",
            case_id=case.key,
            description=description,
            achieved_on=case.closed_on,
            created_at=created,
        )
        for agency, text, owner in actions:
            due = case.opened + dt.timedelta(days=build.random.randint(7, 60))
            # older actions are all done; some of those due in the last two months are not yet (overdue)
            done = case.closed or (due < build.today and build.random.random() < (0.8 if due > recent else 1))
            build.rows.add(
                case.partner,
                "plan_actions",
                case_id=case.key,
                goal_id=goal,
                agency_id=build.partners[case.partner if owner == "Key worker" else agency].id,
                owner=owner,
                description=text,
                due_on=due,
                status=ActionStatus.DONE if done else ActionStatus.OPEN,
                done_on=min(due, build.today) if done else None,
                created_by=case.assessor,
                created_at=created,
            )
    review_on = case.opened + dt.timedelta(days=42)
    if review_on < build.today:
        build.rows.add(
            case.partner,
            "plan_reviews",
            case_id=case.key,
            reviewed_on=review_on,
            summary="Plan on track; actions done",
            next_review_on=review_on + dt.timedelta(days=42),
            reviewed_by=case.assessor,
        )


def interventions(build: Builder, case: NewCase, menu: Sequence[str], extra: Sequence[str] = ()) -> None:
    """One to three services from the kind's menu, and any the case needs besides, each with attendance and, once
    finished, whether it achieved its aim."""
    wanted = build.random.choice([1, 1, 2, 3])
    names: list[str] = []
    for _ in range(wanted * 3):
        name = build.random.choice(menu)
        if name not in names:
            names.append(name)
        if len(names) == wanted:
            break
    for name in (*names, *(n for n in extra if n not in names)):
        intervention, success = build.menu[name]
        started = min(case.opened + dt.timedelta(days=build.random.randint(1, 20)), build.today)
        ended = started + dt.timedelta(days=build.random.randint(20, 120))
        finished = ended < build.today
        offered = build.random.randint(4, 12)
        counted = "week" in intervention.unit or "session" in intervention.unit
        build.rows.add(
            case.partner,
            "case_interventions",
            case_id=case.key,
            intervention_id=intervention.id,
            started_on=started,
            ended_on=ended if finished else None,
            units=build.random.randint(1, 6) if counted else 1,
            sessions_offered=offered,
            sessions_attended=build.random.randint(offered // 2, offered),
            achieved=(build.random.random() < success) if finished else None,
        )
        build.summary.interventions_given += 1


def monitoring(build: Builder, case: NewCase) -> None:
    """An offender's electronic or alcohol monitoring, and the monitoring service it draws from the menu."""
    kind = MonitoringKind.ELECTRONIC if build.random.random() < 0.6 else MonitoringKind.ALCOHOL
    start = min(case.opened + dt.timedelta(days=build.random.randint(0, 30)), build.today)
    end = start + dt.timedelta(weeks=build.random.randint(8, 26))
    build.rows.add(
        case.partner,
        "monitoring_records",
        case_id=case.key,
        kind=kind,
        started_on=start,
        ended_on=end if end < build.today else None,
        breaches=build.random.choice([0, 0, 0, 1, 2]),
        note="",
    )
    interventions(build, case, (MONITORING[kind],))


def outcomes(build: Builder, case: NewCase) -> None:
    """The kind's shared outcomes, each recorded once it can be known (6 months on; 12 for reoffending)."""
    for kind, chance in OUTCOMES[case.kind]:
        known_on = case.opened + dt.timedelta(days=365 if case.kind is CaseKind.OFFENDER else 183)
        if known_on <= build.today:
            build.rows.add(
                case.partner,
                "case_outcomes",
                case_id=case.key,
                kind=kind,
                achieved=build.random.random() < chance,
                recorded_on=known_on,
                recorded_by=case.assessor,
            )


def family_agreement(build: Builder, case: NewCase, lead: Key) -> None:
    """The families together agreement (seed 002 §9.1), signed by the family's lead adult."""
    signed = min(case.opened + dt.timedelta(days=14), build.today)
    agreement = build.rows.add(
        case.partner,
        "family_agreements",
        case_id=case.key,
        family_commitment="Children at school every day; meet the key worker weekly",
        agencies_commitment="One key worker and one plan; help with debt and housing",
        signed_on=signed,
        recorded_by=case.assessor,
    )
    build.rows.add(
        case.partner,
        "family_agreement_signatures",
        agreement_id=agreement,
        person_id=lead,
        agreed_to="Everything in the plan",
        signed_on=signed,
    )


def note(build: Builder, case: NewCase, chance: float) -> None:
    if build.random.random() < chance:
        written = min(case.opened + dt.timedelta(days=build.random.randint(3, 30)), build.today)
        build.rows.add(
            case.partner,
            "case_notes",
            case_id=case.key,
            written_at=build.at(written, 16),
            written_by=case.assessor,
            text=build.random.choice(NOTES),
        )
