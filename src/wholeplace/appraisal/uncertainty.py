"""What the distributions in a case do to its NPVs: Monte Carlo simulation, a tornado, and break-even values.

Pure and vectorised: every figure comes from `uncertainty_model.NpvModel`, which evaluates many sets of inputs
in one pass of NumPy. No database, no clock. Formulas, defaults and their sources: docs/appraisal-uncertainty.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np

from wholeplace.appraisal.case import Case, Measure, Slot, slot_kind, slot_value
from wholeplace.appraisal.case_checks import check_case
from wholeplace.appraisal.labels import input_label
from wholeplace.appraisal.rounding import WIDE
from wholeplace.appraisal.uncertainty_model import Columns, FloatArray, IntArray, NpvModel, draw_inputs
from wholeplace.money import Money
from wholeplace.problems import InvalidInput, Problem

DEFAULT_SEED = 2013  # any fixed number makes a run repeatable; this one is the pilots' first year
MAX_DRAWS = 1_000_000
TORNADO_PROBABILITIES = (0.1, 0.9)  # each input's P10 and P90: the "10-50-90" ranges
_BISECTIONS = 60  # halvings of [0, 1] for a break-even drop-off: far below a ten-thousandth
_SHOWN = {Measure.MONEY: Decimal("0.01"), Measure.SHARE: Decimal("0.0001"), Measure.PEOPLE: Decimal("0.01")}


# Simulation


@dataclass(frozen=True)
class NpvDistribution:
    """One NPV over the draws: its mean, P10, P50 and P90, and the share of draws in which it is above zero."""

    mean: Money
    p10: Money
    p50: Money
    p90: Money
    probability_positive: Decimal  # to 4 decimals

    @classmethod
    def of(cls, pence: IntArray) -> NpvDistribution:
        ordered = np.sort(pence)
        mean = Fraction(int(pence.sum()), pence.size)
        p10, p50, p90 = (_percentile(ordered, Fraction(percent, 100)) for percent in (10, 50, 90))
        positive = WIDE.divide(Decimal(int((pence > 0).sum())), Decimal(pence.size))
        probability = positive.quantize(Decimal("0.0001"), ROUND_HALF_UP)
        return cls(_money(mean), _money(p10), _money(p50), _money(p90), probability)


@dataclass(frozen=True)
class Simulation:
    """A Monte Carlo run: its size and seed, both NPVs summarised, and every draw's NPVs for a histogram."""

    draws: int
    seed: int
    npv_total: NpvDistribution
    npv_fiscal: NpvDistribution
    total_pence: IntArray = field(compare=False, repr=False)  # each draw's total NPV, in pence
    fiscal_pence: IntArray = field(compare=False, repr=False)

    @classmethod
    def of(cls, draws: int, seed: int, total: IntArray, fiscal: IntArray) -> Simulation:
        return cls(draws, seed, NpvDistribution.of(total), NpvDistribution.of(fiscal), total, fiscal)

    @property
    def probability_npv_positive(self) -> Decimal:
        return self.npv_total.probability_positive


def simulate(case: Case, draws: int, seed: int = DEFAULT_SEED) -> Simulation:
    """Draw every uncertain input `draws` times from numpy's default generator seeded with `seed`; same seed,
    same figures. Inputs are drawn independently of each other."""
    _check_run(draws, seed)
    model = NpvModel.of(case)
    total, fiscal = model.npvs(draw_inputs(case, model, draws, np.random.default_rng(seed)))
    return Simulation.of(draws, seed, total, fiscal)


def simulate_portfolio(cases: Sequence[Case], draws: int, seed: int = DEFAULT_SEED) -> Simulation:
    """The portfolio's NPVs draw by draw: each case's, added up. Cases draw in turn from one generator."""
    _check_run(draws, seed)
    problems = [Problem(f"{case.name}, {p.where}", p.message) for case in cases for p in check_case(case)]
    if problems:
        raise InvalidInput(problems)
    rng = np.random.default_rng(seed)
    total = np.zeros(draws, dtype=np.int64)
    fiscal = np.zeros(draws, dtype=np.int64)
    for case in cases:
        model = NpvModel.of(case)
        case_total, case_fiscal = model.npvs(draw_inputs(case, model, draws, rng))
        total += case_total
        fiscal += case_fiscal
    return Simulation.of(draws, seed, total, fiscal)


def run_problems(draws: int, seed: int) -> list[Problem]:
    """Why a simulation of `draws` draws with this seed cannot run; empty when it can."""
    problems = []
    if not 1 <= draws <= MAX_DRAWS:
        problems.append(Problem("draws", f"Give from 1 to {MAX_DRAWS:,} draws, not {draws:,}"))
    if seed < 0:
        problems.append(Problem("seed", f"Give the seed as a whole number, 0 or more, not {seed}"))
    return problems


def _check_run(draws: int, seed: int) -> None:
    if problems := run_problems(draws, seed):
        raise InvalidInput(problems)


