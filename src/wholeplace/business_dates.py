"""Business dates are dates in London, whatever zone the server runs in, and working days are those of England
and Wales.

A spend recorded at 00:30 on 1 April British Summer Time is 23:30 on 31 March in UTC: by the server's
clock it would fall in the old financial year, by the partners' in the new one. Theirs is the one that counts.
A decision's call-in period counts working days: Monday to Friday, bank holidays left out.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from wholeplace.db import utcnow

LONDON = ZoneInfo("Europe/London")


def london_date(moment: dt.datetime) -> dt.date:
    """The day it was in London at this moment (which must carry its zone)."""
    if moment.tzinfo is None:
        raise ValueError("Moments must be timezone-aware")
    return moment.astimezone(LONDON).date()


def today() -> dt.date:
    return london_date(utcnow())


# Bank holidays of England and Wales, as GOV.UK publishes them (see the file's header and docs/decisions.md).
BANK_HOLIDAYS_FILE = Path(__file__).with_name("bank_holidays_england_and_wales.csv")


class OutsideTheCalendar(ValueError):
    """A date past the years whose bank holidays are known, so its working days cannot be counted."""


@dataclass(frozen=True)
class BankHoliday:
    date: dt.date
    name: str


@cache
def bank_holidays() -> dict[dt.date, BankHoliday]:
    """Every bank holiday in the file, by date."""
    lines = [line for line in BANK_HOLIDAYS_FILE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return {
        holiday.date: holiday
        for holiday in (BankHoliday(dt.date.fromisoformat(row["date"]), row["name"]) for row in csv.DictReader(lines))
    }


def calendar_years() -> range:
    """The calendar years whose bank holidays are known."""
    known = bank_holidays()
    return range(min(known).year, max(known).year + 1)


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a bank holiday in England and Wales."""
    if day.year not in calendar_years():
        raise OutsideTheCalendar(
            f"Bank holidays are known for {calendar_years().start} to {calendar_years().stop - 1}, not {day.year}"
        )
    return day.weekday() < 5 and day not in bank_holidays()


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The day `days` working days after `start` (which itself is not counted); `start` itself for 0.

    Five working days from Thursday 18 April 2019 is Monday 29 April: Good Friday and Easter Monday are skipped.
    """
    if days < 0:
        raise ValueError("Count working days forwards: days must be 0 or more")
    day = start
    while days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day
