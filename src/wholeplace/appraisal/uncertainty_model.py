"""The vectorised NPV model behind the simulation: a case's present values for many sets of its numbers at once.

`NpvModel` lays every number of a case that moves an NPV out as a column and evaluates the present values for a
matrix of them, one row per draw, in a few NumPy operations per cost line and outcome: no Python loop over
draws. It adds up as `engine.appraise` does (costs, fiscal benefits and all benefits each rounded half-up to the
penny, NPVs their differences), so a row of central values gives `appraise`'s NPVs. `draw_inputs` fills the
matrix from a case's distributions. Pure: no database, no clock. Formulas: docs/appraisal-uncertainty.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from wholeplace.appraisal.case import FISCAL, Case, Slot, slot_value
from wholeplace.appraisal.case_checks import check_case
from wholeplace.appraisal.flows import kind_shares
from wholeplace.problems import InvalidInput

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Columns = NDArray[np.intp]

_CHUNK = 4096  # rows evaluated at once, so that the working arrays stay in the processor's cache


@dataclass(frozen=True)
class PresentValues:
    """Float pence, one per row of inputs: costs, fiscal benefits, and all benefits (fiscal plus the rest)."""

    costs: FloatArray
    fiscal_benefits: FloatArray
    benefits: FloatArray

    def npvs(self) -> tuple[IntArray, IntArray]:
        """Total and fiscal NPVs in whole pence, as `appraise` rounds: each present value half-up, then subtract."""
        costs = _whole_pence(self.costs)
        return _whole_pence(self.benefits) - costs, _whole_pence(self.fiscal_benefits) - costs


@dataclass(frozen=True)
class _BenefitRow:
    """One benefit of an outcome, or the cashable or non-cashable part of a partly cashable one, as in `flows`."""

    unit_value: int  # its column
    share: float
    fiscal: bool
    health: bool


@dataclass(frozen=True)
class _OutcomeTerms:
    success_rate: int  # columns
    deadweight: int
    optimism_bias: int
    drop_off: int
    reach: FloatArray = field(repr=False)  # discount factors of the years an outcome counts in: see `_reach`
    health_reach: FloatArray = field(repr=False)
    rows: tuple[_BenefitRow, ...]


@dataclass(frozen=True)
class NpvModel:
    """A case's present values as a function of its numbers, evaluated for many sets of numbers at once.

    Columns: every year's amount of every cost line first (line by line), then each line's optimism bias, the
    cohort's sizes and engagement, and each outcome's rates and unit values.
    """

    slots: tuple[Slot, ...]  # what each column is
    central: FloatArray  # the case's own numbers, money in pence
    factors: FloatArray = field(repr=False)  # the standard discount factors, for costs
    amounts: tuple[slice, ...]  # each cost line's columns, one per year
    cost_biases: Columns = field(repr=False)
    sizes: Columns = field(repr=False)  # the cohort, one per year; empty without a cohort
    engagement: int  # -1 without a cohort, when there are no outcomes to read it
    outcomes: tuple[_OutcomeTerms, ...]

    @classmethod
    def of(cls, case: Case) -> NpvModel:
        if problems := check_case(case):
            raise InvalidInput(problems)
        layout = _Layout(case)
        lines, years = range(len(case.costs)), range(case.years)
        amounts = []
        for line in lines:
            columns = [layout.column(("costs", line, "amounts", year)) for year in years]
            amounts.append(slice(columns[0], columns[-1] + 1))
        biases = [layout.column(("costs", line, "optimism_bias")) for line in lines]
        sizes = [layout.column(("cohort", "sizes", year)) for year in years] if case.cohort else []
        engagement = layout.column(("cohort", "engagement")) if case.cohort else -1
        outcomes = tuple(layout.outcome(index) for index in range(len(case.outcomes)))
        return cls(
            slots=tuple(layout.slots),
            central=np.array(layout.central, dtype=np.float64),
            factors=layout.factors,
            amounts=tuple(amounts),
            cost_biases=np.array(biases, dtype=np.intp),
            sizes=np.array(sizes, dtype=np.intp),
            engagement=engagement,
            outcomes=outcomes,
        )

    def columns(self, slots: Sequence[Slot]) -> Columns:
        """The columns holding these slots. A cashable share has none: it splits fiscal benefits, moving no NPV."""
        return np.array([self.slots.index(slot) for slot in slots if slot in self.slots], dtype=np.intp)

    def present_values(self, values: FloatArray) -> PresentValues:
        """Present values for each row of `values` (one column per slot).

        Costs: sum over lines and years of amount x (1 + optimism bias) x factor. An outcome's discounted
        count: rate x sum over k of (1 - drop_off)^k x (sizes . reach[:, k]); each benefit is that count x unit
        value x share. The sums over cohorts are matrix products; the work per draw is a few hundred operations.
        """
        rows = values.shape[0]
        fiscal, other = np.zeros(rows), np.zeros(rows)
        # Costs are added up bit for bit as `appraise` adds them, so that an exact half-penny (common when
        # costs are not discounted) rounds the same way: amount x (1 + bias) x factor, then years, then lines.
        by_line = []
        for amounts, bias in zip(self.amounts, self.cost_biases, strict=True):
            yearly = values[:, amounts] * (1.0 + values[:, bias])[:, None] * self.factors
            by_line.append(_sum_as_numpy_does([yearly[:, year] for year in range(yearly.shape[1])]))
        costs = _sum_as_numpy_does(by_line) if by_line else np.zeros(rows)
        sizes = values[:, self.sizes]
        for outcome in self.outcomes:
            rate = (
                values[:, self.engagement]
                * values[:, outcome.success_rate]
                * (1.0 - values[:, outcome.deadweight])
                * (1.0 - values[:, outcome.optimism_bias])
            )
            kept = 1.0 - values[:, outcome.drop_off]
            counts = {
                health: rate * _by_powers(sizes @ reach, kept)
                for health, reach in ((False, outcome.reach), (True, outcome.health_reach))
                if any(row.health is health for row in outcome.rows)
            }
            for row in outcome.rows:
                value = counts[row.health] * values[:, row.unit_value] * row.share
                if row.fiscal:
                    fiscal += value
                else:
                    other += value
        return PresentValues(costs, fiscal, fiscal + other)

    def npvs(self, draws: InputDraws) -> tuple[IntArray, IntArray]:
        """Total and fiscal NPVs in pence for every draw, evaluated a chunk of rows at a time."""
        total = np.empty(draws.count, dtype=np.int64)
        fiscal = np.empty(draws.count, dtype=np.int64)
        for start in range(0, draws.count, _CHUNK):
            stop = min(start + _CHUNK, draws.count)
            total[start:stop], fiscal[start:stop] = self.present_values(draws.matrix(self, start, stop)).npvs()
        return total, fiscal

    def with_values(self, changes: Sequence[tuple[Columns, float]]) -> FloatArray:
        """One row per change: the central values with the change's columns set to its value."""
        rows = np.tile(self.central, (len(changes), 1))
        for row, (columns, value) in enumerate(changes):
            rows[row, columns] = value
        return rows


