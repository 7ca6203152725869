"""Who pays, who gains and fair shares, on small cases worked by hand: every figure's arithmetic is in the test.

The story of most of them is seed 001's: a district council pays for prevention whose savings land with
bigger partners. Cases are one year long at a 0% discount rate, so each partner's present values are the
amounts written here. Fair shares count all benefits unless a test asks for `Basis.FISCAL`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from rich.console import Console

import wholeplace
from wholeplace.appraisal.case_file import read_case
from wholeplace.appraisal.discounting import Discounting
from wholeplace.appraisal.engine import (
    Appraisal,
    Benefit,
    BenefitKind,
    Case,
    Cohort,
    CostKind,
    CostLine,
    Outcome,
    appraise,
)
from wholeplace.appraisal.shares import (
    MAX_SHAPLEY_PARTNERS,
    Basis,
    Rule,
    fair_shares,
    proportional_shares,
    shapley_shares,
    shapley_values,
    who_pays_who_gains,
)
from wholeplace.appraisal.shares_report import shares_json, shares_tables, who_gains_sankey
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import InvalidInput

DEMO_CASE = Path(wholeplace.__file__).parent / "demo" / "cases" / "domestic-abuse-hub.yaml"


Amount = Money | str


def appraisal_of(*partners: tuple[str, Amount, Amount], social: Mapping[str, Amount] | None = None) -> Appraisal:
    """A one-year case at 0% in which each (partner, pays, gains) pays and gains exactly those amounts, the
    gains as cashable fiscal benefits; `social` adds social benefits for the partners it names."""

    def money(amount: Amount) -> Money:
        return amount if isinstance(amount, Money) else Money.parse(amount)

    costs = tuple(CostLine("Cost", name, CostKind.REVENUE, (money(pays),)) for name, pays, _ in partners)
    benefits = tuple(Benefit(name, BenefitKind.FISCAL_CASHABLE, money(gains)) for name, _, gains in partners)
    benefits += tuple(Benefit(name, BenefitKind.SOCIAL, money(gains)) for name, gains in (social or {}).items())
    case = Case(
        "Prevention",
        FinancialYear(2013),
        1,
        costs,
        Cohort((Decimal(1),)),
        (Outcome("Fewer families in crisis", Decimal(1), benefits),),
        Discounting(rate=Decimal(0)),
        partners=tuple(name for name, _, _ in partners),
    )
    return appraise(case)


def pounds(*amounts: str) -> list[Money]:
    return [Money.parse(amount) for amount in amounts]


# C = £90, all paid by Tendring; B = £60 + £40 + £20 = £120; total NPV = £30.
PREVENTION = (
    ("DWP", "0", "60"),
    ("Essex County Council", "0", "40"),
    ("Tendring District Council", "90", "20"),
)


# Who pays, who gains


def test_one_payer_buys_every_benefit_and_a_small_council_loses_on_a_good_case() -> None:
    matrix = who_pays_who_gains(appraisal_of(*PREVENTION))
    # Tendring pays all of the £90, so all £120 of benefits are bought with its money: its row is every
    # partner's benefits, the other rows are empty.
    assert matrix.bought == tuple(pounds("0", "0", "120"))
    assert matrix.cells == (
        tuple(pounds("0", "0", "0")),
        tuple(pounds("0", "0", "0")),
        tuple(pounds("60", "40", "20")),
    )
    # Tendring: gains £20 - pays £90 = -£70 on a case worth +£30 to the place.
    assert matrix.npv_total == Money.parse("30")
    assert matrix.losing_partners == ("Tendring District Council",)


def test_benefits_are_attributed_to_payers_by_what_each_pays_in_pennies_that_add_up_both_ways() -> None:
    matrix = who_pays_who_gains(appraisal_of(("A", "1.00", "1.00"), ("B", "2.00", "0.50"), ("C", "0", "0.50")))
    # C = 300p, B = 200p. Benefits bought: 200p x 100/300 = 66.67p and 200p x 200/300 = 133.33p; largest
    # remainder gives A the odd penny: 67p and 133p (and 0p for C, who pays nothing).
    assert matrix.bought == (Money(67), Money(133), Money(0))
    # Cell = row total x beneficiary's gains / 200p:
    #   A: 67 x 100/200 = 33.5, 67 x 50/200 = 16.75, 16.75    floors 33, 16, 16: 2p still owed to row A
    #   B: 133 x 100/200 = 66.5, 133 x 50/200 = 33.25, 33.25  floors 66, 33, 33: 1p still owed to row B
    # Columns still owe 100 - 99 = 1p, 50 - 49 = 1p and 1p. Column A's penny goes to the row owed most (A, 2p);
    # column B's to A or B (each owed 1p) by the larger fraction: A's .75 over B's .25; column C's to B.
    assert matrix.cells == (
        (Money(34), Money(17), Money(16)),
        (Money(66), Money(33), Money(34)),
        (Money(0), Money(0), Money(0)),
    )
    # Rows add up to what each payer's money buys, columns to what each partner gains.
    assert [Money.total(row) for row in matrix.cells] == list(matrix.bought)
    assert [Money.total(row[j] for row in matrix.cells) for j in range(3)] == [Money(100), Money(50), Money(50)]
    # NPV = 200p - 300p < 0: a case that is bad for the place has no "losers on a good case".
    assert matrix.losing_partners == ()


def test_with_no_costs_nothing_is_bought_and_nobody_loses() -> None:
    matrix = who_pays_who_gains(appraisal_of(("A", "0", "10"), ("B", "0", "5")))
    assert matrix.bought == (Money(0), Money(0))
    assert matrix.cells == ((Money(0), Money(0)), (Money(0), Money(0)))
    assert matrix.losing_partners == ()


# Shapley values


def test_shapley_values_of_three_partners_worked_by_hand() -> None:
    # C = £90, B = (£60, £40, £20). v(S) = max(0, B(S) - 90), in pounds:
    #   v({}) = 0; v(1) = v(2) = v(3) = 0 (60, 40, 20 are each under 90)
    #   v(12) = 100 - 90 = 10; v(13) = max(0, 80 - 90) = 0; v(23) = max(0, 60 - 90) = 0; v(123) = 120 - 90 = 30
    # Weights |S|! (n - |S| - 1)! / n! for n = 3: |S| = 0: 2/6 = 1/3; |S| = 1: 1/6; |S| = 2: 2/6 = 1/3.
    #   phi_1 = 1/3 (v(1) - 0) + 1/6 (v(12) - v(2)) + 1/6 (v(13) - v(3)) + 1/3 (v(123) - v(23))
    #         = 0 + 10/6 + 0 + 30/3 = 35/3 = £11.67
    #   phi_2 = 1/3 x 0 + 1/6 (v(12) - v(1)) + 1/6 (v(23) - v(3)) + 1/3 (v(123) - v(13)) = 10/6 + 30/3 = 35/3
    #   phi_3 = 1/3 x 0 + 1/6 (v(13) - v(1)) + 1/6 (v(23) - v(2)) + 1/3 (v(123) - v(12)) = 0 + 0 + 20/3 = 20/3
    # Together 35/3 + 35/3 + 20/3 = 90/3 = 30 = v(123).
    assert shapley_values([6000, 4000, 2000], 9000) == [Fraction(3500, 3), Fraction(3500, 3), Fraction(2000, 3)]


def test_the_shapley_proposal_worked_by_hand() -> None:
    proposal = shapley_shares(appraisal_of(*PREVENTION))
    # The £30 surplus split by (35/3, 35/3, 20/3): exact 1166.67p, 1166.67p, 666.67p; floors 1166 + 1166 + 666 =
    # 2998p, and the 2p left go to the largest remainders (all .67, so the earliest): 1167p, 1167p, 666p.
    # Contributions B_i - phi_i: 6000 - 1167 = 4833p, 4000 - 1167 = 2833p, 2000 - 666 = 1334p; 9000p in all.
    assert proposal.rule is Rule.SHAPLEY
    assert [share.contribution for share in proposal.shares] == pounds("48.33", "28.33", "13.34")
    assert [share.net for share in proposal.shares] == pounds("11.67", "11.67", "6.66")
    # Transfers, proposed minus paid now: +48.33, +28.33, 13.34 - 90 = -76.66; they add up to 0.
    assert [share.transfer for share in proposal.shares] == pounds("48.33", "28.33", "-76.66")
    assert proposal.leaves_everyone_whole


def test_the_proportional_proposal_worked_by_hand() -> None:
    proposal = proportional_shares(appraisal_of(*PREVENTION))
    # C x B_i / B: 90 x 60/120 = £45, 90 x 40/120 = £30, 90 x 20/120 = £15 (£90 in all).
    assert [share.contribution for share in proposal.shares] == pounds("45", "30", "15")
    # Nets 60 - 45, 40 - 30, 20 - 15: each keeps a quarter of what it gains (1 - C/B = 1 - 90/120).
    assert [share.net for share in proposal.shares] == pounds("15", "10", "5")
    assert [share.transfer for share in proposal.shares] == pounds("45", "30", "-75")


def test_a_partner_with_no_benefits_contributes_nothing_and_does_not_count_towards_the_limit() -> None:
    # 16 partners, one of whom gains nothing: 15 to enumerate, so the Shapley proposal is still exact.
    partners = [(f"Partner {n}", "0", "10") for n in range(15)] + [("Payer", "100", "0")]
    shares = fair_shares(appraisal_of(*partners))
    assert shares.shapley is not None and shares.shapley_refused is None
    # 15 equal partners: the £50 surplus (150 - 100) is 333.33p each; 5000 - 15 x 333 = 5p go to the first five.
    assert [share.net for share in shares.shapley.shares[:6]] == [Money(334)] * 5 + [Money(333)]
    assert shares.shapley.shares[-1].contribution == Money(0)
    assert Money.total(share.contribution for share in shares.shapley.shares) == Money.parse("100")


def test_more_than_15_partners_that_gain_get_the_proportional_proposal_only() -> None:
    appraisal = appraisal_of(*[(f"Partner {n}", "1", "2") for n in range(MAX_SHAPLEY_PARTNERS + 1)])
    shares = fair_shares(appraisal)
    assert shares.shapley is None
    assert shares.shapley_refused is not None
    assert shares.shapley_refused.message.startswith("16 partners gain from this case")
    assert Money.total(share.contribution for share in shares.proportional.shares) == Money.parse("16")
    with pytest.raises(InvalidInput, match="worked out exactly for up to 15"):
        shapley_shares(appraisal)
    text = printed(appraisal)
    assert "Fair shares by Shapley value" not in text
    assert "No Shapley proposal: 16 partners gain from this case." in text


def test_shapley_values_for_15_partners_take_well_under_a_second() -> None:
    benefits = [100_000 * (n + 1) for n in range(15)]  # £1,000 to £15,000: £120,000 in all
    started = time.perf_counter()
    values = shapley_values(benefits, 6_000_000)
    assert time.perf_counter() - started < 1
    assert sum(values) == 12_000_000 - 6_000_000


# When the benefits fall short of the cost


def test_when_benefits_fall_short_no_rule_leaves_everyone_whole_but_contributions_still_add_up() -> None:
    # C = 60 + 40 = £100; B = 30 + 50 = £80; shortfall £20.
    shares = fair_shares(appraisal_of(("A", "60", "30"), ("B", "40", "50")))
    assert shares.shortfall == Money.parse("20")
    # Proportional: 100 x 30/80 = £37.50 and 100 x 50/80 = £62.50; the loss falls by benefits.
    assert [share.contribution for share in shares.proportional.shares] == pounds("37.50", "62.50")
    assert [share.net for share in shares.proportional.shares] == pounds("-7.50", "-12.50")
    # Shapley: v(S) = 0 for every S, so each contributes all it gains, and the £20 shortfall stays with the
    # payers by what they pay now: 30 + 20 x 60/100 = £42, 50 + 20 x 40/100 = £58.
    assert shares.shapley is not None
    assert [share.contribution for share in shares.shapley.shares] == pounds("42", "58")
    assert [share.net for share in shares.shapley.shares] == pounds("-12", "-8")
    assert not shares.proportional.leaves_everyone_whole and not shares.shapley.leaves_everyone_whole


def test_when_benefits_equal_the_cost_each_partner_contributes_what_it_gains() -> None:
    shares = fair_shares(appraisal_of(("A", "50", "20"), ("B", "0", "30")))
    assert shares.shortfall == Money(0)
    assert shares.shapley is not None
    for proposal in (shares.proportional, shares.shapley):
        assert [share.contribution for share in proposal.shares] == pounds("20", "30")
        assert proposal.leaves_everyone_whole


def test_with_no_benefits_at_all_each_partner_keeps_paying_what_it_pays_now() -> None:
    shares = fair_shares(appraisal_of(("A", "70", "0"), ("B", "30", "0")))
    assert shares.shapley is not None
    for proposal in (shares.proportional, shares.shapley):
        assert [share.contribution for share in proposal.shares] == pounds("70", "30")
        assert [share.transfer for share in proposal.shares] == pounds("0", "0")


# Counting fiscal benefits only

# C = £90, all paid by Tendring. Fiscal benefits: Tendring £40, Essex Police £80; victims and their families gain
# £60 of social value and nothing fiscal. All benefits B = £180, fiscal benefits F = £120, fiscal NPV +£30.
VICTIMS = "Victims and their families"
HUB = (("Tendring District Council", "90", "40"), ("Essex Police", "0", "80"), (VICTIMS, "0", "0"))
HUB_SOCIAL = {VICTIMS: "60"}


def test_counting_all_benefits_asks_victims_to_pay_for_the_social_value_they_gain() -> None:
    shares = fair_shares(appraisal_of(*HUB, social=HUB_SOCIAL))
    assert (shares.basis, shares.benefits) == (Basis.ALL, Money.parse("180"))
    # Proportional: 90 x 40/180 = £20, 90 x 80/180 = £40, 90 x 60/180 = £30.
    assert [share.contribution for share in shares.proportional.shares] == pounds("20", "40", "30")
    # Shapley, v(S) = max(0, B(S) - 90) in pounds: v = 0 for each alone; v(TP) = 30, v(TV) = 10, v(PV) = 50,
    # v(TPV) = 90. With the weights 1/3, 1/6, 1/3 of n = 3:
    #   phi_T = 1/6 (30 - 0) + 1/6 (10 - 0) + 1/3 (90 - 50) = 5 + 5/3 + 40/3 = 20
    #   phi_P = 1/6 (30 - 0) + 1/6 (50 - 0) + 1/3 (90 - 10) = 5 + 25/3 + 80/3 = 40
    #   phi_V = 1/6 (10 - 0) + 1/6 (50 - 0) + 1/3 (90 - 30) = 5/3 + 25/3 + 20 = 30
    # Contributions b_i - phi_i: 40 - 20, 80 - 40 and 60 - 30: victims are asked for £30 under either rule.
    assert shares.shapley is not None
    assert [share.contribution for share in shares.shapley.shares] == pounds("20", "40", "30")


def test_counting_fiscal_benefits_only_the_agencies_share_the_cost_and_victims_pay_nothing() -> None:
    shares = fair_shares(appraisal_of(*HUB, social=HUB_SOCIAL), basis=Basis.FISCAL)
    assert shares.basis is Basis.FISCAL
    assert (shares.cost, shares.benefits, shares.shortfall) == (Money.parse("90"), Money.parse("120"), Money(0))
    proportional = shares.proportional.shares
    assert [share.benefits for share in proportional] == pounds("40", "80", "0")
    # 90 x 40/120 = £30, 90 x 80/120 = £60, 90 x 0/120 = £0: each agency keeps a quarter (1 - 90/120) of its
    # fiscal benefits, £10 and £20.
    assert [share.contribution for share in proportional] == pounds("30", "60", "0")
    assert [share.net for share in proportional] == pounds("10", "20", "0")
    assert [share.transfer for share in proportional] == pounds("-60", "60", "0")
    # Shapley, v(S) = max(0, F(S) - 90): v(T) = v(P) = 0 (40 and 80 are each under 90), v(TP) = 120 - 90 = 30.
    # Victims add nothing to any coalition, so phi_V = 0 and T and P make a game of two, weights 1/2 and 1/2:
    #   phi_T = 1/2 (v(T) - 0) + 1/2 (v(TP) - v(P)) = 0 + 15 = 15; phi_P = 1/2 x 0 + 1/2 (30 - 0) = 15.
    # Contributions f_i - phi_i: 40 - 15 = £25, 80 - 15 = £65, 0 - 0 = £0.
    assert shares.shapley is not None
    assert [share.contribution for share in shares.shapley.shares] == pounds("25", "65", "0")
    assert [share.net for share in shares.shapley.shares] == pounds("15", "15", "0")
    assert [share.transfer for share in shares.shapley.shares] == pounds("-65", "65", "0")
    assert shares.proportional.leaves_everyone_whole and shares.shapley.leaves_everyone_whole


def test_when_fiscal_benefits_fall_short_of_the_cost_the_fiscal_basis_says_so() -> None:
    # C = £90; fiscal benefits F = 40 + 30 = £70, £20 short; with the victims' £60 of social value B = £130.
    appraisal = appraisal_of(
        ("Tendring District Council", "90", "40"), ("Essex Police", "0", "30"), (VICTIMS, "0", "0"), social=HUB_SOCIAL
    )
    assert fair_shares(appraisal).shortfall == Money(0)
    shares = fair_shares(appraisal, basis=Basis.FISCAL)
    assert shares.shortfall == Money.parse("20")
    # Proportional: 9,000p x 40/70 = 5,142.86p and 9,000p x 30/70 = 3,857.14p; the floors add up to 8,999p and
    # the last penny goes to the larger remainder (.86).
    assert [share.contribution for share in shares.proportional.shares] == pounds("51.43", "38.57", "0")
    # Shapley: no coalition covers the cost, so each agency contributes its fiscal benefits and the £20 shortfall
    # stays with Tendring, which pays all of the cost now: 40 + 20 = £60, £30, £0.
    assert shares.shapley is not None
    assert [share.contribution for share in shares.shapley.shares] == pounds("60", "30", "0")
    text = printed(appraisal, basis=Basis.FISCAL)
    assert "The fiscal benefits fall £20.00 short of the cost, so no rule can leave every partner whole" in text


# The demo case (seed 002): the figures docs/appraisal-shares.md quotes


def demo_appraisal() -> Appraisal:
    case, problems = read_case(DEMO_CASE.read_text(encoding="utf-8"), DEMO_CASE.name)
    assert case is not None, problems
    return appraise(case)


def test_the_demo_case_shares_are_the_figures_the_docs_quote() -> None:
    data = shares_json(demo_appraisal())
    matrix = data["who_pays_who_gains"]
    assert isinstance(matrix, dict)
    assert matrix["losing_partners"] == ["NHS West Cheshire Clinical Commissioning Group"]
    assert [(row["pays"], row["gains"], row["net"], row["benefits_bought"]) for row in matrix["partners"]] == [
        ("5140387.13", "5150159.45", "9772.32", "11096754.03"),
        ("2570193.56", "8677790.57", "6107597.01", "5548377.01"),
        ("1028077.43", "2053914.93", "1025837.50", "2219350.82"),
        ("1542116.14", "1374839.30", "-167276.84", "3329026.21"),
        ("0.00", "4936803.82", "4936803.82", "0.00"),
    ]
    assert list(matrix["matrix"][3]["to"].values()) == [
        "772523.92", "1301668.59", "308087.23", "206225.90", "740520.57",
    ]  # fmt: skip
    fair = data["fair_shares"]
    assert isinstance(fair, dict)
    assert (fair["cost"], fair["benefits"], fair["shortfall"]) == ("10280774.26", "22193508.07", "0.00")
    assert [(row["contribution"], row["transfer"], row["net"]) for row in fair["proportional"]] == [
        ("2385725.89", "-2754661.24", "2764433.56"),
        ("4019842.45", "1449648.89", "4657948.12"),
        ("951442.00", "-76635.43", "1102472.93"),
        ("636871.49", "-905244.65", "737967.81"),
        ("2286892.43", "2286892.43", "2649911.39"),
    ]
    assert [(row["contribution"], row["transfer"], row["net"]) for row in fair["shapley"]] == [
        ("2399715.49", "-2740671.64", "2750443.96"),
        ("3989956.81", "1419763.25", "4687833.76"),
        ("950012.25", "-78065.18", "1103902.68"),
        ("648052.04", "-894064.10", "726787.26"),
        ("2293037.67", "2293037.67", "2643766.15"),
    ]
    # No partner could fund the case alone; the four agencies without victims and their families would
    # keep the fiscal NPV, £6,975,929.99.
    benefits = [Money.parse(row["gains"]).pence for row in matrix["partners"]]
    assert max(benefits) < 1028077426
    assert sum(benefits[:4]) - 1028077426 == 697592999


def test_the_demo_case_shares_counting_fiscal_benefits_only_are_the_figures_the_docs_quote() -> None:
    fair = shares_json(demo_appraisal(), basis=Basis.FISCAL)["fair_shares"]
    assert isinstance(fair, dict)
    assert (fair["basis"], fair["cost"], fair["benefits"], fair["shortfall"]) == (
        "fiscal", "10280774.26", "17256704.25", "0.00",
    )  # fmt: skip
    assert [(row["contribution"], row["transfer"], row["net"]) for row in fair["proportional"]] == [
        ("3068235.16", "-2072151.97", "2081924.29"),
        ("5169840.35", "2599646.79", "3507950.22"),
        ("1223630.85", "195553.42", "830284.08"),
        ("819067.90", "-723048.24", "555771.40"),
        ("0.00", "0.00", "0.00"),
    ]
    assert [(row["contribution"], row["transfer"], row["net"]) for row in fair["shapley"]] == [
        ("2727673.73", "-2412713.40", "2422485.72"),
        ("5571559.47", "3001365.91", "3106231.10"),
        ("1179551.47", "151474.04", "874363.46"),
        ("801989.59", "-740126.55", "572849.71"),
        ("0.00", "0.00", "0.00"),
    ]
    # Victims and their families gain nothing fiscal and contribute nothing; under either rule the four agencies
    # keep the fiscal NPV between them: £6,975,929.99.
    for rule in ("proportional", "shapley"):
        assert sum(Money.parse(row["net"]).pence for row in fair[rule]) == 697592999


# JSON, tables and the Sankey


def test_shares_json_gives_money_as_strings_to_the_penny() -> None:
    data = shares_json(appraisal_of(*PREVENTION))
    assert data["fair_shares"] == {
        "basis": "all",
        "cost": "90.00",
        "benefits": "120.00",
        "shortfall": "0.00",
        "leaves_everyone_whole": True,
        "proportional": [
            {"partner": "DWP", "benefits": "60.00", "current": "0.00", "contribution": "45.00", "net": "15.00",
             "transfer": "45.00"},
            {"partner": "Essex County Council", "benefits": "40.00", "current": "0.00", "contribution": "30.00",
             "net": "10.00", "transfer": "30.00"},
            {"partner": "Tendring District Council", "benefits": "20.00", "current": "90.00",
             "contribution": "15.00", "net": "5.00", "transfer": "-75.00"},
        ],
        "shapley": [
            {"partner": "DWP", "benefits": "60.00", "current": "0.00", "contribution": "48.33", "net": "11.67",
             "transfer": "48.33"},
            {"partner": "Essex County Council", "benefits": "40.00", "current": "0.00", "contribution": "28.33",
             "net": "11.67", "transfer": "28.33"},
            {"partner": "Tendring District Council", "benefits": "20.00", "current": "90.00",
             "contribution": "13.34", "net": "6.66", "transfer": "-76.66"},
        ],
        "shapley_refused": None,
    }  # fmt: skip
    matrix = data["who_pays_who_gains"]
    assert isinstance(matrix, dict)
    assert matrix["matrix"][2] == {
        "payer": "Tendring District Council",
        "to": {"DWP": "60.00", "Essex County Council": "40.00", "Tendring District Council": "20.00"},
    }
    assert matrix["partners"][2] == {
        "partner": "Tendring District Council",
        "pays": "90.00",
        "gains": "20.00",
        "net": "-70.00",
        "benefits_bought": "120.00",
        "loses_on_a_good_case": True,
    }


def printed(appraisal: Appraisal, *, basis: Basis = Basis.ALL) -> str:
    """The tables as printed, with runs of spaces and line breaks (captions wrap) as one space."""
    console = Console(width=300, record=True)
    for table in shares_tables(appraisal, basis=basis):
        console.print(table)
    return " ".join(console.export_text().split())


def test_the_tables_show_the_matrix_and_both_proposals_with_the_loser_named() -> None:
    text = printed(appraisal_of(*PREVENTION))
    assert "Who pays, who gains" in text
    assert "Out of pocket on a case that is good for the place: Tendring District Council" in text
    assert "Fair shares in proportion to benefits: £90.00 to share" in text
    assert "Fair shares by Shapley value: £90.00 to share" in text
    assert "-£76.66" in text and "+£11.67" in text


def test_the_tables_say_which_benefits_the_fair_shares_count() -> None:
    appraisal = appraisal_of(*HUB, social=HUB_SOCIAL)
    every_kind = printed(appraisal)
    assert "Benefits of every kind count, for every partner (issue 4)" in every_kind
    assert "Fair shares in proportion to benefits: £90.00 to share" in every_kind
    fiscal = printed(appraisal, basis=Basis.FISCAL)
    assert "Fair shares in proportion to benefits, counting fiscal benefits only: £90.00 to share" in fiscal
    assert "Fair shares by Shapley value, counting fiscal benefits only: £90.00 to share" in fiscal
    assert "Only fiscal benefits count, cashable and non-cashable: the money that lands in each partner's budget" in (
        fiscal
    )
    assert "Fiscal gains" in fiscal
    # Who pays and who gains counts every benefit under either basis.
    assert (
        shares_json(appraisal, basis=Basis.FISCAL)["who_pays_who_gains"] == shares_json(appraisal)["who_pays_who_gains"]
    )


def test_the_tables_say_when_no_rule_can_leave_everyone_whole() -> None:
    text = printed(appraisal_of(("A", "60", "30"), ("B", "40", "50")))
    assert "The benefits fall £20.00 short of the cost, so no rule can leave every partner whole" in text


def test_the_sankey_puts_payers_left_and_beneficiaries_right_with_links_adding_up() -> None:
    figure = who_gains_sankey(
        appraisal_of(("A & <b>Co</b>", "1.00", "1.00"), ("B", "2.00", "0.50"), ("C", "0", "0.50"))
    )
    trace = figure["data"][0]
    assert trace["type"] == "sankey"
    node, link = trace["node"], trace["link"]
    # C pays nothing, so it is only on the right; names are escaped as the funds Sankey does.
    assert node["label"] == [
        "A &amp; &lt;b&gt;Co&lt;/b&gt;<br>pays £1.00",
        "B<br>pays £2.00",
        "A &amp; &lt;b&gt;Co&lt;/b&gt;<br>gains £1.00",
        "B<br>gains £0.50",
        "C<br>gains £0.50",
    ]
    assert node["x"][:2] == [0.001, 0.001] and node["x"][2:] == [0.999] * 3
    # The six cells of the hand-worked matrix above, in pounds.
    assert list(zip(link["source"], link["target"], link["value"], strict=True)) == [
        (0, 2, 0.34), (0, 3, 0.17), (0, 4, 0.16), (1, 2, 0.66), (1, 3, 0.33), (1, 4, 0.34),
    ]  # fmt: skip


def test_the_sankey_marks_the_partner_that_loses_on_a_good_case_in_red() -> None:
    node = who_gains_sankey(appraisal_of(*PREVENTION))["data"][0]["node"]
    colours = dict(zip(node["label"], node["color"], strict=True))
    assert colours["Tendring District Council<br>pays £90.00<br>net -£70.00"] == "#d4351c"
    assert colours["Tendring District Council<br>gains £20.00<br>net -£70.00"] == "#d4351c"
    assert colours["DWP<br>gains £60.00"] == "#00703c"
