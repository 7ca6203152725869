"""An indicator's status in one area: latest value, change from baseline, distance to target, and on track,
at risk or off track by the indicator's own tolerances, with the rule written out beside it.

Pure: no database, no clock. The rule (docs/outcomes.md): the shortfall is how far the value falls short of
the target, as a percentage of the target, in the direction that is worse (below it where higher is better,
above it where lower is better). A shortfall of at most `on_track_within` is on track, at most
`at_risk_within` at risk, more than that off track; both edges count to the better side. A rate on fewer
cases than `minimum_count` is flagged and not rated: a small number moves too much by chance.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

HUNDRED = Decimal(100)


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    TOO_FEW = "too_few"  # small numbers: not rated
    NO_TARGET = "no_target"
    NO_DATA = "no_data"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.ON_TRACK: "On track",
    Status.AT_RISK: "At risk",
    Status.OFF_TRACK: "Off track",
    Status.TOO_FEW: "Too few to rate",
    Status.NO_TARGET: "No target",
    Status.NO_DATA: "No data",
}


@dataclass(frozen=True)
class Tolerances:
    """How an indicator is judged: which way is better, and how far short of target is on track or at risk."""

    higher_is_better: bool
    on_track_within: Decimal = Decimal(0)  # % of target
    at_risk_within: Decimal = Decimal(5)  # % of target
    minimum_count: int | None = None  # cases under a rate below which it is not rated


@dataclass(frozen=True)
class Reading:
    """What is known of one indicator in one area for the status: all optional but the tolerances."""

    latest: Decimal | None
    baseline: Decimal | None
    target: Decimal | None
    count: int | None = None  # the cases a rate is computed on (its denominator), where it is a rate


@dataclass(frozen=True)
class Assessment:
    status: Status
    rule: str  # the rule that gave the status, in words
    change: Decimal | None  # latest - baseline, in the indicator's units
    change_percent: Decimal | None  # of the baseline; None where the baseline is 0 or missing
    to_target: Decimal | None  # target - latest: what is still to move, in the indicator's units
    shortfall_percent: Decimal | None  # of the target, positive when worse than target


def shortfall_percent(value: Decimal, target: Decimal, higher_is_better: bool) -> Decimal | None:
    """How far value falls short of target, in % of the target; negative when it beats it. None for a 0 target."""
    if target == 0:
        return None
    worse_by = (target - value) if higher_is_better else (value - target)
    return worse_by * HUNDRED / abs(target)


def assess(reading: Reading, tolerances: Tolerances) -> Assessment:
    """The status of one reading, with the rule that gave it."""
    latest, baseline, target = reading.latest, reading.baseline, reading.target
    change = latest - baseline if latest is not None and baseline is not None else None
    change_percent = change * HUNDRED / abs(baseline) if change is not None and baseline else None
    to_target = target - latest if target is not None and latest is not None else None

    def result(status: Status, rule: str, shortfall: Decimal | None = None) -> Assessment:
        return Assessment(status, rule, change, change_percent, to_target, shortfall)

    if latest is None:
        return result(Status.NO_DATA, "No measurement yet")
    minimum = tolerances.minimum_count
    if minimum is not None and reading.count is not None and reading.count < minimum:
        return result(Status.TOO_FEW, f"Not rated: {reading.count:,} cases, fewer than {minimum:,}")
    if target is None:
        return result(Status.NO_TARGET, "No target set for this period")
    better = "higher" if tolerances.higher_is_better else "lower"
    shortfall = shortfall_percent(latest, target, tolerances.higher_is_better)
    if shortfall is None:  # a target of 0: only meeting it is on track
        meets = latest >= 0 if tolerances.higher_is_better else latest <= 0
        status = Status.ON_TRACK if meets else Status.OFF_TRACK
        return result(status, f"Target 0, {better} is better: {status.label.lower()}")
    on, at = tolerances.on_track_within, tolerances.at_risk_within
    if shortfall <= on:
        status, words = Status.ON_TRACK, f"within {number(on)}% of target" if on else "meets or beats target"
    elif shortfall <= at:
        status, words = Status.AT_RISK, f"short of target by more than {number(on)}% and at most {number(at)}%"
    else:
        status, words = Status.OFF_TRACK, f"short of target by more than {number(at)}%"
    return result(
        status,
        f"{status.label}: {words} ({better} is better; {number(latest)} against {number(target)}, "
        f"{_shortfall_words(shortfall, (on, at))})",
        shortfall,
    )


def _shortfall_words(shortfall: Decimal, edges: tuple[Decimal, ...]) -> str:
    """How far short or better, to 2 places; to 4 where 2 would round onto an edge it does not sit on."""
    shown = shortfall.quantize(Decimal("0.01"))
    if shown != shortfall and abs(shown) in edges:
        shown = shortfall.quantize(Decimal("0.0001"))
    if shown > 0:
        return f"{number(shown)}% short"
    if shown < 0:
        return f"{number(-shown)}% better"
    return "exactly on target"


def number(value: Decimal) -> str:
    """A figure as people write it: grouped thousands, no trailing zeros (7.50 as 7.5, 12.0 as 12)."""
    normal = value.normalize()
    if normal == normal.to_integral():
        return f"{normal.quantize(Decimal(1)):,}"
    return f"{normal:,f}"
