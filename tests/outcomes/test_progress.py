"""Where every indicator stands, on the loaded demo and both databases: Safer Essex's published changes reproduced
exactly, every status the rule's own verdict on an independently worked reading, small numbers not rated, the
trend with its target line, a revision counted once, and `wholeplace outcomes status --format json`."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from wholeplace.auth.actor import Actor
from wholeplace.cli import app
from wholeplace.db import session_factory
from wholeplace.money import FinancialYear
from wholeplace.outcomes import progress
from wholeplace.outcomes.model import Baseline, Indicator, Measurement, Target
from wholeplace.outcomes.periods import Period
from wholeplace.outcomes.status import Reading, Status, assess
from wholeplace.partners.model import Area

CONSOLE = Actor.console()
BASE_YEAR, CHANGE_YEAR, LATEST_YEAR = (Period.year(FinancialYear(year)) for year in (2009, 2010, 2010))


def indicator(session: Session, code: str) -> Indicator:
    return session.scalars(select(Indicator).where(Indicator.code == code)).one()


def area(session: Session, name: str) -> Area:
    return session.scalars(select(Area).where(Area.name == name)).one()


def current_figure(session: Session, code: str, where: str, period: Period) -> Decimal:
    return session.scalars(
        select(Measurement.value).where(
            Measurement.indicator_id == indicator(session, code).id,
            Measurement.area_id == area(session, where).id,
            Measurement.period_start == period.starts,
            Measurement.current.is_(True),
        )
    ).one()


def row_for(session: Session, code: str, where: str) -> progress.StatusRow:
    rows = progress.status_rows(session, CONSOLE, indicator_id=indicator(session, code).id)
    return next(row for row in rows if row.area == where)


def test_essex_all_crime_is_judged_on_its_2010_11_figure_against_the_2009_10_baseline(demo_session: Session) -> None:
    row = row_for(demo_session, "all-crime", "Essex")
    latest = current_figure(demo_session, "all-crime", "Essex", LATEST_YEAR)
    assert (row.period, row.latest, row.baseline) == (LATEST_YEAR, latest, Decimal(105000))
    # the demo's 2010/11 target is 95% of the baseline: 105,000 x 0.95 = 99,750
    assert row.target == Decimal(99750)
    assert row.assessment.change == latest - 105000 == Decimal(-7350)
    assert row.status is Status.ON_TRACK and latest <= 99750  # lower is better: at or under target is on track
    # Safer Essex's year of change: 2010/11 is 97,650, exactly 7.00% below the baseline
    change_year = current_figure(demo_session, "all-crime", "Essex", CHANGE_YEAR)
    assert change_year == Decimal(97650)
    reading = assess(
        Reading(change_year, row.baseline, None), progress.tolerances_of(indicator(demo_session, "all-crime"))
    )
    assert reading.change_percent == Decimal("-7.00")


@pytest.mark.parametrize(
    ("code", "published"),
    [
        ("all-crime", Decimal("-7")),
        ("domestic-burglary", Decimal("-5")),
        ("serious-acquisitive-crime", Decimal("-4")),
        ("anti-social-behaviour", Decimal("-10.5")),
    ],
)
def test_each_safer_essex_indicator_reproduces_the_published_change_for_2010_11_exactly(
    demo_session: Session, code: str, published: Decimal
) -> None:
    # "All Crime down 7%, Domestic Burglary down 5%, Serious acquisitive crime down 4%, ASB down 10.5%"
    # (Safer Essex minutes, 10 March 2011): 2010/11 against 2009/10 in Essex, to the last digit.
    before = current_figure(demo_session, code, "Essex", BASE_YEAR)
    after = current_figure(demo_session, code, "Essex", CHANGE_YEAR)
    assert (after - before) * 100 / before == published
    baseline = demo_session.scalars(
        select(Baseline.value).where(
            Baseline.indicator_id == indicator(demo_session, code).id,
            Baseline.area_id == area(demo_session, "Essex").id,
        )
    ).one()
    assert baseline == before  # 2009/10 is the baseline the status measures change from


def independent_readings(session: Session) -> dict[tuple[int, int], tuple[Period | None, Reading]]:
    """Each indicator and area's reading worked out plainly from every row, for checking `status_rows`:
    the newest period's current figure, the baseline, and the target for that period or the latest before it."""
    indicators = {item.id: item for item in session.scalars(select(Indicator))}
    newest: dict[tuple[int, int], Measurement] = {}
    for item in session.scalars(select(Measurement).where(Measurement.current.is_(True))):
        key = (item.indicator_id, item.area_id)
        if key not in newest or item.period_start > newest[key].period_start:
            newest[key] = item
    baselines = {(item.indicator_id, item.area_id): item.value for item in session.scalars(select(Baseline))}
    targets: dict[tuple[int, int], list[Target]] = {}
    for target in session.scalars(select(Target)):
        targets.setdefault((target.indicator_id, target.area_id), []).append(target)
    readings = {}
    for key in set(newest) | set(baselines) | set(targets):
        figure = newest.get(key)
        standing = [
            target for target in targets.get(key, []) if figure is None or target.period_start <= figure.period_start
        ]
        target = max(standing, key=lambda item: item.period_start).value if standing else None
        period = Period(figure.period_start, indicators[key[0]].frequency) if figure else None
        readings[key] = (
            period,
            Reading(
                figure.value if figure else None,
                baselines.get(key),
                target,
                figure.count if figure else None,
            ),
        )
    return readings


