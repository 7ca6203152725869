"""Figure checks on a decision's amounts, with no database: stated totals and stated fractions."""

from __future__ import annotations

from fractions import Fraction

import pytest

from wholeplace.decisions.engine import FigureCheck, RecommendationFigures, check_figures, parse_fraction
from wholeplace.money import Money


def pounds(text: str) -> Money:
    return Money.parse(text)


@pytest.mark.parametrize(
    ("text", "fraction"),
    [
        ("1/3", Fraction(1, 3)),
        (" 2 / 3 ", Fraction(2, 3)),
        ("34%", Fraction(17, 50)),
        ("12.5 %", Fraction(1, 8)),
        ("0.25", Fraction(1, 4)),
        (".25", Fraction(1, 4)),
        ("1", Fraction(1)),
    ],
)
def test_a_stated_share_is_read_as_an_exact_fraction(text: str, fraction: Fraction) -> None:
    assert parse_fraction(text) == fraction


@pytest.mark.parametrize("text", ["a third", "", "1/0", "34", "1.5", "-1/3", "one half", "1/3rd"])
def test_text_that_is_not_a_share_reads_as_none(text: str) -> None:
    assert parse_fraction(text) is None


def safer_essex(stated_fraction: str = "1/3") -> RecommendationFigures:
    """Seed 003: 'to 1/3 to Safer Essex (£259,032)' of the remaining £761,860."""
    return RecommendationFigures(
        "ii",
        "Safer Essex, for the 3 strategic priorities",
        pounds("259032"),
        True,
        stated_fraction,
        pounds("761860"),
    )


def test_safer_essex_stated_as_a_third_is_flagged_as_34_percent() -> None:
    # 761,860 / 3 = 253,953.333.. -> £253,953.33; 259,032 - 253,953.33 = 5,078.67;
    # 259,032 / 761,860 = 0.33999947.. -> 34.00%
    assert check_figures(None, [safer_essex()]) == [
        FigureCheck(
            "ii stated as 1/3 of £761,860.00",
            "1/3 = £253,953.33",
            "£259,032.00 is 34.00% of £761,860.00",
            pounds("5078.67"),
            False,
        )
    ]


def test_safer_essex_stated_as_34_percent_is_still_40p_out() -> None:
    # 34% of 761,860 = 259,032.40 exactly; 259,032.00 - 259,032.40 = -0.40
    [check] = check_figures(None, [safer_essex("34%")])
    assert check.difference == pounds("-0.40")
    assert check.agrees is False


def test_a_share_that_is_exact_to_the_penny_agrees() -> None:
    # 1/4 of 761,860 = 190,465.00
    item = RecommendationFigures("ii", "A quarter", pounds("190465"), True, "1/4", pounds("761860"))
    [check] = check_figures(None, [item])
    assert (check.difference, check.agrees) == (Money(0), True)


def test_a_share_that_cannot_be_read_is_shown_as_not_agreeing() -> None:
    [check] = check_figures(None, [safer_essex("about a third")])
    assert check == FigureCheck("ii stated share", "about a third", "£259,032.00 is 34.00% of £761,860.00", None, False)


# PCC/038/13's six lines, 2.2 in the report: 35,000 + 75,000 + 52,960 + 65,700 + 26,700 + 17,400 = 272,760
PCC_038_13 = [
    ("IOM Performance Analyst", "35000"),
    ("Link Workers", "75000"),
    ("Strengthening Communities", "52960"),
    ("Victim Support Pilots", "65700"),
    ("MASH Analyst", "26700"),
    ("Strategic Pool", "17400"),
]


def allocations(amounts: list[tuple[str, str]]) -> list[RecommendationFigures]:
    contribution = RecommendationFigures("7.1", "PCC contribution", pounds("290000"), False)
    return [contribution] + [RecommendationFigures("2.2", text, pounds(amount), True) for text, amount in amounts]


def test_allocations_adding_up_to_the_stated_total_agree() -> None:
    # the £290,000 contribution is not an allocation and is left out of the sum
    assert check_figures(pounds("272760"), allocations(PCC_038_13)) == [
        FigureCheck("Allocations against the stated total", "£272,760.00", "£272,760.00", Money(0), True)
    ]


def test_allocations_a_penny_short_of_the_stated_total_are_flagged() -> None:
    amounts = [*PCC_038_13[:-1], ("Strategic Pool", "17399.99")]  # 272,760.00 - 0.01 = 272,759.99
    assert check_figures(pounds("272760"), allocations(amounts)) == [
        FigureCheck("Allocations against the stated total", "£272,760.00", "£272,759.99", pounds("-0.01"), False)
    ]


def test_with_no_stated_total_or_fraction_there_is_nothing_to_check() -> None:
    assert check_figures(None, allocations(PCC_038_13)) == []
