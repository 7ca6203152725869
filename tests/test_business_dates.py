"""Business dates follow London's calendar, summer time included."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wholeplace.business_dates import london_date
from wholeplace.money import FinancialYear


def test_half_past_midnight_on_the_first_of_april_in_summer_time_is_the_new_financial_year() -> None:
    # British Summer Time began at 01:00 UTC on 31 March 2013, so 23:30 UTC on 31 March was 00:30 on 1 April.
    moment = dt.datetime(2013, 3, 31, 23, 30, tzinfo=dt.UTC)
    assert london_date(moment) == dt.date(2013, 4, 1)
    assert str(FinancialYear.of(london_date(moment))) == "2013/14"


def test_in_winter_london_keeps_utc_dates() -> None:
    assert london_date(dt.datetime(2013, 12, 31, 23, 59, tzinfo=dt.UTC)) == dt.date(2013, 12, 31)


def test_a_moment_without_its_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        london_date(dt.datetime(2013, 4, 1, 0, 30))


@given(st.datetimes(timezones=st.just(dt.UTC), min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)))
def test_london_is_never_more_than_one_day_from_utc_and_never_behind_it(moment: dt.datetime) -> None:
    assert moment.date() <= london_date(moment) <= moment.date() + dt.timedelta(days=1)
