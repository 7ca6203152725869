"""Properties of the engine over generated cases: monotone where it must be, and pennies that add up.

What holds, by construction: costs, fiscal benefits and all benefits are each their exact present value
rounded half-up (within ½p); every split of them (by kind, payer, beneficiary, year) adds up to its total to
the penny, each part within 1½p of its exact value, except economic and social, split from all benefits less
fiscal (two roundings), within 2p; npv.total = pv_benefits_total - pv_costs and npv.fiscal = fiscal
benefits - pv_costs exactly, with no rounding of their own.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wholeplace.appraisal.discounting import Discounting
from wholeplace.appraisal.engine import (
    FISCAL,
    Benefit,
    BenefitKind,
    Case,
    Cohort,
    CostKind,
    CostLine,
    Outcome,
    appraise,
    flows,
)
from wholeplace.money import FinancialYear, Money

PARTNERS = ("Council", "Police", "NHS", "Probation")


def shares(top: int = 100) -> st.SearchStrategy[Decimal]:
    return st.integers(0, top).map(lambda n: Decimal(n) / 100)


@st.composite
def benefits(draw: st.DrawFn) -> Benefit:
    kind = draw(st.sampled_from(list(BenefitKind)))
    share = draw(st.none() | shares()) if kind is BenefitKind.FISCAL_CASHABLE else None
    health = kind is BenefitKind.SOCIAL and draw(st.booleans())
    return Benefit(draw(st.sampled_from(PARTNERS)), kind, Money(draw(st.integers(0, 10**7))), share, health)


@st.composite
def outcomes(draw: st.DrawFn) -> Outcome:
    return Outcome(
        "Outcome",
        draw(shares()),
        tuple(draw(st.lists(benefits(), min_size=1, max_size=3))),
        deadweight=draw(shares()),
        optimism_bias=draw(shares()),
        lag_years=draw(st.integers(0, 3)),
        duration_years=draw(st.integers(1, 4)),
        drop_off=draw(shares()),
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    years = draw(st.integers(1, 8))
    amounts = st.tuples(*[st.integers(0, 10**9).map(Money)] * years)
    costs = draw(
        st.lists(
            st.builds(
                CostLine,
                st.just("Cost"),
                st.sampled_from(PARTNERS),
                st.sampled_from(list(CostKind)),
                amounts,
                shares(200),
            ),
            max_size=3,
        )
    )
    sizes = draw(st.tuples(*[st.integers(0, 5000).map(Decimal)] * years))
    rate = draw(st.none() | shares(20))
    return Case(
        "Generated",
        FinancialYear(2013),
        years,
        tuple(costs),
        Cohort(sizes, draw(shares())),
        tuple(draw(st.lists(outcomes(), min_size=1, max_size=2))),
        Discounting(rate=rate),
    )


def with_outcome(case: Case, index: int, **changes: object) -> Case:
    changed = list(case.outcomes)
    changed[index] = replace(changed[index], **changes)  # type: ignore[arg-type]
    return replace(case, outcomes=tuple(changed))


@settings(max_examples=150, deadline=None)
@given(cases(), st.data())
def test_npv_never_falls_when_the_success_rate_rises(case: Case, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(case.outcomes) - 1))
    low, high = sorted(data.draw(st.tuples(shares(), shares())))
    before = appraise(with_outcome(case, index, success_rate=low))
    after = appraise(with_outcome(case, index, success_rate=high))
    assert after.npv_total >= before.npv_total
    assert after.npv_fiscal >= before.npv_fiscal


@settings(max_examples=150, deadline=None)
@given(cases(), st.data())
def test_npv_never_falls_when_a_unit_value_rises(case: Case, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(case.outcomes) - 1))
    chosen = case.outcomes[index]
    which = data.draw(st.integers(0, len(chosen.benefits) - 1))
    rise = data.draw(st.integers(0, 10**6))
    raised = list(chosen.benefits)
    raised[which] = replace(raised[which], unit_value=raised[which].unit_value + Money(rise))
    before = appraise(case)
    after = appraise(with_outcome(case, index, benefits=tuple(raised)))
    assert after.npv_total >= before.npv_total
    assert after.npv_fiscal >= before.npv_fiscal


@settings(max_examples=150, deadline=None)
@given(cases(), st.data())
def test_pv_of_costs_never_falls_when_optimism_bias_rises(case: Case, data: st.DataObject) -> None:
    if not case.costs:
        return
    index = data.draw(st.integers(0, len(case.costs) - 1))
    low, high = sorted(data.draw(st.tuples(shares(200), shares(200))))
    lines = list(case.costs)
    lines[index] = replace(lines[index], optimism_bias=low)
    before = appraise(replace(case, costs=tuple(lines)))
    lines[index] = replace(lines[index], optimism_bias=high)
    after = appraise(replace(case, costs=tuple(lines)))
    assert after.pv_costs >= before.pv_costs


@settings(max_examples=200, deadline=None)
@given(cases())
def test_the_pennies_add_up(case: Case) -> None:
    result = appraise(case)
    found = flows(case)
    fiscal = np.array([row.kind in FISCAL for row in found.benefit_rows], dtype=bool)
    # Totals: the exact value rounded, so within half a penny.
    assert abs(result.pv_costs.pence - found.discounted_costs.sum()) <= 0.5 + 1e-6
    assert abs(result.pv_benefits_total.pence - found.discounted_benefits.sum()) <= 0.5 + 1e-6
    assert abs(result.pv_fiscal_benefits.pence - found.discounted_benefits[fiscal].sum()) <= 0.5 + 1e-6
    # Splits add up exactly.
    assert Money.total(result.pv_benefits.values()) == result.pv_benefits_total
    assert Money.total(result.pv_costs_by_kind.values()) == result.pv_costs
    assert Money.total(result.pv_costs_by_payer.values()) == result.pv_costs
    assert Money.total(p.pv_costs for p in result.by_partner) == result.pv_costs
    assert Money.total(p.pv_benefits for p in result.by_partner) == result.pv_benefits_total
    assert Money.total(flow.pv_costs for flow in result.flows) == result.pv_costs
    assert Money.total(flow.pv_benefits for flow in result.flows) == result.pv_benefits_total
    assert result.flows[-1].cumulative_pv_fiscal_benefits == result.pv_fiscal_benefits
    # The NPVs are differences of shown amounts, with no rounding of their own.
    assert result.npv_total == result.pv_benefits_total - result.pv_costs
    assert result.npv_total == Money.total(p.net for p in result.by_partner)
    fiscal_parts = result.pv_benefits[BenefitKind.FISCAL_CASHABLE] + result.pv_benefits[BenefitKind.FISCAL_NONCASHABLE]
    assert result.npv_fiscal == fiscal_parts - result.pv_costs
    assert result.cashable + result.non_cashable == result.pv_benefits_total
    # Each part within 1½p of its exact value.
    for kind, amount in result.pv_costs_by_kind.items():
        exact = sum(found.discounted_costs[i].sum() for i, line in enumerate(case.costs) if line.kind is kind)
        assert abs(amount.pence - exact) < 1.5 + 1e-6
    for kind, amount in result.pv_benefits.items():
        exact = sum(found.discounted_benefits[i].sum() for i, row in enumerate(found.benefit_rows) if row.kind is kind)
        assert abs(amount.pence - exact) < (1.5 if kind in FISCAL else 2) + 1e-6
