"""The framework page's data on PostgreSQL: `progress.status_rows` against the same statuses computed in pandas.

Run it with `.venv/bin/python bench/outcomes.py` (`--indicators`, `--areas`, `--months`, `--repeat`, `--seed`,
`--keep`; `--indicators 20 --months 12` for a quick look). It makes a database of its own on the PostgreSQL server
of WHOLEPLACE_BENCH_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/test), migrates it, and loads with COPY:

- 15 synthetic areas (one county and 14 districts; the GSS-like codes E10900001 and E0790000n are made up, not
  ONS's) and one framework of 10 outcomes and 500 monthly indicators: higher or lower is better, on track within
  0 to 5% of target and at risk within 2.5 to 10% more, a third of them rates with a minimum count, a few counts
  whose target is 0;
- a baseline per indicator and area; a target per indicator, area and April of each financial year, plus next
  year's (already agreed), so the target a figure is judged against is the standing one set that April;
- 60 months of figures per indicator and area from April 2021 (2% of the series have their last 1 to 18 months
  not yet received), and older revisions (current false) of 3% of the figures and of a quarter of the latest
  ones, so that which row is current changes the answer.

Then it runs VACUUM ANALYZE and times, best of `--repeat` after one warm-up each:

- ours: `progress.status_rows(session, Actor.console(), framework_id=...)`, the framework page's data end to end
  (the latest current figure per indicator and area in one grouped query, baselines, targets, `status.assess`);
- the peer: a performance officer's pandas notebook on the same database: `pd.read_sql` of every row of the
  measurements, baselines and targets tables and the framework's indicators, the latest current figure per
  indicator and area, the target for its period or the latest earlier one (`merge_asof`), and the same rule as
  `status.assess`, in NumPy.

Both must give the same status, figure and target for every indicator and area (the run fails otherwise). It
prints the rows, the times and `ratio: pandas / ours` (the aim: above 1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

from wholeplace.auth.actor import Actor
from wholeplace.db import make_engine, normalise_url, session_factory
from wholeplace.migrate import upgrade
from wholeplace.outcomes import progress
from wholeplace.outcomes.model import Framework, FrameworkOutcome, Indicator
from wholeplace.outcomes.periods import PeriodKind
from wholeplace.partners.model import Area, AreaKind

ADMIN_URL = os.environ.get("WHOLEPLACE_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
DATABASE = "wholeplace_bench_outcomes"
FIRST_MONTH = dt.date(2021, 4, 1)
OUTCOMES = 10
console = Console(width=120)  # one line a row when piped to a file

Cell = tuple[int, int]  # indicator id, area id


@dataclass(frozen=True)
class Answer:
    """What the comparison looks at for one indicator and area."""

    status: str
    latest: float | None
    target: float | None


def database_url() -> str:
    return make_url(normalise_url(ADMIN_URL)).set(database=DATABASE).render_as_string(False)


def drop_database(create: bool) -> None:
    admin = create_engine(make_url(normalise_url(ADMIN_URL)), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        if create:
            connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()


def month(index: int) -> dt.date:
    months = FIRST_MONTH.month - 1 + index
    return dt.date(FIRST_MONTH.year + months // 12, months % 12 + 1, 1)


@dataclass(frozen=True)
class Design:
    """The synthetic indicators, one array entry per indicator."""

    higher: np.ndarray
    is_rate: np.ndarray
    zero_target: np.ndarray
    on_track: np.ndarray
    at_risk: np.ndarray
    minimum: np.ndarray  # 0 where the indicator has no minimum count
    scale: np.ndarray


def design(indicators: int, rng: np.random.Generator) -> Design:
    higher = rng.random(indicators) < 0.5
    is_rate = rng.random(indicators) < 1 / 3
    on_track = rng.choice([0.0, 1.0, 2.5, 5.0], indicators)
    return Design(
        higher=higher,
        is_rate=is_rate,
        zero_target=~is_rate & ~higher & (rng.random(indicators) < 0.03),
        on_track=on_track,
        at_risk=on_track + rng.choice([2.5, 5.0, 10.0], indicators),
        minimum=np.where(is_rate, rng.choice([20, 30, 50], indicators), 0),
        scale=np.where(is_rate, rng.uniform(20, 80, indicators), rng.uniform(20, 2_000, indicators)),
    )


def add_framework(engine: Engine, shape: Design, areas: int) -> tuple[int, list[int], list[int]]:
    """The areas, the framework, its outcomes and indicators, through the ORM: a few hundred rows."""
    with session_factory(engine).begin() as session:
        county = Area(code="E10900001", name="Synthetic county", kind=AreaKind.COUNTY)
        session.add(county)
        session.flush()
        districts = [
            Area(code=f"E0790{n:04d}", name=f"Synthetic district {n:02d}", kind=AreaKind.DISTRICT, parent_id=county.id)
            for n in range(1, areas)
        ]
        framework = Framework(code="bench-outcomes", name="Synthetic outcomes framework", source="bench/outcomes.py")
        session.add_all([*districts, framework])
        session.flush()
        outcomes = [
            FrameworkOutcome(framework_id=framework.id, position=n, name=f"Synthetic outcome {n + 1}")
            for n in range(min(OUTCOMES, len(shape.higher)))
        ]
        session.add_all(outcomes)
        session.flush()
        indicators = [
            Indicator(
                outcome_id=outcomes[n % len(outcomes)].id,
                code=f"synthetic-{n + 1:04d}",
                name=f"Synthetic indicator {n + 1}",
                numerator="cases meeting the measure" if shape.is_rate[n] else "incidents",
                denominator="cases" if shape.is_rate[n] else None,
                unit="% of cases" if shape.is_rate[n] else "incidents",
                higher_is_better=bool(shape.higher[n]),
                frequency=PeriodKind.MONTH,
                on_track_within=Decimal(str(shape.on_track[n])),
                at_risk_within=Decimal(str(shape.at_risk[n])),
                minimum_count=int(shape.minimum[n]) or None,
            )
            for n in range(len(shape.higher))
        ]
        session.add_all(indicators)
        session.flush()
        return framework.id, [indicator.id for indicator in indicators], [county.id] + [d.id for d in districts]


@dataclass(frozen=True)
class Figures:
    """Every synthetic figure, by indicator and area (and target year or month)."""

    baseline: np.ndarray
    targets: np.ndarray  # each April's, and next year's
    values: np.ndarray
    earlier: np.ndarray  # the first revision, where `revised`
    revised: np.ndarray
    counts: np.ndarray
    missing: np.ndarray  # latest months not yet received


def figures(shape: Design, areas: int, months: int, rng: np.random.Generator) -> Figures:
    """Baselines; targets that improve on them each year; figures that move toward them, some areas faster."""
    cells = (len(shape.higher), areas)
    size = np.ones(areas)
    size[1:] = rng.uniform(0.5, 1.5, areas - 1)
    size[0] = size[1:].sum()  # the county is its districts together
    rate, zero = shape.is_rate[:, None], shape.zero_target[:, None]
    baseline = np.where(rate, shape.scale[:, None] * rng.uniform(0.9, 1.1, cells), shape.scale[:, None] * size)
    baseline = np.where(zero, rng.integers(1, 6, cells), baseline).round(2)
    direction = np.where(shape.higher, 1.0, -1.0)[:, None, None]
    improvement = rng.uniform(0.01, 0.05, cells)[:, :, None]  # a year, toward the better side
    years = np.arange(1, math.ceil(months / 12) + 2)
    targets = baseline[:, :, None] * (1 + direction * improvement * years)
    targets = np.where(rate[:, :, None], targets.clip(0.5, 99.5), targets)
    targets = np.where(zero[:, :, None], 0.0, targets).round(2)
    pace = rng.normal(1.0, 0.8, cells)[:, :, None]  # how fast each area really moves, as a share of the aim
    noise = rng.normal(0, 0.03, (*cells, months))
    values = baseline[:, :, None] * (1 + direction * improvement * pace * np.arange(months) / 12 + noise)
    values = np.where(rate[:, :, None], values.clip(0, 100), values.clip(0, None))
    values = np.where(zero[:, :, None], rng.poisson(0.4, values.shape), values).round(2)
    revised = rng.random(values.shape) < 0.03
    revised[:, :, -1] |= rng.random(cells) < 0.25  # the latest figures are the ones most often corrected
    late = rng.random(cells) < 0.02
    missing = np.zeros(cells, dtype=int)
    missing[late] = rng.integers(1, 19, late.sum())
    return Figures(
        baseline=baseline,
        targets=targets,
        values=values,
        earlier=(values * rng.uniform(0.85, 1.15, values.shape)).round(2),
        revised=revised,
        counts=rng.poisson(rng.integers(8, 400, cells)[:, :, None], values.shape),
        missing=missing,
    )


def measurement_rows(
    shape: Design, made: Figures, indicator_ids: list[int], area_ids: list[int]
) -> Iterator[tuple[Any, ...]]:
    """COPY rows of `measurements`: each received month's current figure, after its earlier revision if any."""
    months = made.values.shape[2]
    periods = [month(m) for m in range(months)]
    received = [month(m + 1) + dt.timedelta(days=19) for m in range(months)]
    recorded_at = dt.datetime.now(dt.UTC)
    for i, indicator_id in enumerate(indicator_ids):
        for a, area_id in enumerate(area_ids):
            values, earlier = made.values[i, a].tolist(), made.earlier[i, a].tolist()
            counts, revised = made.counts[i, a].tolist(), made.revised[i, a].tolist()
            for m in range(months - made.missing[i, a]):
                count = counts[m] if shape.is_rate[i] else None
                source = ("synthetic", received[m])  # source, received_on
                tail = ("bench", recorded_at, periods[m], "month")  # recorded_by, recorded_at, period
                if revised[m]:
                    yield (indicator_id, area_id, f"{earlier[m]:.2f}", count, *source, 1, False, "", *tail)
                note = "corrected by the source" if revised[m] else ""
                yield (indicator_id, area_id, f"{values[m]:.2f}", count, *source, 1 + revised[m], True, note, *tail)


