"""Uncertainty: the vectorised model against `appraise`, Monte Carlo, tornado and break-even, worked by hand."""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wholeplace
from tests.appraisal.test_case_file import CONTRACT
from tests.appraisal.test_properties import cases
from wholeplace.appraisal.case_file import read_case
from wholeplace.appraisal.distributions import Distribution, Shape
from wholeplace.appraisal.engine import Case, Measure, appraise, check_case
from wholeplace.appraisal.uncertainty import (
    DEFAULT_SEED,
    BreakEven,
    analyse,
    break_even,
    simulate,
    simulate_portfolio,
    to_json,
    tornado,
)
from wholeplace.appraisal.uncertainty_model import NpvModel, draw_inputs
from wholeplace.money import Money
from wholeplace.problems import InvalidInput

D = Decimal
DEMO_CASE = Path(wholeplace.__file__).parent / "demo" / "cases" / "domestic-abuse-hub.yaml"

# One year, no discounting: NPV = 100 people x 0.5 success x £50 - £1,000 = £2,500 - £1,000 = £1,500.
HAND = """\
name: Hand-worked hub
first_year: 2013/14
years: 1
discount_rate: "0"
costs:
  - {name: Hub staff, payer: Council, kind: revenue, amount: 1000}
cohort: {size: 100}
outcomes:
  - name: Fewer repeat incidents
    success_rate: "0.5"
    benefits:
      - {beneficiary: Police, kind: fiscal_cashable, unit_value: 50}
"""


def case_from(text: str, *changes: tuple[str, str]) -> Case:
    for old, new in changes:
        assert old in text
        text = text.replace(old, new, 1)
    case, problems = read_case(text, "hub.yaml")
    assert problems == [], problems
    assert case is not None
    return case


def central_npvs(case: Case) -> tuple[Money, Money]:
    model = NpvModel.of(case)
    total, fiscal = model.present_values(model.central[None, :]).npvs()
    return Money(int(total[0])), Money(int(fiscal[0]))


# The model gives appraise's NPVs for the central values


@pytest.mark.parametrize("text", [DEMO_CASE.read_text(encoding="utf-8"), CONTRACT, HAND])
def test_the_model_gives_the_appraisals_npvs_to_the_penny(text: str) -> None:
    case = case_from(text)
    result = appraise(case)
    assert central_npvs(case) == (result.npv_total, result.npv_fiscal)


def test_the_demo_case_with_distributions_keeps_its_npvs_at_the_central_values() -> None:
    # Modes and means equal to the plain numbers they replace: the appraisal does not move.
    case = case_from(
        DEMO_CASE.read_text(encoding="utf-8"),
        ('success_rate: "0.35"', "success_rate: {pert: [0.2, 0.35, 0.45]}"),
        ("amount: 500000", "amount: {triangular: [400000, 500000, 700000]}"),
        ('drop_off: "0.2"', "drop_off: {uniform: [0.1, 0.3]}"),
    )
    assert appraise(case).npv_total == Money.parse("11912733.81")
    assert central_npvs(case) == (Money.parse("11912733.81"), Money.parse("6975929.99"))


@settings(max_examples=150, deadline=None)
@given(cases(), st.integers(1, 6), st.integers(0, 2**32))
def test_a_case_with_no_distributions_simulates_to_its_deterministic_npv(case: Case, draws: int, seed: int) -> None:
    expected = appraise(case)
    simulation = simulate(case, draws, seed)
    assert simulation.total_pence.tolist() == [expected.npv_total.pence] * draws
    assert simulation.fiscal_pence.tolist() == [expected.npv_fiscal.pence] * draws
    summary = simulation.npv_total
    assert summary.mean == summary.p10 == summary.p50 == summary.p90 == expected.npv_total
    assert simulation.npv_fiscal.p50 == expected.npv_fiscal
    assert summary.probability_positive == (D("1.0000") if expected.npv_total.pence > 0 else D("0.0000"))


# Monte Carlo

