"""Dates typed into GOV.UK date inputs: three boxes, day, month and year."""

from __future__ import annotations

import datetime as dt

from wholeplace.problems import InvalidInput, Problem


def date_from_boxes(field: str, label: str, day: str | None, month: str | None, year: str | None) -> dt.date | None:
    """The date in the three boxes, None if all are empty; anything but a real date is refused naming the field."""
    parts = [part.strip() for part in (day or "", month or "", year or "")]
    if not any(parts):
        return None
    try:
        return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        raise InvalidInput([Problem(field, f"{label} must be a real date, like 31 3 2014")]) from None