def test_every_status_is_the_rules_verdict_on_a_reading_worked_out_independently(demo_session: Session) -> None:
    rows = progress.status_rows(demo_session, CONSOLE)
    expected = independent_readings(demo_session)
    assert len(rows) == len(expected) == len({(row.indicator_id, row.area_id) for row in rows})
    indicators = {item.id: item for item in demo_session.scalars(select(Indicator))}
    for row in rows:
        period, reading = expected[(row.indicator_id, row.area_id)]
        assert (row.period, row.latest, row.baseline, row.target, row.count) == (
            period,
            reading.latest,
            reading.baseline,
            reading.target,
            reading.count,
        ), (row.code, row.area)
        assert row.assessment == assess(reading, progress.tolerances_of(indicators[row.indicator_id]))
    # the demo has something in every rated state and some too few to rate
    assert {row.status for row in rows} >= {Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.TOO_FEW}


def test_a_rate_on_fewer_cases_than_its_minimum_is_not_rated(demo_session: Session) -> None:
    rows = [row for row in progress.status_rows(demo_session, CONSOLE) if row.code == "reoffending"]
    assert indicator(demo_session, "reoffending").minimum_count == 20
    too_few = [row for row in rows if row.count is not None and row.count < 20]
    assert too_few, "the demo has districts whose cohort this quarter is under 20"
    for row in too_few:
        assert row.status is Status.TOO_FEW
        assert row.assessment.rule == f"Not rated: {row.count} cases, fewer than 20"
    for row in rows:
        if row not in too_few:
            assert row.status in (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK), (row.area, row.count)
    # Essex's rate is on every district's cases together, so it is always rated
    assert next(row for row in rows if row.area == "Essex").count >= 20  # type: ignore[operator]


def test_the_trend_gives_each_period_in_order_with_the_target_line(demo_session: Session) -> None:
    crime = indicator(demo_session, "all-crime")
    points = progress.trend(demo_session, CONSOLE, indicator=crime, area_id=area(demo_session, "Essex").id)
    assert [str(point.period) for point in points] == ["2008/09", "2009/10", "2010/11"]
    # 2008/09 is 3% above the baseline (105,000 x 1.03 = 108,150); then the published 7% fall to 97,650
    assert [point.value for point in points] == [Decimal(108150), Decimal(105000), Decimal(97650)]
    # the 2010/11 target is 95% of 105,000; none before
    assert [point.target for point in points] == [None, None, Decimal(99750)]
    assert {point.revisions for point in points} == {1}  # Essex's total was never revised


def test_tendrings_revised_2010_11_figure_keeps_both_rows_and_the_current_one_counts(demo_session: Session) -> None:
    crime, tendring = indicator(demo_session, "all-crime"), area(demo_session, "Tendring")
    held = demo_session.scalars(
        select(Measurement)
        .where(
            Measurement.indicator_id == crime.id,
            Measurement.area_id == tendring.id,
            Measurement.period_start == CHANGE_YEAR.starts,
        )
        .order_by(Measurement.revision)
    ).all()
    assert [(item.revision, item.current) for item in held] == [(1, False), (2, True)]
    first, revised = held
    # the recording audit of May 2011 moved 112 crimes from Basildon to Tendring
    assert revised.value == first.value + 112
    assert (revised.received_on, revised.note) == (
        dt.date(2011, 6, 14),
        "The recording audit of May 2011 found 112 crimes recorded against Basildon that were in Tendring",
    )
    points = progress.trend(demo_session, CONSOLE, indicator=crime, area_id=tendring.id)
    change_year = next(point for point in points if point.period == CHANGE_YEAR)
    assert (change_year.value, change_year.revisions) == (revised.value, 2)
    assert len(points) == 3  # one point per period, however many revisions it had


# The command

runner = CliRunner()


def test_the_status_command_lists_every_indicator_and_area_with_its_status_and_rule(demo_console: Engine) -> None:
    result = runner.invoke(app, ["outcomes", "status", "--format", "json"])
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    with session_factory(demo_console)() as session:
        rows = progress.status_rows(session, CONSOLE)
    assert len(entries) == len(rows)
    assert [(entry["indicator"], entry["area"]) for entry in entries] == [(row.code, row.area_code) for row in rows]
    assert all(entry["rule"] for entry in entries)
    assert {entry["status"] for entry in entries} == {row.status.value for row in rows}
    essex = next(entry for entry in entries if (entry["indicator"], entry["area_name"]) == ("all-crime", "Essex"))
    latest = Decimal(essex["latest"])
    assert (essex["period"], essex["baseline"], essex["target"], essex["status"]) == (
        "2010/11",
        "105000",
        "99750",
        "on_track",
    )
    # change from baseline, and as a percentage of it to two places
    assert Decimal(essex["change"]) == latest - 105000
    assert Decimal(essex["change_percent"]) == ((latest - 105000) * 100 / 105000).quantize(Decimal("0.01"))