def copy_rows(cursor: psycopg.Cursor[Any], statement: str, rows: Iterable[tuple[Any, ...]]) -> None:
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def load(indicators: int, areas: int, months: int, seed: int) -> int:
    """Every row of the framework, then VACUUM ANALYZE; returns the framework's id."""
    rng = np.random.default_rng(seed)
    shape = design(indicators, rng)
    engine = make_engine(database_url())
    upgrade(engine)
    framework_id, indicator_ids, area_ids = add_framework(engine, shape, areas)
    started = time.perf_counter()
    made = figures(shape, areas, months, rng)
    cells = [
        (i, a, indicator_id, area_id)
        for i, indicator_id in enumerate(indicator_ids)
        for a, area_id in enumerate(area_ids)
    ]
    with engine.begin() as connection, connection.connection.driver_connection.cursor() as cursor:
        copy_rows(
            cursor,
            "COPY indicator_baselines (indicator_id, area_id, value, source, period_start, period_kind) FROM STDIN",
            ((ind, area, f"{made.baseline[i, a]:.2f}", "synthetic", "2020-04-01", "year") for i, a, ind, area in cells),
        )
        copy_rows(
            cursor,
            "COPY indicator_targets (indicator_id, area_id, value, period_start, period_kind) FROM STDIN",
            (
                (ind, area, f"{target:.2f}", month(12 * year), "month")
                for i, a, ind, area in cells
                for year, target in enumerate(made.targets[i, a].tolist())
            ),
        )
        copy_rows(
            cursor,
            "COPY measurements (indicator_id, area_id, value, count, source, received_on, revision, current, note,"
            " recorded_by, recorded_at, period_start, period_kind) FROM STDIN",
            measurement_rows(shape, made, indicator_ids, area_ids),
        )
    # A table in service has been vacuumed by autovacuum; VACUUM now so every run sees that steady state.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
        current, earlier = connection.execute(
            text("SELECT count(*) FILTER (WHERE current), count(*) FILTER (WHERE NOT current) FROM measurements")
        ).one()
    console.print(
        f"Loaded {len(area_ids)} areas, {len(indicator_ids)} indicators, {made.baseline.size:,} baselines, "
        f"{made.targets.size:,} targets, {current:,} current figures and {earlier:,} earlier revisions "
        f"({current + earlier:,} measurement rows) with COPY in {time.perf_counter() - started:.1f} s; "
        "VACUUM ANALYZE done"
    )
    engine.dispose()
    return framework_id


