"""The section 75 engine with no database: a year-end settlement worked out by hand, the pennies always adding up,
instalment status at its edges, and shares read from what people type."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wholeplace.money import FinancialYear, Money
from wholeplace.section75.engine import (
    WHOLE,
    InstalmentStatus,
    Outcome,
    PartnerYear,
    check_shares,
    instalment_status,
    parse_share,
    settle,
)

Y2025 = FinancialYear(2025)


def pounds(text: str) -> Money:
    return Money.parse(text)


def test_an_overspend_is_met_sixty_forty_to_the_penny() -> None:
    county = PartnerYear("Essex County Council", pounds("3150000"), pounds("3150000"), 6000, 5000)
    ccg = PartnerYear("NHS North East Essex CCG", pounds("2100000"), pounds("2100000"), 4000, 5000)
    found = settle(Y2025, [county, ccg], spent=pounds("5250000"), accrued=pounds("212345.67"))
    # Agreed £3,150,000 + £2,100,000 = £5,250,000; outturn £5,250,000 spent + £212,345.67 unpaid = £5,462,345.67.
    # Overspend £212,345.67 = 21,234,567p. 60% = 12,740,740.2p, 40% = 8,493,826.8p: whole pence 12,740,740 +
    # 8,493,826 = 21,234,566, one penny left, to the larger remainder (0.8, the CCG): £127,407.40 + £84,938.27.
    assert found.agreed == pounds("5250000")
    assert found.outturn == pounds("5462345.67")
    assert found.outcome is Outcome.OVERSPEND
    assert found.amount == pounds("212345.67")
    assert [(line.partner, line.amount) for line in found.lines] == [
        ("Essex County Council", pounds("127407.40")),
        ("NHS North East Essex CCG", pounds("84938.27")),
    ]


def test_an_underspend_is_shared_fifty_fifty_and_an_odd_penny_goes_to_the_first_partner() -> None:
    county = PartnerYear("County", pounds("1000"), pounds("1000"), 6000, 5000)
    ccg = PartnerYear("CCG", pounds("1000.01"), pounds("1000.01"), 4000, 5000)
    found = settle(Y2025, [county, ccg], spent=pounds("1900"), accrued=Money(0))
    # £2,000.01 agreed - £1,900 spent = £100.01 underspend: 5,000.5p each, the tie's penny to the earlier line.
    assert found.outcome is Outcome.UNDERSPEND
    assert [line.amount for line in found.lines] == [pounds("50.01"), pounds("50.00")]


def test_a_year_spent_exactly_is_balanced_and_settles_nothing() -> None:
    found = settle(Y2025, [PartnerYear("A", pounds("10"), Money(0), 5000, 5000)], spent=pounds("10"), accrued=Money(0))
    assert found.outcome is Outcome.BALANCED
    assert found.lines == ()
    assert found.outstanding == pounds("10")  # scheduled but not received: owed outside the settlement


def test_what_an_earlier_settlement_moved_counts_so_a_settled_year_balances() -> None:
    partner = PartnerYear("A", pounds("100"), pounds("100"), 10_000, 10_000)
    found = settle(Y2025, [partner], spent=pounds("100"), accrued=pounds("7"), settled=pounds("7"))
    assert found.outcome is Outcome.BALANCED


shares = st.lists(st.integers(min_value=0, max_value=WHOLE), min_size=1, max_size=6).filter(lambda s: sum(s) > 0)


@settings(max_examples=50, deadline=None)
@given(
    weights=shares,
    agreed=st.integers(min_value=0, max_value=10**12),
    spent=st.integers(min_value=0, max_value=10**12),
    accrued=st.integers(min_value=0, max_value=10**10),
)
def test_the_parts_always_add_up_to_the_whole_and_each_is_within_a_penny_of_its_share(
    weights: list[int], agreed: int, spent: int, accrued: int
) -> None:
    total_weight = sum(weights)
    partners = [
        PartnerYear(f"P{index}", Money(agreed if index == 0 else 0), Money(0), weight, weight)
        for index, weight in enumerate(weights)
    ]
    found = settle(Y2025, partners, spent=Money(spent), accrued=Money(accrued))
    if found.outcome is Outcome.BALANCED:
        assert agreed == spent + accrued
        return
    assert len(found.lines) == len(weights)
    assert Money.total(line.amount for line in found.lines) == found.amount
    assert found.amount.pence == abs(agreed - spent - accrued)
    for line, weight in zip(found.lines, weights, strict=True):
        exact = found.amount.pence * weight / total_weight
        assert abs(line.amount.pence - exact) < 1


@pytest.mark.parametrize(
    ("received", "today", "expected"),
    [
        ("0", "2026-10-15", InstalmentStatus.DUE),  # the due day itself: not late yet
        ("0", "2026-10-16", InstalmentStatus.LATE),  # the day after
        ("300", "2026-10-15", InstalmentStatus.PART_PAID),
        ("300", "2026-10-16", InstalmentStatus.LATE),  # part of it, after the due day: still late
        ("540", "2026-10-16", InstalmentStatus.RECEIVED),
        ("540", "2026-10-01", InstalmentStatus.RECEIVED),
    ],
)
def test_instalment_status_at_the_edges(received: str, today: str, expected: InstalmentStatus) -> None:
    due_on = dt.date(2026, 10, 15)
    assert instalment_status(pounds("540"), pounds(received), due_on, dt.date.fromisoformat(today)) is expected


@pytest.mark.parametrize(
    ("text", "basis_points"), [("60", 6000), ("40%", 4000), ("33.33", 3333), ("0", 0), ("100", 10_000)]
)
def test_shares_are_read_as_exact_basis_points(text: str, basis_points: int) -> None:
    assert parse_share(text, "share") == (basis_points, [])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("NaN", "is not a percentage"),
        ("1e30", "from 0% to 100%"),
        ("1e999", "is not a percentage"),
        ("12345678901234567890123", "from 0% to 100%"),
        ("-5", "from 0% to 100%"),
        ("33.333", "at most 2 decimal places"),
        ("", "Enter a share"),
    ],
)
def test_hostile_shares_are_refused_on_their_field(text: str, message: str) -> None:
    value, problems = parse_share(text, "partners[1].overspend_share")
    assert value is None
    assert [p.where for p in problems] == ["partners[1].overspend_share"]
    assert message in problems[0].message


def test_shares_must_add_up_to_exactly_one_hundred_per_cent() -> None:
    assert check_shares([6000, 4000], "partners", "overspend") == []
    problems = check_shares([6000, 3999], "partners", "overspend")
    assert [p.message for p in problems] == ["The overspend shares add up to 99.99%. They must add up to 100%"]
