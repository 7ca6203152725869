"""Discount factors: a constant rate, and the Green Book's marginal bands (standard and health), worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wholeplace.appraisal.discounting import (
    GREEN_BOOK_HEALTH,
    GREEN_BOOK_STANDARD,
    Discounting,
    constant_factors,
    rate_in_year,
    schedule_factors,
)


def test_a_constant_rate_discounts_year_t_by_one_over_one_plus_r_to_the_t() -> None:
    # 3.5%: year 0 is 1; year 1 is 1/1.035 = 0.966184; year 2 is 1/1.071225 = 0.933511.
    factors = constant_factors(Decimal("0.035"), 3)
    assert factors.tolist() == pytest.approx([1.0, 0.9661835748792271, 0.9335107003664031], rel=1e-15)


def test_the_green_book_schedule_is_3_5_percent_to_year_30() -> None:
    # Within the first band the schedule is exactly the constant 3.5%.
    assert schedule_factors(GREEN_BOOK_STANDARD, 31).tolist() == pytest.approx(
        constant_factors(Decimal("0.035"), 31).tolist(), rel=1e-14
    )
    # 1.035^30 = 2.806794, so year 30's factor is 0.356278.
    assert schedule_factors(GREEN_BOOK_STANDARD, 31)[30] == pytest.approx(0.35627841060230236, rel=1e-14)


def test_year_31_is_discounted_at_3_percent_on_top_of_thirty_years_at_3_5_percent() -> None:
    # Marginal: year 31 = 1 / (1.035^30 x 1.03) = 0.356278 / 1.03 = 0.345901.
    # Not 1 / 1.03^31 = 0.399987, which would apply 3% to all 31 years.
    year_31 = schedule_factors(GREEN_BOOK_STANDARD, 32)[31]
    assert year_31 == pytest.approx(0.3459013695167984, rel=1e-14)
    assert year_31 != pytest.approx(1 / 1.03**31, rel=1e-3)


def test_year_76_goes_through_three_bands() -> None:
    # 1 / (1.035^30 x 1.03^45 x 1.025^1) = 0.091916
    assert schedule_factors(GREEN_BOOK_STANDARD, 77)[76] == pytest.approx(0.0919158756845771, rel=1e-13)


@pytest.mark.parametrize(
    ("year", "rate"),
    [
        (1, "0.035"),
        (30, "0.035"),
        (31, "0.030"),
        (75, "0.030"),
        (76, "0.025"),
        (125, "0.025"),
        (126, "0.020"),
        (200, "0.020"),
        (201, "0.015"),
        (300, "0.015"),
        (301, "0.010"),
        (1000, "0.010"),
    ],
)
def test_each_green_book_band_starts_and_ends_where_the_table_says(year: int, rate: str) -> None:
    assert rate_in_year(GREEN_BOOK_STANDARD, year) == Decimal(rate)


def test_health_values_are_discounted_at_1_5_percent_then_1_29_percent_from_year_31() -> None:
    factors = schedule_factors(GREEN_BOOK_HEALTH, 32)
    # Year 1: 1 / 1.015 = 0.985222.
    assert factors[1] == pytest.approx(1 / 1.015, rel=1e-15)
    # Year 31: 1 / (1.015^30 x 1.0129) = 0.631615; 1.5% all the way would give 0.630308.
    assert factors[31] == pytest.approx(0.6316146015465403, rel=1e-13)
    assert [band.rate for band in GREEN_BOOK_HEALTH] == [
        Decimal(rate) for rate in ("0.0150", "0.0129", "0.0107", "0.0086", "0.0064", "0.0043")
    ]


def test_the_health_table_is_the_standard_table_scaled_by_1_5_over_3_5_to_two_decimals() -> None:
    for standard, health in zip(GREEN_BOOK_STANDARD, GREEN_BOOK_HEALTH, strict=True):
        assert (standard.first, standard.last) == (health.first, health.last)
        scaled = standard.rate * Decimal("1.5") / Decimal("3.5") * 100
        assert round(scaled, 2) == health.rate * 100


def test_a_case_with_no_rate_uses_the_green_book_for_costs_and_the_health_schedule_for_health() -> None:
    policy = Discounting()
    assert policy.factors(40).tolist() == schedule_factors(GREEN_BOOK_STANDARD, 40).tolist()
    assert policy.factors(40, health=True).tolist() == schedule_factors(GREEN_BOOK_HEALTH, 40).tolist()


def test_a_constant_rate_replaces_the_standard_schedule_but_health_keeps_its_own_unless_given() -> None:
    policy = Discounting(rate=Decimal("0.05"))
    assert policy.factors(3).tolist() == pytest.approx([1, 1 / 1.05, 1 / 1.05**2], rel=1e-15)
    assert policy.factors(3, health=True).tolist() == schedule_factors(GREEN_BOOK_HEALTH, 3).tolist()
    both = Discounting(rate=Decimal("0.05"), health_rate=Decimal("0"))
    assert both.factors(3, health=True).tolist() == [1.0, 1.0, 1.0]
    assert both.describe() == "Costs and benefits at a constant 5%; health values at a constant 0%"
