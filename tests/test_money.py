"""Money in whole pence, splits that add up to the penny, and financial years from 1 April."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wholeplace.money import FinancialYear, FinancialYearError, Money, MoneyError, apportion

# Reading and writing amounts


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("£1,115,160", 111516000),
        ("1115160.00", 111516000),
        ("-£944", -94400),
        ("£-944", -94400),
        (" £0.5 ", 50),
        ("£1,115,160.05", 111516005),
        ("0", 0),
    ],
)
def test_amounts_written_as_people_write_them_are_read_to_the_penny(text: str, pence: int) -> None:
    assert Money.parse(text) == Money(pence)


@pytest.mark.parametrize("text", ["1,1151,60", "£1.234", "abc", "--5", "", "   ", "£", "1.", "£1,115,160.001"])
def test_text_that_is_not_an_amount_is_refused(text: str) -> None:
    with pytest.raises(MoneyError):
        Money.parse(text)


def test_a_refused_amount_says_how_to_write_one() -> None:
    with pytest.raises(MoneyError, match=r"'abc' is not an amount of money. Write it like £1,234.56"):
        Money.parse("abc")


def test_an_amount_with_three_decimal_places_is_refused_rather_than_rounded() -> None:
    with pytest.raises(MoneyError, match="more than 2 decimal places"):
        Money.parse("£1.234")


def test_amounts_are_shown_with_pound_sign_thousands_and_pence() -> None:
    assert str(Money(111516000)) == "£1,115,160.00"
    assert str(Money(-94400)) == "-£944.00"
    assert str(Money(5)) == "£0.05"
    assert str(Money(-5)) == "-£0.05"
    assert str(Money(0)) == "£0.00"


def test_signed_amounts_show_a_plus_above_zero_and_are_otherwise_shown_as_usual() -> None:
    assert Money(100).signed() == "+£1.00"
    assert Money(111516000).signed() == "+£1,115,160.00"
    assert Money(-100).signed() == "-£1.00"
    assert Money(0).signed() == "£0.00"


def test_plain_amounts_have_two_decimals_and_no_symbol_or_separators() -> None:
    assert Money(111516000).plain() == "1115160.00"
    assert Money(-94400).plain() == "-944.00"
    assert Money(5).plain() == "0.05"
    assert Money(0).plain() == "0.00"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_a_shown_amount_reads_back_as_the_same_amount(pence: int) -> None:
    assert Money.parse(str(Money(pence))) == Money(pence)
    assert Money.parse(Money(pence).plain()) == Money(pence)


def test_exact_pounds_become_pence() -> None:
    assert Money.from_pounds(Decimal("1115160.00")) == Money(111516000)
    assert Money.from_pounds(Decimal("0.01")) == Money(1)
    assert Money.from_pounds(944) == Money(94400)
    assert Money.from_pounds("-£944") == Money(-94400)


@pytest.mark.parametrize("pounds", [Decimal("0.001"), Decimal("944.005"), Decimal("NaN"), Decimal("Infinity")])
def test_pounds_finer_than_a_penny_or_not_a_number_are_refused(pounds: Decimal) -> None:
    with pytest.raises(MoneyError):
        Money.from_pounds(pounds)


def test_sums_and_differences_stay_in_pence() -> None:
    # £944.00 + £0.05 - £1.00 = £943.05; three lots of £0.05 = £0.15
    assert Money(94400) + Money(5) - Money(100) == Money(94305)
    assert Money(5) * 3 == Money(15)
    assert -Money(94400) == Money(-94400)
    assert Money.total([Money(100), Money(250), Money(-50)]) == Money(300)
    assert Money.total([]) == Money(0)
    assert Money(-1) < Money(0) < Money(1)


# Splitting an amount


def test_one_pound_in_three_equal_parts_gives_the_spare_penny_to_the_first() -> None:
    # 100p / 3 = 33⅓p each: 33p each, 1p left over; all remainders tie, so the first line gets it.
    assert apportion(Money(100), [1, 1, 1]) == [Money(34), Money(33), Money(33)]


def test_two_spare_pennies_go_to_the_earlier_of_tied_lines() -> None:
    # 200p / 3 = 66⅔p each: 66p each, 2p left over, to lines 1 and 2.
    assert apportion(Money(200), [1, 1, 1]) == [Money(67), Money(67), Money(66)]


def test_spare_pennies_go_to_the_largest_remainders_first() -> None:
    # £10.00 by 1:2:4 (of 7): 142.857p, 285.714p, 571.428p -> 142p, 285p, 571p = 998p;
    # 2p left over to the remainders .857 and .714, so lines 1 and 2.
    assert apportion(Money(1000), [1, 2, 4]) == [Money(143), Money(286), Money(571)]


def test_a_pooled_budget_is_split_by_decimal_shares() -> None:
    # £1,115,160.00 by 0.5 : 0.3 : 0.2 = £557,580.00, £334,548.00, £223,032.00 exactly.
    parts = apportion(Money(111516000), [Decimal("0.5"), Decimal("0.3"), Decimal("0.2")])
    assert parts == [Money(55758000), Money(33454800), Money(22303200)]


def test_fractional_shares_are_split_exactly() -> None:
    # 1001p by ⅓ : ⅔ = 333.67p, 667.33p -> 333p, 667p = 1000p; 1p to the larger remainder .67.
    assert apportion(Money(1001), [Fraction(1, 3), Fraction(2, 3)]) == [Money(334), Money(667)]


def test_a_negative_total_is_split_like_a_positive_one_with_the_sign_kept() -> None:
    # -£1.00 in three: -33⅓p each -> -34p, -33p, -33p, summing to -100p.
    assert apportion(Money(-100), [1, 1, 1]) == [Money(-34), Money(-33), Money(-33)]


def test_a_line_with_zero_weight_gets_nothing() -> None:
    # 101p by 0:1:1 = 0p, 50.5p, 50.5p -> 0p, 50p, 50p; 1p left over to the first tied line with a remainder.
    assert apportion(Money(101), [0, 1, 1]) == [Money(0), Money(51), Money(50)]


def test_nothing_split_gives_nothing_to_each_line() -> None:
    assert apportion(Money(0), [1, 2]) == [Money(0), Money(0)]


def test_weights_that_all_are_zero_are_refused() -> None:
    with pytest.raises(MoneyError, match="add up to zero"):
        apportion(Money(100), [0, 0, 0])


def test_a_negative_weight_is_refused() -> None:
    with pytest.raises(MoneyError, match="zero or more"):
        apportion(Money(100), [2, -1])


def test_splitting_between_no_lines_is_refused() -> None:
    with pytest.raises(MoneyError, match="nothing to split"):
        apportion(Money(100), [])


totals = st.integers(min_value=-(10**12), max_value=10**12)
weight_lists = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20).filter(any)


@given(totals, weight_lists)
def test_parts_always_add_up_to_the_total(total: int, weights: list[int]) -> None:
    assert Money.total(apportion(Money(total), weights)) == Money(total)


@given(totals, weight_lists)
def test_each_part_is_within_a_penny_of_its_exact_share(total: int, weights: list[int]) -> None:
    parts = apportion(Money(total), weights)
    for part, weight in zip(parts, weights, strict=True):
        exact_share = Fraction(total * weight, sum(weights))
        assert abs(part.pence - exact_share) < 1


@given(totals, weight_lists)
def test_a_line_with_zero_weight_never_gets_a_penny(total: int, weights: list[int]) -> None:
    parts = apportion(Money(total), weights)
    assert all(part == Money(0) for part, weight in zip(parts, weights, strict=True) if weight == 0)


@given(totals, weight_lists)
def test_the_same_split_asked_twice_gives_the_same_parts(total: int, weights: list[int]) -> None:
    assert apportion(Money(total), weights) == apportion(Money(total), list(weights))


@given(totals, weight_lists, st.integers(min_value=1, max_value=1000))
def test_scaling_every_weight_alike_does_not_change_the_split(total: int, weights: list[int], factor: int) -> None:
    scaled = [weight * factor for weight in weights]
    assert apportion(Money(total), scaled) == apportion(Money(total), weights)


# Financial years


def test_a_financial_year_is_read_from_its_usual_form() -> None:
    assert FinancialYear.parse("2013/14") == FinancialYear(2013)
    assert FinancialYear.parse(" 1999/00 ") == FinancialYear(1999)


@pytest.mark.parametrize("text", ["2013/15", "2013-14", "13/14", "2013/2014", "2013", ""])
def test_text_that_is_not_a_financial_year_is_refused(text: str) -> None:
    with pytest.raises(FinancialYearError):
        FinancialYear.parse(text)


def test_a_year_whose_halves_do_not_follow_says_which_year_follows() -> None:
    with pytest.raises(FinancialYearError, match="2013/14 follows 2013"):
        FinancialYear.parse("2013/15")


def test_a_financial_year_is_written_with_a_two_digit_end() -> None:
    assert str(FinancialYear(2013)) == "2013/14"
    assert str(FinancialYear(1999)) == "1999/00"


def test_a_financial_year_runs_from_1_april_to_31_march() -> None:
    year = FinancialYear.parse("2013/14")
    assert year.starts == dt.date(2013, 4, 1)
    assert year.ends == dt.date(2014, 3, 31)


def test_31_march_closes_one_year_and_1_april_opens_the_next() -> None:
    assert FinancialYear.of(dt.date(2014, 3, 31)) == FinancialYear.parse("2013/14")
    assert FinancialYear.of(dt.date(2014, 4, 1)) == FinancialYear.parse("2014/15")
    assert dt.date(2014, 3, 31) in FinancialYear(2013)
    assert dt.date(2014, 4, 1) not in FinancialYear(2013)
    assert dt.date(2013, 3, 31) not in FinancialYear(2013)


def test_financial_years_are_ordered_and_count_on() -> None:
    year = FinancialYear.parse("2013/14")
    assert year + 1 == FinancialYear.parse("2014/15")
    assert year + 0 == year
    assert year < year + 1 <= year + 1 < year + 2
    assert year + 2 > year
    assert sorted([FinancialYear(2015), FinancialYear(2013), FinancialYear(2014)]) == [
        FinancialYear(2013),
        FinancialYear(2014),
        FinancialYear(2015),
    ]


@given(st.dates(min_value=dt.date(1000, 4, 1), max_value=dt.date(9998, 12, 31)))
def test_every_date_falls_in_its_own_financial_year(day: dt.date) -> None:
    year = FinancialYear.of(day)
    assert day in year
    assert day not in year + 1
    assert day not in year + -1


@given(st.integers(min_value=1000, max_value=9998))
def test_a_written_financial_year_reads_back_as_the_same_year(start_year: int) -> None:
    year = FinancialYear(start_year)
    assert FinancialYear.parse(str(year)) == year


@given(st.integers(min_value=-(10**13) * 100, max_value=10**13 * 100))
def test_every_amount_up_to_ten_trillion_pounds_reads_back_to_the_penny(pence: int) -> None:
    assert Money.parse(Money(pence).plain()) == Money(pence)


@given(st.integers(min_value=10**13 * 100 + 1, max_value=10**40))
def test_an_amount_past_ten_trillion_pounds_is_refused_however_it_is_written(pence: int) -> None:
    for written in (Money(pence).plain(), Money(-pence).plain()):
        with pytest.raises(MoneyError, match="the largest amount this service holds"):
            Money.parse(written)
    with pytest.raises(MoneyError, match=r"is more than £10,000,000,000,000\.00"):
        Money.from_pounds(Decimal(pence).scaleb(-2))


# Bounded reading: what a form or an API body may send, and what never reaches the ledger


@pytest.mark.parametrize(
    "text",
    ["1" * 23, "1" * 5000, "1e30", "1E3", "NaN", "nan", "inf", "-inf", "Infinity", "0x10", "1_000", "١٢٣", "1.5e2"],
)
def test_hostile_amounts_are_refused_with_a_money_error_never_another_error(text: str) -> None:
    with pytest.raises(MoneyError) as refused:
        Money.parse(text)
    assert type(refused.value) is MoneyError
    assert len(str(refused.value)) < 200  # the amount is shown cut short, not 5,000 digits long


def test_an_amount_in_pounds_past_the_bound_is_refused_before_it_is_scaled_to_pence() -> None:
    with pytest.raises(MoneyError, match="the largest amount this service holds"):
        Money.from_pounds(Decimal("1E+999999999"))


def test_leading_zeros_do_not_count_towards_the_bound() -> None:
    assert Money.parse("0" * 30 + "1.50") == Money(150)


@settings(max_examples=50)
@given(st.integers(min_value=0, max_value=10**13 * 100))
def test_every_bounded_amount_reads_back_from_its_plain_form(pence: int) -> None:
    assert Money.parse(Money(pence).plain()) == Money(pence)
    assert Money.from_pounds(Money(pence).pounds) == Money(pence)


@settings(max_examples=50)
@given(st.text(max_size=40))
def test_any_text_is_read_as_money_or_refused_as_money_error(text: str) -> None:
    try:
        amount = Money.parse(text)
    except MoneyError:
        return
    assert abs(amount.pence) <= 10**13 * 100


def test_a_budget_year_is_read_as_2013_14_or_as_its_first_year() -> None:
    assert FinancialYear.parse_budget_year("2013/14") == FinancialYear(2013)
    assert FinancialYear.parse_budget_year(" 2013 ") == FinancialYear(2013)
    assert FinancialYear.parse_budget_year("2099/00") == FinancialYear(2099)
    assert FinancialYear.parse_budget_year("2000") == FinancialYear(2000)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("14", "'14' is not a financial year. Write it like 2013/14"),
        ("200000", "'200000' is not a financial year"),
        ("1999/00", "'1999/00' is not a year this service budgets for: give one from 2000/01 to 2099/00"),
        ("2100", "'2100' is not a year this service budgets for"),
        ("0014", "'0014' is not a year this service budgets for"),
        ("2013/15", "2013/14 follows 2013"),
        ("", "is not a financial year"),
        ("2" * 5000, "is not a financial year"),
    ],
)
def test_a_budget_year_outside_2000_to_2099_or_badly_written_is_refused(text: str, message: str) -> None:
    with pytest.raises(FinancialYearError, match=message):
        FinancialYear.parse_budget_year(text)


@settings(max_examples=50)
@given(st.integers(min_value=2000, max_value=2099))
def test_every_budget_year_reads_back_from_how_it_is_written(start_year: int) -> None:
    assert FinancialYear.parse_budget_year(str(FinancialYear(start_year))) == FinancialYear(start_year)
