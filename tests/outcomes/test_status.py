"""The status rule: on track, at risk or off track by how far the latest value falls short of the target, as a
percentage of the target, with both edges counting to the better side; tested at and around each edge, for
indicators where higher is better and where lower is better, and for small numbers, missing data and targets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from wholeplace.outcomes.status import Assessment, Reading, Status, Tolerances, assess, number

# All crime, lower is better: target 93,000 recorded crimes a year, on track within 1% of it, at risk within 3%.
#   on-track edge: 1% of 93,000 = 930, so 93,000 + 930 = 93,930 crimes is exactly 1% short
#   at-risk edge:  3% of 93,000 = 2,790, so 93,000 + 2,790 = 95,790 crimes is exactly 3% short
# One crime more than either edge is a hair past it: 931 / 93,000 = 1.0011% and 2,791 / 93,000 = 3.0011%.
ALL_CRIME = Tolerances(higher_is_better=False, on_track_within=Decimal(1), at_risk_within=Decimal(3))
ALL_CRIME_BASELINE = Decimal(101_250)
ALL_CRIME_TARGET = Decimal(93_000)

# Victims who engage with the advocacy service, higher is better: target 80%, on track within 2.5%, at risk
# within 10%, rated only on 30 referrals or more.
#   on-track edge: 2.5% of 80 = 2 points, so 78% is exactly 2.5% short; 77.99% is (2.01 / 80) = 2.5125% short
#   at-risk edge:  10% of 80 = 8 points, so 72% is exactly 10% short; 71.99% is (8.01 / 80) = 10.0125% short
ENGAGEMENT = Tolerances(
    higher_is_better=True, on_track_within=Decimal("2.5"), at_risk_within=Decimal(10), minimum_count=30
)


def all_crime(latest: int) -> Assessment:
    return assess(Reading(Decimal(latest), ALL_CRIME_BASELINE, ALL_CRIME_TARGET), ALL_CRIME)


def engagement(latest: str, count: int = 120) -> Assessment:
    return assess(Reading(Decimal(latest), Decimal(70), Decimal(80), count), ENGAGEMENT)


@pytest.mark.parametrize(
    ("crimes", "status", "shortfall"),
    [
        (92_000, Status.ON_TRACK, Decimal(-1000) / 930),  # 1,000 under target: beats it by 1.08%
        (93_000, Status.ON_TRACK, Decimal(0)),  # exactly on target
        (93_930, Status.ON_TRACK, Decimal(1)),  # exactly at on_track_within: the edge counts as on track
        (93_931, Status.AT_RISK, Decimal(931) / 930),  # a crime past it
        (95_790, Status.AT_RISK, Decimal(3)),  # exactly at at_risk_within: the edge counts as at risk
        (95_791, Status.OFF_TRACK, Decimal(2791) / 930),  # a crime past it
        (101_250, Status.OFF_TRACK, Decimal(8250) / 930),  # no better than the baseline: 8.87% short
    ],
)
def test_all_crime_where_lower_is_better_is_rated_at_and_around_each_edge(
    crimes: int, status: Status, shortfall: Decimal
) -> None:
    assessed = all_crime(crimes)
    assert assessed.status is status
    assert assessed.shortfall_percent == shortfall
    assert assessed.rule.startswith(f"{status.label}: ")
    assert "lower is better" in assessed.rule


@pytest.mark.parametrize(
    ("percent", "status", "shortfall"),
    [
        ("85", Status.ON_TRACK, Decimal("-6.25")),  # 5 points over an 80% target is 6.25% better
        ("80", Status.ON_TRACK, Decimal(0)),
        ("78", Status.ON_TRACK, Decimal("2.5")),  # exactly at on_track_within
        ("77.99", Status.AT_RISK, Decimal("2.5125")),  # a hair below it
        ("72", Status.AT_RISK, Decimal(10)),  # exactly at at_risk_within
        ("71.99", Status.OFF_TRACK, Decimal("10.0125")),  # a hair below it
        ("70", Status.OFF_TRACK, Decimal("12.5")),  # still at the baseline: 10 / 80 = 12.5% short
    ],
)
def test_engagement_where_higher_is_better_is_rated_at_and_around_each_edge(
    percent: str, status: Status, shortfall: Decimal
) -> None:
    assessed = engagement(percent)
    assert assessed.status is status
    assert assessed.shortfall_percent == shortfall
    assert assessed.rule.startswith(f"{status.label}: ")
    assert "higher is better" in assessed.rule


@pytest.mark.parametrize(
    ("families", "status"),
    [
        # Families turned around against 2,400, with the default tolerances: on track only at or over target,
        # at risk within 5% under it (5% of 2,400 = 120, so down to 2,280), off track below that.
        (2_500, Status.ON_TRACK),
        (2_400, Status.ON_TRACK),
        (2_399, Status.AT_RISK),
        (2_280, Status.AT_RISK),
        (2_279, Status.OFF_TRACK),
    ],
)
def test_with_the_default_tolerances_only_meeting_the_target_is_on_track(families: int, status: Status) -> None:
    assessed = assess(Reading(Decimal(families), None, Decimal(2_400)), Tolerances(higher_is_better=True))
    assert assessed.status is status


def test_the_rule_says_the_status_the_tolerance_the_direction_and_how_far_short() -> None:
    assert all_crime(93_930).rule == (
        "On track: within 1% of target (lower is better; 93,930 against 93,000, 1% short)"
    )
    assert all_crime(95_790).rule == (
        "At risk: short of target by more than 1% and at most 3% (lower is better; 95,790 against 93,000, 3% short)"
    )
    # 101,250 - 93,000 = 8,250 over; 8,250 / 93,000 = 8.8710% short, shown to 2 places.
    assert all_crime(101_250).rule == (
        "Off track: short of target by more than 3% (lower is better; 101,250 against 93,000, 8.87% short)"
    )
    assert all_crime(92_000).rule == (
        "On track: within 1% of target (lower is better; 92,000 against 93,000, 1.08% better)"
    )
    assert engagement("77.99").rule == (
        "At risk: short of target by more than 2.5% and at most 10% (higher is better; 77.99 against 80, 2.51% short)"
    )
    on_target = assess(Reading(Decimal(2_400), None, Decimal(2_400)), Tolerances(higher_is_better=True))
    assert on_target.rule == (
        "On track: meets or beats target (higher is better; 2,400 against 2,400, exactly on target)"
    )


def test_change_from_baseline_and_distance_to_target_are_in_the_indicators_units() -> None:
    assessed = all_crime(95_000)
    # 95,000 - 101,250 = -6,250 crimes; -6,250 / 101,250 = -6.1728...% of the baseline.
    assert assessed.change == Decimal(-6_250)
    assert assessed.change_percent == Decimal(-6_250) * 100 / Decimal(101_250)
    assert round(assessed.change_percent, 4) == Decimal("-6.1728")
    # 93,000 - 95,000 = -2,000: crime must still fall by 2,000 to reach the target.
    assert assessed.to_target == Decimal(-2_000)


def test_a_rate_on_one_case_fewer_than_the_minimum_is_not_rated() -> None:
    assessed = engagement("85", count=29)  # would be on track, but on 29 referrals, one fewer than 30
    assert assessed.status is Status.TOO_FEW
    assert assessed.rule == "Not rated: 29 cases, fewer than 30"
    assert assessed.shortfall_percent is None
    # The figures beside it are still shown: 85 - 70 = 15 points up, 80 - 85 = 5 points past the target.
    assert (assessed.change, assessed.to_target) == (Decimal(15), Decimal(-5))


def test_a_rate_on_exactly_the_minimum_number_of_cases_is_rated() -> None:
    assert engagement("85", count=30).status is Status.ON_TRACK
    assert engagement("71.99", count=30).status is Status.OFF_TRACK


def test_the_small_number_rule_counts_thousands_as_people_write_them() -> None:
    tolerances = Tolerances(higher_is_better=False, minimum_count=1_500)
    assessed = assess(Reading(Decimal("0.31"), None, Decimal("0.30"), count=1_499), tolerances)
    assert assessed.rule == "Not rated: 1,499 cases, fewer than 1,500"


def test_a_reading_without_a_count_is_rated_whatever_the_minimum() -> None:
    assert assess(Reading(Decimal(78), None, Decimal(80)), ENGAGEMENT).status is Status.ON_TRACK


def test_no_measurement_yet_is_no_data_even_with_a_target_and_few_cases() -> None:
    assessed = assess(Reading(None, Decimal(101_250), Decimal(93_000), count=3), ALL_CRIME)
    assert assessed.status is Status.NO_DATA
    assert assessed.rule == "No measurement yet"
    assert (assessed.change, assessed.change_percent, assessed.to_target, assessed.shortfall_percent) == (
        None,
        None,
        None,
        None,
    )


def test_a_measurement_without_a_target_has_no_status_but_still_its_change() -> None:
    assessed = assess(Reading(Decimal(95_000), Decimal(100_000), None), ALL_CRIME)
    assert assessed.status is Status.NO_TARGET
    assert assessed.rule == "No target set for this period"
    # 95,000 - 100,000 = -5,000, which is -5% of the baseline.
    assert (assessed.change, assessed.change_percent, assessed.to_target) == (Decimal(-5_000), Decimal(-5), None)


def test_a_baseline_of_zero_gives_a_change_but_no_percentage_of_it() -> None:
    assessed = assess(Reading(Decimal(4), Decimal(0), Decimal(0)), Tolerances(higher_is_better=False))
    assert (assessed.change, assessed.change_percent) == (Decimal(4), None)


@pytest.mark.parametrize(
    ("latest", "higher_is_better", "status"),
    [
        # Children in custody, lower is better, target 0: only none is on track; one child is off track, not
        # "at risk", however wide the tolerances (there is no percentage of a target of 0).
        ("0", False, Status.ON_TRACK),
        ("1", False, Status.OFF_TRACK),
        ("-1", False, Status.ON_TRACK),
        # Net change in an area's figure, higher is better, target 0: any rise or none is on track.
        ("0", True, Status.ON_TRACK),
        ("0.5", True, Status.ON_TRACK),
        ("-0.5", True, Status.OFF_TRACK),
    ],
)
def test_a_target_of_zero_is_on_track_only_when_met_or_beaten(
    latest: str, higher_is_better: bool, status: Status
) -> None:
    tolerances = Tolerances(higher_is_better, on_track_within=Decimal(10), at_risk_within=Decimal(50))
    assessed = assess(Reading(Decimal(latest), None, Decimal(0)), tolerances)
    assert assessed.status is status
    assert assessed.shortfall_percent is None
    better = "higher" if higher_is_better else "lower"
    assert assessed.rule == f"Target 0, {better} is better: {status.label.lower()}"


def test_a_negative_target_is_judged_against_its_size() -> None:
    # Net migration out of an area, higher is better, target -200: -210 is 10 / 200 = 5% short.
    tolerances = Tolerances(higher_is_better=True, on_track_within=Decimal(5), at_risk_within=Decimal(10))
    assessed = assess(Reading(Decimal(-210), None, Decimal(-200)), tolerances)
    assert (assessed.status, assessed.shortfall_percent) == (Status.ON_TRACK, Decimal(5))
    assert assess(Reading(Decimal(-221), None, Decimal(-200)), tolerances).status is Status.OFF_TRACK


@pytest.mark.parametrize(
    ("value", "written"),
    [("93000", "93,000"), ("7.50", "7.5"), ("12.0", "12"), ("1234567.891", "1,234,567.891"), ("-0.25", "-0.25")],
)
def test_figures_in_the_rule_are_written_as_people_write_them(value: str, written: str) -> None:
    assert number(Decimal(value)) == written


# Invariants over any value, target and tolerances

RANK = {Status.ON_TRACK: 0, Status.AT_RISK: 1, Status.OFF_TRACK: 2}
figures = st.decimals(min_value=-1_000_000, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)
percents = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def tolerances(draw: st.DrawFn, higher_is_better: bool | None = None) -> Tolerances:
    on = draw(percents)
    at = on + draw(percents)
    better = draw(st.booleans()) if higher_is_better is None else higher_is_better
    return Tolerances(better, on_track_within=on, at_risk_within=at)


@settings(max_examples=200, deadline=None)
@given(
    value=figures,
    target=figures,
    step=st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False),
    rules=tolerances(),
)
def test_moving_the_value_the_better_way_never_makes_the_status_worse(
    value: Decimal, target: Decimal, step: Decimal, rules: Tolerances
) -> None:
    better = value + step if rules.higher_is_better else value - step
    before = assess(Reading(value, None, target), rules).status
    after = assess(Reading(better, None, target), rules).status
    assert RANK[after] <= RANK[before]


@settings(max_examples=200, deadline=None)
@given(value=figures, target=figures, on=percents, wider=percents)
def test_mirroring_the_value_around_the_target_gives_the_same_status_whichever_way_is_better(
    value: Decimal, target: Decimal, on: Decimal, wider: Decimal
) -> None:
    higher = assess(Reading(value, None, target), Tolerances(True, on, on + wider))
    lower = assess(Reading(2 * target - value, None, target), Tolerances(False, on, on + wider))
    assert higher.status is lower.status
    assert higher.shortfall_percent == lower.shortfall_percent


@settings(max_examples=200, deadline=None)
@given(value=figures, target=figures, rules=tolerances())
def test_the_status_is_on_track_at_risk_or_off_track_as_the_shortfall_sits_against_the_tolerances(
    value: Decimal, target: Decimal, rules: Tolerances
) -> None:
    assume(target != 0)
    assessed = assess(Reading(value, None, target), rules)
    shortfall = assessed.shortfall_percent
    assert shortfall is not None
    expected = (
        Status.ON_TRACK
        if shortfall <= rules.on_track_within
        else Status.AT_RISK
        if shortfall <= rules.at_risk_within
        else Status.OFF_TRACK
    )
    assert assessed.status is expected
    assert assessed.rule.startswith(f"{expected.label}: ")


@settings(max_examples=200, deadline=None)
@given(value=figures, target=figures, minimum=st.integers(1, 10_000), data=st.data())
def test_any_rated_reading_on_fewer_cases_than_the_minimum_is_not_rated(
    value: Decimal, target: Decimal, minimum: int, data: st.DataObject
) -> None:
    count = data.draw(st.integers(0, minimum - 1))
    rules = Tolerances(data.draw(st.booleans()), minimum_count=minimum)
    assert assess(Reading(value, None, target, count), rules).status is Status.TOO_FEW
    assert assess(Reading(value, None, target, minimum), rules).status in RANK
