"""Benefits realisation for the seed 002 demo case (domestic abuse, Cheshire West and Chester): the forecast is
the appraisal's own year-by-year flows, to the penny, as `wholeplace appraise --format json` prints them; the
realised benefits are the outcomes measured valued at the case's unit values, rounded once per partner and kind;
spend is split between payers in the forecast's shares, so every split adds up."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import wholeplace
from wholeplace.appraisal.case import BenefitKind, Case
from wholeplace.appraisal.engine import appraise
from wholeplace.appraisal.results import Appraisal
from wholeplace.appraisal.service import read_source
from wholeplace.cli import app
from wholeplace.money import FinancialYear, Money
from wholeplace.outcomes.benefits import Realisation, Side, realise, valued

DEMO_CASE = Path(wholeplace.__file__).parent / "demo" / "cases" / "domestic-abuse-hub.yaml"
COUNCIL = "Cheshire West and Chester Council"
POLICE = "Cheshire Constabulary"
PROBATION = "Cheshire Probation Trust"
NHS = "NHS West Cheshire Clinical Commissioning Group"
VICTIMS = "Victims and their families"
PARTNERS = [COUNCIL, POLICE, PROBATION, NHS, VICTIMS]
FIRST, SECOND = FinancialYear(2013), FinancialYear(2014)

# Outcomes measured in 2013/14, the first year of the pilot.
ACHIEVED = {
    "Fewer repeat victims": {FIRST: Decimal(120)},
    "Less re-offending by the abuser": {FIRST: Decimal(45)},
    "Fewer children taken into care": {FIRST: Decimal(3)},
}
# Spend the ledger holds for the project in 2013/14: £2,000,000.01.
SPEND = {FIRST: Money.parse("£2,000,000.01")}


@pytest.fixture(scope="module")
def demo() -> tuple[Case, Appraisal]:
    case = read_source(DEMO_CASE.read_text(encoding="utf-8"))
    return case, appraise(case)


@pytest.fixture(scope="module")
def realisation(demo: tuple[Case, Appraisal]) -> Realisation:
    case, appraisal = demo
    return realise(case, appraisal, achieved=ACHIEVED, spend=SPEND, current_year=SECOND)


def test_each_years_forecast_is_the_appraisals_flow_to_the_penny(
    demo: tuple[Case, Appraisal], realisation: Realisation
) -> None:
    _, appraisal = demo
    assert [row.year for row in realisation.years] == [FinancialYear(2013 + n) for n in range(5)]
    for row, flow in zip(realisation.years, appraisal.flows, strict=True):
        cashable = flow.benefits[BenefitKind.FISCAL_CASHABLE]
        others = Money.total(
            amount for kind, amount in flow.benefits.items() if kind is not BenefitKind.FISCAL_CASHABLE
        )
        assert row.forecast == Side(flow.costs, cashable, others)
    # §8: £2 million a year to run, plus 10% optimism bias for confidence grade 3 = £2,200,000 in every year.
    assert {row.forecast.costs for row in realisation.years} == {Money.parse("£2,200,000.00")}


def test_each_years_forecast_is_what_wholeplace_appraise_prints(realisation: Realisation) -> None:
    result = CliRunner().invoke(app, ["appraise", str(DEMO_CASE), "--format", "json"])
    assert result.exit_code == 0, result.output
    flows = json.loads(result.stdout)["flows"]
    assert [flow["year"] for flow in flows] == [str(row.year) for row in realisation.years]
    for row, flow in zip(realisation.years, flows, strict=True):
        benefits = {kind: Decimal(amount) for kind, amount in flow["benefits"].items()}
        assert set(benefits) == {kind.value for kind in BenefitKind}
        assert row.forecast.costs.pounds == Decimal(flow["costs"])
        assert row.forecast.cashable.pounds == benefits["fiscal_cashable"]
        assert row.forecast.non_cashable.pounds == (
            benefits["fiscal_noncashable"] + benefits["economic"] + benefits["social"]
        )


def test_the_partners_forecasts_add_up_to_the_years_exactly(realisation: Realisation) -> None:
    for row in realisation.years:
        parts = [partner for partner in realisation.partners if partner.year == row.year]
        assert [partner.partner for partner in parts] == PARTNERS
        assert sum((partner.forecast for partner in parts), Side(Money(0), Money(0), Money(0))) == row.forecast


def test_the_first_years_costs_are_forecast_by_payer_as_the_case_gives_them(realisation: Realisation) -> None:
    # 2013/14 before the 10% optimism bias: council £600,000 + £400,000 capital, police £500,000, probation
    # £200,000, NHS £300,000; after it, £1,100,000 / £550,000 / £220,000 / £330,000 / nothing for victims.
    first = {row.partner: row.forecast.costs for row in realisation.partners if row.year == FIRST}
    assert first == {
        COUNCIL: Money.parse("£1,100,000"),
        POLICE: Money.parse("£550,000"),
        PROBATION: Money.parse("£220,000"),
        NHS: Money.parse("£330,000"),
        VICTIMS: Money(0),
    }


def test_realised_benefits_are_the_outcomes_measured_at_the_cases_unit_values(realisation: Realisation) -> None:
    # 2013/14, by hand, at the case's unit values and cashable shares:
    #   Fewer repeat victims, 120:
    #     police   120 x £4,000 = £480,000: cashable x 0.25 = £120,000, non-cashable £360,000
    #     NHS      120 x £900   = £108,000: cashable x 0.3  = £32,400,  non-cashable £75,600
    #     victims  120 x £3,000 = £360,000 social (non-cashable)
    #   Less re-offending by the abuser, 45:
    #     probation 45 x £2,000 = £90,000 fiscal non-cashable
    #     police    45 x £2,500 = £112,500: cashable x 0.25 = £28,125, non-cashable £84,375
    #   Fewer children taken into care, 3:
    #     council   3 x £50,000 = £150,000 cashable (no cashable share given: all of it)
    #     victims   3 x £2,000  = £6,000 economic (non-cashable)
    #   Fewer children with a child protection plan: not measured, so nothing.
    # By partner: police £120,000 + £28,125 = £148,125 cashable, £360,000 + £84,375 = £444,375 non-cashable;
    # victims £360,000 + £6,000 = £366,000. In all £330,525 cashable, £975,975 non-cashable.
    first = {row.partner: row.realised for row in realisation.partners if row.year == FIRST}
    benefits = {partner: (side.cashable, side.non_cashable) for partner, side in first.items() if side}
    assert benefits == {
        COUNCIL: (Money.parse("£150,000"), Money(0)),
        POLICE: (Money.parse("£148,125"), Money.parse("£444,375")),
        PROBATION: (Money(0), Money.parse("£90,000")),
        NHS: (Money.parse("£32,400"), Money.parse("£75,600")),
        VICTIMS: (Money(0), Money.parse("£366,000")),
    }
    [year] = [row for row in realisation.years if row.year == FIRST]
    assert year.realised == Side(SPEND[FIRST], Money.parse("£330,525"), Money.parse("£975,975"))
    assert realisation.measured_outcomes == (
        "Fewer repeat victims",
        "Less re-offending by the abuser",
        "Fewer children taken into care",
    )
    assert realisation.unmeasured_outcomes == ("Fewer children with a child protection plan",)


def test_a_year_begun_with_nothing_measured_or_spent_has_realised_nothing(realisation: Realisation) -> None:
    [year] = [row for row in realisation.years if row.year == SECOND]
    assert year.realised == Side(Money(0), Money(0), Money(0))
    assert year.gap == Side(Money(0), Money(0), Money(0)) - year.forecast


def test_years_after_the_current_one_have_no_realised_figures(realisation: Realisation) -> None:
    later = [row for row in realisation.years if row.year > SECOND]
    assert [str(row.year) for row in later] == ["2015/16", "2016/17", "2017/18"]
    assert all(row.realised is None and row.gap is None for row in later)
    assert all(row.realised is None for row in realisation.partners if row.year > SECOND)
    assert all(row.realised is not None for row in realisation.partners if row.year <= SECOND)


def test_outcomes_measured_in_a_year_not_yet_begun_are_not_counted(demo: tuple[Case, Appraisal]) -> None:
    case, appraisal = demo
    achieved = {"Fewer repeat victims": {FinancialYear(2016): Decimal(500)}}
    realised = realise(case, appraisal, achieved=achieved, spend={}, current_year=SECOND)
    assert all(row.realised is None for row in realised.years if row.year == FinancialYear(2016))


def test_spend_is_split_between_payers_in_the_years_forecast_shares_and_adds_up(realisation: Realisation) -> None:
    # The 2013/14 forecast costs stand 1,100,000 : 550,000 : 220,000 : 330,000 : 0 = 10 : 5 : 2 : 3 : 0.
    # 200,000,001p split so: 100,000,000.5p, 50,000,000.25p, 20,000,000.1p, 30,000,000.15p, 0p; the one penny
    # left after the whole pence goes to the largest remainder, the council's.
    first = {row.partner: row.realised.costs for row in realisation.partners if row.year == FIRST and row.realised}
    assert first == {
        COUNCIL: Money.parse("£1,000,000.01"),
        POLICE: Money.parse("£500,000.00"),
        PROBATION: Money.parse("£200,000.00"),
        NHS: Money.parse("£300,000.00"),
        VICTIMS: Money(0),
    }
    assert Money.total(first.values()) == SPEND[FIRST]


@pytest.mark.parametrize("spend", ["£0.01", "£1,999,999.99", "£2,345,678.91", "£7.77"])
def test_any_years_spend_split_between_payers_adds_up_to_it(demo: tuple[Case, Appraisal], spend: str) -> None:
    case, appraisal = demo
    spent = {FIRST: Money.parse(spend), SECOND: Money.parse(spend) * 3}
    realised = realise(case, appraisal, achieved={}, spend=spent, current_year=SECOND)
    for year, amount in spent.items():
        parts = [row.realised.costs for row in realised.partners if row.year == year and row.realised]
        assert len(parts) == len(PARTNERS) and Money.total(parts) == amount
        [row] = [row for row in realised.years if row.year == year]
        assert row.realised is not None and row.realised.costs == amount


@settings(max_examples=100, deadline=None)
@given(pence=st.lists(st.integers(-(10**9), 10**11), min_size=5, max_size=5))
def test_spend_in_every_year_split_between_payers_adds_up_to_it(demo: tuple[Case, Appraisal], pence: list[int]) -> None:
    case, appraisal = demo
    spent = {FinancialYear(2013 + n): Money(amount) for n, amount in enumerate(pence)}
    realised = realise(case, appraisal, achieved={}, spend=spent, current_year=FinancialYear(2017))
    for year, amount in spent.items():
        parts = [row.realised.costs for row in realised.partners if row.year == year and row.realised]
        assert len(parts) == len(PARTNERS) and Money.total(parts) == amount


def test_to_date_sums_forecast_and_realised_over_the_years_begun(realisation: Realisation) -> None:
    forecast, realised = realisation.to_date()
    begun = [row for row in realisation.years if row.year <= SECOND]
    assert forecast == sum((row.forecast for row in begun), Side(Money(0), Money(0), Money(0)))
    # Only 2013/14 has anything realised: £2,000,000.01 spent, £330,525 cashable, £975,975 non-cashable.
    assert realised == Side(SPEND[FIRST], Money.parse("£330,525"), Money.parse("£975,975"))


# A case small enough to see the rounding: two outcomes, each worth £10.01 to the police, half of it cash.
HALF_PENNIES = """\
name: Two half pennies
first_year: 2013/14
years: 2
partners: [Essex County Council, Essex Police]
costs:
  - name: Hub staff
    payer: Essex County Council
    kind: revenue
    amount: 1000
