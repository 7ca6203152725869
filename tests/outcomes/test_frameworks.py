"""Defining a framework from its YAML file, on both databases: outcomes and indicators with baselines and targets
are created; loading the file again brings them up to date without a second copy; a bad file is refused naming
the file and the key path of every problem, and nothing is written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import make_organisation
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import Role
from wholeplace.demo.load import load_areas
from wholeplace.outcomes.frameworks import load_framework
from wholeplace.outcomes.model import Baseline, Framework, FrameworkOutcome, Indicator, Target
from wholeplace.outcomes.periods import PeriodKind
from wholeplace.partners.model import Area, OrganisationKind
from wholeplace.problems import AccessRefused, InvalidInput, Problem

FILENAME = "safer-tendring.yaml"
# Tendring's community safety partnership plan, as a performance officer would write it. The counts are
# ILLUSTRATIVE: all crime from 9,407 in 2009/10 to 8,560 by 2013/14 (9,407 less 9%, rounded).
SAFER_TENDRING = """\
code: safer-tendring
name: Safer Tendring
description: Tendring's community safety partnership plan.
source: Tendring Community Safety Partnership plan 2013-14
owner: Tendring District Council
outcomes:
  - name: Less crime
    indicators:
      - code: all-crime
        name: All crime
        definition: Crimes recorded by Essex Police in the district in the financial year.
        unit: crimes
        higher_is_better: false
        frequency: year
        owner: Essex Police
        on_track_within: 0
        at_risk_within: 3
        baselines:
          - {area: Tendring, period: 2009/10, value: 9407}
          - {area: E10000012, period: 2009/10, value: 105000}
        targets:
          - {area: Tendring, period: 2012/13, value: 8654}
          - {area: Tendring, period: 2013/14, value: 8560}
  - name: Fewer repeat victims
    indicators:
      - code: repeat-da-victims
        name: Repeat victims of domestic abuse at MARAC
        numerator: Repeat cases heard at MARAC
        denominator: Cases heard at MARAC
        unit: "% of MARAC cases"
        higher_is_better: false
        frequency: quarter
        owner: GB-LAE-TEN
        at_risk_within: 10
        minimum_count: 15
        baselines:
          - {area: Tendring, period: 2012/13 Q1, value: 27.5}
        targets:
          - {area: Tendring, period: 2014/15 Q1, value: 22}
"""


@pytest.fixture
def place(session: Session) -> Session:
    """Essex's areas and the two partners the file names as owners."""
    load_areas(session)
    make_organisation(session, "Tendring District Council", "GB-LAE-TEN", OrganisationKind.DISTRICT_COUNCIL)
    make_organisation(session, "Essex Police", "XX-WHOLEPLACE-ESSEX-POLICE", OrganisationKind.POLICE_FORCE)
    return session


def load(session: Session, text: str = SAFER_TENDRING, actor: Actor | None = None) -> Framework:
    return load_framework(session, actor or Actor.console(), text=text, filename=FILENAME)


def counts(session: Session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Framework, FrameworkOutcome, Indicator, Baseline, Target)
    }


def indicator(session: Session, code: str) -> Indicator:
    return session.scalars(select(Indicator).where(Indicator.code == code)).one()


def figures(session: Session, model: type[Baseline] | type[Target], code: str) -> set[tuple[str, dt.date, Decimal]]:
    rows = session.scalars(select(model).where(model.indicator_id == indicator(session, code).id)).all()
    return {(row.area.name, row.period_start, row.value) for row in rows}


