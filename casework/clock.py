"""The one clock: every part of Conduct Desk asks it the time, and nothing else reads the wall clock.

The store, the daemon's passes and the dashboard are handed the same ``Clock``. Tests hand
them a fixed one; ``CONDUCT_CLOCK`` starts a whole process (the command line, the demo)
at a given moment, which is how the command-line tests run on any day of any year.
Sleeps and deadlines are not the clock's business: they use ``time.monotonic()``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from casework.record import record

CLOCK_ENV = "CONDUCT_CLOCK"


class ClockError(ValueError):
    """A clock that cannot be used: a naive time, or a bad CONDUCT_CLOCK."""


def _wall_clock() -> datetime:
    # The one place in Conduct Desk that reads the wall clock.
    return datetime.now(UTC)


@record
class Clock:
    """Tells the time: ``now()`` is timezone-aware, ``today()`` is the school's local date."""

    source: Callable[[], datetime] = _wall_clock

    def now(self) -> datetime:
        """The current moment, timezone-aware."""
        moment = self.source()
        if moment.tzinfo is None:
            raise ClockError("the clock gave a time without a timezone")
        return moment

    def today(self) -> date:
        """Today's date where the school is (the machine's local timezone)."""
        return self.now().astimezone().date()

    @classmethod
    def fixed(cls, moment: datetime) -> Clock:
        """A clock stopped at ``moment``: for tests."""
        if moment.tzinfo is None:
            raise ClockError(f"a fixed clock needs a timezone-aware time, got {moment}")
        return cls(lambda: moment)

    @classmethod
    def starting_at(cls, moment: datetime) -> Clock:
        """A clock that reads ``moment`` now and runs on from there at the normal rate."""
        if moment.tzinfo is None:
            raise ClockError(f"a starting time needs a timezone, got {moment}")
        started = time.monotonic()
        return cls(lambda: moment + timedelta(seconds=time.monotonic() - started))


SYSTEM_CLOCK = Clock()


_started: dict[str, Clock] = {}


def process_clock() -> Clock:
    """The clock of this process: the wall clock, or from the moment ``CONDUCT_CLOCK`` names.

    Asked twice, it gives the same clock, so time never runs backwards within a process.
    """
    value = os.environ.get(CLOCK_ENV, "").strip()
    if not value:
        return SYSTEM_CLOCK
    if value not in _started:
        _started[value] = _clock_from(value)
    return _started[value]


def _clock_from(value: str) -> Clock:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ClockError(
            f"{CLOCK_ENV}: expected an ISO 8601 time with a timezone "
            f"(2026-03-10T09:00:00+00:00), got {value!r}"
        ) from None
    if moment.tzinfo is None:
        raise ClockError(f"{CLOCK_ENV}: expected a timezone in {value!r} (add +00:00)")
    return Clock.starting_at(moment)