def ours(engine: Engine, framework_id: int) -> dict[Cell, Answer]:
    with session_factory(engine)() as session:
        rows = progress.status_rows(session, Actor.console(), framework_id=framework_id)
    return {
        (row.indicator_id, row.area_id): Answer(
            row.status.value,
            None if row.latest is None else float(row.latest),
            None if row.target is None else float(row.target),
        )
        for row in rows
    }


def framework_indicator_ids(engine: Engine, framework_id: int) -> list[int]:
    with session_factory(engine)() as session:
        query = select(Indicator.id).join(FrameworkOutcome).where(FrameworkOutcome.framework_id == framework_id)
        return list(session.scalars(query))


def ours_latest_query(engine: Engine, indicator_ids: list[int]) -> None:
    """The grouped query alone (`progress._latest_figures`), to show how much of our time is the database's."""
    with session_factory(engine)() as session:
        progress._latest_figures(session, indicator_ids)


def peer_read(engine: Engine, framework_id: int) -> dict[str, pd.DataFrame]:
    with engine.connect() as connection:
        return {
            "indicators": pd.read_sql(
                text(
                    "SELECT i.id AS indicator_id, higher_is_better, on_track_within, at_risk_within, minimum_count"
                    " FROM indicators i JOIN framework_outcomes o ON o.id = i.outcome_id WHERE o.framework_id = :f"
                ),
                connection,
                params={"f": framework_id},
            ),
            "measurements": pd.read_sql(
                "SELECT indicator_id, area_id, period_start, value, count, current FROM measurements",
                connection,
                parse_dates=["period_start"],
            ),
            "baselines": pd.read_sql("SELECT indicator_id, area_id, value FROM indicator_baselines", connection),
            "targets": pd.read_sql(
                "SELECT indicator_id, area_id, period_start, value FROM indicator_targets",
                connection,
                parse_dates=["period_start"],
            ),
        }


