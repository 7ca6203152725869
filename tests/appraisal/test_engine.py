"""The appraisal engine on small cases worked by hand: every figure's arithmetic is in the test."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wholeplace.appraisal.discounting import Discounting
from wholeplace.appraisal.engine import (
    Benefit,
    BenefitKind,
    Case,
    Cohort,
    CostKind,
    CostLine,
    Outcome,
    appraise,
    check_case,
    outcomes_by_year,
    to_json,
)
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import InvalidInput

D = Decimal
FIRST = FinancialYear(2013)
NO_DISCOUNT = Discounting(rate=D(0))
TEN_PERCENT = Discounting(rate=D("0.10"))


def pounds(*amounts: str) -> tuple[Money, ...]:
    return tuple(Money.parse(amount) for amount in amounts)


def cost(*amounts: str, payer: str = "Council", kind: CostKind = CostKind.REVENUE, bias: str = "0") -> CostLine:
    return CostLine("Hub staff", payer, kind, pounds(*amounts), D(bias))


def benefit(
    unit: str, kind: BenefitKind = BenefitKind.FISCAL_CASHABLE, beneficiary: str = "Police", **more: object
) -> Benefit:
    return Benefit(beneficiary, kind, Money.parse(unit), **more)  # type: ignore[arg-type]


def outcome(*benefits: Benefit, success: str = "1", **more: object) -> Outcome:
    return Outcome("Fewer repeat incidents", D(success), benefits, **more)  # type: ignore[arg-type]


def case(
    years: int,
    costs: tuple[CostLine, ...] = (),
    cohort: tuple[str, ...] = (),
    outcomes: tuple[Outcome, ...] = (),
    discounting: Discounting = NO_DISCOUNT,
    engagement: str = "1",
) -> Case:
    people = Cohort(tuple(D(size) for size in cohort), D(engagement)) if cohort else None
    return Case("Test case", FIRST, years, costs, people, outcomes, discounting)


# Costs


def test_optimism_bias_raises_each_cost_before_it_is_discounted() -> None:
    # £1,000 in year 0 and £2,000 in year 1, optimism bias 10%: £1,100 and £2,200.
    # At 10%: 1,100 + 2,200 / 1.1 = 1,100 + 2,000 = £3,100.00.
    result = appraise(case(2, costs=(cost("1000", "2000", bias="0.10"),), discounting=TEN_PERCENT))
    assert result.pv_costs == Money.parse("3100.00")
    assert [flow.costs for flow in result.flows] == list(pounds("1100", "2200"))
    assert [flow.pv_costs for flow in result.flows] == list(pounds("1100", "2000"))


def test_in_kind_costs_count_like_money_and_stay_with_the_partner_who_gives_them() -> None:
    costs = (cost("300", payer="Council"), cost("200", payer="Police", kind=CostKind.IN_KIND))
    result = appraise(case(1, costs=costs))
    assert result.pv_costs_by_kind == {
        CostKind.REVENUE: Money.parse("300"),
        CostKind.CAPITAL: Money(0),
        CostKind.IN_KIND: Money.parse("200"),
    }
    assert result.pv_costs_by_payer == {"Council": Money.parse("300"), "Police": Money.parse("200")}


# Outcomes


def test_outcomes_are_cohort_times_engagement_success_less_deadweight_and_optimism_bias() -> None:
    # 100 people x 0.5 engaged x 0.4 succeed x (1 - 0.25 deadweight) x (1 - 0.2 optimism bias)
    # = 100 x 0.5 x 0.4 x 0.75 x 0.8 = 12 outcomes, each worth £100 this year: £1,200.
    worked = outcome(benefit("100"), success="0.4", deadweight=D("0.25"), optimism_bias=D("0.2"))
    result = appraise(case(1, cohort=("100",), outcomes=(worked,), engagement="0.5"))
    assert result.pv_benefits[BenefitKind.FISCAL_CASHABLE] == Money.parse("1200.00")


def test_drop_off_loses_its_share_of_the_effect_in_each_later_year() -> None:
    # 100 outcomes in year 0, lasting 3 years, half the effect lost each later year:
    # 100, 50, 25 outcome-years at £100 = £10,000, £5,000, £2,500; nothing in years 3 and 4.
    dropping = outcome(benefit("100"), duration_years=3, drop_off=D("0.5"))
    result = appraise(case(5, cohort=("100", "0", "0", "0", "0"), outcomes=(dropping,)))
    assert [flow.benefits[BenefitKind.FISCAL_CASHABLE] for flow in result.flows] == list(
        pounds("10000", "5000", "2500", "0", "0")
    )
    assert result.pv_benefits_total == Money.parse("17500.00")


def test_a_lagged_effect_starts_late_and_nothing_beyond_the_period_counts() -> None:
    # 3 years, 10 people a year, the effect starts a year after they join and lasts 2 years, £10 each:
    #   cohort of year 0 counts in years 1 and 2; year 1's in year 2 (and 3, outside); year 2's only outside.
    #   year 0: 0; year 1: 10 x £10 = £100; year 2: 20 x £10 = £200. Total £300, not the £600 of 60 outcome-years.
    lagged = outcome(benefit("10"), lag_years=1, duration_years=2)
    assert outcomes_by_year(Cohort((D(10), D(10), D(10))), lagged, 3).tolist() == [0, 10, 20]
    result = appraise(case(3, cohort=("10", "10", "10"), outcomes=(lagged,)))
    assert result.pv_benefits_total == Money.parse("300.00")


def test_a_partly_cashable_benefit_splits_into_cashable_and_non_cashable() -> None:
    # 10 outcomes x £100 = £1,000 of fiscal benefit, 30% of it cash: £300 cashable, £700 not.
    prison_places = outcome(benefit("100", cashable_share=D("0.3")))
    result = appraise(case(1, cohort=("10",), outcomes=(prison_places,)))
    assert result.pv_benefits[BenefitKind.FISCAL_CASHABLE] == Money.parse("300.00")
    assert result.pv_benefits[BenefitKind.FISCAL_NONCASHABLE] == Money.parse("700.00")
    assert (result.cashable, result.non_cashable) == (Money.parse("300"), Money.parse("700"))


def test_health_values_are_discounted_at_1_5_percent_and_others_at_3_5_percent() -> None:
    # £1,000 of social benefit in year 1, under the Green Book schedules:
    #   health: 1,000 / 1.015 = 985.2216..., £985.22; not health: 1,000 / 1.035 = 966.1835..., £966.18.
    def social_pv(health: bool) -> Money:
        effect = outcome(benefit("1000", BenefitKind.SOCIAL, "Victims", health=health), lag_years=1)
        return appraise(case(2, cohort=("1", "0"), outcomes=(effect,), discounting=Discounting())).pv_benefits_total

    assert social_pv(health=True) == Money.parse("985.22")
    assert social_pv(health=False) == Money.parse("966.18")


# Ratios, net present value, payback


def paying_back(years: int, kind: BenefitKind = BenefitKind.FISCAL_CASHABLE) -> Case:
    """£1,000 of costs now; one outcome a year later worth £550 a year for 3 years; discounted at 10%."""
    effect = outcome(benefit("550", kind), lag_years=1, duration_years=3)
    cohort = ("1",) + ("0",) * (years - 1)
    return case(
        years, costs=(cost("1000", *["0"] * (years - 1)),), cohort=cohort, outcomes=(effect,), discounting=TEN_PERCENT
    )


def test_payback_is_the_first_year_cumulative_discounted_fiscal_benefits_reach_the_costs() -> None:
    # Year 0: costs 1,000; benefits 0.
    # Year 1: 550 / 1.1 = 500.00 (cumulative 500.00 < 1,000)
    # Year 2: 550 / 1.21 = 454.55 (cumulative 954.55 < 1,000)
    # Year 3: 550 / 1.331 = 413.22 (cumulative 1,367.77 >= 1,000): payback in 2016/17.
    result = appraise(paying_back(4))
    assert [flow.cumulative_pv_fiscal_benefits for flow in result.flows] == list(
        pounds("0", "500.00", "954.55", "1367.77")
    )
    assert result.payback_year == FinancialYear.parse("2016/17")
    assert result.npv_fiscal == Money.parse("367.77")


def test_no_payback_when_the_period_ends_first() -> None:
    assert appraise(paying_back(3)).payback_year is None


def test_economic_benefits_do_not_pay_back_costs_but_count_in_the_bcr() -> None:
    result = appraise(paying_back(4, BenefitKind.ECONOMIC))
    assert result.payback_year is None
    assert result.npv_fiscal == Money.parse("-1000.00")
    assert result.npv_total == Money.parse("367.77")
    # 1,367.77 / 1,000.00 = 1.36777, to 4 places 1.3678.
    assert result.bcr == D("1.3678")
    assert result.financial_roi == D("0.0000")


def test_financial_roi_is_fiscal_benefits_over_costs_read_against_1_not_net_over_costs() -> None:
    # Costs £1,000, fiscal benefits £1,500: the return is 1.5 (each £1 brings back £1.50), not 0.5.
    result = appraise(case(1, costs=(cost("1000"),), cohort=("15",), outcomes=(outcome(benefit("100")),)))
    assert result.financial_roi == D("1.5000")
    assert result.public_value_roi == result.bcr == D("1.5000")


def test_a_case_without_costs_has_no_ratios_and_no_payback() -> None:
    result = appraise(case(1, cohort=("1",), outcomes=(outcome(benefit("100")),)))
    assert (result.bcr, result.financial_roi, result.payback_year) == (None, None, None)
    assert to_json(result)["bcr"] is None


def test_ratios_are_rounded_half_up_to_4_places_from_the_shown_amounts() -> None:
    # Benefits £2.00 over costs £3.00 = 0.666666..., 0.6667; £1.00 over £8.00 = 0.125 exactly, 0.1250.
    two_thirds = appraise(case(1, costs=(cost("3"),), cohort=("2",), outcomes=(outcome(benefit("1")),)))
    assert two_thirds.bcr == D("0.6667")
    eighth = appraise(case(1, costs=(cost("8"),), cohort=("1",), outcomes=(outcome(benefit("1")),)))
    assert eighth.bcr == D("0.1250")


def test_money_is_rounded_half_up_once_at_the_end() -> None:
    # 1p with 50% optimism bias is 1.5p: half-up gives 2p. 1p with 25% is 1.25p: 1p.
    assert appraise(case(1, costs=(cost("0.01", bias="0.5"),))).pv_costs == Money(2)
    assert appraise(case(1, costs=(cost("0.01", bias="0.25"),))).pv_costs == Money(1)
    # 1p a year for 3 years with 40% optimism bias, undiscounted: 1.4p x 3 = 4.2p, so 4p.
    # Rounding each year first would have lost a penny: 1p + 1p + 1p = 3p.
    assert appraise(case(3, costs=(cost("0.01", "0.01", "0.01", bias="0.4"),))).pv_costs == Money(4)


# Who pays, who gains


def test_each_partner_pays_its_costs_and_gains_its_benefits_and_the_nets_add_up_to_the_npv() -> None:
    # Council pays £1,000; Police pays £500 in kind. 10 outcomes: Police gains £80 each (£800), NHS £50 each (£500),
    # Victims £100 each (£1,000) of social value. NPV = 2,300 - 1,500 = £800.
    costs = (cost("1000", payer="Council"), cost("500", payer="Police", kind=CostKind.IN_KIND))
    effect = outcome(
        benefit("80", beneficiary="Police"),
        benefit("50", BenefitKind.FISCAL_NONCASHABLE, "NHS"),
        benefit("100", BenefitKind.SOCIAL, "Victims"),
    )
    result = appraise(case(1, costs=costs, cohort=("10",), outcomes=(effect,)))
    positions = {p.partner: (p.pv_costs, p.pv_benefits, p.net) for p in result.by_partner}
    assert positions == {
        "Council": (Money.parse("1000"), Money(0), Money.parse("-1000")),
        "Police": (Money.parse("500"), Money.parse("800"), Money.parse("300")),
        "NHS": (Money(0), Money.parse("500"), Money.parse("500")),
        "Victims": (Money(0), Money.parse("1000"), Money.parse("1000")),
    }
    assert result.npv_total == Money.total(p.net for p in result.by_partner) == Money.parse("800")
    assert result.npv_fiscal == Money.parse("-200")  # 800 + 500 - 1,500


def test_each_partners_fiscal_benefits_are_its_cashable_and_non_cashable_ones_only() -> None:
    # 10 outcomes. Police: £80 each fiscal, a quarter cashable (£200 cashable + £600 non-cashable = £800), and £20
    # each economic (£200): £1,000 in all. NHS: £50 each non-cashable (£500). Victims: £100 each social (£1,000).
    effect = outcome(
        benefit("80", beneficiary="Police", cashable_share=D("0.25")),
        benefit("20", BenefitKind.ECONOMIC, "Police"),
        benefit("50", BenefitKind.FISCAL_NONCASHABLE, "NHS"),
        benefit("100", BenefitKind.SOCIAL, "Victims"),
    )
    result = appraise(case(1, costs=(cost("1000", payer="Council"),), cohort=("10",), outcomes=(effect,)))
    positions = {p.partner: (p.pv_benefits, p.pv_fiscal_benefits) for p in result.by_partner}
    assert positions == {
        "Council": (Money(0), Money(0)),
        "Police": (Money.parse("1000"), Money.parse("800")),
        "NHS": (Money.parse("500"), Money.parse("500")),
        "Victims": (Money.parse("1000"), Money(0)),
    }
    # 800 + 500 = £1,300, the case's fiscal benefits.
    assert result.pv_fiscal_benefits == Money.parse("1300")
    partners = to_json(result)["by_partner"]
    assert isinstance(partners, list)
    assert partners[1] == {
        "partner": "Police", "pv_costs": "0.00", "pv_benefits": "1000.00", "net": "1000.00",
        "pv_fiscal_benefits": "800.00",
    }  # fmt: skip


def test_partners_fiscal_benefits_are_split_from_the_rounded_fiscal_total_so_they_add_up() -> None:
    # 1 person, success 0.5: half an outcome, worth 0.5p to each of three partners. Fiscal benefits 1.5p, rounded
    # half-up to 2p. Rounding each partner alone would give 1p + 1p + 1p = 3p; split by their equal exact values
    # (largest remainder, ties to the earlier) it is 1p, 1p and 0p.
    effect = outcome(*(benefit("0.01", beneficiary=name) for name in ("Council", "Police", "NHS")), success="0.5")
    result = appraise(case(1, cohort=("1",), outcomes=(effect,)))
    assert result.pv_fiscal_benefits == Money(2)
    assert [p.pv_fiscal_benefits for p in result.by_partner] == [Money(1), Money(1), Money(0)]


def test_partners_listed_by_the_case_come_first_and_in_order_even_with_nothing() -> None:
    listed = Case("Listed", FIRST, 1, (cost("10", payer="Police"),), partners=("Council", "Police"))
    assert [p.partner for p in appraise(listed).by_partner] == ["Council", "Police"]


def test_a_case_built_in_code_is_checked_like_a_file() -> None:
    wrong = Case(
        "Wrong",
        FIRST,
        2,
        (cost("10"),),  # one amount for two years
        Cohort((D(1), D(1)), D("1.5")),
        (outcome(benefit("1", beneficiary="DWP"), success="2"),),
        partners=("Council",),
    )
    assert [(p.where, p.message) for p in check_case(wrong)] == [
        ("costs[0]", "Give one amount for each of the 2 years"),
        ("cohort.engagement", "Engagement must be between 0 and 1"),
        ("outcomes[0].success_rate", "Success rate must be between 0 and 1"),
        ("outcomes[0].benefits[0].beneficiary", "'DWP' is not a partner in this case"),
    ]
    with pytest.raises(InvalidInput):
        appraise(wrong)
