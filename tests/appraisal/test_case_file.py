"""Reading case files: the contract's example, JSON, and every refusal naming file, line, key path and reason."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest
import yaml

from wholeplace.appraisal.case_file import read_case
from wholeplace.appraisal.discounting import Discounting
from wholeplace.appraisal.distributions import Distribution, Shape
from wholeplace.appraisal.engine import (
    CONFIDENCE_OPTIMISM_BIAS,
    Benefit,
    BenefitKind,
    Case,
    Cohort,
    CostKind,
    CostLine,
    Outcome,
    UncertainInput,
)
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import Problem

D = Decimal

# The example in issue 4, part 1, as written there.
CONTRACT = """\
name: Reducing domestic abuse — multi-agency hub
first_year: 2013/14          # year index t = 0
years: 5                     # appraisal period
discount_rate: "0.035"       # default: Green Book (3.5%, 3.0% from year 31)
costs:
  - name: Hub staff
    payer: Essex County Council
    kind: revenue            # revenue | capital
    by_year: {2013/14: 260000, 2014/15: 398000}
    optimism_bias: "0.10"    # or confidence: 1..6, looked up in the documented table
cohort:
  by_year: {2013/14: 1160, 2014/15: 1160}   # or size: N every year
  engagement: "0.8"
outcomes:
  - name: Fewer repeat incidents
    success_rate: "0.25"     # share of the engaged cohort achieving it
    deadweight: "0.10"       # share that would have happened anyway
    optimism_bias: "0.20"    # or confidence: 1..6
    lag_years: 0
    duration_years: 2        # years the effect lasts
    drop_off: "0.5"          # share of the effect lost in each later year
    benefits:
      - beneficiary: Essex Police
        kind: fiscal_cashable  # fiscal_cashable | fiscal_noncashable | economic | social
        unit_value: 1200       # £ per outcome per year, or unit_cost: <name in the unit cost library>