UNCERTAIN = case_from(
    HAND,
    ("years: 1", "years: 3"),
    ("amount: 1000", "amount: {uniform: [800, 1200]}"),
    ('success_rate: "0.5"', "success_rate: {triangular: [0.3, 0.5, 0.7]}"),
)


def test_each_draw_is_the_npv_of_the_drawn_inputs() -> None:
    # Amount only: 3 years x 100 x 0.5 x £50 = £7,500 of benefits, less 3 x the drawn amount (one draw, every year).
    case = case_from(HAND, ("years: 1", "years: 3"), ("amount: 1000", "amount: {uniform: [800, 1200]}"))
    amounts = np.random.default_rng(7).uniform(80_000, 120_000, 5)  # the same stream, in pence
    expected = [round(750_000 - 3 * amount) for amount in amounts]
    simulation = simulate(case, 5, seed=7)
    assert simulation.total_pence.tolist() == expected
    # Hyndman and Fan's definition 7 on 5 sorted draws x0..x4: P10 at h = 4 x 0.1 = 0.4, x0 + 0.4 (x1 - x0);
    # P50 at h = 2, x2; P90 at h = 3.6, x3 + 0.6 (x4 - x3). The mean is their sum / 5. Each rounded half-up.
    x = sorted(expected)
    assert simulation.npv_total.p10 == Money(math.floor(x[0] + 0.4 * (x[1] - x[0]) + 0.5))
    assert simulation.npv_total.p50 == Money(x[2])
    assert simulation.npv_total.p90 == Money(math.floor(x[3] + 0.6 * (x[4] - x[3]) + 0.5))
    assert simulation.npv_total.mean == Money(math.floor(sum(x) / 5 + 0.5))
    assert simulation.npv_total.probability_positive == D("1.0000")


def test_the_simulated_npv_centres_on_the_expected_one() -> None:
    # E[NPV] = 3 x 100 x £50 x E[success] - 3 x E[amount] = 15,000 x 0.5 - 3 x 1,000 = £4,500
    # (a symmetric triangular and a uniform have their mode and mean in the middle).
    simulation = simulate(UNCERTAIN, 200_000, seed=1)
    assert abs(simulation.npv_total.mean.pence - 450_000) < 1_000  # within £10: the standard error is about £3
    assert simulation.npv_total.p10 < simulation.npv_total.p50 < simulation.npv_total.p90


def test_a_normal_draw_is_clipped_to_the_range_its_number_allows() -> None:
    # Success rate normal(0.5, 10): nearly every draw falls outside 0..1 and is clipped to 0 or 1;
    # the amount normal(£1,000, £5,000) is clipped at £0.
    case = case_from(
        HAND,
        ('success_rate: "0.5"', "success_rate: {normal: [0.5, 10]}"),
        ("amount: 1000", "amount: {normal: [1000, 5000]}"),
    )
    model = NpvModel.of(case)
    amounts, rates = draw_inputs(case, model, 10_000, np.random.default_rng(3)).values
    assert rates.min() == 0 and rates.max() == 1 and (rates == 0).sum() > 4_000
    assert amounts.min() == 0 and (amounts == 0).sum() > 3_000


def test_pert_draws_have_the_pert_mean() -> None:
    # PERT [0, 0.2, 1]: alpha = 1 + 4 x 0.2 = 1.8, beta = 1 + 4 x 0.8 = 4.2; mean (0 + 4 x 0.2 + 1) / 6 = 0.3;
    # sd = sqrt(1.8 x 4.2 / (6^2 x 7)) = 0.173, so the mean of 200,000 draws is within 0.0004 x 5.
    draws = Distribution(Shape.PERT, (D(0), D("0.2"), D(1))).draw(np.random.default_rng(5), 200_000, 0.0, 1.0)
    assert abs(draws.mean() - 0.3) < 0.002
    assert draws.min() >= 0 and draws.max() <= 1


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**63), st.integers(1, 400))
def test_the_same_seed_gives_the_same_figures_and_percentiles_are_in_order(seed: int, draws: int) -> None:
    first, second = simulate(UNCERTAIN, draws, seed), simulate(UNCERTAIN, draws, seed)
    assert first == second
    assert first.total_pence.tolist() == second.total_pence.tolist()
    for summary in (first.npv_total, first.npv_fiscal):
        assert summary.p10 <= summary.p50 <= summary.p90


