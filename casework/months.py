"""Calendar-month arithmetic: "the same date next month, or that month's last day"."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later; the month's last day when it has no such day.

    31 January + 1 month is 28 February (29 in a leap year); 29 February + 12 months is
    28 February. ``months`` may be negative.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    # The month's last day: the day before the next month's first (not calendar.monthrange,
    # whose import every short command paid for this one line).
    following = date(year + month // 12, month % 12 + 1, 1)
    last = (following - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def next_working_day(day: date, holidays: Collection[date] = ()) -> date:
    """``day`` itself when it is a weekday and not a holiday, else the next day that is."""
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day
