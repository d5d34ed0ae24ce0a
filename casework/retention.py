"""The retention schedule: how long each class of record is kept after its last action.

The defaults follow the practice of the Information and Records Management Society's
toolkit for schools: closed conduct cases and bans are kept for the last action plus six
years, then reviewed. Reaching review never deletes anything: the school decides. Every
school must confirm its own schedule (``confirmed = true`` in ``[retention]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

from casework.months import add_months
from casework.record import record
from casework.tomlread import Problem, TableReader

MAX_YEARS = 100


class RetentionError(ValueError):
    """A schedule or a question about one that does not make sense."""


class RecordClass(StrEnum):
    """The classes of record Conduct Desk keeps, each with its own retention period."""

    CONDUCT_CASE = "conduct-case"  # a closed case that never led to a ban
    BAN = "ban"  # a closed case in which a ban was imposed
    CRIMINAL_OFFENCE = "criminal-offence"  # allegations of offences (UK GDPR article 10)
    UNFILED_MAIL = "unfiled-mail"  # mail the daemon quarantined or skipped, on no case
    LETTER = "letter"  # letters sent or posted, and their PDFs


DESCRIPTIONS: Mapping[RecordClass, str] = MappingProxyType(
    {
        RecordClass.CONDUCT_CASE: "closed conduct cases without a ban",
        RecordClass.BAN: "closed cases in which a ban was imposed",
        RecordClass.CRIMINAL_OFFENCE: "criminal-offence data (article 10): allegations, "
        "police referrals",
        RecordClass.UNFILED_MAIL: "mail quarantined or skipped, never filed on a case",
        RecordClass.LETTER: "letters sent or posted, with their PDFs",
    }
)


@record
class Period:
    """Years and months after the last action; at least one month in all."""

    years: int = 0
    months: int = 0

    def __post_init__(self) -> None:
        for name, value, hi in (("years", self.years, MAX_YEARS), ("months", self.months, 1200)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= hi:
                raise RetentionError(f"{name}: expected an integer 0-{hi}, got {value!r}")
        if self.years == 0 and self.months == 0:
            raise RetentionError("a retention period must be at least one month")

    def after(self, day: date) -> date:
        """``day`` plus this period (a month end stays in its month: 29 Feb + 1 year = 28 Feb)."""
        return add_months(day, self.years * 12 + self.months)

    def __str__(self) -> str:
        parts = []
        if self.years:
            parts.append(f"{self.years} year{'s' if self.years != 1 else ''}")
        if self.months:
            parts.append(f"{self.months} month{'s' if self.months != 1 else ''}")
        return " and ".join(parts)


DEFAULT_PERIODS: Mapping[RecordClass, Period] = MappingProxyType(
    {
        RecordClass.CONDUCT_CASE: Period(years=6),
        RecordClass.BAN: Period(years=6),
        RecordClass.CRIMINAL_OFFENCE: Period(years=6),
        RecordClass.UNFILED_MAIL: Period(years=1),
        RecordClass.LETTER: Period(years=6),
    }
)


@record
class RetentionSchedule:
    """A period for every record class; ``confirmed`` once the school has adopted it."""

    periods: tuple[tuple[RecordClass, Period], ...] = tuple(DEFAULT_PERIODS.items())
    confirmed: bool = False

    def __post_init__(self) -> None:
        given = [c for c, _ in self.periods]
        missing = [c.value for c in RecordClass if c not in given]
        if missing:
            raise RetentionError(f"the schedule has no period for {', '.join(missing)}")
        if len(set(given)) != len(given):
            raise RetentionError("the schedule names a record class twice")

    @classmethod
    def of(
        cls, periods: Mapping[RecordClass, Period], confirmed: bool = False
    ) -> RetentionSchedule:
        """A schedule from a mapping of class to period."""
        return cls(tuple(periods.items()), confirmed)

    def period(self, record_class: RecordClass) -> Period:
        """How long a class of record is kept after its last action."""
        wanted = RecordClass(record_class)
        return next(p for c, p in self.periods if c is wanted)

    def review_on(self, record_class: RecordClass, last_action: date) -> date:
        """The day a record reaches review."""
        return self.period(record_class).after(_day(last_action, "last_action"))


DEFAULT_SCHEDULE = RetentionSchedule()


def reached_review(
    schedule: RetentionSchedule, record_class: RecordClass, last_action: date, today: date
) -> bool:
    """Whether a record last acted on ``last_action`` has reached review by ``today``."""
    today = _day(today, "today")
    if _day(last_action, "last_action") > today:
        raise RetentionError(f"last_action {last_action} is after today ({today})")
    return today >= schedule.review_on(record_class, last_action)


def _day(value: object, name: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise RetentionError(f"{name}: expected a date (YYYY-MM-DD), got {value!r}")
    return value


def parse_retention(r: TableReader) -> RetentionSchedule:
    """Read ``[retention]``: ``confirmed`` and one sub-table per record class, defaults for the rest."""
    periods = dict(DEFAULT_PERIODS)
    confirmed = r.flag("confirmed", False)
    for record_class in RecordClass:
        if not r.has(record_class.value):
            continue
        before = len(r.problems)
        sub = r.sub(record_class.value)
        years = sub.integer("years", 0, MAX_YEARS, 0)
        months = sub.integer("months", 0, 1200, 0)
        sub.finish()
        if len(r.problems) > before:
            continue
        try:
            periods[record_class] = Period(years=years, months=months)
        except RetentionError:
            r.problems.append(
                Problem(sub.path, "expected years and/or months: a period of at least one month")
            )
    r.finish()
    return RetentionSchedule.of(periods, confirmed)
