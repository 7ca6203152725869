"""The menu of interventions and what is given to a case: unit costs read from pounds as people write them, every
problem reported at once with nothing written, attendance, finishing with the aim achieved or not, and the shared
outcomes of a case. On both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.cases.builders import Place, build_place
from tests.cases.test_plans import count, open_case
from wholeplace.audit import AuditEntry
from wholeplace.business_dates import today
from wholeplace.cases import interventions
from wholeplace.cases.interventions import InterventionIn
from wholeplace.cases.model import (
    CaseIntervention,
    CaseOutcome,
    Intervention,
    InterventionKind,
    OutcomeKind,
)
from wholeplace.money import Money
from wholeplace.problems import AccessRefused, Conflict, InvalidInput

DAY = dt.timedelta(days=1)


def add(session: Session, place: Place, name: str = "Refuge place", **changes: object) -> Intervention:
    fields: dict[str, object] = {
        "name": name,
        "provider": "XX-SYN-COUNCIL",
        "unit_cost": "£1,234.50",
        "unit": "per week",
        "kind": InterventionKind.CONSEQUENCE,
        "area_served": "Synthetic Borough",
        **changes,
    }
    return interventions.add_intervention(session, place.actor(place.manager), InterventionIn(**fields))  # type: ignore[arg-type]


def test_an_intervention_joins_the_menu_with_its_cost_in_pence(session: Session) -> None:
    place = build_place(session)
    refuge = add(
        session,
        place,
        "Neighbouring borough refuge",
        area_served="Neighbouring Borough",
        crosses_boundaries=True,
        capacity="12",
        provider=str(place.police.id),
    )
    assert (refuge.unit_cost_pence, refuge.provider.name, refuge.capacity, refuge.crosses_boundaries) == (
        123450,
        "Synthetic Constabulary",
        12,
        True,
    )
    assert str(Money(refuge.unit_cost_pence)) == "£1,234.50"


def test_every_problem_with_an_intervention_is_reported_at_once_and_nothing_is_written(session: Session) -> None:
    place = build_place(session)
    add(session, place, "Door alarm")
    before = (count(session, Intervention), count(session, AuditEntry))
    with pytest.raises(InvalidInput) as refused:
        add(
            session,
            place,
            "door ALARM",
            provider="XX-NOWHERE",
            unit_cost="£12.345",
            unit="",
            kind="cure",
            capacity="-3",
        )
    assert [(p.where, p.message) for p in refused.value.problems] == [
        ("name", "There is already an intervention called 'door ALARM'"),
        ("provider", "There is no partner 'XX-NOWHERE'. Choose one of the partners of the place"),
        ("unit_cost", "'£12.345' has more than 2 decimal places. Amounts are in pounds and pence"),
        ("unit", "Say what the unit cost buys, like per week"),
        ("kind", "Say whether the intervention is prevention or deals with consequences"),
        ("capacity", "Capacity must be a whole number of places, 1 or more, or left empty"),
    ]
    assert (count(session, Intervention), count(session, AuditEntry)) == before


def test_only_those_who_commission_or_manage_may_add_to_the_menu(session: Session) -> None:
    place = build_place(session)
    with pytest.raises(AccessRefused, match="Only an administrator, a programme manager or a team manager"):
        interventions.add_intervention(
            session,
            place.actor(place.key_worker),
            InterventionIn("Therapy", "XX-SYN-COUNCIL", "£45", "per session", "consequence", "Synthetic Borough"),
        )


def test_the_menu_pages_by_name_and_searches_provider_and_area(session: Session) -> None:
    place = build_place(session)
    for name in ("Therapy", "Door alarm", "Refuge place"):
        add(session, place, name)
    add(session, place, "Hospital IDVA", provider="XX-SYN-POLICE", kind="prevention", area_served="County hospital")
    worker = place.actor(place.key_worker)
    first = interventions.list_interventions(session, worker, page=1, page_size=3)
    assert ([i.name for i in first.items], first.total, first.has_next) == (
        ["Door alarm", "Hospital IDVA", "Refuge place"],
        4,
        True,
    )
    by_provider = interventions.list_interventions(session, worker, page=1, page_size=10, search="constabulary")
    assert [i.name for i in by_provider.items] == ["Hospital IDVA"]
    by_area = interventions.list_interventions(session, worker, page=1, page_size=10, search="HOSPITAL")
    assert [i.name for i in by_area.items] == ["Hospital IDVA"]
    prevention = interventions.list_interventions(
        session, worker, page=1, page_size=10, kind=InterventionKind.PREVENTION
    )
    assert [i.name for i in prevention.items] == ["Hospital IDVA"]


def test_an_intervention_is_given_attended_and_finished(session: Session) -> None:
    place = build_place(session)
    therapy = add(session, place, "Therapy", unit_cost="£45.25", unit="per session")
    case = open_case(session, place)
    worker = place.actor(place.key_worker)

    given = interventions.give_intervention(
        session, worker, case.id, therapy.id, started_on=today() - 60 * DAY, units=8, sessions_offered=8
    )
    interventions.record_attendance(session, worker, given.id, sessions_offered=10, sessions_attended=7)
    interventions.finish_intervention(session, worker, given.id, ended_on=today() - DAY, achieved=True, units=10)

    record = interventions.case_record(session, worker, case.id)
    assert [(g.sessions_offered, g.sessions_attended, g.units, g.achieved) for g in record.given] == [(10, 7, 10, True)]
    assert record.cost == Money(45250)  # 10 sessions at £45.25
    with pytest.raises(Conflict, match="already finished"):
        interventions.finish_intervention(session, worker, given.id, ended_on=today(), achieved=False)


def test_bad_attendance_and_endings_are_refused(session: Session) -> None:
    place = build_place(session)
    therapy = add(session, place, "Therapy")
    case = open_case(session, place)
    worker = place.actor(place.key_worker)
    with pytest.raises(InvalidInput) as refused:
        interventions.give_intervention(session, worker, case.id, 999999, started_on=None, units=0)
    assert [p.where for p in refused.value.problems] == ["intervention_id", "started_on", "units"]
    assert count(session, CaseIntervention) == 0

    given = interventions.give_intervention(session, worker, case.id, therapy.id, started_on=today() - DAY)
    with pytest.raises(InvalidInput, match="from 0 to the number offered"):
        interventions.record_attendance(session, worker, given.id, sessions_offered=3, sessions_attended=4)
    with pytest.raises(InvalidInput) as refused:
        interventions.finish_intervention(session, worker, given.id, ended_on=None, achieved=None)
    assert [p.where for p in refused.value.problems] == ["ended_on", "achieved"]
    with pytest.raises(InvalidInput, match="cannot end before it started"):
        interventions.finish_intervention(session, worker, given.id, ended_on=today() - 2 * DAY, achieved=True)
    with pytest.raises(AccessRefused):
        interventions.record_attendance(
            session, place.actor(place.south_worker), given.id, sessions_offered=1, sessions_attended=1
        )


def test_an_outcome_recorded_again_is_corrected_and_the_old_answer_kept_in_the_audit(session: Session) -> None:
    place = build_place(session)
    case = open_case(session, place)
    worker = place.actor(place.key_worker)
    kind = OutcomeKind.NO_REPEAT_INCIDENT_6_MONTHS

    interventions.record_outcome(session, worker, case.id, kind, True, today() - 7 * DAY)
    corrected = interventions.record_outcome(session, worker, case.id, kind, False, today())

    assert count(session, CaseOutcome) == 1
    assert (corrected.achieved, corrected.recorded_on) == (False, today())
    last = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "case.outcome_recorded").order_by(AuditEntry.seq.desc())
    ).first()
    assert last is not None and f'"recorded_on": "{today() - 7 * DAY}"' in last.detail
    assert '"achieved": true' in last.detail
    with pytest.raises(InvalidInput) as refused:
        interventions.record_outcome(session, worker, case.id, kind, None, today() + DAY)
    assert [p.where for p in refused.value.problems] == ["achieved", "recorded_on"]
