"""School days: terms, INSET days and bank holidays, and periods counted in them.

A school day is a weekday inside a term (when terms are given), not an INSET day or other
closure, and not a bank holiday in England or in Wales (the ``holidays`` package knows them).
Meetings are offered on school days within school hours. Each period the school sets can be
counted in school days or in calendar days; letters say which.
"""

from __future__ import annotations

import re
from dataclasses import field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from casework.record import record

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Count(StrEnum):
    """How a period is counted."""

    CALENDAR = "calendar"
    SCHOOL = "school"

    @property
    def words(self) -> str:
        """How a letter names the days: ``calendar days`` or ``school days``."""
        return f"{self.value} days"


class Nation(StrEnum):
    """Whose bank holidays close the school (England and Wales share most, not all, years)."""

    ENGLAND = "england"
    WALES = "wales"


_SUBDIVISION = {Nation.ENGLAND: "ENG", Nation.WALES: "WLS"}


@record
class Term:
    """A term, both days included."""

    start: date
    end: date


@record
class SchoolCalendar:
    """The school's days and hours ([calendar] in config.toml)."""

    nation: Nation = Nation.ENGLAND
    terms: tuple[Term, ...] = ()  # none: every weekday but a holiday or closure is a school day
    closures: tuple[date, ...] = ()  # INSET days and other days the school is shut
    # School hours: when meetings with parents may be offered.
    day_starts: time = time(8, 30)
    day_ends: time = time(16, 30)
    term_names: tuple[str, ...] = field(default=())  # where the terms came from, for `check`

    def not_a_school_day(self, day: date) -> str | None:
        """Why ``day`` is not a school day ("a Saturday", "a bank holiday (Good Friday)"), or None."""
        if day.weekday() >= 5:
            return f"a {WEEKDAY_NAMES[day.weekday()]}"
        holiday = bank_holiday(self.nation, day)
        if holiday:
            return f"a bank holiday ({holiday})"
        if day in self.closures:
            return "an INSET day (the school is closed)"
        if self.terms and not any(t.start <= day <= t.end for t in self.terms):
            return "in the school holidays"
        return None

    def is_school_day(self, day: date) -> bool:
        """A day the school is open."""
        return self.not_a_school_day(day) is None

    def school_day_on_or_after(self, day: date) -> date:
        """``day`` if the school is open then, else the next day it is."""
        for _ in range(400):
            if self.is_school_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError(f"no school day within a year of {day.isoformat()}: check [calendar]")

    def add(self, start: date, days: int, count: Count) -> date:
        """``days`` after ``start``: calendar days, or school days (the next ``days`` open days)."""
        if count is Count.CALENDAR:
            return start + timedelta(days=days)
        day, left = start, days
        for _ in range(days * 7 + 400):
            if left <= 0:
                return day
            day += timedelta(days=1)
            if self.is_school_day(day):
                left -= 1
        raise ValueError(f"not enough school days after {start.isoformat()}: check [calendar]")

    def within_hours(self, at: time) -> bool:
        """During the school day."""
        return self.day_starts <= at <= self.day_ends

    def meeting_refusal(self, day: date, at: time) -> str | None:
        """Why a meeting then is not on offer (not a school day, or outside school hours)."""
        why = self.not_a_school_day(day)
        if why:
            return f"{day.isoformat()} is {why}, not a school day"
        if not self.within_hours(at):
            return (
                f"{at:%H:%M} is outside school hours ({self.day_starts:%H:%M}-"
                f"{self.day_ends:%H:%M})"
            )
        return None


@lru_cache(maxsize=64)
def _holidays(nation: Nation, year: int) -> dict[date, str]:
    # Imported on the first date asked about: the package takes ~60 ms to import (most of it
    # importlib.metadata), which every command would otherwise pay for at start-up.
    import holidays

    found = holidays.country_holidays("GB", subdiv=_SUBDIVISION[nation], years=year)
    return {d: str(name) for d, name in found.items()}


def bank_holiday(nation: Nation, day: date) -> str:
    """The bank holiday on ``day`` in England or Wales, or empty."""
    return _holidays(nation, day.year).get(day, "")


# What an LA's term-dates calendar calls a day off, and a term.
_CLOSED = re.compile(r"holiday|half[ -]?term|inset|closed|closure|training day|staff day", re.I)
_TERM = re.compile(r"\bterm\b", re.I)


def read_term_dates_ics(path: Path) -> tuple[tuple[Term, ...], tuple[date, ...]]:
    """Terms and closures from a local authority's term-dates calendar (.ics).

    An all-day event whose title names a holiday, half term, INSET or training day, or a
    closure is days off; any other event whose title names a term is a term. Anything
    else (a parents' evening, say) is left alone.
    """
    from icalendar import Calendar

    cal = Calendar.from_ical(path.read_bytes())
    terms: list[Term] = []
    closed: list[date] = []
    for event in cal.walk("VEVENT"):
        title = str(event.get("SUMMARY", ""))
        start = _day(event.decoded("DTSTART"))
        end = _day(event.decoded("DTEND")) if event.get("DTEND") else None
        if start is None:
            continue
        # An all-day event's DTEND is the day after its last.
        last = max(start, end - timedelta(days=1)) if end else start
        if _CLOSED.search(title):
            closed += [start + timedelta(days=n) for n in range((last - start).days + 1)]
        elif _TERM.search(title):
            terms.append(Term(start, last))
    return tuple(sorted(terms, key=lambda t: t.start)), tuple(sorted(set(closed)))


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None
