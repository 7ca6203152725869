"""Monte Carlo over a portfolio of business cases: our vectorised model against a plain per-draw Python loop.

Run it with `.venv/bin/python bench/appraisal.py` (`--draws`, `--plain-draws`, `--repeat`, `--seed`). Five
synthetic cases, each 10 years with 20 cost and benefit lines (8 costs, 3 outcomes of 4 benefits) and 31
distributions (every cost line's amount, the cohort's size and engagement, each outcome's success rate,
deadweight and drop-off, every unit value), are written as case files and read with `case_file.read_case`.
Then:

- ours: `uncertainty.simulate_portfolio`, 100,000 draws of every case, NPVs added up draw by draw; and, apart,
  the evaluation alone (`NpvModel.npvs` on parameter matrices already drawn);
- the same model as a plain loop: for each draw, pure Python floats over the same drawn parameter matrix. It is
  slow, so it runs on the first `--plain-draws` draws and its time is scaled to the full count (it grows
  linearly: every draw does the same work), which the output says.

Both must give every case's NPVs within 1p on every draw the loop runs, or the run fails.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from wholeplace.appraisal.case_file import read_case
from wholeplace.appraisal.engine import FISCAL, Case, _kind_shares
from wholeplace.appraisal.uncertainty import simulate_portfolio
from wholeplace.appraisal.uncertainty_model import NpvModel, draw_inputs

T = TypeVar("T")
CASES, YEARS, COST_LINES, OUTCOMES, BENEFITS_PER_OUTCOME = 5, 10, 8, 3, 4
PARTNERS = ("County council", "District council", "Police", "Health", "DWP")
KINDS = ("fiscal_cashable", "fiscal_noncashable", "economic", "social")


def timed(action: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def median_time(action: Callable[[], T], repeat: int) -> tuple[float, T]:
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        seconds, result = timed(action)
        times.append(seconds)
    return statistics.median(times), result  # type: ignore[return-value]


# The synthetic portfolio


def synthetic_case(number: int, chooser: random.Random) -> Case:
    """A case file of 10 years, 8 cost lines and 3 outcomes of 4 benefits, with distributions on most inputs:
    every cost line's amount (one draw for every year, or one year of a by_year line), the cohort's size and
    engagement, each outcome's success rate, deadweight and drop-off, and every unit value."""

    def spread(centre: float, low: float, high: float, places: int = 2) -> list[float]:
        return [round(centre * low, places), round(centre, places), round(centre * high, places)]

    def shape(index: int) -> str:
        return ("triangular", "pert")[index % 2]

    costs = []
    for line in range(COST_LINES):
        cost = {
            "name": f"Cost {line}",
            "payer": chooser.choice(PARTNERS),
            "kind": chooser.choice(("revenue", "capital")),
        }
        if line < COST_LINES - 2:
            cost["amount"] = {"triangular": spread(chooser.uniform(50_000, 400_000), 0.8, 1.5)}
        else:  # set-up in the first year, uncertain; running costs after it, as budgeted
            years = [f"{2013 + year}/{(14 + year) % 100:02d}" for year in range(YEARS)]
            cost["by_year"] = {years[0]: {"pert": spread(chooser.uniform(200_000, 900_000), 0.9, 1.6)}}
            cost["by_year"] |= {year: round(chooser.uniform(20_000, 80_000)) for year in years[1:]}
        cost["confidence"] = chooser.randint(1, 6)
        costs.append(cost)
    outcomes = []
    for outcome in range(OUTCOMES):
        outcomes.append(
            {
                "name": f"Outcome {outcome}",
                "success_rate": {"triangular": spread(chooser.uniform(0.1, 0.4), 0.5, 1.4, 4)},
                "deadweight": {"uniform": [0.05, 0.25]},
                "confidence": chooser.randint(1, 6),
                "lag_years": outcome % 2,
                "duration_years": 2 + outcome,
                "drop_off": {"uniform": [0.1, 0.5]},
                "benefits": [
                    {
                        "beneficiary": chooser.choice(PARTNERS),
                        "kind": KINDS[benefit],
                        "unit_value": {shape(benefit): spread(chooser.uniform(500, 8_000), 0.6, 1.6)},
                    }
                    for benefit in range(BENEFITS_PER_OUTCOME)
                ],
            }
        )
    document = {
        "name": f"Synthetic case {number}",
        "first_year": "2013/14",
        "years": YEARS,
        "costs": costs,
        "cohort": {"size": {"normal": [1_000, 150]}, "engagement": {"uniform": [0.6, 0.9]}},
        "outcomes": outcomes,
    }
    case, problems = read_case(json.dumps(document), f"synthetic-{number}.json")
    if problems or case is None:
        sys.exit("\n".join(str(problem) for problem in problems))
    return case


# The same model as a plain per-draw loop