cohort:
  size: 10
outcomes:
  - name: Fewer repeat incidents
    success_rate: "0.5"
    benefits:
      - beneficiary: Essex Police
        kind: fiscal_cashable
        unit_value: "10.01"
        cashable_share: "0.5"
  - name: Fewer arrests
    success_rate: "0.5"
    benefits:
      - beneficiary: Essex Police
        kind: fiscal_cashable
        unit_value: "10.01"
        cashable_share: "0.5"
"""


def test_realised_benefits_are_rounded_half_up_once_per_partner_and_kind_not_per_outcome() -> None:
    case = read_source(HALF_PENNIES)
    achieved = {"Fewer repeat incidents": {FIRST: Decimal(1)}, "Fewer arrests": {FIRST: Decimal(1)}}
    # Each outcome: 1 x 1,001p x 0.5 = 500.5p cashable and 500.5p non-cashable, exactly.
    assert valued(case, {"Fewer repeat incidents": achieved["Fewer repeat incidents"]}, FIRST) == {
        ("Essex Police", BenefitKind.FISCAL_CASHABLE): Decimal("500.5"),
        ("Essex Police", BenefitKind.FISCAL_NONCASHABLE): Decimal("500.5"),
    }
    # Both: 500.5p + 500.5p = 1,001p of each kind, rounded once: £10.01 (rounding each first would give £10.02).
    both = realise(case, appraise(case), achieved=achieved, spend={}, current_year=FIRST)
    police = [row.realised for row in both.partners if row.partner == "Essex Police" and row.year == FIRST]
    assert police == [Side(Money(0), Money.parse("£10.01"), Money.parse("£10.01"))]
    # One alone: 500.5p rounds half up to 501p (half to even would give 500p).
    one = realise(
        case, appraise(case), achieved={"Fewer arrests": achieved["Fewer arrests"]}, spend={}, current_year=FIRST
    )
    [year] = [row for row in one.years if row.year == FIRST]
    assert year.realised == Side(Money(0), Money(501), Money(501))