def peer_statuses(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The latest current figure per indicator and area, its target (for its period or the latest earlier one),
    and the status by the rule of `status.assess`."""
    keys = ["indicator_id", "area_id"]
    measurements, indicators = tables["measurements"], tables["indicators"]
    latest = (
        measurements[measurements["current"]]
        .sort_values("period_start")
        .drop_duplicates(keys, keep="last")
        .drop(columns="current")
    )
    baselines = tables["baselines"].rename(columns={"value": "baseline"})
    targets = tables["targets"].rename(columns={"period_start": "target_start", "value": "target"})
    cells = pd.concat([latest[keys], baselines[keys], targets[keys]]).drop_duplicates()
    cells = cells[cells["indicator_id"].isin(indicators["indicator_id"])]
    cells = cells.merge(latest, on=keys, how="left").merge(baselines, on=keys, how="left")
    targets = targets.sort_values("target_start")
    with_figure = pd.merge_asof(
        cells[cells["period_start"].notna()].sort_values("period_start"),
        targets,
        left_on="period_start",
        right_on="target_start",
        by=keys,
        direction="backward",
    )
    without = cells[cells["period_start"].isna()].merge(targets.drop_duplicates(keys, keep="last"), on=keys, how="left")
    frame = pd.concat([with_figure, without], ignore_index=True).merge(indicators, on="indicator_id")
    frame["status"] = assess_frame(frame)
    return frame


def assess_frame(frame: pd.DataFrame) -> np.ndarray:
    """`status.assess` for every row at once. Figures are NUMERIC(24,6) and tolerances NUMERIC(9,3), so they are
    compared exactly in integer millionths and thousandths, as Decimal compares them: shortfall <= within is
    (worse by) * 100 / |target| <= within, that is (worse by) * 100,000 <= within in thousandths * |target|."""
    latest = frame["value"].to_numpy(dtype=float)
    target = frame["target"].to_numpy(dtype=float)
    higher = frame["higher_is_better"].to_numpy(dtype=bool)
    value = np.rint(np.nan_to_num(latest) * 1e6).astype(np.int64)
    goal = np.rint(np.nan_to_num(target) * 1e6).astype(np.int64)
    worse = np.where(higher, goal - value, value - goal) * 100_000
    on = np.rint(frame["on_track_within"].to_numpy(dtype=float) * 1000).astype(np.int64) * np.abs(goal)
    at = np.rint(frame["at_risk_within"].to_numpy(dtype=float) * 1000).astype(np.int64) * np.abs(goal)
    too_few = frame["count"].to_numpy(dtype=float) < frame["minimum_count"].to_numpy(dtype=float)  # NaN: False
    meets_zero = np.where(higher, value >= 0, value <= 0)
    return np.select(
        [np.isnan(latest), too_few, np.isnan(target), goal == 0, worse <= on, worse <= at],
        ["no_data", "too_few", "no_target", np.where(meets_zero, "on_track", "off_track"), "on_track", "at_risk"],
        default="off_track",
    )


def peer(engine: Engine, framework_id: int) -> tuple[dict[Cell, Answer], float]:
    """The notebook end to end; also how long reading the tables took."""
    started = time.perf_counter()
    tables = peer_read(engine, framework_id)
    read = time.perf_counter() - started
    frame = peer_statuses(tables)
    answers = {
        (indicator, area): Answer(status, None if np.isnan(latest) else latest, None if np.isnan(target) else target)
        for indicator, area, status, latest, target in zip(
            frame["indicator_id"].tolist(),
            frame["area_id"].tolist(),
            frame["status"].tolist(),
            frame["value"].tolist(),
            frame["target"].tolist(),
            strict=True,
        )
    }
    return answers, read


def best_of(run: Callable[[], Any], repeat: int) -> tuple[Any, float, list[float]]:
    """One warm-up, then `repeat` timed runs: the fastest run's result and time, and every time."""
    run()
    results, times = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        results.append(run())
        times.append(time.perf_counter() - started)
    best = times.index(min(times))
    return results[best], times[best], times


def compare(mine: dict[Cell, Answer], theirs: dict[Cell, Answer]) -> int:
    assert mine.keys() == theirs.keys(), f"{len(mine ^ theirs)} indicator-area cells in one answer only"
    differing = [cell for cell in mine if mine[cell] != theirs[cell]]
    for cell in differing[:10]:
        console.print(f"indicator {cell[0]}, area {cell[1]}: ours {mine[cell]}, pandas {theirs[cell]}")
    assert not differing, f"{len(differing)} of {len(mine)} cells differ"
    return len(mine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--indicators", type=int, default=500)
    parser.add_argument("--areas", type=int, default=15, help="one county and the rest districts")
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each, after one warm-up; the best counts")
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DATABASE} afterwards")
    args = parser.parse_args()
    assert args.areas >= 2 and args.indicators >= 1 and args.months >= 1, "at least 2 areas, 1 indicator, 1 month"
    console.print(
        f"{platform.python_implementation()} {platform.python_version()}, pandas {pd.__version__}, "
        f"numpy {np.__version__}, {os.cpu_count()} cores"
    )
    console.print(f"Creating the database {DATABASE} and migrating it ...")
    drop_database(create=True)
    try:
        framework_id = load(args.indicators, args.areas, args.months, args.seed)
        engine = make_engine(database_url())
        with engine.connect() as connection:
            server = connection.execute(text("SHOW server_version")).scalar_one()
            measurement_rows = connection.execute(text("SELECT count(*) FROM measurements")).scalar_one()
        console.print(f"Timing ours (status_rows), one warm-up and {args.repeat} runs ...")
        mine, our_time, our_times = best_of(lambda: ours(engine, framework_id), args.repeat)
        indicator_ids = framework_indicator_ids(engine, framework_id)
        _, query_time, _ = best_of(lambda: ours_latest_query(engine, indicator_ids), args.repeat)
        console.print(f"Timing pandas (read_sql, then the statuses), one warm-up and {args.repeat} runs ...")
        (theirs, read_time), peer_time, peer_times = best_of(lambda: peer(engine, framework_id), args.repeat)
        engine.dispose()
    finally:
        if not args.keep:  # about 90 MB at full size, on a server the tests share
            drop_database(create=False)
    compared = compare(mine, theirs)
    assert compared == args.indicators * args.areas, f"{compared} rows, not {args.indicators * args.areas}"
    statuses = Counter(answer.status for answer in mine.values())
    console.print(
        f"Compared {compared:,} indicator-area cells: the same status, figure and target in every one "
        f"({', '.join(f'{status} {count:,}' for status, count in statuses.most_common())})"
    )
    table = Table(
        title=f"Framework page data: {args.indicators} indicators x {args.areas} areas x {args.months} months, "
        f"{measurement_rows:,} measurement rows, PostgreSQL {server}, best of {args.repeat}"
    )
    for column in ("", "rows out", "best s", "every run s"):
        table.add_column(column, justify="left" if not column else "right")
    table.add_row("ours: status_rows", f"{len(mine):,}", f"{our_time:.3f}", ", ".join(f"{t:.3f}" for t in our_times))
    table.add_row("  of which the grouped latest-figure query", "", f"{query_time:.3f}", "")
    table.add_row(
        "pandas: read_sql + statuses", f"{len(theirs):,}", f"{peer_time:.3f}", ", ".join(f"{t:.3f}" for t in peer_times)
    )
    table.add_row("  of which read_sql of the four tables", "", f"{read_time:.3f}", "")
    console.print(table)
    console.print(f"ratio: pandas / ours = {peer_time / our_time:.2f} (aim: above 1)")


if __name__ == "__main__":
    main()
