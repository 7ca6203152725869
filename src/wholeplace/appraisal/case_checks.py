"""Every reason a business case cannot be appraised, the same whether it came from a file or from code.

Problems name the key path (`costs[0].payer`); the file readers turn it back into a line or a cell. Pure.
"""

from __future__ import annotations

from wholeplace.appraisal.case import (
    MAX_COST_OPTIMISM_BIAS,
    BenefitKind,
    Case,
    Cohort,
    Outcome,
    Slot,
    slot_kind,
    slot_value,
)
from wholeplace.appraisal.distributions import distribution_problem
from wholeplace.problems import Problem


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
