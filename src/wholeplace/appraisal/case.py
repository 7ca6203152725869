"""A business case as the engine reads it: costs, the cohort, outcomes and their benefits, and its uncertain inputs.

Frozen records, read from a file (`case_file.py`, `workbook_import.py`) or built in code; `case_checks.check_case`
says everything wrong with one. Pure: no database, no clock, no printing. Sources: docs/methodology.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from wholeplace.appraisal.discounting import Discounting
from wholeplace.appraisal.distributions import Distribution
from wholeplace.money import FinancialYear, Money


class CostKind(StrEnum):
    REVENUE = "revenue"
    CAPITAL = "capital"
    IN_KIND = "in_kind"  # partner staff time or buildings: kept in the who-pays figures like money


class BenefitKind(StrEnum):
    FISCAL_CASHABLE = "fiscal_cashable"
    FISCAL_NONCASHABLE = "fiscal_noncashable"
    ECONOMIC = "economic"
    SOCIAL = "social"


FISCAL = (BenefitKind.FISCAL_CASHABLE, BenefitKind.FISCAL_NONCASHABLE)
# How the kinds read in tables and on pages.
KIND_LABELS: Mapping[CostKind | BenefitKind, str] = {
    CostKind.REVENUE: "Revenue",
    CostKind.CAPITAL: "Capital",
    CostKind.IN_KIND: "In kind",
    BenefitKind.FISCAL_CASHABLE: "Fiscal, cashable",
    BenefitKind.FISCAL_NONCASHABLE: "Fiscal, non-cashable",
    BenefitKind.ECONOMIC: "Economic",
    BenefitKind.SOCIAL: "Social",
}


# Confidence grade 1 (best evidence) .. 6 (weakest) to an optimism bias correction: costs go up by it, outcomes
# down by it. ASSUMPTION: the shape of the New Economy / HM Treasury (2014) local partnerships grading, with
# figures we could not check against the published table; see docs/methodology.md.
CONFIDENCE_OPTIMISM_BIAS: Mapping[int, Decimal] = {
    1: Decimal("0"),
    2: Decimal("0.05"),
    3: Decimal("0.10"),
    4: Decimal("0.15"),
    5: Decimal("0.25"),
    6: Decimal("0.40"),
}

# The highest optimism bias upper bound in the Green Book supplementary guidance (equipment and development, 200%).
MAX_COST_OPTIMISM_BIAS = Decimal(2)


# The case, as read from a file or built in code


@dataclass(frozen=True)
class CostLine:
    """A cost borne by one partner: one amount per year of the appraisal period, before optimism bias."""

    name: str
    payer: str
    kind: CostKind
    amounts: tuple[Money, ...]
    optimism_bias: Decimal = Decimal(0)


@dataclass(frozen=True)
class Cohort:
    """People starting in each year of the appraisal period, and the share of them who engage."""

    sizes: tuple[Decimal, ...]
    engagement: Decimal = Decimal(1)


@dataclass(frozen=True)
class Benefit:
    """What one outcome is worth to one partner, per outcome per year.

    `cashable_share` (fiscal_cashable only) is the part that is cash; the rest counts as non-cashable.
    `health` marks a social benefit valued as health or life, discounted on the Green Book health schedule.
    """

    beneficiary: str
    kind: BenefitKind
    unit_value: Money
    cashable_share: Decimal | None = None
    health: bool = False


@dataclass(frozen=True)
class Outcome:
    name: str
    success_rate: Decimal
    benefits: tuple[Benefit, ...]
    deadweight: Decimal = Decimal(0)
    optimism_bias: Decimal = Decimal(0)
    lag_years: int = 0
    duration_years: int = 1
    drop_off: Decimal = Decimal(0)


@dataclass(frozen=True)
class Case:
    name: str
    first_year: FinancialYear
    years: int
    costs: tuple[CostLine, ...] = ()
    cohort: Cohort | None = None
    outcomes: tuple[Outcome, ...] = ()
    discounting: Discounting = field(default_factory=Discounting)
    partners: tuple[str, ...] = ()  # when given, every payer and beneficiary must be one of them
    uncertain: tuple[UncertainInput, ...] = ()  # numbers given as distributions; the fields hold their centres


# Uncertain inputs: which numbers of a case a distribution drives

Slot = tuple[str | int, ...]  # where a number sits in a Case, by attribute and index: ("costs", 0, "amounts", 2)


class Measure(StrEnum):
    MONEY = "money"  # in pence
    SHARE = "share"
    PEOPLE = "people"


@dataclass(frozen=True)
class SlotKind:
    measure: Measure
    high: Decimal | None  # the largest value allowed; the smallest is always 0


_RATE = SlotKind(Measure.SHARE, Decimal(1))
_SLOT_KINDS: Mapping[tuple[object, ...], SlotKind] = {
    ("costs", int, "amounts", int): SlotKind(Measure.MONEY, None),
    ("costs", int, "optimism_bias"): SlotKind(Measure.SHARE, MAX_COST_OPTIMISM_BIAS),
    ("cohort", "sizes", int): SlotKind(Measure.PEOPLE, None),
    ("cohort", "engagement"): _RATE,
    **{("outcomes", int, name): _RATE for name in ("success_rate", "deadweight", "optimism_bias", "drop_off")},
    ("outcomes", int, "benefits", int, "unit_value"): SlotKind(Measure.MONEY, None),
    ("outcomes", int, "benefits", int, "cashable_share"): _RATE,
}


def slot_kind(slot: Slot) -> SlotKind | None:
    """What the number in a slot measures and how large it may be; None for a slot no distribution may drive."""
    return _SLOT_KINDS.get(tuple(int if isinstance(part, int) else part for part in slot))


def slot_value(case: Case, slot: Slot) -> Decimal | None:
    """The number a slot names in the case (money in pence), or None if it names none."""
    value: object = case
    for part in slot:
        if isinstance(part, int):
            if not isinstance(value, tuple) or not 0 <= part < len(value):
                return None
            value = value[part]
        else:
            value = getattr(value, part, None)
    if isinstance(value, Money):
        return Decimal(value.pence)
    return value if isinstance(value, Decimal) else None


@dataclass(frozen=True)
class UncertainInput:
    """A number given as a distribution: its key path as the file wrote it, and the numbers of the case it drives.

    One draw sets every slot, so an `amount:` given once moves every year's amount together.
    """

    key_path: str  # costs[0].amount, costs[1].by_year.2014/15, outcomes[0].benefits[1].unit_value, cohort.size
    distribution: Distribution  # in the slots' units: pence for money
    slots: tuple[Slot, ...]

    @property
    def kind(self) -> SlotKind:
        kind = slot_kind(self.slots[0])
        assert kind is not None, "check_case refuses slots no distribution may drive"
        return kind

    @property
    def central(self) -> Decimal:
        """What the case's fields hold: the distribution's central value, money rounded half-up to the penny."""
        central = self.distribution.central
        return central.quantize(Decimal(1), ROUND_HALF_UP) if self.kind.measure is Measure.MONEY else central


def case_partners(case: Case) -> list[str]:
    """The case's partners in the order listed; without a list, payers then beneficiaries as they first appear."""
    names = list(case.partners)
    names += [line.payer for line in case.costs]
    names += [benefit.beneficiary for outcome in case.outcomes for benefit in outcome.benefits]
    return list(dict.fromkeys(names))
