"""The cost-benefit engine: a business case in, its present values, ratios, payback and who gains out.

Pure: no database, no clock, no printing. The arithmetic runs in NumPy float64 arrays of pence; money is
turned into whole pence once, at the end (`_to_pence`), and every split of a rounded total goes through
`money.apportion` so the parts add up to it exactly. Formulas and sources: docs/methodology.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from enum import StrEnum
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from wholeplace.appraisal.discounting import Discounting
from wholeplace.appraisal.distributions import Distribution, distribution_problem
from wholeplace.money import FinancialYear, Money, apportion
from wholeplace.problems import InvalidInput, Problem

FloatArray = NDArray[np.float64]
Key = TypeVar("Key")


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

_WIDE = Context(prec=60)  # wide enough that no amount of pence is rounded before we choose to

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


# Flows: the arrays every result is read from (pence, floats)


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
            for kind, share in _kind_shares(benefit):
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


def _kind_shares(benefit: Benefit) -> list[tuple[BenefitKind, float]]:
    if benefit.kind is BenefitKind.FISCAL_CASHABLE and benefit.cashable_share is not None:
        share = float(benefit.cashable_share)
        return [(BenefitKind.FISCAL_CASHABLE, share), (BenefitKind.FISCAL_NONCASHABLE, 1.0 - share)]
    return [(benefit.kind, 1.0)]


# Checks, the same whether the case came from a file or from code


def check_case(case: Case) -> list[Problem]:
    """Every reason the case cannot be appraised; empty when it can. The file reader says where, with lines."""
    problems: list[Problem] = []
    if case.years < 1:
        problems.append(Problem("years", "The appraisal period must be 1 year or more"))
        return problems
    known = set(case.partners)
    for index, line in enumerate(case.costs):
        where = f"costs[{index}]"
        if len(line.amounts) != case.years:
            problems.append(Problem(where, f"Give one amount for each of the {case.years} years"))
        if any(amount.pence < 0 for amount in line.amounts):
            problems.append(Problem(where, "Amounts must be £0.00 or more"))
        if not 0 <= line.optimism_bias <= MAX_COST_OPTIMISM_BIAS:
            problems.append(Problem(f"{where}.optimism_bias", "Optimism bias on a cost must be between 0 and 2"))
        if known and line.payer not in known:
            problems.append(Problem(f"{where}.payer", f"'{line.payer}' is not a partner in this case"))
    if case.outcomes and case.cohort is None:
        problems.append(Problem("cohort", "Give the cohort the outcomes are counted in"))
    if case.cohort is not None:
        problems += _cohort_problems(case.cohort, case.years)
    for index, outcome in enumerate(case.outcomes):
        problems += _outcome_problems(outcome, f"outcomes[{index}]", known)
    problems += _uncertain_problems(case)
    return problems


def _cohort_problems(cohort: Cohort, years: int) -> list[Problem]:
    problems = []
    if len(cohort.sizes) != years:
        problems.append(Problem("cohort", f"Give one cohort size for each of the {years} years"))
    if any(size < 0 for size in cohort.sizes):
        problems.append(Problem("cohort", "Cohort sizes must be 0 or more"))
    if not 0 <= cohort.engagement <= 1:
        problems.append(Problem("cohort.engagement", "Engagement must be between 0 and 1"))
    return problems


def _outcome_problems(outcome: Outcome, where: str, known: set[str]) -> list[Problem]:
    problems = [
        Problem(f"{where}.{name}", f"{name.replace('_', ' ').capitalize()} must be between 0 and 1")
        for name in ("success_rate", "deadweight", "optimism_bias", "drop_off")
        if not 0 <= getattr(outcome, name) <= 1
    ]
    if outcome.lag_years < 0:
        problems.append(Problem(f"{where}.lag_years", "The lag must be 0 years or more"))
    if outcome.duration_years < 1:
        problems.append(Problem(f"{where}.duration_years", "The effect must last 1 year or more"))
    if not outcome.benefits:
        problems.append(Problem(f"{where}.benefits", "Give the outcome at least one benefit"))
    for index, benefit in enumerate(outcome.benefits):
        at = f"{where}.benefits[{index}]"
        if benefit.unit_value.pence < 0:
            problems.append(Problem(f"{at}.unit_value", "The unit value must be £0.00 or more"))
        if benefit.cashable_share is not None and (
            benefit.kind is not BenefitKind.FISCAL_CASHABLE or not 0 <= benefit.cashable_share <= 1
        ):
            problems.append(Problem(f"{at}.cashable_share", "A cashable share is between 0 and 1, on fiscal_cashable"))
        if benefit.health and benefit.kind is not BenefitKind.SOCIAL:
            problems.append(Problem(f"{at}.health", "Only social benefits can be health values"))
        if known and benefit.beneficiary not in known:
            problems.append(Problem(f"{at}.beneficiary", f"'{benefit.beneficiary}' is not a partner in this case"))
    return problems


def _uncertain_problems(case: Case) -> list[Problem]:
    problems = []
    driven: set[Slot] = set()
    for uncertain in case.uncertain:
        where = uncertain.key_path
        kinds = {slot_kind(slot) for slot in uncertain.slots}
        values = {slot_value(case, slot) for slot in uncertain.slots}
        if len(kinds) != 1 or None in kinds or None in values:
            problems.append(Problem(where, "A distribution drives one or more numbers of the case, all of one kind"))
            continue
        kind = uncertain.kind
        distribution = uncertain.distribution
        if reason := distribution_problem(distribution.shape, distribution.numbers, kind.high):
            problems.append(Problem(where, reason))
        elif values != {uncertain.central}:
            message = f"The case must hold the distribution's central value, {uncertain.central}, where it drives"
            problems.append(Problem(where, message))
        if driven & set(uncertain.slots):
            problems.append(Problem(where, "Another distribution already drives this number: give one"))
        driven |= set(uncertain.slots)
    return problems


# Results


@dataclass(frozen=True)
class PartnerPosition:
    """What one partner pays and gains, in present values, and the fiscal part of its gains.

    Partners' benefits are split from the rounded total and their fiscal benefits from the rounded fiscal
    total, each adding up exactly; so a partner's two figures can differ by a penny where its exact ones agree.
    """

    partner: str
    pv_costs: Money
    pv_benefits: Money
    pv_fiscal_benefits: Money

    @property
    def net(self) -> Money:
        return self.pv_benefits - self.pv_costs


@dataclass(frozen=True)
class YearFlow:
    """One year: undiscounted costs and benefits (each rounded on its own), and discounted ones that add up."""

    year: FinancialYear
    discount_factor: Decimal
    costs: Money
    benefits: Mapping[BenefitKind, Money] = field(hash=False)
    pv_costs: Money
    pv_fiscal_benefits: Money
    pv_benefits: Money
    cumulative_pv_costs: Money
    cumulative_pv_fiscal_benefits: Money


@dataclass(frozen=True)
class Appraisal:
    """Present values in pence. Totals are their exact values rounded half-up; parts add up to them exactly."""

    name: str
    first_year: FinancialYear
    years: int
    discounting: str
    pv_costs: Money
    pv_costs_by_kind: Mapping[CostKind, Money] = field(hash=False)
    pv_costs_by_payer: Mapping[str, Money] = field(hash=False)
    pv_benefits: Mapping[BenefitKind, Money] = field(hash=False)
    pv_benefits_total: Money
    bcr: Decimal | None  # all benefits / costs; None when there are no costs
    financial_roi: Decimal | None  # fiscal benefits / costs, read against 1
    payback_year: FinancialYear | None
    by_partner: tuple[PartnerPosition, ...]
    flows: tuple[YearFlow, ...]

    @property
    def pv_fiscal_benefits(self) -> Money:
        return Money.total(self.pv_benefits[kind] for kind in FISCAL)

    @property
    def npv_fiscal(self) -> Money:
        return self.pv_fiscal_benefits - self.pv_costs

    @property
    def npv_total(self) -> Money:
        return self.pv_benefits_total - self.pv_costs

    @property
    def public_value_roi(self) -> Decimal | None:
        """All benefits / costs: by the method's definitions the same figure as the BCR."""
        return self.bcr

    @property
    def cashable(self) -> Money:
        return self.pv_benefits[BenefitKind.FISCAL_CASHABLE]

    @property
    def non_cashable(self) -> Money:
        """Everything that is not cash: non-cashable fiscal, economic and social (as seed 004 §3.9 splits £414m)."""
        return self.pv_benefits_total - self.cashable


