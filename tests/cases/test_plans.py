"""The single plan: goals, actions owned by a named agency, reviews, overdue actions for the team, the families
together agreement and offender monitoring; bad input refused with nothing written. On both databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.cases.builders import Place, build_place
from wholeplace.audit import AuditEntry
from wholeplace.business_dates import today
from wholeplace.cases import casework, plans
from wholeplace.cases.model import (
    ActionStatus,
    Case,
    CaseKind,
    CaseRole,
    CaseStatus,
    FamilyAgreement,
    MonitoringKind,
    MonitoringRecord,
    PlanAction,
)
from wholeplace.cases.people import PersonDetails, add_person
from wholeplace.problems import AccessRefused, Conflict, InvalidInput, NotFound

DAY = dt.timedelta(days=1)


def open_case(
    session: Session,
    place: Place,
    kind: CaseKind = CaseKind.DOMESTIC_ABUSE_VICTIM,
    people: Sequence[tuple[str, CaseRole]] = (("Alex", CaseRole.VICTIM),),
    household_id: int | None = None,
) -> Case:
    """A case in the north team, key worker `place.key_worker`, of new (made-up) people."""
    members = {
        add_person(session, place.council.id, PersonDetails(given_name=given, family_name="Example")).id: role
        for given, role in people
    }
    return casework.open_case(
        session,
        place.actor(place.key_worker),
        kind=kind,
        team_id=place.north.id,
        key_worker_id=place.key_worker.id,
        members=members,
        household_id=household_id,
    )


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def action(description: str = "Fit a door alarm", agency: str | int | None = "XX-SYN-POLICE", **kw: object):  # type: ignore[no-untyped-def]
    return plans.ActionIn(
        description=description,
        agency=agency,
        owner=str(kw.get("owner", "PC Synthetic")),
        due_on=kw.get("due_on", today() + 14 * DAY),  # type: ignore[arg-type]
        goal_id=kw.get("goal_id"),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("agency", ["XX-NOWHERE", "999999"])
def test_an_action_owned_by_an_unknown_agency_is_refused_and_nothing_is_written(session: Session, agency: str) -> None:
    place = build_place(session)
    case = open_case(session, place)
    before = (count(session, PlanAction), count(session, AuditEntry))

    with pytest.raises(InvalidInput) as refused:
        plans.add_action(session, place.actor(place.key_worker), case.id, action(agency=agency))

    assert [(p.where, p.message) for p in refused.value.problems] == [
        ("agency", f"There is no partner '{agency}'. Choose one of the partners of the place")
    ]
    assert (count(session, PlanAction), count(session, AuditEntry)) == before


def test_every_problem_with_an_action_is_reported_at_once(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    with pytest.raises(InvalidInput) as refused:
        plans.add_action(session, place.actor(place.key_worker), case.id, action("  ", None, owner="", due_on=None))
    assert [p.where for p in refused.value.problems] == ["description", "agency", "owner", "due_on"]
    assert count(session, PlanAction) == 0


def test_goals_actions_and_reviews_make_the_plan(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    worker = place.actor(place.key_worker)

    goal = plans.add_goal(session, worker, case.id, "Alex feels safe at home")
    alarm = plans.add_action(session, worker, case.id, action(goal_id=goal.id))
    # by id as well as by identifier: the page's select sends the partner's id
    advocacy = plans.add_action(session, worker, case.id, action("Refer to the IDVA", place.council.id, owner="J Doe"))
    plans.add_review(
        session,
        worker,
        case.id,
        reviewed_on=today() - 2 * DAY,
        summary="Door alarm agreed; IDVA referral made",
        next_review_on=today() + 28 * DAY,
    )
    plans.complete_action(session, worker, alarm.id, today())
    plans.cancel_action(session, worker, advocacy.id)
    plans.achieve_goal(session, worker, goal.id, today())

    plan = plans.plan_of(session, worker, case.id)
    assert [g.description for g in plan.goals] == ["Alex feels safe at home"]
    assert plan.goals[0].achieved_on == today()
    assert [(a.description, a.agency.name, a.status) for a in plan.actions] == [
        ("Fit a door alarm", "Synthetic Constabulary", ActionStatus.DONE),
        ("Refer to the IDVA", "Synthetic Borough Council", ActionStatus.CANCELLED),
    ]
    assert plan.actions[0].goal_id == goal.id and plan.actions[0].done_on == today()
    assert plan.next_review_on == today() + 28 * DAY
    assert plan.monitoring is None and plan.signers == []
    with pytest.raises(Conflict, match="already done"):
        plans.complete_action(session, worker, alarm.id)


def test_a_review_must_come_before_the_next_one_and_not_in_the_future(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    with pytest.raises(InvalidInput) as refused:
        plans.add_review(
            session,
            place.actor(place.key_worker),
            case.id,
            reviewed_on=today() + DAY,
            summary="",
            next_review_on=today(),
        )
    assert [(p.where, p.message) for p in refused.value.problems] == [
        ("summary", "Say what the review found"),
        ("reviewed_on", "The date of the review must be today or in the past"),
        ("next_review_on", "The next review must be after this one"),
    ]


def test_each_change_is_one_access_decision_and_one_record_of_the_change(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    before = count(session, AuditEntry)
    made = plans.add_action(session, place.actor(place.key_worker), case.id, action())
    entries = session.scalars(select(AuditEntry).where(AuditEntry.seq > before).order_by(AuditEntry.seq)).all()
    assert [(e.action, e.object_type, e.purpose) for e in entries] == [
        ("casework.write", "plan_action", "case_management"),
        ("plan.action_added", "plan_action", None),
    ]
    assert entries[1].object_id == str(made.id)


def test_another_team_may_not_change_the_plan_and_a_closed_case_cannot_change(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    with pytest.raises(AccessRefused, match="Only the team that holds the record"):
        plans.add_action(session, place.actor(place.south_worker), case.id, action())
    with pytest.raises(AccessRefused):  # a partner with no sharing agreement
        plans.plan_of(session, place.actor(place.officer), case.id)
    casework.change_status(session, place.actor(place.key_worker), case.id, CaseStatus.CLOSED, "Moved away")
    with pytest.raises(Conflict, match="is closed"):
        plans.add_goal(session, place.actor(place.key_worker), case.id, "Stay safe")
    with pytest.raises(NotFound):
        plans.complete_action(session, place.actor(place.key_worker), 987654)


def test_overdue_actions_surface_for_the_team_longest_overdue_first(session: Session) -> None:
    place = build_place(session)
    first = open_case(session, place)
    second = open_case(session, place, people=(("Sam", CaseRole.VICTIM),))
    worker = place.actor(place.key_worker)
    late = plans.add_action(session, worker, first.id, action("Check CCTV", due_on=today() - 3 * DAY))
    later = plans.add_action(session, worker, second.id, action("Housing visit", due_on=today() - 10 * DAY))
    plans.add_action(session, worker, first.id, action("Due today", due_on=today()))
    done = plans.add_action(session, worker, first.id, action("Done already", due_on=today() - 5 * DAY))
    plans.complete_action(session, worker, done.id)

    overdue = plans.overdue_plan_actions(session, place.actor(place.manager), place.north.id)

    assert [(o.action.id, o.case_reference, o.days_overdue) for o in overdue] == [
        (later.id, second.reference, 10),
        (late.id, first.reference, 3),
    ]
    assert plans.overdue_plan_actions(session, place.actor(place.south_worker), place.south.id) == []
    plan = plans.plan_of(session, worker, first.id)
    assert plan.overdue_ids == {late.id}


def test_a_families_together_agreement_is_signed_by_members_of_the_case(session: Session) -> None:
    place = build_place(session)
    family = open_case(session, place, CaseKind.FAMILY, (("Jordan", CaseRole.OTHER), ("Casey", CaseRole.CHILD)))
    adult, child = (member.person_id for member in family.members)
    worker = place.actor(place.key_worker)

    agreement = plans.record_family_agreement(
        session,
        worker,
        family.id,
        family_commitment="Children at school every day; meet the key worker weekly",
        agencies_commitment="One key worker; housing repairs within a month",
        signed_on=today(),
        signatures={adult: "Walk the children to school", child: "Go to school every day"},
    )

    assert [(s.person_id, s.agreed_to, s.signed_on) for s in agreement.signatures] == [
        (adult, "Walk the children to school", today()),
        (child, "Go to school every day", today()),
    ]
    plan = plans.plan_of(session, worker, family.id)
    assert [a.id for a in plan.agreements] == [agreement.id]
    assert [(s.person_id, s.name) for s in plan.signers] == [(adult, "Jordan Example"), (child, "Casey Example")]


def test_an_agreement_signed_by_someone_outside_the_case_or_on_another_kind_of_case_is_refused(
    session: Session,
) -> None:
    place = build_place(session)
    family = open_case(session, place, CaseKind.FAMILY)
    victim = open_case(session, place, people=(("Sam", CaseRole.VICTIM),))
    member, outsider = family.members[0].person_id, victim.members[0].person_id
    worker = place.actor(place.key_worker)

    def sign(case_id: int, signatures: dict[int, str]) -> None:
        plans.record_family_agreement(
            session,
            worker,
            case_id,
            family_commitment="To keep to the plan",
            agencies_commitment="To support the family",
            signed_on=today(),
            signatures=signatures,
        )

    with pytest.raises(InvalidInput) as refused:
        sign(family.id, {member: "Keep to the plan", outsider: "Keep to the plan"})
    assert [(p.where, p.message) for p in refused.value.problems] == [
        (f"agreed_to_{outsider}", f"Only the people in case {family.reference} can sign its agreement")
    ]
    with pytest.raises(InvalidInput, match="made on a family case"):
        sign(victim.id, {outsider: "Keep to the plan"})
    with pytest.raises(InvalidInput, match="At least one member"):
        sign(family.id, {})
    assert count(session, FamilyAgreement) == 0


def test_monitoring_is_recorded_only_on_offender_cases(session: Session) -> None:
    place = build_place(session)
    offender = open_case(session, place, CaseKind.OFFENDER, (("Lee", CaseRole.PERPETRATOR),))
    victim = open_case(session, place)
    worker = place.actor(place.key_worker)

    tag = plans.add_monitoring(
        session, worker, offender.id, kind=MonitoringKind.ELECTRONIC, started_on=today() - 30 * DAY
    )
    plans.add_monitoring(
        session, worker, offender.id, kind=MonitoringKind.ALCOHOL, started_on=today() - 10 * DAY, note="Sobriety tag"
    )
    plans.end_monitoring(session, worker, tag.id, ended_on=today(), breaches=2)
    with pytest.raises(InvalidInput, match="only on offender cases"):
        plans.add_monitoring(session, worker, victim.id, kind=MonitoringKind.ALCOHOL, started_on=today())
    with pytest.raises(InvalidInput) as refused:
        plans.add_monitoring(
            session, worker, offender.id, kind=MonitoringKind.ALCOHOL, started_on=today(), ended_on=today() - DAY
        )
    assert [p.where for p in refused.value.problems] == ["ended_on"]

    plan = plans.plan_of(session, worker, offender.id)
    assert plan.monitoring is not None
    assert [(m.kind, m.breaches, m.ended_on) for m in plan.monitoring] == [
        (MonitoringKind.ALCOHOL, 0, None),
        (MonitoringKind.ELECTRONIC, 2, today()),
    ]
    assert count(session, MonitoringRecord) == 2
    offending = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "casework.write", AuditEntry.object_type == "monitoring")
    ).all()
    # two added, one ended, and the victim's case (allowed to be read as offending data, refused as the wrong kind)
    assert len(offending) == 4 and all('"category": "offending"' in entry.detail for entry in offending)
