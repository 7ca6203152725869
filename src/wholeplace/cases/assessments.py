"""Risk checklists completed on a case: answers stored with the score, level, reasons, version, assessor and time,
all computed by `checklists.score`, never typed in. An assessment that meets the MARAC criteria opens a MARAC
referral prefilled from it and the case.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.auth.actor import Actor
from wholeplace.cases.access import case_scope, checked_case
from wholeplace.cases.checklists import Answers, checklist_named, score
from wholeplace.cases.marac import refer_to_marac
from wholeplace.cases.model import Assessment, Case, MaracReferral
from wholeplace.paging import Page, paginate
from wholeplace.plain_text import clean_free_text
from wholeplace.problems import InvalidInput, NotFound, Problem
from wholeplace.sharing import access, rls
from wholeplace.sharing.model import DataCategory, Operation, Purpose


def record_assessment(
    session: Session,
    actor: Actor,
    case_id: int,
    person_id: int,
    checklist_id: str,
    answers: Mapping[int, str],
    *,
    police_callouts_12_months: int | None = None,
    judgement: str | None = None,
    judgement_reason: str = "",
) -> tuple[Assessment, MaracReferral | None]:
    """Score and store a completed checklist; when it meets the MARAC criteria, refer the case to MARAC."""
    case, _ = checked_case(
        session, actor, case_id, Purpose.RISK_ASSESSMENT, Operation.WRITE, DataCategory.RISK, record_type="assessment"
    )
    reason, problems = clean_free_text(
        judgement_reason, where="judgement_reason", label="Reason for the judgement", max_length=5000
    )
    if person_id not in {member.person_id for member in case.members}:
        problems.append(Problem("person_id", f"That person is not in case {case.reference}"))
    try:
        checklist = checklist_named(checklist_id)
    except InvalidInput as unknown:
        raise InvalidInput(problems + unknown.problems) from None  # nothing to score the answers against
    try:
        result = score(checklist, Answers(dict(answers), police_callouts_12_months, judgement or None, reason))
    except InvalidInput as refused:
        raise InvalidInput(problems + refused.problems) from None
    if problems:
        raise InvalidInput(problems)
    assessment = Assessment(
        case_id=case.id,
        person_id=person_id,
        checklist=checklist.id,
        checklist_version=checklist.version,
        answers=json.dumps({str(number): answer for number, answer in sorted(answers.items())}),
        police_callouts_12_months=police_callouts_12_months,
        judgement=judgement or None,
        judgement_reason=reason,
        yes_count=result.yes_count,
        computed_level=result.computed_level,
        level=result.level,
        marac=result.marac,
        reasons=json.dumps(list(result.reasons)),
        assessed_by=actor.label,
    )
    session.add(assessment)
    session.flush()
    audit.record(
        session,
        actor,
        "assessment.recorded",
        object_type="assessment",
        object_id=assessment.id,
        purpose=Purpose.RISK_ASSESSMENT.value,
        case_id=case.id,
        level=result.level,
        marac=result.marac,
    )
    referral = refer_to_marac(session, actor, case, assessment, result.marac_criteria) if result.marac else None
    return assessment, referral


def get_assessment(session: Session, actor: Actor, assessment_id: int) -> tuple[Assessment, Case]:
    rls.enter(session, actor)
    assessment = session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound(f"There is no assessment {assessment_id}, or it is not shared with your organisation")
    case, _ = checked_case(
        session,
        actor,
        assessment.case_id,
        Purpose.RISK_ASSESSMENT,
        Operation.READ,
        DataCategory.RISK,
        record_type="assessment",
    )
    return assessment, case


def assessments_of_case(session: Session, case: Case) -> list[Assessment]:
    """The case's assessments, newest first, for a case whose reading was already decided."""
    statement = select(Assessment).where(Assessment.case_id == case.id).order_by(Assessment.assessed_at.desc())
    return list(session.scalars(statement))


def list_assessments(session: Session, actor: Actor, *, page: int, page_size: int) -> Page[Assessment]:
    """Assessments on the cases of the actor's teams, newest first; each one listed is an audited read."""
    rls.enter(session, actor)
    teams = access.team_ids(session, actor)
    statement = (
        select(Assessment)
        .join(Case, Case.id == Assessment.case_id)
        .where(Case.team_id.in_(teams))
        .order_by(Assessment.assessed_at.desc(), Assessment.id.desc())
    )
    found = paginate(session, statement, page=page, page_size=page_size)
    for assessment in found.items:
        case = session.get(Case, assessment.case_id)
        assert case is not None
        scope = case_scope(case, DataCategory.RISK, record_type="assessment", record_id=assessment.id)
        access.require(session, actor, scope, Purpose.RISK_ASSESSMENT, Operation.READ)
    return found


def answers_of(assessment: Assessment) -> dict[int, str]:
    return {int(number): answer for number, answer in json.loads(assessment.answers).items()}


def reasons_of(assessment: Assessment) -> list[str]:
    return list(json.loads(assessment.reasons))
