"""Who pays and who gains, and fair shares of the cost, for any appraised business case.

Pure: no database, no clock, no printing. Everything is read from an `engine.Appraisal`: each partner's
present value of costs and of benefits (all of them, and the fiscal part) in whole pence, as the user sees
them, so every figure here reconciles with the appraisal's. Fair shares count the benefits of a `Basis`:
every kind, as issue 4 defines them, or only the fiscal ones that land in the agencies' budgets. Amounts
are integers throughout (the Shapley values are exact fractions) and every split goes through
`money.apportion`, so the pennies add up. Formulas, sources and a worked example: docs/appraisal-shares.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from math import comb

import numpy as np

from wholeplace.appraisal.results import Appraisal, PartnerPosition
from wholeplace.money import Money, apportion
from wholeplace.problems import InvalidInput, Problem

# Exact Shapley values enumerate all 2^n coalitions of the partners that gain: 32,768 for 15.
MAX_SHAPLEY_PARTNERS = 15
_INT64_MAX = np.iinfo(np.int64).max


# Who pays, who gains


@dataclass(frozen=True)
class WhoPaysWhoGains:
    """The benefits each payer's money buys, by the partner they land with.

    `cells[i][j]` is the part of partner j's benefits attributed to partner i's payments: j's benefits
    times i's share of the cost. Row i adds up to `bought[i]` (i's share of all the benefits, by what it
    pays); column j adds up to what j gains. Partners are in the appraisal's order on both sides.
    """

    positions: tuple[PartnerPosition, ...]
    bought: tuple[Money, ...]
    cells: tuple[tuple[Money, ...], ...]
    npv_total: Money

    @property
    def partners(self) -> tuple[str, ...]:
        return tuple(position.partner for position in self.positions)

    @property
    def losing_partners(self) -> tuple[str, ...]:
        """Partners out of pocket on a case that is good for the place: net below zero, total NPV above."""
        if self.npv_total.pence <= 0:
            return ()
        return tuple(position.partner for position in self.positions if position.net.pence < 0)


def who_pays_who_gains(appraisal: Appraisal) -> WhoPaysWhoGains:
    """The partner x partner matrix of the benefits each payer's money buys, in pence adding up both ways.

    The benefits are attributed to payers in proportion to what each pays (an attribution we choose: the
    case is bought as a whole, so no cost line buys a particular benefit). With no costs nothing is paid,
    and nothing is attributed: every cell is zero.
    """
    positions = appraisal.by_partner
    pays = [position.pv_costs.pence for position in positions]
    gains = [position.pv_benefits.pence for position in positions]
    if appraisal.pv_costs.pence > 0:
        bought = [amount.pence for amount in apportion(appraisal.pv_benefits_total, pays)]
    else:
        bought = [0] * len(positions)
    cells = _round_outer_product(bought, gains)
    return WhoPaysWhoGains(
        positions=positions,
        bought=tuple(Money(amount) for amount in bought),
        cells=tuple(tuple(Money(cell) for cell in row) for row in cells),
        npv_total=appraisal.npv_total,
    )


def _round_outer_product(rows: Sequence[int], columns: Sequence[int]) -> list[list[int]]:
    """Whole pence within 1p of rows[i] x columns[j] / total, adding up exactly to `rows` and to `columns`.

    Both margins sum to the same total (with nothing bought, every cell is zero). Every cell starts at the
    floor of its exact value; the fractional parts of row i add up to a whole number of pence still owed
    to row i, and of column j to those owed to column j, so (Gale 1957; Ryser 1957) a 0/1 top-up with
    those margins exists. Giving each column's pence to the rows still owed the most keeps one existing
    (an exchange argument, in docs/appraisal-shares.md); among equals, to the larger fraction, then the
    earlier row.
    """
    total = sum(rows)
    if total == 0:
        return [[0] * len(columns) for _ in rows]
    floors = [[row * column // total for column in columns] for row in rows]
    remainders = [[row * column % total for column in columns] for row in rows]
    owed_to_row = [row - sum(cells) for row, cells in zip(rows, floors, strict=True)]
    for j, column in enumerate(columns):
        owed = column - sum(cells[j] for cells in floors)
        neediest = sorted(range(len(rows)), key=lambda i: (-owed_to_row[i], -remainders[i][j], i))
        for i in neediest[:owed]:
            floors[i][j] += 1
            owed_to_row[i] -= 1
    return floors


# Fair shares


class Rule(StrEnum):
    PROPORTIONAL = "proportional"
    SHAPLEY = "shapley"


class Basis(StrEnum):
    """Which of its benefits a partner's fair share is reckoned from."""

    ALL = "all"  # every kind, for every partner: issue 4's definition
    FISCAL = "fiscal"  # cashable and non-cashable fiscal only: the money that lands in each partner's budget