def appraise(case: Case) -> Appraisal:
    """Present values, ratios, payback and every partner's position for a case.

    Rounded once, at the top: costs, fiscal benefits and all benefits are each their exact present value
    rounded half-up (all benefits as fiscal plus the rest, so it is never below fiscal); every split below
    them is apportioned so it adds up exactly. Both NPVs then move with the inputs the way the exact
    values do, and never by a stray penny of rounding.
    """
    found = flows(case)
    fiscal = np.array([row.kind in FISCAL for row in found.benefit_rows], dtype=bool)
    cost_pvs = found.discounted_costs.sum(axis=1)
    benefit_pvs = found.discounted_benefits.sum(axis=1)
    exact_fiscal = float(benefit_pvs[fiscal].sum())
    pv_costs = _to_pence(float(cost_pvs.sum()))
    fiscal_total = _to_pence(exact_fiscal)
    pv_benefits_total = _to_pence(exact_fiscal + float(benefit_pvs[~fiscal].sum()))
    kinds = [row.kind for row in found.benefit_rows]
    benefits = _split_by(fiscal_total, [k for k in kinds if k in FISCAL], benefit_pvs[fiscal], FISCAL)
    benefits |= _split_by(
        pv_benefits_total - fiscal_total,
        [k for k in kinds if k not in FISCAL],
        benefit_pvs[~fiscal],
        (BenefitKind.ECONOMIC, BenefitKind.SOCIAL),
    )
    by_kind = _split_by(pv_costs, [line.kind for line in case.costs], cost_pvs, list(CostKind))
    partners = _partners(case)
    by_payer = _split_by(pv_costs, [line.payer for line in case.costs], cost_pvs, partners)
    received = _split_by(pv_benefits_total, [row.beneficiary for row in found.benefit_rows], benefit_pvs, partners)
    fiscal_beneficiaries = [row.beneficiary for row in found.benefit_rows if row.kind in FISCAL]
    received_fiscal = _split_by(fiscal_total, fiscal_beneficiaries, benefit_pvs[fiscal], partners)
    year_flows = _year_flows(case, found, pv_costs, pv_benefits_total, fiscal_total)
    return Appraisal(
        name=case.name,
        first_year=case.first_year,
        years=case.years,
        discounting=case.discounting.describe(),
        pv_costs=pv_costs,
        pv_costs_by_kind=by_kind,
        pv_costs_by_payer=by_payer,
        pv_benefits=benefits,
        pv_benefits_total=pv_benefits_total,
        bcr=_ratio(pv_benefits_total, pv_costs),
        financial_roi=_ratio(fiscal_total, pv_costs),
        payback_year=_payback_year(year_flows),
        by_partner=tuple(
            PartnerPosition(name, by_payer[name], received[name], received_fiscal[name]) for name in partners
        ),
        flows=year_flows,
    )


