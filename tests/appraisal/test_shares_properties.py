"""Properties of who pays, who gains and fair shares, over generated partners, costs and benefits.

What holds, by construction (docs/appraisal-shares.md), on either basis: both proposals' contributions add up
to the cost to the penny; when the benefits counted (all, or fiscal) cover the cost no partner is left with a
negative net, and none contributes below zero; counting fiscal benefits only, a partner with none contributes
nothing unless the fiscal benefits fall short and it pays now; the Shapley values are efficient, symmetric,
give nothing to a partner with no benefits, lie in the core (the game is convex: Shapley 1971) and match the
definition as an average over orderings; the matrix's rows add up to what each payer's money buys and its
columns to what each partner gains.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations, permutations
from math import factorial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.appraisal.test_shares import appraisal_of
from wholeplace.appraisal.engine import Appraisal, PartnerPosition
from wholeplace.appraisal.shares import Basis, fair_shares, shapley_values, who_pays_who_gains
from wholeplace.money import Money, apportion

pence = st.one_of(st.integers(0, 300), st.integers(0, 10**9)).map(Money)  # small ones make ties and exact cells
gains = st.one_of(st.just(Money(0)), pence)  # often nothing: a partner with no fiscal, or no social, benefit
bases = pytest.mark.parametrize("basis", list(Basis))


@st.composite
def appraisals(draw: st.DrawFn, most: int = 8) -> Appraisal:
    """A one-year case at 0% with 1 to `most` partners, each paying, and gaining fiscal and social benefits."""
    partners = [(f"Partner {n}", draw(pence), draw(gains)) for n in range(draw(st.integers(1, most)))]
    return appraisal_of(*partners, social={name: draw(gains) for name, _, _ in partners})


def counted(position: PartnerPosition, basis: Basis) -> Money:
    return position.pv_fiscal_benefits if basis is Basis.FISCAL else position.pv_benefits


def npv(appraisal: Appraisal, basis: Basis) -> Money:
    return appraisal.npv_fiscal if basis is Basis.FISCAL else appraisal.npv_total


def worth(benefits: list[int], cost: int, coalition: tuple[int, ...]) -> int:
    """v(S) = max(0, B(S) - C), the game of issue 4."""
    return max(0, sum(benefits[i] for i in coalition) - cost)


benefit_vectors = st.lists(st.integers(0, 10**9), min_size=1, max_size=6)


# Fair shares


@bases
@settings(max_examples=200, deadline=None)
@given(appraisal=appraisals())
def test_contributions_add_up_to_the_cost_exactly_under_both_rules(appraisal: Appraisal, basis: Basis) -> None:
    shares = fair_shares(appraisal, basis=basis)
    assert shares.shapley is not None and shares.basis is basis
    assert shares.benefits == Money.total(counted(p, basis) for p in appraisal.by_partner)
    for proposal in (shares.proportional, shares.shapley):
        assert Money.total(share.contribution for share in proposal.shares) == appraisal.pv_costs
        assert Money.total(share.transfer for share in proposal.shares) == Money(0)
        assert [share.benefits for share in proposal.shares] == [counted(p, basis) for p in appraisal.by_partner]
        assert [share.current for share in proposal.shares] == [p.pv_costs for p in appraisal.by_partner]


@bases
@settings(max_examples=200, deadline=None)
@given(appraisal=appraisals())
def test_no_partner_is_out_of_pocket_when_the_benefits_counted_cover_the_cost(
    appraisal: Appraisal, basis: Basis
) -> None:
    # Counting fiscal benefits only, no agency is left with a negative net fiscal position when the fiscal NPV
    # is positive.
    shares = fair_shares(appraisal, basis=basis)
    assert shares.shapley is not None
    for proposal in (shares.proportional, shares.shapley):
        assert all(share.contribution.pence >= 0 for share in proposal.shares)
        if npv(appraisal, basis).pence >= 0:
            assert proposal.leaves_everyone_whole
            assert shares.shortfall == Money(0)
        else:
            assert not proposal.leaves_everyone_whole
            assert shares.shortfall == -npv(appraisal, basis)


@settings(max_examples=200, deadline=None)
@given(appraisals())
def test_counting_fiscal_benefits_only_a_partner_with_none_contributes_nothing(appraisal: Appraisal) -> None:
    # Unless the fiscal benefits fall short of the cost and the partner pays now: then, under Shapley, it keeps
    # its part of the shortfall (docs/appraisal-shares.md).
    shares = fair_shares(appraisal, basis=Basis.FISCAL)
    assert shares.shapley is not None
    for proposal in (shares.proportional, shares.shapley):
        for share in proposal.shares:
            if share.benefits.pence == 0 and (appraisal.npv_fiscal.pence >= 0 or share.current.pence == 0):
                assert share.contribution == Money(0)


@bases
@settings(max_examples=200, deadline=None)
@given(appraisal=appraisals())
def test_under_shapley_each_partner_keeps_its_value_of_the_surplus_and_none_without_benefits_pays(
    appraisal: Appraisal, basis: Basis
) -> None:
    shapley = fair_shares(appraisal, basis=basis).shapley
    assert shapley is not None
    if npv(appraisal, basis).pence <= 0:
        return
    benefits = [counted(p, basis).pence for p in appraisal.by_partner]
    values = shapley_values(benefits, appraisal.pv_costs.pence)
    for share, value in zip(shapley.shares, values, strict=True):
        assert abs(share.net.pence - value) < 1  # apportioned: the exact value rounded down or up
        if share.benefits.pence == 0:
            assert share.contribution == Money(0)


# The Shapley values themselves


@settings(max_examples=300, deadline=None)
@given(benefit_vectors, st.integers(0, 6 * 10**9))
def test_shapley_values_are_efficient_and_give_nothing_to_a_partner_with_no_benefits(
    benefits: list[int], cost: int
) -> None:
    values = shapley_values(benefits, cost)
    assert sum(values) == worth(benefits, cost, tuple(range(len(benefits))))
    assert all(value == 0 for value, benefit in zip(values, benefits, strict=True) if benefit == 0)
    assert all(0 <= value <= benefit for value, benefit in zip(values, benefits, strict=True))


@settings(max_examples=300, deadline=None)
@given(benefit_vectors, st.integers(0, 10**9), st.integers(0, 6 * 10**9))
def test_partners_with_equal_benefits_get_equal_shares_within_a_penny(
    benefits: list[int], twin: int, cost: int
) -> None:
    benefits = [*benefits, twin, twin]
    values = shapley_values(benefits, cost)
    assert values[-1] == values[-2]  # exactly, before rounding
    appraisal = appraisal_of(*[(f"Partner {n}", Money(cost), Money(b)) for n, b in enumerate(benefits)])
    shapley = fair_shares(appraisal).shapley
    assert shapley is not None
    assert abs(shapley.shares[-1].net.pence - shapley.shares[-2].net.pence) <= 1


@settings(max_examples=200, deadline=None)
@given(benefit_vectors, st.integers(0, 6 * 10**9))
def test_shapley_values_are_the_average_marginal_contribution_over_every_order(benefits: list[int], cost: int) -> None:
    # Shapley (1953): phi_i is i's marginal contribution averaged over the n! orders in which partners join.
    n = len(benefits)
    totals = [Fraction(0)] * n
    for order in permutations(range(n)):
        for place, partner in enumerate(order):
            before = order[:place]
            totals[partner] += worth(benefits, cost, (*before, partner)) - worth(benefits, cost, before)
    assert shapley_values(benefits, cost) == [total / factorial(n) for total in totals]


@settings(max_examples=200, deadline=None)
@given(benefit_vectors, st.integers(0, 6 * 10**9))
def test_no_group_of_partners_would_do_better_on_its_own(benefits: list[int], cost: int) -> None:
    # v(S) = max(0, B(S) - C) is convex, so its Shapley value lies in the core (Shapley 1971): every
    # coalition keeps at least what it could get by paying the whole cost itself.
    values = shapley_values(benefits, cost)
    for size in range(1, len(benefits) + 1):
        for coalition in combinations(range(len(benefits)), size):
            assert sum(values[i] for i in coalition) >= worth(benefits, cost, coalition)


# Who pays, who gains


@settings(max_examples=200, deadline=None)
@given(appraisals(most=10))
def test_the_matrix_adds_up_to_what_each_payer_buys_and_each_partner_gains(appraisal: Appraisal) -> None:
    matrix = who_pays_who_gains(appraisal)
    pays = [p.pv_costs.pence for p in appraisal.by_partner]
    gains = [p.pv_benefits.pence for p in appraisal.by_partner]
    if appraisal.pv_costs.pence == 0 or appraisal.pv_benefits_total.pence == 0:  # nothing bought, or nothing to buy
        assert all(cell == Money(0) for row in matrix.cells for cell in row)
        return
    # Rows: each payer's share of all the benefits, by what it pays (largest remainder).
    assert list(matrix.bought) == apportion(appraisal.pv_benefits_total, pays)
    assert [Money.total(row) for row in matrix.cells] == list(matrix.bought)
    # Columns: exactly what each partner gains.
    assert [Money.total(row[j] for row in matrix.cells).pence for j in range(len(gains))] == gains
    total_cost, total_benefits = appraisal.pv_costs.pence, appraisal.pv_benefits_total.pence
    for i, row in enumerate(matrix.cells):
        for j, cell in enumerate(row):
            # Each cell is bought_i x gains_j / B rounded down or up, so within 2p of B_j x C_i / C.
            near = Fraction(matrix.bought[i].pence * gains[j], total_benefits)
            assert cell.pence >= 0
            assert abs(cell.pence - near) < 1 or (near.denominator == 1 and abs(cell.pence - near) == 1)
            assert abs(cell.pence - Fraction(gains[j] * pays[i], total_cost)) < 2


@settings(max_examples=200, deadline=None)
@given(appraisals())
def test_losers_are_flagged_only_on_a_case_that_is_good_for_the_place(appraisal: Appraisal) -> None:
    matrix = who_pays_who_gains(appraisal)
    expected = [p.partner for p in appraisal.by_partner if p.net.pence < 0] if appraisal.npv_total.pence > 0 else []
    assert list(matrix.losing_partners) == expected