def test_a_framework_file_creates_its_outcomes_and_indicators_with_baselines_and_targets(place: Session) -> None:
    framework = load(place)
    assert (framework.code, framework.name, framework.organisation.name) == (  # type: ignore[union-attr]
        "safer-tendring",
        "Safer Tendring",
        "Tendring District Council",
    )
    assert [(outcome.position, outcome.name) for outcome in framework.outcomes] == [
        (1, "Less crime"),
        (2, "Fewer repeat victims"),
    ]
    assert counts(place) == {"Framework": 1, "FrameworkOutcome": 2, "Indicator": 2, "Baseline": 3, "Target": 3}

    crime = indicator(place, "all-crime")
    assert (crime.frequency, crime.higher_is_better, crime.is_rate) == (PeriodKind.YEAR, False, False)
    assert (crime.on_track_within, crime.at_risk_within, crime.minimum_count) == (Decimal(0), Decimal(3), None)
    assert crime.organisation.name == "Essex Police"  # type: ignore[union-attr]
    # financial years start on 1 April; areas are found by name or by ONS code (E10000012 is Essex)
    assert figures(place, Baseline, "all-crime") == {
        ("Tendring", dt.date(2009, 4, 1), Decimal(9407)),
        ("Essex", dt.date(2009, 4, 1), Decimal(105000)),
    }
    assert figures(place, Target, "all-crime") == {
        ("Tendring", dt.date(2012, 4, 1), Decimal(8654)),
        ("Tendring", dt.date(2013, 4, 1), Decimal(8560)),
    }

    victims = indicator(place, "repeat-da-victims")
    assert (victims.frequency, victims.is_rate, victims.minimum_count) == (PeriodKind.QUARTER, True, 15)
    assert victims.organisation.name == "Tendring District Council"  # type: ignore[union-attr]  # by identifier
    # 2012/13 Q1 is April to June 2012; 2014/15 Q1 starts on 1 April 2014
    assert figures(place, Baseline, "repeat-da-victims") == {("Tendring", dt.date(2012, 4, 1), Decimal("27.5"))}
    assert figures(place, Target, "repeat-da-victims") == {("Tendring", dt.date(2014, 4, 1), Decimal(22))}


def test_loading_the_file_again_brings_it_up_to_date_and_duplicates_nothing(place: Session) -> None:
    first = load(place)
    assert load(place).id == first.id
    assert counts(place) == {"Framework": 1, "FrameworkOutcome": 2, "Indicator": 2, "Baseline": 3, "Target": 3}

    # The partnership tightens 2013/14's target to 8,467 (9,407 less 10%), moves Tendring's baseline to the
    # audited 9,519, renames an indicator and adds anti-social behaviour to "Less crime".
    revised = (
        SAFER_TENDRING.replace("value: 8560", "value: 8467")
        .replace("value: 9407", "value: 9519")
        .replace("name: All crime", "name: All recorded crime")
        .replace(
            "  - name: Fewer repeat victims",
            "      - code: anti-social-behaviour\n"
            "        name: Anti-social behaviour incidents\n"
            "        unit: incidents\n"
            "        higher_is_better: false\n"
            "        frequency: year\n"
            "        targets:\n"
            "          - {area: Tendring, period: 2013/14, value: 5100}\n"
            "  - name: Fewer repeat victims",
        )
    )
    again = load(place, revised)
    assert again.id == first.id
    assert counts(place) == {"Framework": 1, "FrameworkOutcome": 2, "Indicator": 3, "Baseline": 3, "Target": 4}
    assert indicator(place, "all-crime").name == "All recorded crime"
    assert figures(place, Baseline, "all-crime") == {
        ("Tendring", dt.date(2009, 4, 1), Decimal(9519)),
        ("Essex", dt.date(2009, 4, 1), Decimal(105000)),
    }
    assert figures(place, Target, "all-crime") == {
        ("Tendring", dt.date(2012, 4, 1), Decimal(8654)),
        ("Tendring", dt.date(2013, 4, 1), Decimal(8467)),
    }
    assert indicator(place, "anti-social-behaviour").outcome.name == "Less crime"


INDICATOR = "safer-tendring.yaml, outcomes[0].indicators[0]"


