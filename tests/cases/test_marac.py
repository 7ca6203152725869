"""MARAC: repeats within 12 months of the person's last referral, meetings with their list of cases, actions per
agency with owners and due dates (an unknown agency refused, nothing written), overdue actions on the team's page.
On both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.cases.builders import Place, build_place
from tests.cases.test_assessments import answers, open_case
from tests.factories import make_organisation, make_user
from wholeplace.audit import AuditEntry
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.business_dates import today
from wholeplace.cases.assessments import record_assessment
from wholeplace.cases.marac import (
    ActionDetails,
    MeetingDetails,
    actions_by_agency,
    add_to_meeting,
    complete_action,
    get_meeting,
    overdue_actions,
    record_action,
    schedule_meeting,
    year_before,
)
from wholeplace.cases.model import ActionStatus, Case, MaracAction, MaracReferral
from wholeplace.partners.model import OrganisationKind
from wholeplace.problems import InvalidInput, NotFound


def referred(session: Session, place: Place, case: Case) -> MaracReferral:
    _, referral = record_assessment(
        session, place.actor(place.key_worker), case.id, case.members[0].person_id, "dash-ric", answers(16)
    )
    assert referral is not None
    return referral


def action_rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(MaracAction)) or 0


def test_a_second_marac_within_12_months_is_a_repeat_and_one_after_13_months_is_not(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    first = referred(session, place, case)
    first.referred_on = today() - dt.timedelta(days=330)  # 11 months ago
    session.flush()
    second = referred(session, place, case)
    assert second.is_repeat and second.previous_referral_id == first.id
    first.referred_on = second.referred_on = today() - dt.timedelta(days=396)  # 13 months ago
    session.flush()
    third = referred(session, place, case)
    assert not third.is_repeat and third.previous_referral_id is None


def test_a_repeat_is_the_persons_not_the_cases_and_12_months_end_on_the_same_day_a_year_before(
    session: Session,
) -> None:
    place = build_place(session)
    one, other = open_case(session, place), open_case(session, place, given="Bobbie")
    earlier = referred(session, place, one)
    assert not referred(session, place, other).is_repeat  # someone else's MARAC is not this person's
    earlier.referred_on = year_before(today())  # exactly a year ago: no longer within 12 months
    session.flush()
    assert not referred(session, place, one).is_repeat
    assert year_before(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)
    assert year_before(dt.date(2027, 6, 3)) == dt.date(2026, 6, 3)


def test_a_meeting_lists_its_cases_with_each_agencys_actions_and_overdue_ones_reach_the_team(
    session: Session,
) -> None:
    place = build_place(session)
    case = open_case(session, place)
    actor = place.actor(place.key_worker)
    referral = referred(session, place, case)
    meeting = schedule_meeting(session, actor, MeetingDetails(today(), "Synthetic borough", "DI Chair"))
    add_to_meeting(session, actor, referral.id, meeting.id)
    late = record_action(
        session,
        actor,
        referral.id,
        ActionDetails("Synthetic Constabulary", "PC Owner", "Flag the address", today() - dt.timedelta(days=2)),
    )
    by_identifier = record_action(
        session, actor, referral.id, ActionDetails("XX-SYN-COUNCIL", "IDVA", "Safety plan", today() + dt.timedelta(7))
    )
    by_id = record_action(
        session, actor, referral.id, ActionDetails(place.police.id, "PC Owner", "Visit", today() + dt.timedelta(3))
    )
    police, council = place.police.id, place.council.id
    assert (late.agency_id, by_identifier.agency_id, by_id.agency_id) == (police, council, police)
    _, listed = get_meeting(session, actor, meeting.id)
    assert [(r.id, c.id) for r, c in listed] == [(referral.id, case.id)]
    grouped = [(agency.name, [action.id for action, _ in actions]) for agency, actions in actions_by_agency(listed)]
    assert grouped == [
        ("Synthetic Borough Council", [by_identifier.id]),
        ("Synthetic Constabulary", [late.id, by_id.id]),
    ]
    since = session.scalar(select(func.max(AuditEntry.seq)))
    assert overdue_actions(session, actor, place.north.id) == [late]
    # each overdue action listed is an audited read of MARAC data
    reads = session.scalars(select(AuditEntry).where(AuditEntry.seq > since, AuditEntry.action == "casework.read"))
    assert [(entry.object_type, entry.object_id, entry.purpose) for entry in reads] == [
        ("marac_action", str(late.id), "marac")
    ]
    with pytest.raises(NotFound):
        overdue_actions(session, actor, place.south.id)  # not one of the key worker's teams


def test_an_action_owned_by_an_unknown_agency_or_missing_its_details_is_refused_with_nothing_written(
    session: Session,
) -> None:
    place = build_place(session)
    referral = referred(session, place, open_case(session, place))
    actor = place.actor(place.key_worker)
    before = action_rows(session)
    with pytest.raises(InvalidInput) as refused:
        record_action(session, actor, referral.id, ActionDetails("Ministry of Magic", "A Wizard", "Nothing", today()))
    assert [(p.where, p.message) for p in refused.value.problems] == [
        ("agency", "There is no partner called 'Ministry of Magic'")
    ]
    with pytest.raises(InvalidInput) as empty:
        record_action(session, actor, referral.id, ActionDetails("", "", "", None))
    assert {p.where for p in empty.value.problems} >= {"agency", "owner", "description", "due_on"}
    assert action_rows(session) == before == 0


def test_a_done_action_is_no_longer_overdue_and_cannot_be_done_twice(session: Session) -> None:
    place = build_place(session)
    referral = referred(session, place, open_case(session, place))
    actor = place.actor(place.key_worker)
    late = record_action(
        session, actor, referral.id, ActionDetails("XX-SYN-POLICE", "PC Owner", "Flag", today() - dt.timedelta(5))
    )
    assert overdue_actions(session, actor, place.north.id) == [late]
    with pytest.raises(NotFound):
        complete_action(session, actor, late.id, of_referral=referral.id + 1)  # shown under another referral
    with pytest.raises(InvalidInput, match="today or in the past"):
        complete_action(session, actor, late.id, today() + dt.timedelta(days=1))
    done = complete_action(session, actor, late.id, of_referral=referral.id)
    assert (done.status, done.done_on) == (ActionStatus.DONE, today())
    assert overdue_actions(session, actor, place.north.id) == []
    with pytest.raises(InvalidInput, match="already done"):
        complete_action(session, actor, late.id)


def test_a_case_is_listed_only_at_a_meeting_of_the_actors_organisation(session: Session) -> None:
    place = build_place(session)
    referral = referred(session, place, open_case(session, place))
    elsewhere = make_organisation(session, "Elsewhere Council", "XX-ELSEWHERE", OrganisationKind.UNITARY_AUTHORITY)
    chair = Actor.of(make_user(session, Role.KEY_WORKER, email="chair@elsewhere.example", organisation=elsewhere))
    theirs = schedule_meeting(session, chair, MeetingDetails(today(), "Elsewhere", "Their chair"))
    with pytest.raises(InvalidInput, match=f"There is no MARAC meeting {theirs.id} of your organisation"):
        add_to_meeting(session, place.actor(place.key_worker), referral.id, theirs.id)
    assert session.get(MaracReferral, referral.id).meeting_id is None  # type: ignore[union-attr]
    with pytest.raises(InvalidInput) as missing:
        schedule_meeting(session, place.actor(place.key_worker), MeetingDetails(None, "", ""))
    assert {p.where for p in missing.value.problems} == {"area", "chair", "held_on"}