def _sum_as_numpy_does(terms: Sequence[FloatArray]) -> FloatArray:
    """The terms added in the order of NumPy's pairwise summation, which `ndarray.sum` uses along a row: left to
    right below 8 terms; up to 128, eight running sums combined in pairs, then the rest; beyond, by halves."""
    count = len(terms)
    if count < 8:
        total = terms[0].copy()
        for term in terms[1:]:
            total += term
        return total
    if count > 128:
        half = count // 2 - count // 2 % 8
        return _sum_as_numpy_does(terms[:half]) + _sum_as_numpy_does(terms[half:])
    running = [term.copy() for term in terms[:8]]
    whole_eights = count - count % 8
    for start in range(8, whole_eights, 8):
        for lane in range(8):
            running[lane] += terms[start + lane]
    total = ((running[0] + running[1]) + (running[2] + running[3])) + (
        (running[4] + running[5]) + (running[6] + running[7])
    )
    for term in terms[whole_eights:]:
        total += term
    return total


def _by_powers(terms: FloatArray, kept: FloatArray) -> FloatArray:
    """Sum over k of terms[:, k] x kept^k, by Horner's rule (a multiply and an add per k)."""
    total = np.zeros(terms.shape[0])
    for since_first in reversed(range(terms.shape[1])):
        total = total * kept + terms[:, since_first]
    return total


