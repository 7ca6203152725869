"""Where every indicator stands in every area: the data of the framework page, `wholeplace outcomes status`
and the indicator page's trend and district comparison.

The latest current figure of each indicator and area is found in the database with one grouped query;
baselines and targets are read once each; `status.assess` judges each reading. The target a figure is judged
against is the one for its period, or else the latest set for an earlier period (a standing target).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from wholeplace.auth.actor import Actor, require
from wholeplace.outcomes.model import Baseline, FrameworkOutcome, Indicator, Measurement, Target
from wholeplace.outcomes.periods import Period, PeriodKind
from wholeplace.outcomes.status import Assessment, Reading, Status, Tolerances, assess
from wholeplace.partners.model import Area


@dataclass(frozen=True)
class StatusRow:
    indicator_id: int
    indicator: str
    code: str
    unit: str
    outcome: str
    area_id: int
    area: str
    area_code: str
    area_kind: str
    period: Period | None
    latest: Decimal | None
    count: int | None
    baseline: Decimal | None
    target: Decimal | None
    assessment: Assessment

    @property
    def status(self) -> Status:
        return self.assessment.status


def tolerances_of(indicator: Indicator) -> Tolerances:
    return Tolerances(
        indicator.higher_is_better, indicator.on_track_within, indicator.at_risk_within, indicator.minimum_count
    )


def status_rows(
    session: Session, actor: Actor, *, framework_id: int | None = None, indicator_id: int | None = None
) -> list[StatusRow]:
    """Every indicator and area that has a baseline, target or figure, with its status; framework order."""
    require(actor, "outcomes.view", object_type="indicator")
    indicators_query = select(Indicator).join(FrameworkOutcome)
    if framework_id is not None:
        indicators_query = indicators_query.where(FrameworkOutcome.framework_id == framework_id)
    if indicator_id is not None:
        indicators_query = indicators_query.where(Indicator.id == indicator_id)
    indicators = {
        indicator.id: indicator
        for indicator in session.scalars(indicators_query.order_by(FrameworkOutcome.position, Indicator.code))
    }
    if not indicators:
        return []
    wanted = list(indicators)
    latest = _latest_figures(session, wanted)
    baselines = {
        (row.indicator_id, row.area_id): row.value
        for row in session.execute(
            select(Baseline.indicator_id, Baseline.area_id, Baseline.value).where(Baseline.indicator_id.in_(wanted))
        )
    }
    targets: dict[tuple[int, int], list[tuple[dt.date, Decimal]]] = {}
    for row in session.execute(
        select(Target.indicator_id, Target.area_id, Target.period_start, Target.value)
        .where(Target.indicator_id.in_(wanted))
        .order_by(Target.period_start)
    ):
        targets.setdefault((row.indicator_id, row.area_id), []).append((row.period_start, row.value))
    keys = set(latest) | set(baselines) | set(targets)
    areas = {area.id: area for area in session.scalars(select(Area).where(Area.id.in_({key[1] for key in keys})))}
    order = {indicator_id: position for position, indicator_id in enumerate(indicators)}
    rows = []
    for key in sorted(keys, key=lambda k: (order[k[0]], _area_order(areas[k[1]]))):
        indicator, area = indicators[key[0]], areas[key[1]]
        figure = latest.get(key)
        period = Period(figure[0], indicator.frequency) if figure else None
        target = _target_for(targets.get(key, []), period)
        reading = Reading(figure[1] if figure else None, baselines.get(key), target, figure[2] if figure else None)
        rows.append(
            StatusRow(
                indicator.id,
                indicator.name,
                indicator.code,
                indicator.unit,
                indicator.outcome.name,
                area.id,
                area.name,
                area.code,
                area.kind.value,
                period,
                reading.latest,
                reading.count,
                reading.baseline,
                target,
                assess(reading, tolerances_of(indicator)),
            )
        )
    return rows


def _latest_figures(
    session: Session, indicator_ids: list[int]
) -> dict[tuple[int, int], tuple[dt.date, Decimal, int | None]]:
    newest = (
        select(Measurement.indicator_id, Measurement.area_id, func.max(Measurement.period_start).label("period_start"))
        .where(Measurement.current.is_(True), Measurement.indicator_id.in_(indicator_ids))
        .group_by(Measurement.indicator_id, Measurement.area_id)
        .subquery()
    )
    query = select(
        Measurement.indicator_id, Measurement.area_id, Measurement.period_start, Measurement.value, Measurement.count
    ).join(
        newest,
        and_(
            Measurement.indicator_id == newest.c.indicator_id,
            Measurement.area_id == newest.c.area_id,
            Measurement.period_start == newest.c.period_start,
            Measurement.current.is_(True),
        ),
    )
    return {(row[0], row[1]): (row[2], row[3], row[4]) for row in session.execute(query)}


def _target_for(targets: Sequence[tuple[dt.date, Decimal]], period: Period | None) -> Decimal | None:
    """The target for the figure's period, or the latest set before it; with no figure, the latest target."""
    chosen = None
    for starts, value in targets:
        if period is None or starts <= period.starts:
            chosen = value
    return chosen


def _area_order(area: Area) -> tuple[int, str]:
    return ({"county": 0, "unitary": 1, "district": 2}.get(area.kind.value, 3), area.name)


def summary(rows: Sequence[StatusRow]) -> Counter[Status]:
    return Counter(row.status for row in rows)


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    value: Decimal | None
    target: Decimal | None
    revisions: int


def trend(session: Session, actor: Actor, *, indicator: Indicator, area_id: int) -> list[TrendPoint]:
    """Each period's current figure and target in one area, oldest first, with how many revisions it had."""
    require(actor, "outcomes.view", object_type="indicator", object_id=indicator.id)
    figures: dict[dt.date, tuple[Decimal, int]] = {}
    for row in session.execute(
        select(Measurement.period_start, Measurement.value, Measurement.revision).where(
            Measurement.indicator_id == indicator.id, Measurement.area_id == area_id, Measurement.current.is_(True)
        )
    ):
        figures[row.period_start] = (row.value, row.revision)
    targets = {
        row.period_start: row.value
        for row in session.execute(
            select(Target.period_start, Target.value).where(
                Target.indicator_id == indicator.id, Target.area_id == area_id
            )
        )
    }
    kind: PeriodKind = indicator.frequency
    ordered = sorted(targets.items())
    return [
        TrendPoint(
            Period(starts, kind),
            figures[starts][0] if starts in figures else None,
            _target_for(ordered, Period(starts, kind)),
            figures[starts][1] if starts in figures else 0,
        )
        for starts in sorted(set(figures) | set(targets))
    ]