def plain_loop(case: Case, model: NpvModel, rows: list[list[float]]) -> list[tuple[int, int]]:
    """Total and fiscal NPVs in pence for each row, one draw at a time in Python floats, rounded as `appraise`.

    It reads the case's structure itself and takes from the model only which column holds which number.
    """
    column = {slot: index for index, slot in enumerate(model.slots)}
    factors = case.discounting.factors(case.years).tolist()
    health_factors = case.discounting.factors(case.years, health=True).tolist()
    lines = [
        (
            [column[("costs", line, "amounts", year)] for year in range(case.years)],
            column[("costs", line, "optimism_bias")],
        )
        for line in range(len(case.costs))
    ]
    sizes = [column[("cohort", "sizes", year)] for year in range(case.years)]
    engagement = column[("cohort", "engagement")]
    outcomes = []
    for index, outcome in enumerate(case.outcomes):
        rates = [
            column[("outcomes", index, name)] for name in ("success_rate", "deadweight", "optimism_bias", "drop_off")
        ]
        benefits = [
            (column[("outcomes", index, "benefits", number, "unit_value")], share, kind in FISCAL, benefit.health)
            for number, benefit in enumerate(outcome.benefits)
            for kind, share in _kind_shares(benefit)
        ]
        outcomes.append((rates, outcome.lag_years, outcome.duration_years, benefits))
    results = []
    for row in rows:
        costs = 0.0
        for amounts, bias in lines:
            for year, amount in enumerate(amounts):
                costs += row[amount] * (1.0 + row[bias]) * factors[year]
        fiscal = other = 0.0
        for (success, deadweight, bias, drop_off), lag, duration, benefits in outcomes:
            rate = row[engagement] * row[success] * (1.0 - row[deadweight]) * (1.0 - row[bias])
            achieved = [0.0] * case.years
            for cohort_year, size in enumerate(sizes):
                for since_first in range(duration):
                    year = cohort_year + lag + since_first
                    if year < case.years:
                        achieved[year] += row[size] * rate * (1.0 - row[drop_off]) ** since_first
            for unit_value, share, is_fiscal, health in benefits:
                discount = health_factors if health else factors
                value = sum(
                    count * row[unit_value] * share * factor for count, factor in zip(achieved, discount, strict=True)
                )
                if is_fiscal:
                    fiscal += value
                else:
                    other += value
        pv_costs = whole_pence(costs)
        results.append((whole_pence(fiscal + other) - pv_costs, whole_pence(fiscal) - pv_costs))
    return results


def whole_pence(value: float) -> int:
    return math.floor(round(value, 6) + 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--plain-draws", type=int, default=5_000, help="draws the plain loop runs (then scaled)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the vectorised model (median reported)")
    parser.add_argument("--seed", type=int, default=2013)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}")

    chooser = random.Random(args.seed)
    cases = [synthetic_case(number, chooser) for number in range(CASES)]
    models = [NpvModel.of(case) for case in cases]
    print(
        f"{CASES} cases of {YEARS} years, each {COST_LINES} costs and {OUTCOMES * BENEFITS_PER_OUTCOME} benefits; "
        f"{sum(len(case.uncertain) for case in cases)} uncertain inputs; "
        f"{sum(model.central.size for model in models)} numbers in all; {args.draws:,} draws"
    )

    whole, simulation = median_time(lambda: simulate_portfolio(cases, args.draws, args.seed), args.repeat)
    rng = np.random.default_rng(args.seed)  # the same stream simulate_portfolio draws from, case by case
    drawn = [draw_inputs(case, model, args.draws, rng) for case, model in zip(cases, models, strict=True)]
    evaluation, by_case = median_time(
        lambda: [model.npvs(draws) for model, draws in zip(models, drawn, strict=True)], args.repeat
    )
    if not np.array_equal(sum(total for total, _ in by_case), simulation.total_pence):
        sys.exit("The evaluation of the drawn matrices differs from simulate_portfolio")
    summary = simulation.npv_total
    print(
        f"portfolio NPV (public value): mean {summary.mean}, P10 {summary.p10}, P50 {summary.p50}, "
        f"P90 {summary.p90}; probability above zero {summary.probability_positive}"
    )

    plain_draws = min(args.plain_draws, args.draws)
    matrices = [draws.matrix(model, 0, plain_draws).tolist() for model, draws in zip(models, drawn, strict=True)]
    plain_seconds, plain = timed(
        lambda: [plain_loop(case, model, rows) for case, model, rows in zip(cases, models, matrices, strict=True)]
    )
    worst = 0
    for (total, fiscal), loop in zip(by_case, plain, strict=True):
        looped = np.array(loop, dtype=np.int64)
        worst = max(worst, int(np.abs(looped[:, 0] - total[:plain_draws]).max()))
        worst = max(worst, int(np.abs(looped[:, 1] - fiscal[:plain_draws]).max()))
    if worst > 1:
        sys.exit(f"The plain loop and the vectorised model differ by {worst}p on a draw")
    scaled = plain_seconds / plain_draws * args.draws

    print(f"same NPVs from both on the {plain_draws:,} draws the loop ran: largest difference {worst}p")
    print()
    print(f"ours, simulate_portfolio (draw, evaluate, summarise)  median {whole:8.3f} s")
    print(f"ours, evaluation alone (NpvModel.npvs)                 median {evaluation:8.3f} s")
    print(
        f"plain per-draw loop, {plain_draws:,} draws in {plain_seconds:.2f} s, "
        f"scaled to {args.draws:,}: {scaled:8.1f} s"
    )
    print()
    print(f"ratio, plain loop / our evaluation: {scaled / evaluation:,.0f}x (aim: 100x)")
    print(f"ratio, plain loop / our whole simulation: {scaled / whole:,.0f}x; ours under 1 s: {whole < 1}")


if __name__ == "__main__":
    main()