def _percentile(ordered: IntArray, probability: Fraction) -> Fraction:
    """Hyndman and Fan's definition 7 (NumPy's and R's default), exactly: x[h] + (h - floor h)(x[h+1] - x[h])."""
    position = (ordered.size - 1) * probability
    below = int(position)
    above = min(below + 1, ordered.size - 1)
    return int(ordered[below]) + (position - below) * (int(ordered[above]) - int(ordered[below]))


def _money(pence: Fraction) -> Money:
    """Whole pence, half-up: a half away from zero, as Decimal's ROUND_HALF_UP rounds in `appraise`."""
    whole = math.floor(abs(pence) + Fraction(1, 2))
    return Money(whole if pence >= 0 else -whole)


# Tornado


@dataclass(frozen=True)
class TornadoBar:
    """One uncertain input swung from its P10 to its P90, every other input at its central value.

    `low` and `high` are shown as the input is written (pounds to the penny, shares to 4 decimals, people to 2
    decimals), and the NPVs are for exactly those values.
    """

    key_path: str
    label: str  # the input in the case's words (labels.input_label)
    measure: Measure
    low: Decimal
    high: Decimal
    npv_total_at_low: Money
    npv_total_at_high: Money
    npv_fiscal_at_low: Money
    npv_fiscal_at_high: Money

    @property
    def swing(self) -> Money:
        return Money(abs(self.npv_total_at_high.pence - self.npv_total_at_low.pence))


def tornado(case: Case) -> tuple[TornadoBar, ...]:
    """Every uncertain input's bar, the widest swing of total NPV first (ties in the case's order)."""
    model = NpvModel.of(case)
    ends = []
    for uncertain in case.uncertain:
        high = uncertain.kind.high
        top = None if high is None else float(high)
        quantiles = (uncertain.distribution.quantile(p, 0.0, top) for p in TORNADO_PROBABILITIES)
        ends.append(tuple(_shown(uncertain.kind.measure, value) for value in quantiles))
    changes = [
        (model.columns(uncertain.slots), _slot_units(uncertain.kind.measure, value))
        for uncertain, pair in zip(case.uncertain, ends, strict=True)
        for value in pair
    ]
    total, fiscal = model.present_values(model.with_values(changes)).npvs()
    bars = [
        TornadoBar(
            uncertain.key_path,
            input_label(case, uncertain.key_path),
            uncertain.kind.measure,
            low,
            high,
            Money(int(total[2 * index])),
            Money(int(total[2 * index + 1])),
            Money(int(fiscal[2 * index])),
            Money(int(fiscal[2 * index + 1])),
        )
        for index, (uncertain, (low, high)) in enumerate(zip(case.uncertain, ends, strict=True))
    ]
    return tuple(sorted(bars, key=lambda bar: -bar.swing.pence))


# Break-even


@dataclass(frozen=True)
class BreakEven:
    """The value of one input at which the total NPV is zero, others at their central values; None if it is
    not zero anywhere in the input's allowed range (0 to 1 for a share, 0 to 2 for a cost's optimism bias,
    0 or more for money and people). Shown as the input is written, like a tornado bar's ends."""

    key_path: str
    label: str  # the input in the case's words (labels.input_label)
    measure: Measure
    central: Decimal
    value: Decimal | None


def break_even(case: Case) -> tuple[BreakEven, ...]:
    """For every uncertain input, then every success rate and unit value not already among them."""
    inputs = _break_even_inputs(case)
    rows = []
    for (key_path, slots), root in zip(inputs, _solve_zero_npv(NpvModel.of(case), inputs), strict=True):
        measure = _measure(slots)
        central = slot_value(case, slots[0])
        assert central is not None
        value = None if root is None else _shown(measure, root)
        label = input_label(case, key_path)
        rows.append(BreakEven(key_path, label, measure, _shown(measure, float(central)), value))
    return tuple(rows)


def _break_even_inputs(case: Case) -> list[tuple[str, tuple[Slot, ...]]]:
    inputs = [(uncertain.key_path, uncertain.slots) for uncertain in case.uncertain]
    driven = {slot for uncertain in case.uncertain for slot in uncertain.slots}
    for index, outcome in enumerate(case.outcomes):
        at = f"outcomes[{index}]"
        plain = [(f"{at}.success_rate", ("outcomes", index, "success_rate"))]
        plain += [
            (f"{at}.benefits[{number}].unit_value", ("outcomes", index, "benefits", number, "unit_value"))
            for number in range(len(outcome.benefits))
        ]
        inputs += [(key_path, (slot,)) for key_path, slot in plain if slot not in driven]
    return inputs


