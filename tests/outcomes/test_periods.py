"""Reporting periods as performance officers write them: financial years, their quarters (Q1 is April to June)
and months, with a message that says what to write when the text is not a period."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wholeplace.money import FinancialYear
from wholeplace.outcomes.periods import Period, PeriodError, PeriodKind


@pytest.mark.parametrize(
    ("text", "kind", "starts", "ends", "written"),
    [
        ("2013/14", PeriodKind.YEAR, dt.date(2013, 4, 1), dt.date(2014, 3, 31), "2013/14"),
        ("2013/14 Q1", PeriodKind.QUARTER, dt.date(2013, 4, 1), dt.date(2013, 6, 30), "2013/14 Q1"),
        ("2013/14 Q2", PeriodKind.QUARTER, dt.date(2013, 7, 1), dt.date(2013, 9, 30), "2013/14 Q2"),
        ("2013/14 Q3", PeriodKind.QUARTER, dt.date(2013, 10, 1), dt.date(2013, 12, 31), "2013/14 Q3"),
        # Q4 of 2013/14 runs into the next calendar year: January to March 2014.
        ("2013/14 Q4", PeriodKind.QUARTER, dt.date(2014, 1, 1), dt.date(2014, 3, 31), "2013/14 Q4"),
        ("2013-07", PeriodKind.MONTH, dt.date(2013, 7, 1), dt.date(2013, 7, 31), "Jul 2013"),
        ("Jul 2013", PeriodKind.MONTH, dt.date(2013, 7, 1), dt.date(2013, 7, 31), "Jul 2013"),
        ("July 2013", PeriodKind.MONTH, dt.date(2013, 7, 1), dt.date(2013, 7, 31), "Jul 2013"),
        # 2016 is a leap year: February has 29 days, and the year 2015/16 ends on 31 March all the same.
        ("2016-02", PeriodKind.MONTH, dt.date(2016, 2, 1), dt.date(2016, 2, 29), "Feb 2016"),
        ("Feb 2015", PeriodKind.MONTH, dt.date(2015, 2, 1), dt.date(2015, 2, 28), "Feb 2015"),
        ("2015/16", PeriodKind.YEAR, dt.date(2015, 4, 1), dt.date(2016, 3, 31), "2015/16"),
        ("1999/00", PeriodKind.YEAR, dt.date(1999, 4, 1), dt.date(2000, 3, 31), "1999/00"),
    ],
)
def test_each_way_of_writing_a_period_reads_as_its_first_and_last_day(
    text: str, kind: PeriodKind, starts: dt.date, ends: dt.date, written: str
) -> None:
    period = Period.parse(text)
    assert (period.kind, period.starts, period.ends, str(period)) == (kind, starts, ends, written)


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("  2013/14   Q2 ", "2013/14 Q2"),
        ("2013/14q2", "2013/14 Q2"),
        ("2013-7", "2013-07"),
        ("jul 2013", "Jul 2013"),
        ("JULY   2013", "Jul 2013"),
        ("\t2013/14\n", "2013/14"),
    ],
)
def test_spaces_and_capitals_as_people_type_them_do_not_matter(text: str, same_as: str) -> None:
    assert Period.parse(text) == Period.parse(same_as)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # The second half must be the year after the first: 2013/14 follows 2013.
        ("2013/15", "'2013/15' is not a financial year: 2013/14 follows 2013"),
        ("2013-13", "'2013-13' is not a month. Write it like 2013-07"),
        ("2013-00", "'2013-00' is not a month. Write it like 2013-07"),
        (
            "14",
            "'14' is not a period. Write a financial year (2013/14), a quarter (2013/14 Q2) "
            "or a month (2013-07 or Jul 2013)",
        ),
        (
            "2013/14 Q5",
            "'2013/14 Q5' is not a period. Write a financial year (2013/14), a quarter (2013/14 Q2) "
            "or a month (2013-07 or Jul 2013)",
        ),
        ("Foo 2013", "'Foo 2013' is not a month. Write it like Jul 2013"),
        (
            "",
            "'' is not a period. Write a financial year (2013/14), a quarter (2013/14 Q2) "
            "or a month (2013-07 or Jul 2013)",
        ),
    ],
)
def test_text_that_is_not_a_period_is_refused_with_what_to_write_instead(text: str, message: str) -> None:
    with pytest.raises(PeriodError) as refused:
        Period.parse(text)
    assert str(refused.value) == message


def test_a_financial_year_error_names_the_text_as_it_was_given() -> None:
    with pytest.raises(PeriodError, match=r"^'2013/15 Q2' is not a financial year: 2013/14 follows 2013$"):
        Period.parse("2013/15 Q2")


def test_quarters_follow_the_financial_year_so_a_january_day_is_in_q4_of_the_year_before() -> None:
    assert str(Period.of_date(dt.date(2014, 1, 15), PeriodKind.QUARTER)) == "2013/14 Q4"
    assert str(Period.of_date(dt.date(2014, 3, 31), PeriodKind.QUARTER)) == "2013/14 Q4"
    assert str(Period.of_date(dt.date(2014, 4, 1), PeriodKind.QUARTER)) == "2014/15 Q1"
    assert str(Period.of_date(dt.date(2013, 6, 30), PeriodKind.QUARTER)) == "2013/14 Q1"
    assert str(Period.of_date(dt.date(2013, 7, 1), PeriodKind.QUARTER)) == "2013/14 Q2"
    assert str(Period.of_date(dt.date(2014, 3, 31), PeriodKind.YEAR)) == "2013/14"
    assert str(Period.of_date(dt.date(2013, 7, 19), PeriodKind.MONTH)) == "Jul 2013"


def test_the_quarter_after_q4_is_q1_of_the_next_financial_year() -> None:
    assert str(Period.parse("2013/14 Q4").next()) == "2014/15 Q1"
    assert str(Period.parse("2013/14 Q1").next()) == "2013/14 Q2"
    assert str(Period.parse("2013/14 Q3").next()) == "2013/14 Q4"
    assert str(Period.parse("Dec 2013").next()) == "Jan 2014"
    assert str(Period.parse("Mar 2014").next()) == "Apr 2014"
    assert str(Period.parse("2013/14").next()) == "2014/15"


def test_a_period_knows_its_financial_year() -> None:
    assert Period.parse("2013/14 Q4").financial_year == FinancialYear(2013)
    assert Period.parse("Mar 2014").financial_year == FinancialYear(2013)
    assert Period.parse("Apr 2014").financial_year == FinancialYear(2014)


def test_a_month_lies_within_its_quarter_and_year_but_not_the_next() -> None:
    march = Period.parse("Mar 2014")
    assert march.within(Period.parse("2013/14 Q4"))
    assert march.within(Period.parse("2013/14"))
    assert march.within(march)
    assert not march.within(Period.parse("2014/15"))
    assert not march.within(Period.parse("2013/14 Q3"))
    assert not Period.parse("2013/14").within(Period.parse("2013/14 Q4"))


def test_a_day_is_in_a_period_from_its_first_day_to_its_last() -> None:
    q4 = Period.parse("2013/14 Q4")
    assert dt.date(2014, 1, 1) in q4 and dt.date(2014, 3, 31) in q4
    assert dt.date(2013, 12, 31) not in q4 and dt.date(2014, 4, 1) not in q4


def test_periods_sort_by_when_they_start_then_shortest_first() -> None:
    written = ["2014/15", "2013/14 Q2", "Apr 2013", "2013/14", "2013/14 Q1", "2013-07", "2014/15 Q1", "Mar 2014"]
    ordered = sorted(Period.parse(text) for text in written)
    assert [str(period) for period in ordered] == [
        "Apr 2013",
        "2013/14 Q1",
        "2013/14",
        "Jul 2013",
        "2013/14 Q2",
        "Mar 2014",
        "2014/15 Q1",
        "2014/15",
    ]
    assert Period.parse("2013/14 Q4") < Period.parse("2014/15 Q1") < Period.parse("2014/15 Q2")


days = st.dates(min_value=dt.date(1950, 4, 1), max_value=dt.date(2098, 12, 31))
kinds = st.sampled_from(list(PeriodKind))


@settings(max_examples=200, deadline=None)
@given(day=days, kind=kinds)
def test_the_period_of_a_day_holds_it_and_reads_back_from_how_it_is_written(day: dt.date, kind: PeriodKind) -> None:
    period = Period.of_date(day, kind)
    assert day in period
    assert period.starts.day == 1
    assert Period.parse(str(period)) == period
    assert period.financial_year == FinancialYear.of(day)


@settings(max_examples=200, deadline=None)
@given(day=days, kind=kinds)
def test_each_period_is_followed_by_the_next_with_no_gap_and_no_overlap(day: dt.date, kind: PeriodKind) -> None:
    period = Period.of_date(day, kind)
    following = period.next()
    assert following.kind is kind
    assert following.starts == period.ends + dt.timedelta(days=1)
    assert period < following


@settings(max_examples=200, deadline=None)
@given(day=days)
def test_a_month_lies_within_its_quarter_which_lies_within_its_year(day: dt.date) -> None:
    month, quarter, year = (
        Period.of_date(day, kind) for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)
    )
    assert month.within(quarter) and quarter.within(year)
    assert month.financial_year == quarter.financial_year == year.financial_year