def test_a_different_seed_gives_different_draws() -> None:
    assert simulate(UNCERTAIN, 100, 1).total_pence.tolist() != simulate(UNCERTAIN, 100, 2).total_pence.tolist()


def test_a_portfolio_adds_up_its_cases_draw_by_draw() -> None:
    # The hand-worked case has no distributions (NPV £1,500 every draw) and draws nothing from the generator,
    # so the portfolio is the uncertain case's own draws plus £1,500, in either order.
    certain = case_from(HAND)
    alone = simulate(UNCERTAIN, 1_000, seed=9).total_pence
    for portfolio in ([UNCERTAIN, certain], [certain, UNCERTAIN]):
        together = simulate_portfolio(portfolio, 1_000, seed=9)
        assert together.total_pence.tolist() == (alone + 150_000).tolist()
    assert simulate_portfolio([certain, certain], 3).npv_total.mean == Money.parse("3000")


@pytest.mark.parametrize(
    ("draws", "seed", "message"),
    [
        (0, 1, "draws: Give from 1 to 1,000,000 draws, not 0"),
        (1_000_001, 1, "draws: Give from 1 to 1,000,000 draws, not 1,000,001"),
        (10, -1, "seed: Give the seed as a whole number, 0 or more, not -1"),
    ],
)
def test_a_simulation_of_no_draws_or_too_many_is_refused(draws: int, seed: int, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        simulate(UNCERTAIN, draws, seed)
    assert [str(problem) for problem in refused.value.problems] == [message]


# Tornado


def test_the_tornado_swings_each_input_from_its_p10_to_its_p90_widest_first() -> None:
    # 3 years, no discounting: NPV = 15,000 x success - 3 x amount.
    # Success triangular [0.3, 0.5, 0.7]: P10 = 0.3 + sqrt(0.1 x 0.4 x 0.2) = 0.3 + 0.08944 = 0.3894, and P90
    #   = 0.7 - sqrt(0.1 x 0.4 x 0.2) = 0.6106. NPV 15,000 x 0.3894 - 3,000 = £2,841 and 9,159 - 3,000 = £6,159.
    # Amount uniform [800, 1200]: P10 = 800 + 0.1 x 400 = £840, P90 = £1,160.
    #   NPV 7,500 - 2,520 = £4,980 and 7,500 - 3,480 = £4,020: a swing of £960, under success's £3,318.
    first, second = tornado(UNCERTAIN)
    assert (first.key_path, first.measure, first.low, first.high) == (
        "outcomes[0].success_rate",
        Measure.SHARE,
        D("0.3894"),
        D("0.6106"),
    )
    assert (first.npv_total_at_low, first.npv_total_at_high) == (Money.parse("2841"), Money.parse("6159"))
    assert first.swing == Money.parse("3318")
    assert (second.key_path, second.low, second.high) == ("costs[0].amount", D("840.00"), D("1160.00"))
    assert (second.npv_total_at_low, second.npv_total_at_high) == (Money.parse("4980"), Money.parse("4020"))
    assert (second.npv_fiscal_at_low, second.npv_fiscal_at_high) == (Money.parse("4980"), Money.parse("4020"))
    assert second.swing == Money.parse("960")


def test_pert_and_normal_quantiles_are_worked_from_their_distributions() -> None:
    # PERT [0, 0, 1] is beta(1, 5), whose distribution function is 1 - (1 - x)^5:
    #   P10 = 1 - 0.9^(1/5) = 0.0208516..., P90 = 1 - 0.1^(1/5) = 0.3690427...
    skewed = Distribution(Shape.PERT, (D(0), D(0), D(1)))
    assert skewed.quantile(0.1, 0.0, 1.0) == pytest.approx(1 - 0.9**0.2, abs=1e-6)
    assert skewed.quantile(0.9, 0.0, 1.0) == pytest.approx(1 - 0.1**0.2, abs=1e-6)
    # PERT [0, 0.5, 1] is beta(3, 3): symmetric, with F(x) = 10x^3 - 15x^4 + 6x^5.
    middle = Distribution(Shape.PERT, (D(0), D("0.5"), D(1)))
    assert middle.quantile(0.5, 0.0, 1.0) == pytest.approx(0.5, abs=1e-9)
    p10 = middle.quantile(0.1, 0.0, 1.0)
    assert 10 * p10**3 - 15 * p10**4 + 6 * p10**5 == pytest.approx(0.1, abs=1e-6)
    # Normal(100, 10): P10 = 100 - 1.2815516 x 10 = 87.184484.
    assert Distribution(Shape.NORMAL, (D(100), D(10))).quantile(0.1, 0.0, None) == pytest.approx(87.184484, abs=1e-6)


# Break-even


def test_break_even_success_rate_and_unit_value_worked_by_hand() -> None:
    # NPV = 100 x success x £50 - £1,000 = 0 at success = 1,000 / 5,000 = 0.2;
    #      100 x 0.5 x unit value - £1,000 = 0 at unit value = 1,000 / 50 = £20.
    assert break_even(case_from(HAND)) == (
        BreakEven(
            "outcomes[0].success_rate", "Success rate, Fewer repeat incidents", Measure.SHARE, D("0.5000"), D("0.2000")
        ),
        BreakEven(
            "outcomes[0].benefits[0].unit_value",
            "Value to Police of each outcome, Fewer repeat incidents",
            Measure.MONEY,
            D("50.00"),
            D("20.00"),
        ),
    )


def test_break_even_with_discounting() -> None:
    # Two years at 10%: costs £1,000 now and £1,100 next year, PV 1,000 + 1,100 / 1.1 = £2,000.
    # Benefits 100 x s x £50 = 5,000 s a year, PV 5,000 s (1 + 1 / 1.1) = 9,545.4545 s.
    # Zero at s = 2,000 / 9,545.4545 = 0.209524, shown 0.2095.
    case = case_from(
        HAND,
        ("years: 1", "years: 2"),
        ('discount_rate: "0"', 'discount_rate: "0.10"'),
        ("amount: 1000", "by_year: {2013/14: 1000, 2014/15: 1100}"),
    )
    assert break_even(case)[0] == BreakEven(
        "outcomes[0].success_rate", "Success rate, Fewer repeat incidents", Measure.SHARE, D("0.5000"), D("0.2095")
    )


def test_break_even_of_uncertain_inputs_comes_first_and_a_drop_off_is_found_by_bisection() -> None:
    # 2 years, no discounting, 10 people in the first year only, success 1, the effect lasts 2 years, £60 each:
    # benefits 10 x 60 x (1 + (1 - d)) = 600 (2 - d); costs £1,000 once. NPV = 0 at 2 - d = 5/3, d = 1/3.
    # The cost amount breaks even at 600 x (2 - 0.3) = £1,020 (the drop-off at its central 0.3).
    case = case_from(
        HAND,
        ("years: 1", "years: 2"),
        ("amount: 1000", "by_year: {2013/14: {triangular: [900, 1000, 1300]}}"),
        ("cohort: {size: 100}", "cohort: {by_year: {2013/14: 10}}"),
        ('success_rate: "0.5"', 'success_rate: "1"\n    duration_years: 2\n    drop_off: {uniform: [0.1, 0.5]}'),
        ("unit_value: 50", "unit_value: 60"),
    )
    assert [(row.key_path, row.central, row.value) for row in break_even(case)] == [
        ("costs[0].by_year.2013/14", D("1000.00"), D("1020.00")),
        ("outcomes[0].drop_off", D("0.3000"), D("0.3333")),
        ("outcomes[0].success_rate", D("1.0000"), D("0.9804")),  # 1,000 / (600 x 1.7) = 0.98039
        ("outcomes[0].benefits[0].unit_value", D("60.00"), D("58.82")),  # 1,000 / (10 x 1.7) = 58.8235
    ]


def test_no_break_even_when_the_npv_does_not_reach_zero_within_the_range() -> None:
    # £1,000 of costs against at most 100 x 1 x £5 = £500 of benefits: no success rate from 0 to 1 pays back,
    # but a unit value of 1,000 / (100 x 0.5) = £20 does (money has no upper limit).
    case = case_from(HAND, ("unit_value: 50", "unit_value: 5"))
    assert [(row.key_path, row.value) for row in break_even(case)] == [
        ("outcomes[0].success_rate", None),
        ("outcomes[0].benefits[0].unit_value", D("20.00")),
    ]


def test_a_cashable_share_may_be_uncertain_but_moves_neither_npv() -> None:
    case = case_from(HAND, ("kind: fiscal_cashable,", "kind: fiscal_cashable, cashable_share: {uniform: [0.2, 0.6]},"))
    (bar,) = tornado(case)
    assert (bar.key_path, bar.swing) == ("outcomes[0].benefits[0].cashable_share", Money(0))
    assert break_even(case)[0] == BreakEven(
        "outcomes[0].benefits[0].cashable_share",
        "Cashable share of the value to Police, Fewer repeat incidents",
        Measure.SHARE,
        D("0.4000"),
        None,
    )
    assert simulate(case, 10).npv_total.p10 == Money.parse("1500")


# Together, as JSON


def test_the_analysis_as_json() -> None:
    data = to_json(analyse(UNCERTAIN, 1_000))
    assert (data["draws"], data["seed"]) == (1_000, DEFAULT_SEED)
    assert set(data["npv_total"]) == set(data["npv_fiscal"]) == {"mean", "p10", "p50", "p90"}  # type: ignore[arg-type]
    assert data["probability_npv_positive"] == "1.0000"
    assert data["tornado"][0] == {  # type: ignore[index]
        "input": "outcomes[0].success_rate",
        "label": "Success rate, Fewer repeat incidents",
        "measure": "share",
        "low": "0.3894",
        "high": "0.6106",
        "npv_total": {"low": "2841.00", "high": "6159.00"},
        "npv_fiscal": {"low": "2841.00", "high": "6159.00"},
        "swing": "3318.00",
    }
    assert data["break_even"][1] == {  # type: ignore[index]
        "input": "outcomes[0].success_rate",
        "label": "Success rate, Fewer repeat incidents",
        "measure": "share",
        "central": "0.5000",
        "value": "0.2000",  # 3 x 100 x s x £50 = 3 x £1,000 at s = 0.2
    }


def test_a_case_built_in_code_needs_its_fields_at_the_central_values() -> None:
    # costs[0].amount is uniform [£800, £1,200]: its centre, 100,000p, must be every year's amount.
    moved = replace(UNCERTAIN, costs=(replace(UNCERTAIN.costs[0], amounts=(Money(90_000),) * 3),))
    with pytest.raises(InvalidInput) as refused:
        simulate(moved, 10)
    assert [str(problem) for problem in refused.value.problems] == [
        "costs[0].amount: The case must hold the distribution's central value, 100000, where it drives"
    ]


def test_uncertain_inputs_built_in_code_must_drive_numbers_of_the_case_once() -> None:
    amount, _ = UNCERTAIN.uncertain
    stray = replace(amount, key_path="discount_rate", slots=(("discounting", "rate"),))
    again = replace(amount, key_path="costs[0].by_year.2013/14", slots=(("costs", 0, "amounts", 0),))
    assert [str(problem) for problem in check_case(replace(UNCERTAIN, uncertain=(amount, stray, again)))] == [
        "discount_rate: A distribution drives one or more numbers of the case, all of one kind",
        "costs[0].by_year.2013/14: Another distribution already drives this number: give one",
    ]
