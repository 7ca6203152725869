"""Checklists recorded on cases and MARAC: levels computed and stored, MARAC referrals prefilled, repeats within
12 months, actions per agency and overdue ones; bad input refused with nothing written. On both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.cases.builders import Place, build_place, refer
from wholeplace.cases import gateway
from wholeplace.cases.assessments import reasons_of, record_assessment
from wholeplace.cases.marac import (
    ActionDetails,
    MeetingDetails,
    add_to_meeting,
    get_meeting,
    overdue_actions,
    record_action,
    schedule_meeting,
)
from wholeplace.cases.model import Assessment, Case, CaseKind, MaracAction, MaracReferral, ScreeningOutcome
from wholeplace.problems import InvalidInput


def open_case(session: Session, place: Place) -> Case:
    referral = refer(session, place)
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
    return {number: "yes" if number <= yes else "no" for number in range(1, 25)}


def test_14_yes_stores_high_and_opens_a_prefilled_marac_referral(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    victim = case.members[0].person_id
    assessment, referral = record_assessment(
        session, place.actor(place.key_worker), case.id, victim, "dash-ric", answers(14), police_callouts_12_months=1
    )
    assert (assessment.level, assessment.computed_level, assessment.yes_count, assessment.marac) == (
        "high",
        "high",
        14,
        True,
    )
    assert assessment.checklist_version.startswith("2009") and assessment.assessed_by == "north@council.example"
    assert reasons_of(assessment)[0].startswith("14 of 24 questions answered yes")
    assert referral is not None and referral.criteria == "visible high risk" and not referral.is_repeat
    assert case.reference in referral.summary and "14 answered yes, level high" in referral.summary
    assert "Police call-outs in the last 12 months: 1." in referral.summary


def test_13_yes_raised_by_judgement_is_referred_and_9_yes_is_not(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    victim, actor = case.members[0].person_id, place.actor(place.key_worker)
    raised, referral = record_assessment(
        session, actor, case.id, victim, "dash-ric", answers(13), judgement="high", judgement_reason="Threat to kill"
    )
    assert (raised.computed_level, raised.level) == ("medium", "high")
    assert referral is not None and referral.criteria == "professional judgement"
    standard, none = record_assessment(session, actor, case.id, victim, "dash-ric", answers(9))
    assert (standard.level, standard.marac, none) == ("standard", False, None)
    escalation, by_callouts = record_assessment(  # standard level, referred by call-outs
        session, actor, case.id, victim, "dash-ric", answers(3), police_callouts_12_months=3
    )
    assert escalation.level == "standard"
    assert by_callouts is not None and by_callouts.criteria == "potential escalation"


def test_a_second_marac_within_12_months_is_a_repeat_and_after_13_months_is_not(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    victim, actor = case.members[0].person_id, place.actor(place.key_worker)
    _, first = record_assessment(session, actor, case.id, victim, "dash-ric", answers(15))
    assert first is not None
    first.referred_on = dt.date.today() - dt.timedelta(days=330)
    session.flush()
    _, second = record_assessment(session, actor, case.id, victim, "dash-ric", answers(15))
    assert second is not None and second.is_repeat and second.previous_referral_id == first.id
    first.referred_on = second.referred_on = dt.date.today() - dt.timedelta(days=396)  # 13 months ago
    session.flush()
    _, third = record_assessment(session, actor, case.id, victim, "dash-ric", answers(15))
    assert third is not None and not third.is_repeat and third.previous_referral_id is None


def test_an_unknown_question_or_a_person_outside_the_case_is_refused_with_nothing_written(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    other = refer(session, place, given="Someone", family="Else").person_id
    counts = lambda: (  # noqa: E731
        session.scalar(select(func.count()).select_from(Assessment)),
        session.scalar(select(func.count()).select_from(MaracReferral)),
    )
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        record_assessment(session, place.actor(place.key_worker), case.id, other, "dash-ric", answers(20) | {25: "yes"})
    assert [p.where for p in refused.value.problems] == ["person_id", "question 25"]
    assert counts() == before == (0, 0)


def test_marac_meetings_list_cases_and_actions_per_agency_and_surface_overdue_ones(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    actor = place.actor(place.key_worker)
    _, referral = record_assessment(session, actor, case.id, case.members[0].person_id, "dash-ric", answers(16))
    assert referral is not None
    meeting = schedule_meeting(session, actor, MeetingDetails(dt.date.today(), "Synthetic borough", "DI Chair"))
    add_to_meeting(session, actor, referral.id, meeting.id)
    late = record_action(
        session,
        actor,
        referral.id,
        ActionDetails("Synthetic Constabulary", "PC Owner", "Flag the address", dt.date.today() - dt.timedelta(days=2)),
    )
    record_action(
        session,
        actor,
        referral.id,
        ActionDetails("XX-SYN-COUNCIL", "IDVA", "Safety plan", dt.date.today() + dt.timedelta(days=7)),
    )
    _, listed = get_meeting(session, actor, meeting.id)
    assert [r.id for r, _ in listed] == [referral.id]
    assert [action.id for action in overdue_actions(session, actor, place.north.id)] == [late.id]
    before = session.scalar(select(func.count()).select_from(MaracAction))
    with pytest.raises(InvalidInput, match="There is no partner called 'Ministry of Magic'"):
        record_action(
            session, actor, referral.id, ActionDetails("Ministry of Magic", "A Wizard", "Nothing", dt.date.today())
        )
    assert session.scalar(select(func.count()).select_from(MaracAction)) == before == 2