@dataclass(frozen=True)
class Share:
    """One partner under a proposal: what it gains (the benefits the basis counts), pays now and would
    contribute instead."""

    partner: str
    benefits: Money
    current: Money
    contribution: Money

    @property
    def net(self) -> Money:
        return self.benefits - self.contribution

    @property
    def transfer(self) -> Money:
        """What the partner pays in beyond what it pays now; below zero, what it is paid back."""
        return self.contribution - self.current


@dataclass(frozen=True)
class Proposal:
    """Contributions under one rule; they add up to the case's cost to the penny."""

    rule: Rule
    shares: tuple[Share, ...]

    @property
    def leaves_everyone_whole(self) -> bool:
        return all(share.net.pence >= 0 for share in self.shares)


@dataclass(frozen=True)
class FairShares:
    """Both proposals for one case, counting the benefits of `basis`; `benefits` is their total. Without a
    Shapley proposal, `shapley_refused` says why."""

    basis: Basis
    cost: Money
    benefits: Money
    proportional: Proposal
    shapley: Proposal | None
    shapley_refused: Problem | None

    @property
    def shortfall(self) -> Money:
        """How far the benefits counted fall short of the cost: then no rule can leave every partner whole."""
        return max(self.cost - self.benefits, Money(0))


def fair_shares(appraisal: Appraisal, *, basis: Basis = Basis.ALL) -> FairShares:
    """The proportional and the Shapley proposals, counting the benefits of `basis`; the proportional one
    only, with the reason, past `MAX_SHAPLEY_PARTNERS` partners that gain."""
    benefits = _counted_benefits(appraisal, basis)
    refused = _shapley_problem([benefit.pence for benefit in benefits])
    return FairShares(
        basis=basis,
        cost=appraisal.pv_costs,
        benefits=Money.total(benefits),
        proportional=proportional_shares(appraisal, basis=basis),
        shapley=None if refused else shapley_shares(appraisal, basis=basis),
        shapley_refused=refused,
    )


def proportional_shares(appraisal: Appraisal, *, basis: Basis = Basis.ALL) -> Proposal:
    """Each partner contributes the cost times its share of the benefits counted: C x B_i / B.

    With no benefits counted there is no share to go by, and each partner keeps paying what it pays now.
    """
    positions = appraisal.by_partner
    benefits = _counted_benefits(appraisal, basis)
    if Money.total(benefits).pence > 0:
        contributions = apportion(appraisal.pv_costs, [benefit.pence for benefit in benefits])
    else:
        contributions = [position.pv_costs for position in positions]
    return _proposal(Rule.PROPORTIONAL, positions, benefits, contributions)


def shapley_shares(appraisal: Appraisal, *, basis: Basis = Basis.ALL) -> Proposal:
    """Each partner keeps its Shapley value of the surplus, phi_i, and contributes B_i - phi_i.

    The game is v(S) = max(0, B(S) - C) (issue 4), B(S) the benefits counted for coalition S. When they
    fall short of the cost, v is zero for every coalition, so no partner has a surplus to keep: each
    contributes all it gains, and the shortfall C - B stays with the partners paying now, in proportion to
    what they pay. Raises InvalidInput past `MAX_SHAPLEY_PARTNERS` partners that gain.
    """
    positions = appraisal.by_partner
    benefits = _counted_benefits(appraisal, basis)
    surplus = Money.total(benefits) - appraisal.pv_costs
    if surplus.pence > 0:
        kept = apportion(surplus, shapley_values([benefit.pence for benefit in benefits], appraisal.pv_costs.pence))
        contributions = [benefit - keep for benefit, keep in zip(benefits, kept, strict=True)]
    elif surplus.pence == 0:
        contributions = benefits
    else:
        shortfall = apportion(-surplus, [position.pv_costs.pence for position in positions])
        contributions = [benefit + part for benefit, part in zip(benefits, shortfall, strict=True)]
    return _proposal(Rule.SHAPLEY, positions, benefits, contributions)