def _reach(factors: FloatArray, lag_years: int, duration_years: int) -> FloatArray:
    """reach[s, k]: the discount factor of year s + lag + k, where cohort s's outcomes count k years after
    their first; 0 beyond the appraisal period, where nothing counts."""
    years = factors.size
    counted = np.arange(years)[:, None] + lag_years + np.arange(min(duration_years, years))[None, :]
    return np.where(counted < years, factors[np.minimum(counted, years - 1)], 0.0)


class _Layout:
    """Gives each number of a case a column, in the order the model reads them."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.slots: list[Slot] = []
        self.central: list[float] = []
        self.factors = case.discounting.factors(case.years)
        self.health_factors = case.discounting.factors(case.years, health=True)

    def column(self, slot: Slot) -> int:
        value = slot_value(self.case, slot)
        assert value is not None, f"{slot} names a number of a checked case"
        self.slots.append(slot)
        self.central.append(float(value))
        return len(self.slots) - 1

    def outcome(self, index: int) -> _OutcomeTerms:
        outcome = self.case.outcomes[index]
        at = ("outcomes", index)
        rates = [self.column((*at, name)) for name in ("success_rate", "deadweight", "optimism_bias", "drop_off")]
        rows = []
        for number, benefit in enumerate(outcome.benefits):
            unit_value = self.column((*at, "benefits", number, "unit_value"))
            for kind, share in kind_shares(benefit):
                rows.append(_BenefitRow(unit_value, share, kind in FISCAL, benefit.health))
        lag, duration = outcome.lag_years, outcome.duration_years
        return _OutcomeTerms(
            *rates,
            reach=_reach(self.factors, lag, duration),
            health_reach=_reach(self.health_factors, lag, duration),
            rows=tuple(rows),
        )


def _whole_pence(values: FloatArray) -> IntArray:
    """Half-up to whole pence after snapping to a millionth of a penny, as `rounding.to_pence` does (values >= 0)."""
    return np.floor(np.round(values, 6) + 0.5).astype(np.int64)


# Draws


@dataclass(frozen=True)
class InputDraws:
    """The drawn values of a case's uncertain inputs: `values[i]` sets the model columns `columns[i]`."""

    count: int
    columns: tuple[Columns, ...]
    values: tuple[FloatArray, ...]

    def matrix(self, model: NpvModel, start: int, stop: int) -> FloatArray:
        """Rows `start` to `stop` of the parameter matrix: central values, with each draw in its columns."""
        # Column-major, so that each input's draws are written, and each column read, as one contiguous run.
        rows = np.empty((stop - start, model.central.size), order="F")
        rows[:] = model.central
        for columns, values in zip(self.columns, self.values, strict=True):
            rows[:, columns] = values[start:stop, None]
        return rows


def draw_inputs(case: Case, model: NpvModel, count: int, rng: np.random.Generator) -> InputDraws:
    """`count` draws of each uncertain input in turn, each clipped to the range its numbers allow."""
    values = []
    for uncertain in case.uncertain:
        high = uncertain.kind.high
        values.append(uncertain.distribution.draw(rng, count, 0.0, None if high is None else float(high)))
    columns = tuple(model.columns(uncertain.slots) for uncertain in case.uncertain)
    return InputDraws(count, columns, tuple(values))