def _partners(case: Case) -> list[str]:
    """The case's partners in the order listed; without a list, payers then beneficiaries as they first appear."""
    names = list(case.partners)
    names += [line.payer for line in case.costs]
    names += [benefit.beneficiary for outcome in case.outcomes for benefit in outcome.benefits]
    return list(dict.fromkeys(names))


def _split_by(total: Money, keys: Sequence[Key], exact: FloatArray, order: Iterable[Key]) -> dict[Key, Money]:
    """Split a rounded total between keys in proportion to their exact present values (largest remainder)."""
    order = list(order)
    weights = [0.0] * len(order)
    for key, value in zip(keys, exact.tolist(), strict=True):
        weights[order.index(key)] += value
    return dict(zip(order, _apportion(total, weights), strict=True))


def _apportion(total: Money, weights: Sequence[float]) -> list[Money]:
    clean = [Decimal(max(weight, 0.0)) for weight in weights]
    if not any(clean):
        assert total.pence == 0, "a total of nothing rounds to nothing"
        return [Money(0)] * len(clean)
    return apportion(total, clean)


def _year_flows(
    case: Case, found: Flows, pv_costs: Money, pv_benefits: Money, pv_fiscal: Money
) -> tuple[YearFlow, ...]:
    fiscal_rows = np.array([row.kind in FISCAL for row in found.benefit_rows], dtype=bool)
    discounted_costs = _apportion(pv_costs, found.discounted_costs.sum(axis=0).tolist())
    discounted_benefits = _apportion(pv_benefits, found.discounted_benefits.sum(axis=0).tolist())
    discounted_fiscal = _apportion(pv_fiscal, found.discounted_benefits[fiscal_rows].sum(axis=0).tolist())
    costs = found.costs.sum(axis=0)
    kind_rows = {kind: np.array([row.kind is kind for row in found.benefit_rows], dtype=bool) for kind in BenefitKind}
    year_flows = []
    cumulative_costs = cumulative_fiscal = Money(0)
    for year in range(case.years):
        cumulative_costs += discounted_costs[year]
        cumulative_fiscal += discounted_fiscal[year]
        benefits = {kind: _to_pence(float(found.benefits[rows, year].sum())) for kind, rows in kind_rows.items()}
        year_flows.append(
            YearFlow(
                year=case.first_year + year,
                discount_factor=_decimal(float(found.factors[year]), "0.000001"),
                costs=_to_pence(float(costs[year])),
                benefits=benefits,
                pv_costs=discounted_costs[year],
                pv_fiscal_benefits=discounted_fiscal[year],
                pv_benefits=discounted_benefits[year],
                cumulative_pv_costs=cumulative_costs,
                cumulative_pv_fiscal_benefits=cumulative_fiscal,
            )
        )
    return tuple(year_flows)