def shapley_values(benefits: Sequence[int], cost: int) -> list[Fraction]:
    """The exact Shapley values (Shapley 1953) of v(S) = max(0, B(S) - cost), B(S) the sum of S's benefits.

        phi_i = sum over S not holding i of |S|! (n - |S| - 1)! / n! x (v(S + i) - v(S))

    A partner with no benefits adds nothing to any coalition, so its value is 0 and, by the same
    formula, leaving it out changes no one else's: only the n partners that gain are enumerated, all
    2^n coalitions at once as bitmasks. The sums are exact in int64; the weights are fractions.
    """
    if problem := _shapley_problem(benefits):
        raise InvalidInput([problem])
    gaining = [index for index, benefit in enumerate(benefits) if benefit > 0]
    n = len(gaining)
    values = [Fraction(0)] * len(benefits)
    if n == 0:
        return values
    coalitions = np.arange(1 << n, dtype=np.int64)
    bits = np.int64(1) << np.arange(n, dtype=np.int64)
    members = (coalitions[:, None] & bits) != 0  # row S, column i: is i in S
    worth = np.maximum(members @ np.array([benefits[i] for i in gaining], dtype=np.int64) - cost, 0)
    marginal = np.where(members, 0, worth[coalitions[:, None] | bits] - worth[:, None])
    sizes = members.sum(axis=1)
    by_size = marginal.T @ (sizes[:, None] == np.arange(n)).astype(np.int64)  # i's marginals summed by |S|
    weights = [Fraction(1, n * comb(n - 1, size)) for size in range(n)]  # |S|! (n-|S|-1)! / n!
    for index, sums in zip(gaining, by_size.tolist(), strict=True):
        values[index] = sum((weight * total for weight, total in zip(weights, sums, strict=True)), Fraction(0))
    return values


def _shapley_problem(benefits: Sequence[int]) -> Problem | None:
    """Why the exact Shapley values cannot be worked out for these benefits, or None when they can."""
    gaining = [benefit for benefit in benefits if benefit > 0]
    if len(gaining) > MAX_SHAPLEY_PARTNERS:
        return Problem(
            "fair_shares.shapley",
            f"{len(gaining)} partners gain from this case. The Shapley proposal is worked out exactly for up to "
            f"{MAX_SHAPLEY_PARTNERS}; use the proportional proposal, or combine partners",
        )
    # Sums run in int64: a partner's marginals over the coalitions of one size add up to at most its
    # benefits x binomial(n-1, size), and no coalition's benefits exceed the total.
    if gaining and sum(gaining) * comb(len(gaining) - 1, (len(gaining) - 1) // 2) > _INT64_MAX:
        return Problem("fair_shares.shapley", "The benefits are too large to share exactly")
    return None


def _counted_benefits(appraisal: Appraisal, basis: Basis) -> list[Money]:
    """Each partner's benefits as the basis counts them; they add up to the appraisal's total of that kind."""
    if basis is Basis.FISCAL:
        return [position.pv_fiscal_benefits for position in appraisal.by_partner]
    return [position.pv_benefits for position in appraisal.by_partner]


def _proposal(
    rule: Rule, positions: Sequence[PartnerPosition], benefits: Sequence[Money], contributions: Sequence[Money]
) -> Proposal:
    shares = (
        Share(position.partner, benefit, position.pv_costs, contribution)
        for position, benefit, contribution in zip(positions, benefits, contributions, strict=True)
    )
    return Proposal(rule, tuple(shares))
