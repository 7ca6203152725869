"""Distributions a case file may give in place of a number: their checks, central values, draws and quantiles.

Pure NumPy, no clock: draws come from the generator the caller passes in. The numbers are in the units of the
number they replace (pence for money, a share, people). Every formula and its source:
docs/appraisal-uncertainty.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


class Shape(StrEnum):
    TRIANGULAR = "triangular"
    PERT = "pert"
    UNIFORM = "uniform"
    NORMAL = "normal"


# The numbers each shape takes, in the order a case file writes them.
PARAMETERS: dict[Shape, tuple[str, ...]] = {
    Shape.TRIANGULAR: ("min", "mode", "max"),
    Shape.PERT: ("min", "mode", "max"),
    Shape.UNIFORM: ("min", "max"),
    Shape.NORMAL: ("mean", "sd"),
}

# Standard PERT: a beta distribution on [min, max] whose mean is (min + 4 mode + max) / 6 (shape 4, as in Vose's
# parametrisation and the R package mc2d's pert).
PERT_SHAPE = 4
# Points on which the beta density is integrated to find a PERT quantile (the tornado's P10 and P90).
_BETA_GRID = 2**16 + 1


def distribution_problem(shape: Shape, numbers: tuple[Decimal, ...], high: Decimal | None) -> str | None:
    """Why the numbers do not make a distribution of this shape for a value from 0 to `high`; None if they do."""
    if shape is Shape.NORMAL:
        mean, sd = numbers
        if sd < 0:
            return f"The standard deviation must be 0 or more, not {sd}"
        if mean < 0:
            return f"The mean must be 0 or more, not {mean}"
        if high is not None and mean > high:
            return f"The mean must be {high} or less, not {mean}"
        return None
    low, top = numbers[0], numbers[-1]
    if low > top:
        return f"The min ({low}) is more than the max ({top}): write [{', '.join(PARAMETERS[shape])}]"
    if len(numbers) == 3 and not low <= numbers[1] <= top:
        return f"The mode ({numbers[1]}) must lie between the min ({low}) and the max ({top})"
    if low < 0:
        return f"The min must be 0 or more, not {low}"
    if high is not None and top > high:
        return f"The max must be {high} or less, not {top}"
    return None


@dataclass(frozen=True)
class Distribution:
    """One of the shapes with its numbers, checked by `distribution_problem` before it is made."""

    shape: Shape
    numbers: tuple[Decimal, ...]

    @property
    def central(self) -> Decimal:
        """The value the deterministic appraisal uses: the mode of a triangular or PERT, the mean otherwise."""
        if self.shape in (Shape.TRIANGULAR, Shape.PERT):
            return self.numbers[1]
        if self.shape is Shape.UNIFORM:
            return (self.numbers[0] + self.numbers[1]) / 2
        return self.numbers[0]

    def draw(self, rng: np.random.Generator, count: int, low: float, high: float | None) -> FloatArray:
        """`count` independent draws; a normal's are clipped to [low, high], the others never leave it."""
        floats = [float(number) for number in self.numbers]
        if floats[0] == floats[-1] and self.shape is not Shape.NORMAL:
            return np.full(count, floats[0])  # a point: numpy refuses a triangular of width 0
        if self.shape is Shape.TRIANGULAR:
            return rng.triangular(*floats, count)
        if self.shape is Shape.PERT:
            least, _, most = floats
            return least + (most - least) * rng.beta(*self._beta_parameters(), count)
        if self.shape is Shape.UNIFORM:
            return rng.uniform(*floats, count)
        return np.clip(rng.normal(*floats, count), low, high)

    def quantile(self, probability: float, low: float, high: float | None) -> float:
        """The value with `probability` of the distribution below it, clipped to [low, high] as draws are."""
        floats = [float(number) for number in self.numbers]
        if self.shape is Shape.NORMAL:
            mean, sd = floats
            return float(np.clip(NormalDist(mean, sd).inv_cdf(probability) if sd > 0 else mean, low, high))
        least, most = floats[0], floats[-1]
        if self.shape is Shape.UNIFORM:
            return least + (most - least) * probability
        if self.shape is Shape.PERT:
            return least + (most - least) * _beta_quantile(probability, *self._beta_parameters())
        mode = floats[1]
        # The triangular distribution function, inverted: the density rises to the mode, then falls.
        if most > least and probability < (mode - least) / (most - least):
            return least + math.sqrt(probability * (most - least) * (mode - least))
        return most - math.sqrt((1 - probability) * (most - least) * (most - mode))

    def _beta_parameters(self) -> tuple[float, float]:
        """PERT's beta: alpha = 1 + 4 (mode - min) / (max - min), beta = 1 + 4 (max - mode) / (max - min)."""
        least, mode, most = (float(number) for number in self.numbers)
        if most == least:
            return 1.0, 1.0  # a point: any beta, scaled by a width of 0
        return 1 + PERT_SHAPE * (mode - least) / (most - least), 1 + PERT_SHAPE * (most - mode) / (most - least)


def _beta_quantile(probability: float, alpha: float, beta: float) -> float:
    """The beta(alpha, beta) quantile, from its density integrated by the trapezoid rule and interpolated.

    PERT's alpha and beta lie between 1 and 5, so the density is bounded and the cumulative sum is accurate to
    about 1e-5 of the range even where the density is steepest (alpha just above 1).
    """
    grid = np.linspace(0.0, 1.0, _BETA_GRID)
    density = grid ** (alpha - 1) * (1 - grid) ** (beta - 1)
    cumulative = np.concatenate(([0.0], np.cumsum((density[1:] + density[:-1]) / 2)))
    return float(np.interp(probability * cumulative[-1], cumulative, grid))
