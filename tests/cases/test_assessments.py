"""Checklists recorded on cases: levels computed by the engine and stored with the answers, version, assessor and
reasons; meeting the MARAC criteria opens a prefilled MARAC referral; bad input refused with nothing written.
On both databases. MARAC repeats, meetings and actions are in test_marac.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.cases.builders import Place, build_place, refer
from wholeplace.audit import AuditEntry
from wholeplace.cases import gateway
from wholeplace.cases.assessments import answers_of, list_assessments, reasons_of, record_assessment
from wholeplace.cases.model import Assessment, Case, CaseKind, MaracReferral, ScreeningOutcome
from wholeplace.problems import AccessRefused, InvalidInput


def open_case(session: Session, place: Place, *, given: str = "Alex") -> Case:
    """A domestic abuse victim's case in the north team, its victim its only member."""
    referral = refer(session, place, given=given)
    screened = gateway.screen(
        session,
        place.actor(place.gateway_worker),
        referral.id,
        gateway.Screening(
            ScreeningOutcome.CASE_OPENED,
            case_kind=CaseKind.DOMESTIC_ABUSE_VICTIM,
            team_id=place.north.id,
            key_worker_id=place.key_worker.id,
        ),
    )
    case = session.get(Case, screened.case_id)
    assert case is not None
    return case


def answers(yes: int) -> dict[int, str]:
    """The first `yes` questions answered yes, the rest no."""
    return {number: "yes" if number <= yes else "no" for number in range(1, 25)}


def rows(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Assessment)) or 0,
        session.scalar(select(func.count()).select_from(MaracReferral)) or 0,
    )


def test_14_yes_stores_high_and_opens_a_prefilled_marac_referral(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    case.summary = "Lives with two children; the perpetrator has a key to the house"
    victim = case.members[0].person_id
    assessment, referral = record_assessment(
        session, place.actor(place.key_worker), case.id, victim, "dash-ric", answers(14), police_callouts_12_months=1
    )
    stored = (assessment.level, assessment.computed_level, assessment.yes_count, assessment.marac)
    assert stored == ("high", "high", 14, True)
    assert (assessment.checklist, assessment.checklist_version) == ("dash-ric", "2009")
    assert assessment.assessed_by == "north@council.example" and assessment.assessed_at is not None
    assert answers_of(assessment) == answers(14)
    assert reasons_of(assessment)[0].startswith("14 of 24 questions answered yes: 14 or more is high risk")
    assert referral is not None and referral.criteria == "visible high risk" and not referral.is_repeat
    assert (referral.case_id, referral.person_id, referral.assessment_id) == (case.id, victim, assessment.id)
    # prefilled from the case and the checklist, nothing typed again: the checklist named by its title, not its id
    lines = referral.summary.split("\n")
    assert lines[0] == f"{case.reference}: domestic abuse victim case held by North locality team, Synthetic " + (
        "Borough Council."
    )
    assert lines[1].startswith("SafeLives Dash risk identification checklist (2009) on ")
    assert lines[1].endswith(": 14 answered yes, level high.")
    assert "Police call-outs in the last 12 months: 1." in lines
    assert "Meets the MARAC referral criteria: visible high risk." in lines
    assert lines[-1] == case.summary and "dash-ric" not in referral.summary
    # the referral is a record of its own: its writing was decided and audited for the MARAC purpose
    decided = session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "marac_referral", AuditEntry.action == "casework.write")
    ).all()
    assert [(entry.object_id, entry.purpose, entry.outcome) for entry in decided] == [
        (str(referral.id), "marac", "allowed")
    ]


def test_13_yes_raised_by_judgement_is_referred_9_is_standard_and_3_call_outs_meet_marac(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    victim, actor = case.members[0].person_id, place.actor(place.key_worker)
    raised, referral = record_assessment(
        session, actor, case.id, victim, "dash-ric", answers(13), judgement="high", judgement_reason="Threat to kill"
    )
    assert (raised.computed_level, raised.level, raised.judgement, raised.judgement_reason) == (
        "medium",
        "high",
        "high",
        "Threat to kill",
    )
    assert "Professional judgement raised the level from medium to high: Threat to kill" in reasons_of(raised)
    assert referral is not None and referral.criteria == "professional judgement"
    assert "Professional judgement raised the level from medium to high: Threat to kill." in referral.summary
    standard, none = record_assessment(session, actor, case.id, victim, "dash-ric", answers(9))
    assert (standard.level, standard.yes_count, standard.marac, none) == ("standard", 9, False, None)
    escalation, by_callouts = record_assessment(
        session, actor, case.id, victim, "dash-ric", answers(3), police_callouts_12_months=3
    )
    assert (escalation.level, escalation.marac, escalation.police_callouts_12_months) == ("standard", True, 3)
    assert by_callouts is not None and by_callouts.criteria == "potential escalation"
    assert rows(session) == (3, 2)


def test_an_unknown_question_or_a_person_outside_the_case_is_refused_with_nothing_written(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    other = refer(session, place, given="Someone", family="Else").person_id
    before = rows(session)
    with pytest.raises(InvalidInput) as refused:
        record_assessment(session, place.actor(place.key_worker), case.id, other, "dash-ric", answers(20) | {25: "yes"})
    assert [(p.where, p.message) for p in refused.value.problems] == [
        ("person_id", f"That person is not in case {case.reference}"),
        ("question 25", "There is no question 25: the checklist has questions 1 to 24"),
    ]
    assert rows(session) == before == (0, 0)


def test_an_unknown_checklist_a_lowering_judgement_or_one_without_a_reason_is_refused(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    victim, actor = case.members[0].person_id, place.actor(place.key_worker)
    with pytest.raises(InvalidInput) as unknown:
        record_assessment(session, actor, case.id, victim, "dash-2099", answers(20))
    assert [(p.where, p.message) for p in unknown.value.problems] == [
        ("checklist", "There is no checklist 'dash-2099'. Known checklists: dash-ric, family-needs")
    ]
    with pytest.raises(InvalidInput, match="can raise the level, never lower it"):
        record_assessment(session, actor, case.id, victim, "dash-ric", answers(15), judgement="medium")
    with pytest.raises(InvalidInput) as no_reason:
        record_assessment(session, actor, case.id, victim, "dash-ric", answers(10), judgement="high")
    assert [p.where for p in no_reason.value.problems] == ["judgement_reason"]
    with pytest.raises(InvalidInput) as missing:
        record_assessment(session, actor, case.id, victim, "dash-ric", {1: "yes", 2: "perhaps"})
    assert [p.where for p in missing.value.problems] == ["question 2", "answers"]
    assert rows(session) == (0, 0)


def test_a_partner_without_an_agreement_cannot_record_a_checklist(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    with pytest.raises(AccessRefused):
        record_assessment(
            session, place.actor(place.officer), case.id, case.members[0].person_id, "dash-ric", answers(20)
        )
    assert rows(session) == (0, 0)


def test_the_list_holds_the_assessments_of_the_actors_teams_newest_first(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    victim, actor = case.members[0].person_id, place.actor(place.key_worker)
    first, _ = record_assessment(session, actor, case.id, victim, "dash-ric", answers(4))
    second, _ = record_assessment(session, actor, case.id, victim, "dash-ric", answers(6))
    found = list_assessments(session, actor, page=1, page_size=10)
    assert found.total == 2 and {a.id for a in found.items} == {first.id, second.id}
    assert list_assessments(session, place.actor(place.south_worker), page=1, page_size=10).total == 0