"""

CONTRACT_CASE = Case(
    name="Reducing domestic abuse — multi-agency hub",
    first_year=FinancialYear(2013),
    years=5,
    costs=(
        CostLine(
            "Hub staff",
            "Essex County Council",
            CostKind.REVENUE,
            (Money(26000000), Money(39800000), Money(0), Money(0), Money(0)),
            D("0.10"),
        ),
    ),
    cohort=Cohort((D(1160), D(1160), D(0), D(0), D(0)), D("0.8")),
    outcomes=(
        Outcome(
            "Fewer repeat incidents",
            D("0.25"),
            (Benefit("Essex Police", BenefitKind.FISCAL_CASHABLE, Money(120000)),),
            deadweight=D("0.10"),
            optimism_bias=D("0.20"),
            lag_years=0,
            duration_years=2,
            drop_off=D("0.5"),
        ),
    ),
    discounting=Discounting(rate=D("0.035")),
)


def problems_in(text: str) -> list[str]:
    case, problems = read_case(text, "hub.yaml")
    assert case is None, "a case with problems must not be read"
    assert problems
    return [str(problem) for problem in problems]


def edited(change: str, to: str, text: str = CONTRACT) -> str:
    assert change in text
    return text.replace(change, to, 1)


def test_the_contract_example_reads_as_written() -> None:
    assert read_case(CONTRACT, "hub.yaml") == (CONTRACT_CASE, [])


def test_the_same_case_in_json_reads_the_same() -> None:
    as_json = json.dumps(yaml.safe_load(CONTRACT), indent="\t", ensure_ascii=False)
    assert read_case(as_json, "hub.json") == (CONTRACT_CASE, [])


def test_amount_and_size_mean_every_year_and_confidence_looks_up_optimism_bias() -> None:
    text = edited("    by_year: {2013/14: 260000, 2014/15: 398000}\n", "    amount: £1,000\n")
    text = edited('    optimism_bias: "0.10"    #', "    confidence: 5  #", text)
    text = edited("  by_year: {2013/14: 1160, 2014/15: 1160}", "  size: 10", text)
    case, problems = read_case(text, "hub.yaml")
    assert problems == []
    assert case is not None
    assert case.costs[0].amounts == (Money(100000),) * 5
    assert case.costs[0].optimism_bias == CONFIDENCE_OPTIMISM_BIAS[5] == D("0.25")
    assert case.cohort == Cohort((D(10),) * 5, D("0.8"))


def test_rates_may_be_written_as_percents_and_kinds_with_spaces() -> None:
    text = edited('deadweight: "0.10"', "deadweight: 10%")
    text = edited("kind: fiscal_cashable", "kind: fiscal cashable", text)
    case, problems = read_case(text, "hub.yaml")
    assert problems == []
    assert case is not None
    assert case.outcomes[0].deadweight == D("0.10")


def test_without_a_discount_rate_the_green_book_schedules_apply() -> None:
    case, _ = read_case(edited('discount_rate: "0.035"', "# no rate"), "hub.yaml")
    assert case is not None
    assert case.discounting == Discounting()


# Refusals: key path, line and reason; nothing is read


def test_a_year_outside_the_appraisal_period_is_refused() -> None:
    text = edited("2014/15: 398000", "2019/20: 398000")
    assert problems_in(text) == [
        "hub.yaml, line 9, costs[0].by_year.2019/20: 2019/20 is outside the appraisal period, 2013/14 to 2017/18"
    ]


def test_a_rate_above_1_is_refused() -> None:
    assert problems_in(edited('deadweight: "0.10"', 'deadweight: "1.10"')) == [
        "hub.yaml, line 17, outcomes[0].deadweight: Deadweight must be between 0 and 1, not 1.10"
    ]
    assert problems_in(edited('discount_rate: "0.035"', "discount_rate: 3.5")) == [
        "hub.yaml, line 4, discount_rate: The discount rate must be between 0 and 1, not 3.5"
    ]


def test_a_beneficiary_or_payer_that_is_not_a_partner_is_refused() -> None:
    listed = "partners: [Essex County Council, Essex Police]\n" + CONTRACT
    assert read_case(listed, "hub.yaml")[1] == []
    text = edited("beneficiary: Essex Police", "beneficiary: DWP", listed)
    text = edited("payer: Essex County Council", "payer: Essex CC", text)
    assert problems_in(text) == [
        "hub.yaml, line 8, costs[0].payer: 'Essex CC' is not a partner in this case: add it to partners, "
        "or check the spelling",
        "hub.yaml, line 24, outcomes[0].benefits[0].beneficiary: 'DWP' is not a partner in this case: add it to "
        "partners, or check the spelling",
    ]


def test_a_distribution_with_min_above_max_is_refused_with_the_reason() -> None:
    text = edited('success_rate: "0.25"', "success_rate: {triangular: [0.4, 0.25, 0.1]}")
    assert problems_in(text) == [
        "hub.yaml, line 16, outcomes[0].success_rate.triangular: The min (0.4) is more than the max (0.1): "
        "write [min, mode, max]"
    ]
    text = edited('success_rate: "0.25"', "success_rate: {uniform: [0.3, 0.2]}")
    assert problems_in(text) == [
        "hub.yaml, line 16, outcomes[0].success_rate.uniform: The min (0.3) is more than the max (0.2): "
        "write [min, max]"
    ]


@pytest.mark.parametrize(
    ("distribution", "reason"),
    [
        ("{pert: [0.1, 0.5, 0.3]}", "pert: The mode (0.5) must lie between the min (0.1) and the max (0.3)"),
        ("{triangular: [0.1, 0.2, 1.5]}", "triangular: The max must be 1 or less, not 1.5"),
        ("{normal: [0.2, -0.1]}", "normal: The standard deviation must be 0 or more, not -0.1"),
        ("{triangular: [0.1, 0.2]}", "triangular: A triangular distribution takes 3 numbers: [min, mode, max]"),
        ("{lognormal: [0.1, 0.2]}", "lognormal: 'lognormal' is not a key we know. A distribution can have: "),
    ],
)
def test_a_distribution_that_is_not_one_is_refused(distribution: str, reason: str) -> None:
    (problem,) = problems_in(edited('success_rate: "0.25"', f"success_rate: {distribution}"))
    assert problem.startswith(f"hub.yaml, line 16, outcomes[0].success_rate.{reason}")


def test_distributions_are_kept_under_their_key_paths_and_the_case_holds_their_central_values() -> None:
    # Central values: the mode of a PERT or triangular, the mean of a uniform or normal. These equal the
    # contract's plain numbers, so the case is the contract's case plus its uncertain inputs. Money is in pence.
    text = edited("2014/15: 398000", "2014/15: {pert: [350000, 398000, 500000]}")
    text = edited('engagement: "0.8"', "engagement: {normal: [0.8, 0.05]}", text)
    text = edited('success_rate: "0.25"', "success_rate: {uniform: [0.2, 0.3]}", text)
    text = edited("unit_value: 1200", "unit_value: {triangular: [800, 1200, 2000]}", text)
    case, problems = read_case(text, "hub.yaml")
    assert problems == []
    assert case is not None
    assert replace(case, uncertain=()) == CONTRACT_CASE
    assert case.uncertain == (
        UncertainInput(
            "costs[0].by_year.2014/15",
            Distribution(Shape.PERT, (D(35000000), D(39800000), D(50000000))),
            (("costs", 0, "amounts", 1),),
        ),
        UncertainInput(
            "cohort.engagement", Distribution(Shape.NORMAL, (D("0.8"), D("0.05"))), (("cohort", "engagement"),)
        ),
        UncertainInput(
            "outcomes[0].success_rate",
            Distribution(Shape.UNIFORM, (D("0.2"), D("0.3"))),
            (("outcomes", 0, "success_rate"),),
        ),
        UncertainInput(
            "outcomes[0].benefits[0].unit_value",
            Distribution(Shape.TRIANGULAR, (D(80000), D(120000), D(200000))),
            (("outcomes", 0, "benefits", 0, "unit_value"),),
        ),
    )


def test_an_amount_or_size_given_once_is_one_draw_for_every_year() -> None:
    text = edited("    by_year: {2013/14: 260000, 2014/15: 398000}\n", "    amount: {triangular: [900, 1000, 1300]}\n")
    text = edited("  by_year: {2013/14: 1160, 2014/15: 1160}", "  size: {normal: [1160, 100]}", text)
    case, problems = read_case(text, "hub.yaml")
    assert problems == []
    assert case is not None
    assert case.costs[0].amounts == (Money(100000),) * 5
    assert case.cohort is not None and case.cohort.sizes == (D(1160),) * 5
    amount, size = case.uncertain
    assert (amount.key_path, amount.slots) == ("costs[0].amount", tuple(("costs", 0, "amounts", y) for y in range(5)))
    assert (size.key_path, size.slots) == ("cohort.size", tuple(("cohort", "sizes", y) for y in range(5)))


def test_a_central_amount_is_rounded_half_up_to_the_penny() -> None:
    # The mean of uniform [£1,000.01, £1,000.02] is £1,000.015: £1,000.02 in the case.
    case, _ = read_case(edited("unit_value: 1200", "unit_value: {uniform: [1000.01, 1000.02]}"), "hub.yaml")
    assert case is not None
    assert case.outcomes[0].benefits[0].unit_value == Money(100002)


def test_a_distribution_is_refused_where_a_plain_number_is_needed_or_its_year_is_outside_the_period() -> None:
    text = edited('discount_rate: "0.035"', "discount_rate: {uniform: [0.03, 0.04]}")
    text = edited("2014/15: 398000", "2019/20: {uniform: [1, 2]}", text)
    assert problems_in(text) == [
        "hub.yaml, line 4, discount_rate: Write the discount rate as one value, not a list or keys",
        "hub.yaml, line 9, costs[0].by_year.2019/20: 2019/20 is outside the appraisal period, 2013/14 to 2017/18",
    ]


def test_a_unit_cost_name_is_refused_until_the_library_exists() -> None:
    assert problems_in(edited("unit_value: 1200", "unit_cost: Domestic abuse incident")) == [
        "hub.yaml, line 25, outcomes[0].benefits[0].unit_cost: The unit cost library comes in a later release: "
        "give unit_value, the £ per outcome per year, with its source in a comment"
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = edited("kind: revenue", "kind: running")
    text = edited('engagement: "0.8"', "engagement: lots", text)
    text = edited("lag_years: 0", "lag_years: -1", text)
    text = edited("duration_years: 2", "duration_years: 0", text)
    text = edited("unit_value: 1200", "unit_value: -1200", text)
    assert problems_in(text) == [
        "hub.yaml, line 8, costs[0].kind: A cost's kind is one of revenue, capital, in_kind, not 'running'",
        "hub.yaml, line 13, cohort.engagement: Engagement is a number like 0.25 (or 25%), not 'lots'",
        "hub.yaml, line 19, outcomes[0].lag_years: Enter the lag in years as a whole number from 0 to 1000, not '-1'",
        "hub.yaml, line 20, outcomes[0].duration_years: Enter the years the effect lasts as a whole number from 1 "
        "to 1000, not '0'",
        "hub.yaml, line 25, outcomes[0].benefits[0].unit_value: Amount must be £0.00 or more",
    ]


@pytest.mark.parametrize(
    ("change", "to", "expected"),
    [
        ("years: 5 ", "years: 0 ", "line 3, years: Enter the appraisal period as a whole number from 1 to 1000"),
        ("first_year: 2013/14", "first_year: 2013/15", "line 2, first_year: '2013/15' is not a financial year"),
        (
            '    optimism_bias: "0.10"',
            '    optimism_bias: "0.10"\n    confidence: 2',
            "line 11, costs[0].confidence: Give optimism_bias or confidence, not both",
        ),
        (
            '    optimism_bias: "0.10"',
            "    confidence: 7",
            "line 10, costs[0].confidence: Enter the confidence grade as a whole number from 1 to 6, not '7'",
        ),
    ],
)
def test_single_mistakes_name_their_line_and_key(change: str, to: str, expected: str) -> None:
    (problem,) = problems_in(edited(change, to))
    assert problem.startswith(f"hub.yaml, {expected}")


def test_by_year_and_amount_together_are_refused() -> None:
    text = edited("    by_year: {2013/14: 260000, 2014/15: 398000}\n", "    by_year: {2013/14: 1}\n    amount: 2\n")
    assert problems_in(text) == ["hub.yaml, line 10, costs[0].amount: Give by_year or amount, not both"]


def test_cashable_share_is_only_for_cashable_fiscal_benefits_and_health_only_for_social() -> None:
    text = edited("kind: fiscal_cashable", "kind: economic\n        cashable_share: 0.5\n        health: true")
    assert problems_in(text) == [
        "hub.yaml, line 25, outcomes[0].benefits[0].cashable_share: Only a fiscal_cashable benefit has a cashable "
        "share (the rest counts as non-cashable)",
        "hub.yaml, line 26, outcomes[0].benefits[0].health: Only social benefits can be health values (discounted "
        "at the Green Book's 1.5%)",
    ]


def test_unknown_keys_missing_keys_and_broken_yaml_are_refused() -> None:
    assert problems_in(edited("drop_off:", "dropoff:"))[0].startswith(
        "hub.yaml, line 21, outcomes[0].dropoff: 'dropoff' is not a key we know. An outcome can have: name, "
    )
    assert problems_in("name: Nothing else\n") == [
        "hub.yaml, line 1, first_year: Enter the first year, like first_year: 2013/14",
        "hub.yaml, line 1, years: Enter the appraisal period in years, like years: 5",
        "hub.yaml, line 1, costs: Give the case's costs, each starting with '- '",
    ]
    assert problems_in("name: [unclosed\n")[0].startswith("hub.yaml, line 2: This is not YAML or JSON that can be read")
    assert problems_in("") == ["hub.yaml: The case is empty: give it a name, first_year, years, costs"]


def test_outcomes_need_a_cohort() -> None:
    text = CONTRACT.split("cohort:")[0] + "outcomes:" + CONTRACT.split("outcomes:")[1]
    assert problems_in(text) == [
        "hub.yaml, line 1, cohort: Give the cohort the outcomes count in, like cohort: {size: 1160}"
    ]


def test_problems_are_records_with_where_and_message() -> None:
    _, problems = read_case(edited("kind: revenue", "kind: running"), "hub.yaml")
    assert problems == [
        Problem("hub.yaml, line 8, costs[0].kind", "A cost's kind is one of revenue, capital, in_kind, not 'running'")
    ]