@pytest.mark.parametrize(
    ("bad", "good", "expected"),
    [
        pytest.param(
            "{area: Tendring, period: 2009/10",
            "{area: Clacton, period: 2009/10",
            Problem(f"{INDICATOR}.baselines[0].area", "'Clacton' is not an area: give its ONS code or name"),
            id="unknown area",
        ),
        pytest.param(
            "{area: Tendring, period: 2013/14, value: 8560}",
            "{area: Tendring, period: 2013/14 Q4, value: 8560}",
            Problem(f"{INDICATOR}.targets[1].period", "The indicator is measured by year, not quarter"),
            id="period of the wrong frequency",
        ),
        pytest.param(
            "code: repeat-da-victims",
            "code: all-crime",
            Problem("safer-tendring.yaml, outcomes[1].indicators[0].code", "The code all-crime is given twice"),
            id="duplicate indicator code",
        ),
        pytest.param(
            "on_track_within: 0\n        at_risk_within: 3",
            "on_track_within: 5\n        at_risk_within: 3",
            Problem(f"{INDICATOR}.at_risk_within", "The at-risk tolerance must be at least the on-track one"),
            id="at risk below on track",
        ),
        pytest.param(
            "owner: Essex Police",
            "owner: Essex Constabulary",
            Problem(f"{INDICATOR}.owner", "'Essex Constabulary' is not a partner"),
            id="unknown owner",
        ),
        pytest.param(
            "frequency: year",
            "frequency: fortnight",
            Problem(f"{INDICATOR}.frequency", "Input should be 'year', 'quarter' or 'month'"),
            id="unknown frequency",
        ),
    ],
)
def test_a_bad_framework_file_is_refused_naming_the_key_and_writes_nothing(
    place: Session, bad: str, good: str, expected: Problem
) -> None:
    load(place)
    before = counts(place)
    targets_before = figures(place, Target, "all-crime")
    assert bad in SAFER_TENDRING
    with pytest.raises(InvalidInput) as refused:
        load(place, SAFER_TENDRING.replace(bad, good, 1))
    assert refused.value.problems == [expected]
    assert counts(place) == before
    assert figures(place, Target, "all-crime") == targets_before


def test_a_file_that_is_not_yaml_is_refused_naming_the_file(place: Session) -> None:
    before = counts(place)
    with pytest.raises(InvalidInput) as refused:
        load(place, "code: safer-tendring\nname: [Safer Tendring\noutcomes: []\n")
    [problem] = refused.value.problems
    assert problem.where == FILENAME
    assert problem.message.startswith("This is not YAML or JSON that can be read")
    assert (
        counts(place) == before == {"Framework": 0, "FrameworkOutcome": 0, "Indicator": 0, "Baseline": 0, "Target": 0}
    )


def test_every_problem_in_a_file_is_reported_at_once(place: Session) -> None:
    text = (
        SAFER_TENDRING.replace("owner: Tendring District Council", "owner: Tendring Council")
        .replace("{area: Tendring, period: 2012/13 Q1", "{area: Tendring, period: 2012-13 Q1")
        .replace("{area: Tendring, period: 2014/15 Q1", "{area: Frinton, period: 2014/15 Q1")
    )
    with pytest.raises(InvalidInput) as refused:
        load(place, text)
    assert [str(problem) for problem in refused.value.problems] == [
        "safer-tendring.yaml, owner: 'Tendring Council' is not a partner",
        "safer-tendring.yaml, outcomes[1].indicators[0].baselines[0].period: '2012-13 Q1' is not a period. "
        "Write a financial year (2013/14), a quarter (2013/14 Q2) or a month (2013-07 or Jul 2013)",
        "safer-tendring.yaml, outcomes[1].indicators[0].targets[0].area: "
        "'Frinton' is not an area: give its ONS code or name",
    ]
    assert counts(place)["Framework"] == 0


def test_a_viewer_cannot_load_a_framework(place: Session) -> None:
    viewer = Actor(None, "viewer@essex.example", None, frozenset({Role.VIEWER}))
    with pytest.raises(AccessRefused):
        load(place, actor=viewer)
    assert counts(place)["Indicator"] == 0
    assert place.scalar(select(func.count()).select_from(Area)) == 15  # the areas stay as they were