def _payback_year(year_flows: Sequence[YearFlow]) -> FinancialYear | None:
    """The first year, once there are costs, that cumulative discounted fiscal benefits reach cumulative costs."""
    for flow in year_flows:
        if flow.cumulative_pv_costs.pence > 0 and flow.cumulative_pv_fiscal_benefits >= flow.cumulative_pv_costs:
            return flow.year
    return None


def _ratio(numerator: Money, denominator: Money) -> Decimal | None:
    """A ratio of two shown amounts to 4 decimals (half-up), so a reader can check it from the figures."""
    if denominator.pence <= 0:
        return None
    ratio = _WIDE.divide(Decimal(numerator.pence), Decimal(denominator.pence))
    return ratio.quantize(Decimal("0.0001"), ROUND_HALF_UP, context=_WIDE)


def _to_pence(value: float) -> Money:
    """Whole pence, half-up, from a float amount of pence.

    The float is first snapped to a millionth of a penny, so that binary noise in an exact half
    (12.4999999999p for 12.5p) does not decide the rounding.
    """
    return Money(int(_decimal(value, "1")))


def _decimal(value: float, places: str) -> Decimal:
    snapped = Decimal(value).quantize(Decimal("0.000001"), ROUND_HALF_EVEN, context=_WIDE)
    return snapped.quantize(Decimal(places), ROUND_HALF_UP, context=_WIDE)


# JSON, as `wholeplace appraise --format json` prints it


def to_json(appraisal: Appraisal) -> dict[str, object]:
    """Money as strings to the penny, ratios to 4 decimals, years as 2013/14; null where there is none."""
    return {
        "name": appraisal.name,
        "first_year": str(appraisal.first_year),
        "years": appraisal.years,
        "discounting": appraisal.discounting,
        "npv": {"fiscal": appraisal.npv_fiscal.plain(), "total": appraisal.npv_total.plain()},
        "pv_costs": appraisal.pv_costs.plain(),
        "pv_costs_by_kind": {kind.value: amount.plain() for kind, amount in appraisal.pv_costs_by_kind.items()},
        "pv_benefits": {kind.value: amount.plain() for kind, amount in appraisal.pv_benefits.items()},
        "pv_benefits_total": appraisal.pv_benefits_total.plain(),
        "cashable": {"cashable": appraisal.cashable.plain(), "non_cashable": appraisal.non_cashable.plain()},
        "bcr": _ratio_text(appraisal.bcr),
        "financial_roi": _ratio_text(appraisal.financial_roi),
        "public_value_roi": _ratio_text(appraisal.public_value_roi),
        "payback_year": str(appraisal.payback_year) if appraisal.payback_year else None,
        "by_partner": [
            {
                "partner": position.partner,
                "pv_costs": position.pv_costs.plain(),
                "pv_benefits": position.pv_benefits.plain(),
                "net": position.net.plain(),
                "pv_fiscal_benefits": position.pv_fiscal_benefits.plain(),
            }
            for position in appraisal.by_partner
        ],
        "flows": [
            {
                "year": str(flow.year),
                "discount_factor": format(flow.discount_factor, "f"),
                "costs": flow.costs.plain(),
                "benefits": {kind.value: amount.plain() for kind, amount in flow.benefits.items()},
                "pv_costs": flow.pv_costs.plain(),
                "pv_fiscal_benefits": flow.pv_fiscal_benefits.plain(),
                "pv_benefits": flow.pv_benefits.plain(),
                "cumulative_pv_costs": flow.cumulative_pv_costs.plain(),
                "cumulative_pv_fiscal_benefits": flow.cumulative_pv_fiscal_benefits.plain(),
            }
            for flow in appraisal.flows
        ],
    }


def _ratio_text(ratio: Decimal | None) -> str | None:
    return None if ratio is None else format(ratio, "f")
