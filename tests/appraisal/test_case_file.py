"""Reading case files: the contract's example, JSON, and every refusal naming file, line, key path and reason."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.appraisal.test_cli import DEMO_CASE
from tests.appraisal.test_properties import PARTNERS, cases, shares
from tests.appraisal.test_unit_costs import TOY
from wholeplace.appraisal.case_file import read_case
from wholeplace.appraisal.case_writer import write_case
from wholeplace.appraisal.discounting import Discounting
from wholeplace.appraisal.distributions import PARAMETERS, Distribution, Shape
from wholeplace.appraisal.engine import (
    CONFIDENCE_OPTIMISM_BIAS,
    Benefit,
    BenefitKind,
    Case,
    Cohort,
    CostKind,
    CostLine,
    Measure,
    Outcome,
    Slot,
    SlotKind,
    UncertainInput,
    slot_kind,
)
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import InvalidInput, Problem

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


# Unit costs by name, in the case's price year


def unit_value_read(text: str) -> Money:
    case, problems = read_case(text, "hub.yaml", unit_costs=TOY)
    assert problems == []
    assert case is not None
    return case.outcomes[0].benefits[0].unit_value


def test_a_unit_cost_is_brought_to_the_price_year_which_is_the_first_year_unless_given() -> None:
    text = edited("unit_value: 1200", "unit_cost: repeat_incident")
    # £1,200.50 in 2012/13 prices; the toy index is 2012/13 = 80, 2013/14 = 100, 2014/15 = 150.
    # In the first year's (2013/14) prices: 120,050p x 100 / 80 = 150,062.5p, half-up 150,063p = £1,500.63.
    assert unit_value_read(text) == Money(150063)
    # With price_year: 2014/15, every amount of the case is in 2014/15 prices, and so is the unit cost:
    # 120,050p x 150 / 80 = 225,093.75p, so 225,094p = £2,250.94.
    assert unit_value_read(edited("years: 5", "years: 5\nprice_year: 2014/15", text)) == Money(225094)


def test_the_shipped_library_is_used_unless_another_is_given() -> None:
    case, problems = read_case(edited("unit_value: 1200", "unit_cost: domestic_abuse_incident_police"), "hub.yaml")
    assert problems == []
    assert case is not None
    # £415.00 in 2008/09 prices; GDP deflators 2008/09 = 66.8397, 2013/14 = 73.0337:
    # 41,500p x 73.0337 / 66.8397 = 45,345.78p, so £453.46 (as docs/unit-costs.md lists it).
    assert case.outcomes[0].benefits[0].unit_value == Money(45346)


def test_an_unknown_unit_cost_is_refused_at_its_line_and_key_with_the_nearest_names() -> None:
    assert problems_in(edited("unit_value: 1200", "unit_cost: domestic_abuse_incidnt")) == [
        "hub.yaml, line 25, outcomes[0].benefits[0].unit_cost: 'domestic_abuse_incidnt' is not in the unit cost "
        "library; did you mean 'domestic_abuse_incident', 'domestic_abuse_incident_police' or "
        "'domestic_abuse_incident_health'?"
    ]


def test_a_price_year_outside_the_deflator_series_is_refused_where_a_unit_cost_needs_it() -> None:
    text = edited("years: 5", "years: 5\nprice_year: 1999/00", edited("unit_value: 1200", "unit_cost: arrest"))
    assert problems_in(text) == [
        "hub.yaml, line 26, outcomes[0].benefits[0].unit_cost: 1999/00 is outside the GDP deflator series, which "
        "runs from 2000/01 to 2024/25: use a price year in that range"
    ]
    # Without a unit cost, the price year says what prices the case is in, and needs no deflator.
    assert read_case(edited("years: 5", "years: 5\nprice_year: 1999/00"), "hub.yaml")[1] == []


def test_a_unit_cost_beside_a_unit_value_or_a_price_year_that_is_not_one_is_refused() -> None:
    both = edited("unit_value: 1200", "unit_value: 1200\n        unit_cost: arrest")
    assert problems_in(both) == [
        "hub.yaml, line 26, outcomes[0].benefits[0].unit_cost: Give unit_value or unit_cost, not both"
    ]
    assert problems_in(edited("years: 5", "years: 5\nprice_year: 2013")) == [
        "hub.yaml, line 4, price_year: '2013' is not a financial year. Write it like 2013/14"
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


# Writing a case back: read(write(case)) == case


def test_the_demo_case_written_out_reads_back_to_the_same_case() -> None:
    case, problems = read_case(DEMO_CASE.read_text(encoding="utf-8"), DEMO_CASE.name)
    assert problems == [] and case is not None
    text = write_case(case)
    assert read_case(text, "written.yaml") == (case, [])
    # Confidence grades are written as the optimism bias they stand for (grade 3: 10%), money in pounds.
    written = yaml.safe_load(text)
    assert written["costs"][2] == {
        "name": "Police officers in the locality teams (§7.4)",
        "payer": "Cheshire Constabulary",
        "kind": "in_kind",
        "amount": "500000.00",
        "optimism_bias": "0.10",
    }


def test_the_contract_example_is_written_with_its_years_in_pounds_and_its_rates_as_text() -> None:
    written = yaml.safe_load(write_case(CONTRACT_CASE))
    assert written["discount_rate"] == "0.035"
    assert written["costs"][0]["by_year"] == {"2013/14": "260000.00", "2014/15": "398000.00"}  # zero years left out
    assert written["cohort"] == {"by_year": {"2013/14": "1160", "2014/15": "1160"}, "engagement": "0.8"}
    assert written["outcomes"][0]["benefits"] == [
        {"beneficiary": "Essex Police", "kind": "fiscal_cashable", "unit_value": "1200.00"}
    ]


def test_distributions_are_written_at_their_keys_in_the_units_a_file_uses() -> None:
    text = edited("2014/15: 398000}", "2014/15: {uniform: [300000, 500000.005]}}")
    text = edited('success_rate: "0.25"', "success_rate: {pert: [0.1, 0.25, 0.5]}", text)
    case, problems = read_case(text, "hub.yaml")
    assert problems == [] and case is not None
    written = yaml.safe_load(write_case(case))
    # Held in pence (30,000,000p to 50,000,000.5p), written back in pounds, to the half penny as given.
    assert written["costs"][0]["by_year"] == {"2013/14": "260000.00", "2014/15": {"uniform": ["300000", "500000.005"]}}
    assert written["outcomes"][0]["success_rate"] == {"pert": ["0.1", "0.25", "0.5"]}
    assert read_case(write_case(case), "hub.yaml") == (case, [])


def test_a_case_that_cannot_be_appraised_is_not_written() -> None:
    with pytest.raises(InvalidInput) as raised:
        write_case(replace(CONTRACT_CASE, years=0))
    assert raised.value.problems == [Problem("years", "The appraisal period must be 1 year or more")]


def test_a_distribution_with_a_key_path_no_file_could_give_is_not_written() -> None:
    # A distribution on the 2013/14 cohort, named as no case file names one: there is nowhere to write it.
    drives = UncertainInput("the cohort", Distribution(Shape.UNIFORM, (D(1000), D(1320))), (("cohort", "sizes", 0),))
    with pytest.raises(InvalidInput) as raised:
        write_case(replace(CONTRACT_CASE, uncertain=(drives,)))
    assert raised.value.problems == [
        Problem("the cohort", "A distribution is written at the key path a case file gives it, and this is not one")
    ]


NAMES = st.sampled_from(
    ["Hub staff", "Reducing domestic abuse — multi-agency hub", "yes", "null", "1.5", "a: b", "#1", "2013/14", "O'Neil"]
)


def put(record: Any, slot: Slot, value: object) -> Any:
    """`record` with the number at `slot` (attribute names and indexes, as engine.Slot) set to `value`."""
    if not slot:
        return value
    head, rest = slot[0], slot[1:]
    if isinstance(head, int):
        assert isinstance(record, tuple)
        return (*record[:head], put(record[head], rest, value), *record[head + 1 :])
    return replace(record, **{head: put(getattr(record, head), rest, value)})


@st.composite
def distributions(draw: st.DrawFn, kind: SlotKind) -> Distribution:
    if kind.measure is Measure.SHARE:
        assert kind.high is not None
        number = st.integers(0, int(kind.high * 100)).map(lambda n: D(n) / 100)
    else:  # money in pence, to a tenth of a penny; people
        number = st.integers(0, 10**9).map(lambda n: D(n) / 10)
    shape = draw(st.sampled_from(list(Shape)))
    if shape is Shape.NORMAL:
        return Distribution(shape, (draw(number), draw(number)))
    count = len(PARAMETERS[shape])
    return Distribution(shape, tuple(sorted(draw(st.lists(number, min_size=count, max_size=count)))))


def uncertain_places(draw: st.DrawFn, case: Case) -> list[tuple[str, tuple[Slot, ...]]]:
    """Key paths and slots a file could give distributions at, in the order the reader meets them."""
    places: list[tuple[str, tuple[Slot, ...]]] = []

    def yearly(path: str, every_year_key: str, slot: Slot) -> None:
        choice = draw(st.sampled_from(["plain", every_year_key, "by_year"]))
        if choice == every_year_key:
            places.append((f"{path}.{every_year_key}", tuple((*slot, t) for t in range(case.years))))
        elif choice == "by_year":
            places.extend(
                (f"{path}.by_year.{case.first_year + t}", ((*slot, t),))
                for t in range(case.years)
                if draw(st.booleans())
            )

    for index, _ in enumerate(case.costs):
        yearly(f"costs[{index}]", "amount", ("costs", index, "amounts"))
        places.append((f"costs[{index}].optimism_bias", (("costs", index, "optimism_bias"),)))
    yearly("cohort", "size", ("cohort", "sizes"))
    places.append(("cohort.engagement", (("cohort", "engagement"),)))
    for index, outcome in enumerate(case.outcomes):
        for key in ("success_rate", "deadweight", "drop_off", "optimism_bias"):
            places.append((f"outcomes[{index}].{key}", (("outcomes", index, key),)))
        for number, benefit in enumerate(outcome.benefits):
            keys = ["unit_value"] + (["cashable_share"] if benefit.cashable_share is not None else [])
            places += [
                (f"outcomes[{index}].benefits[{number}].{key}", (("outcomes", index, "benefits", number, key),))
                for key in keys
            ]
    return places


@st.composite
def written_cases(draw: st.DrawFn) -> Case:
    """Generated cases (tests/appraisal/test_properties.py) with names, partners, rates and distributions."""
    case = draw(cases().filter(lambda case: bool(case.costs)))
    case = replace(
        case,
        name=draw(NAMES),
        first_year=FinancialYear(draw(st.integers(2000, 2040))),
        costs=tuple(replace(line, name=draw(NAMES)) for line in case.costs),
        partners=PARTNERS if draw(st.booleans()) else (),
        discounting=replace(case.discounting, health_rate=draw(st.none() | shares(20))),
    )
    uncertain = []
    for key_path, slots in uncertain_places(draw, case):
        if not draw(st.booleans()):
            continue
        kind = slot_kind(slots[0])
        assert kind is not None
        made = UncertainInput(key_path, draw(distributions(kind)), slots)
        central = Money(int(made.central)) if kind.measure is Measure.MONEY else made.central
        for slot in slots:
            case = put(case, slot, central)
        uncertain.append(made)
    return replace(case, uncertain=tuple(uncertain))


@settings(max_examples=150, deadline=None)
@given(written_cases())
def test_any_case_written_out_reads_back_to_the_same_case(case: Case) -> None:
    assert read_case(write_case(case), "written.yaml") == (case, [])
