"""Business dates are dates in London, whatever zone the server runs in.

A spend recorded at 00:30 on 1 April British Summer Time is 23:30 on 31 March in UTC: by the server's
clock it would fall in the old financial year, by the partners' in the new one. Theirs is the one that counts.
"""

from __future__ import annotations

import datetime as dt
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