def _solve_zero_npv(model: NpvModel, inputs: Sequence[tuple[str, tuple[Slot, ...]]]) -> list[float | None]:
    """Where each input makes the total NPV zero, in slot units, all inputs solved together.

    The NPV is linear in every input but a drop-off, so two evaluations give the root exactly; it falls
    with a drop-off, so there bisection of [0, 1] finds the one root, if the ends straddle zero.
    """
    columns = [model.columns(slots) for _, slots in inputs]
    limits = [_limit(slots) for _, slots in inputs]
    near = [max(float(model.central[cols[0]]), 1.0) if cols.size else 1.0 for cols in columns]
    at_zero = _npv_total(model, [(cols, 0.0) for cols in columns])
    at_near = _npv_total(model, [(cols, x) for cols, x in zip(columns, near, strict=True)])
    roots: list[float | None] = []
    for index, limit in enumerate(limits):
        slope = (at_near[index] - at_zero[index]) / near[index]
        root = None if slope == 0 else float(-at_zero[index] / slope)
        roots.append(root if root is not None and 0 <= root <= (np.inf if limit is None else limit) else None)
    curved = [index for index, (_, slots) in enumerate(inputs) if slots[0][-1] == "drop_off"]
    for index, root in zip(curved, _bisect(model, [columns[index] for index in curved]), strict=True):
        roots[index] = root
    return roots


def _bisect(model: NpvModel, columns: Sequence[Columns]) -> list[float | None]:
    """Roots in [0, 1] of a total NPV that falls as the input rises, for several inputs at once."""
    if not columns:
        return []
    low, high = np.zeros(len(columns)), np.ones(len(columns))
    at_low = _npv_total(model, [(cols, 0.0) for cols in columns])
    at_high = _npv_total(model, [(cols, 1.0) for cols in columns])
    for _ in range(_BISECTIONS):
        middle = (low + high) / 2
        at_middle = _npv_total(model, [(cols, float(x)) for cols, x in zip(columns, middle, strict=True)])
        above = at_middle > 0
        low, high = np.where(above, middle, low), np.where(above, high, middle)
    straddles = (at_low >= 0) & (at_high <= 0)
    return [float((lo + hi) / 2) if ok else None for lo, hi, ok in zip(low, high, straddles, strict=True)]


def _npv_total(model: NpvModel, changes: Sequence[tuple[Columns, float]]) -> FloatArray:
    values = model.present_values(model.with_values(changes))
    return values.benefits - values.costs


# Shown values


def _measure(slots: tuple[Slot, ...]) -> Measure:
    kind = slot_kind(slots[0])
    assert kind is not None
    return kind.measure


def _limit(slots: tuple[Slot, ...]) -> float | None:
    kind = slot_kind(slots[0])
    assert kind is not None
    return None if kind.high is None else float(kind.high)


def _shown(measure: Measure, value: float) -> Decimal:
    """A value in slot units (pence for money) as the case file writes it: pounds, shares or people, rounded."""
    number = Decimal(value) / 100 if measure is Measure.MONEY else Decimal(value)
    return number.quantize(_SHOWN[measure], ROUND_HALF_UP, context=WIDE)


def _slot_units(measure: Measure, shown: Decimal) -> float:
    return float(shown * 100) if measure is Measure.MONEY else float(shown)


# Together, as the command and the pages show them


@dataclass(frozen=True)
class UncertaintyAnalysis:
    simulation: Simulation
    tornado: tuple[TornadoBar, ...]
    break_even: tuple[BreakEven, ...]


def analyse(case: Case, draws: int, seed: int = DEFAULT_SEED) -> UncertaintyAnalysis:
    """The simulation, tornado and break-even values of a case."""
    return UncertaintyAnalysis(simulate(case, draws, seed), tornado(case), break_even(case))


def to_json(analysis: UncertaintyAnalysis) -> dict[str, object]:
    """Money as strings to the penny, shares to 4 decimals, people to 2; probabilities to 4 decimals."""
    simulation = analysis.simulation
    return {
        "draws": simulation.draws,
        "seed": simulation.seed,
        "npv_total": _summary_json(simulation.npv_total),
        "npv_fiscal": _summary_json(simulation.npv_fiscal),
        "probability_npv_positive": format(simulation.npv_total.probability_positive, "f"),
        "probability_npv_fiscal_positive": format(simulation.npv_fiscal.probability_positive, "f"),
        "tornado": [
            {
                "input": bar.key_path,
                "label": bar.label,
                "measure": bar.measure.value,
                "low": format(bar.low, "f"),
                "high": format(bar.high, "f"),
                "npv_total": {"low": bar.npv_total_at_low.plain(), "high": bar.npv_total_at_high.plain()},
                "npv_fiscal": {"low": bar.npv_fiscal_at_low.plain(), "high": bar.npv_fiscal_at_high.plain()},
                "swing": bar.swing.plain(),
            }
            for bar in analysis.tornado
        ],
        "break_even": [
            {
                "input": row.key_path,
                "label": row.label,
                "measure": row.measure.value,
                "central": format(row.central, "f"),
                "value": None if row.value is None else format(row.value, "f"),
            }
            for row in analysis.break_even
        ],
    }


def _summary_json(summary: NpvDistribution) -> dict[str, str]:
    return {
        "mean": summary.mean.plain(),
        "p10": summary.p10.plain(),
        "p50": summary.p50.plain(),
        "p90": summary.p90.plain(),
    }
