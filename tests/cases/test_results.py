"""What interventions cost and achieve: exact pence from real rows in the database (three cases, known unit costs),
success rates with their counts, small counts not rated, and properties that hold for any rows: the shares add up
to 100% of the spend, and the cost per case adds up to the total."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.cases.builders import build_place
from tests.cases.test_interventions import add
from tests.cases.test_plans import open_case
from tests.factories import make_organisation
from wholeplace.audit import AuditEntry
from wholeplace.business_dates import today
from wholeplace.cases import interventions, results
from wholeplace.cases.model import CaseRole, Household, InterventionKind, OutcomeKind
from wholeplace.cases.results import GivenRow, OutcomeRow, Rate, compute
from wholeplace.money import Money
from wholeplace.partners.model import OrganisationKind
from wholeplace.problems import AccessRefused

DAY = dt.timedelta(days=1)
PREVENTION, CONSEQUENCE = InterventionKind.PREVENTION, InterventionKind.CONSEQUENCE


def test_three_cases_with_known_unit_costs_give_exact_figures(session: Session) -> None:
    place = build_place(session)
    make_organisation(session, "Synthetic Women's Aid", "XX-SYN-AID", OrganisationKind.VOLUNTARY_SECTOR)
    alarm = add(session, place, "Door alarm", provider="XX-SYN-POLICE", unit_cost="£1,234.50", kind=PREVENTION)
    refuge = add(session, place, "Refuge place", provider="XX-SYN-AID", unit_cost="£350", unit="per week")
    therapy = add(session, place, "Therapy", unit_cost="£45.25", unit="per session")
    household = Household(name="The Example family", organisation_id=place.council.id)
    session.add(household)
    session.flush()
    first = open_case(session, place, household_id=household.id)
    second = open_case(session, place, people=(("Casey", CaseRole.CHILD),), household_id=household.id)
    third = open_case(session, place, people=(("Sam", CaseRole.VICTIM),))
    worker = place.actor(place.key_worker)

    def give(case_id: int, intervention_id: int, units: int, achieved: bool | None) -> None:
        item = interventions.give_intervention(
            session, worker, case_id, intervention_id, started_on=today() - 90 * DAY, units=units
        )
        if achieved is not None:
            interventions.finish_intervention(session, worker, item.id, ended_on=today() - DAY, achieved=achieved)

    give(first.id, alarm.id, 1, True)  # £1,234.50
    give(first.id, refuge.id, 6, False)  # 6 weeks at £350.00 = £2,100.00
    give(second.id, therapy.id, 10, True)  # 10 sessions at £45.25 = £452.50
    give(third.id, alarm.id, 1, True)  # £1,234.50
    give(third.id, therapy.id, 3, None)  # 3 sessions, still running: £135.75
    interventions.record_outcome(session, worker, first.id, OutcomeKind.NO_REPEAT_INCIDENT_6_MONTHS, True, today())
    interventions.record_outcome(session, worker, third.id, OutcomeKind.NO_REPEAT_INCIDENT_6_MONTHS, False, today())

    found = results.intervention_results(session, place.actor(place.analyst))

    assert found.total == Money(515725)  # £5,157.25
    assert found.cost_by_case == (
        (first.id, Money(333450)),
        (second.id, Money(45250)),
        (third.id, Money(137025)),
    )
    assert found.cost_by_family == ((household.id, Money(378700)),)
    assert str(found.average_per_case) == "£1,719.08"  # £5,157.25 / 3 = £1,719.083...
    assert str(found.average_per_family) == "£3,787.00"
    # £2,469.00 of £5,157.25 on prevention is 47.874...%; the rest 52.125...%: to a tenth, adding up to 100.0
    assert [(s.kind, s.spend, s.percent) for s in found.shares] == [
        (PREVENTION, Money(246900), Decimal("47.9")),
        (CONSEQUENCE, Money(268825), Decimal("52.1")),
    ]
    assert [(str(r.label), str(r)) for r in found.by_intervention] == [
        ("Door alarm", "2 of 2 (too few to rate)"),
        ("Refuge place", "0 of 1 (too few to rate)"),
        ("Therapy", "1 of 1 (too few to rate)"),
    ]
    assert [(r.label, r.achieved, r.out_of) for r in found.by_provider] == [
        ("Synthetic Borough Council", 1, 1),
        ("Synthetic Constabulary", 2, 2),
        ("Synthetic Women's Aid", 0, 1),
    ]
    assert [(r.label, r.achieved, r.out_of) for r in found.by_outcome] == [
        ("no repeat incident in 6 months", 1, 2),
        ("no reoffence in 12 months", 0, 0),
        ("child protection plan avoided", 0, 0),
        ("school attendance at least 90%", 0, 0),
    ]
    (read,) = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "case_results")).all()
    assert (read.action, read.purpose, read.outcome) == ("casework.read", "analysis", "allowed")
    assert json.loads(read.detail) | {} == {"records": 3, "allowed": 3, "rules": {"analyst-pseudonymised": 3}}


def test_a_key_worker_sees_their_organisations_cases_and_a_viewer_none(session: Session) -> None:
    place = build_place(session)
    alarm = add(session, place, "Door alarm", unit_cost="£100", kind=PREVENTION)
    case = open_case(session, place)
    interventions.give_intervention(session, place.actor(place.key_worker), case.id, alarm.id, started_on=today())

    own = results.intervention_results(session, place.actor(place.south_worker))  # another team, same partner
    assert own.total == Money(10000)
    police = results.intervention_results(session, place.actor(place.officer))  # no case of the police's
    assert police.total == Money(0) and police.shares == ()
    with pytest.raises(AccessRefused, match="Only analysts, key workers and team managers"):
        results.intervention_results(session, place.actor(place.admin))


def test_a_rate_says_its_count_and_rounds_a_half_up() -> None:
    assert str(Rate("Refuge", 12, 20)) == "12 of 20 (60%)"
    assert str(Rate("Refuge", 1, 8)) == "1 of 8 (13%)"  # 12.5% rounds up
    assert str(Rate("Refuge", 5, 8)) == "5 of 8 (63%)"  # 62.5%
    assert str(Rate("Refuge", 2, 3)) == "2 of 3 (too few to rate)"
    assert Rate("Refuge", 4, 4).percent is None and Rate("Refuge", 5, 5).percent == 100
    assert str(Rate("Refuge", 0, 0)) == "none finished yet"


def test_success_rates_from_plain_rows() -> None:
    rows = [
        GivenRow(case, None, "IDVA", "Women's Aid", PREVENTION, 10000, 1, case % 5 != 0)  # 4 of every 5 achieve
        for case in range(1, 21)
    ]
    found = compute(rows, [OutcomeRow(1, OutcomeKind.CHILD_PROTECTION_PLAN_AVOIDED, True)])
    assert [str(rate) for rate in found.by_intervention] == ["16 of 20 (80%)"]
    assert [str(rate) for rate in found.by_provider] == ["16 of 20 (80%)"]
    assert found.shares[0].percent == Decimal("100.0") and found.shares[1].percent == Decimal("0.0")
    assert compute([], []).shares == () and compute([], []).average_per_case is None


rows = st.lists(
    st.builds(
        GivenRow,
        case_id=st.integers(1, 30),
        family_id=st.one_of(st.none(), st.integers(1, 5)),
        intervention=st.sampled_from(["Refuge", "IDVA", "Therapy"]),
        provider=st.sampled_from(["Council", "Police", "Charity"]),
        kind=st.sampled_from(list(InterventionKind)),
        unit_cost_pence=st.integers(0, 10**9),
        units=st.integers(1, 500),
        achieved=st.one_of(st.none(), st.booleans()),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(rows)
def test_the_shares_add_up_to_all_of_the_spend(given_rows: list[GivenRow]) -> None:
    found = compute(given_rows, [])
    exact_total = sum(row.unit_cost_pence * row.units for row in given_rows)
    assert found.total.pence == exact_total
    if exact_total:
        assert sum(share.spend.pence for share in found.shares) == exact_total
        assert sum(share.percent for share in found.shares) == Decimal("100.0")
        for share in found.shares:  # each within a tenth of a percent of its exact share
            assert abs(share.percent - Decimal(share.spend.pence) * 100 / Decimal(exact_total)) < Decimal("0.1")
    else:
        assert found.shares == ()


@settings(max_examples=300, deadline=None)
@given(rows)
def test_the_cost_per_case_adds_up_to_the_total(given_rows: list[GivenRow]) -> None:
    found = compute(given_rows, [])
    assert sum(cost.pence for _, cost in found.cost_by_case) == found.total.pence
    in_families = sum(row.unit_cost_pence * row.units for row in given_rows if row.family_id is not None)
    assert sum(cost.pence for _, cost in found.cost_by_family) == in_families
    assert len(found.cost_by_case) == len({row.case_id for row in given_rows})
    finished = sum(rate.out_of for rate in found.by_intervention)
    assert finished == sum(rate.out_of for rate in found.by_provider) == sum(r.achieved is not None for r in given_rows)
