"""A case's costs and benefits year by year, with optimism bias and discounting: the arrays every result is read from.

The arithmetic runs in NumPy float64 arrays of pence; nothing here is rounded (`rounding.py` does that, once, at
the end). Pure: no database, no clock, no printing. Formulas and sources: docs/methodology.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from wholeplace.appraisal.case import Benefit, BenefitKind, Case, Cohort, Outcome
from wholeplace.appraisal.case_checks import check_case
from wholeplace.problems import InvalidInput

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class BenefitRow:
    """One benefit of one outcome, or the cashable or non-cashable part of a partly cashable one."""

    outcome: str
    beneficiary: str
    kind: BenefitKind
    health: bool


@dataclass(frozen=True)
class Flows:
    """Undiscounted and discounted flows in pence, one row per cost line or benefit row, one column per year."""

    factors: FloatArray  # the standard factors, which discount every cost
    costs: FloatArray
    discounted_costs: FloatArray
    benefit_rows: tuple[BenefitRow, ...]
    benefits: FloatArray
    discounted_benefits: FloatArray


def flows(case: Case) -> Flows:
    """Every cost and benefit of the case, year by year, with optimism bias and discounting applied."""
    if problems := check_case(case):
        raise InvalidInput(problems)
    years = case.years
    factors = case.discounting.factors(years)
    costs = np.array([[amount.pence for amount in line.amounts] for line in case.costs], dtype=np.float64)
    costs = costs.reshape(len(case.costs), years)
    costs *= 1.0 + np.array([float(line.optimism_bias) for line in case.costs], dtype=np.float64)[:, None]
    rows: list[BenefitRow] = []
    values: list[FloatArray] = []
    discounted: list[FloatArray] = []
    for outcome in case.outcomes:
        assert case.cohort is not None
        achieved = outcomes_by_year(case.cohort, outcome, years)
        for benefit in outcome.benefits:
            value = achieved * float(benefit.unit_value.pence)
            benefit_factors = case.discounting.factors(years, health=benefit.health)
            for kind, share in kind_shares(benefit):
                rows.append(BenefitRow(outcome.name, benefit.beneficiary, kind, benefit.health))
                values.append(value * share)
                discounted.append(value * share * benefit_factors)
    shape = (len(rows), years)
    return Flows(
        factors=factors,
        costs=costs,
        discounted_costs=costs * factors,
        benefit_rows=tuple(rows),
        benefits=np.array(values, dtype=np.float64).reshape(shape),
        discounted_benefits=np.array(discounted, dtype=np.float64).reshape(shape),
    )


def outcomes_by_year(cohort: Cohort, outcome: Outcome, years: int) -> FloatArray:
    """Outcomes counting in each year: each cohort's achieved outcomes, spread over the years they last.

    The cohort of year s achieves cohort x engagement x success x (1 - deadweight) x (1 - optimism bias)
    outcomes; they count in years s+lag .. s+lag+duration-1 at (1 - drop_off)^k in the k-th year after
    the first, and not at all beyond the appraisal period.
    """
    sizes = np.array([float(size) for size in cohort.sizes], dtype=np.float64)
    rate = (
        float(cohort.engagement)
        * float(outcome.success_rate)
        * (1.0 - float(outcome.deadweight))
        * (1.0 - float(outcome.optimism_bias))
    )
    start = np.arange(years)[:, None]
    since_first = np.arange(years)[None, :] - start - outcome.lag_years
    lasting = (since_first >= 0) & (since_first < outcome.duration_years)
    kept = (1.0 - float(outcome.drop_off)) ** np.clip(since_first, 0, None)
    profile = np.where(lasting, kept, 0.0)
    return np.asarray((sizes * rate) @ profile, dtype=np.float64)


def kind_shares(benefit: Benefit) -> list[tuple[BenefitKind, float]]:
    """The kinds a benefit counts as, with the share of its value in each: a partly cashable one is two."""
    if benefit.kind is BenefitKind.FISCAL_CASHABLE and benefit.cashable_share is not None:
        share = float(benefit.cashable_share)
        return [(BenefitKind.FISCAL_CASHABLE, share), (BenefitKind.FISCAL_NONCASHABLE, 1.0 - share)]
    return [(benefit.kind, 1.0)]
