"""When a subject access request must be answered: UK GDPR articles 12 and 12A, the ICO's rules.

- The day of receipt is day one; the answer is due on the same date next month, or on that
  month's last day when it has none (31 January -> 28 February, 29 in a leap year).
- When that date is a weekend or a public holiday, the ICO allows until the next working
  day (``respond_by``); ``due`` is the calendar date itself.
- Asking for proof of identity, for a third party's authority to act, or for a fee restarts
  the month: it runs from the day the information (or the fee) arrives (art. 12A).
- Asking for clarification stops the clock: the days from the day the school asks to the day
  the answer arrives, both included, do not count, so the due date moves by that many days.
- An extension by one or two further months is recorded with its reason and must be given
  within the first month; it counts from the same start (the ICO: three months in all).

Pure rules: dates come in as parameters, nothing reads the clock.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from casework.months import add_months, next_working_day
from casework.record import record

MAX_EXTENSION_MONTHS = 2


class SarRuleError(ValueError):
    """A request's timeline that the rules do not allow; the message says which rule."""


def _need_date(name: str, value: object) -> None:
    # A datetime is a date too, but mixing them breaks the arithmetic: ask for the day.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise SarRuleError(f"{name}: expected a date (YYYY-MM-DD), got {value!r}")


class StopReason(StrEnum):
    """Why the school stopped the clock."""

    IDENTITY = "identity"  # proof that the requester is who they say
    AUTHORITY = "authority"  # proof that a third party may act for the person
    FEE = "fee"  # a fee for a manifestly unfounded or excessive request, or further copies
    CLARIFICATION = "clarification"  # what the request is about, when the school holds a lot

    @property
    def restarts(self) -> bool:
        """True when the month starts again on the day the answer arrives (not a pause)."""
        return self is not StopReason.CLARIFICATION


@record
class ClockStop:
    """The school asked for something on ``asked_on``; it arrived on ``resumed_on`` (or not yet)."""

    reason: StopReason
    asked_on: date
    resumed_on: date | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.reason, StopReason):
            raise SarRuleError(
                f"stop reason: expected one of {', '.join(r.value for r in StopReason)}, "
                f"got {self.reason!r}"
            )
        _need_date("asked_on", self.asked_on)
        if self.resumed_on is not None:
            _need_date("resumed_on", self.resumed_on)
        if self.resumed_on is not None and self.resumed_on < self.asked_on:
            raise SarRuleError(
                f"the clock cannot restart on {self.resumed_on} before it stopped "
                f"on {self.asked_on}"
            )

    @property
    def open(self) -> bool:
        """Still waiting for the answer."""
        return self.resumed_on is None

    @property
    def days(self) -> int:
        """Days that do not count: from asking to the answer, both included (0 while open)."""
        if self.resumed_on is None:
            return 0
        return (self.resumed_on - self.asked_on).days + 1


@record
class Extension:
    """One or two further months, with the reason given to the requester and when."""

    months: int
    reason: str
    given_on: date

    def __post_init__(self) -> None:
        _need_date("given_on", self.given_on)
        if isinstance(self.months, bool) or self.months not in range(1, MAX_EXTENSION_MONTHS + 1):
            raise SarRuleError(
                f"extension: expected 1 or {MAX_EXTENSION_MONTHS} further months, "
                f"got {self.months!r}"
            )
        if not self.reason.strip():
            raise SarRuleError(
                "extension: a reason is required (the requester must be told why; "
                "complexity or the number of requests)"
            )


@record
class SarClock:
    """A subject access request's dates: received, clock stops, an extension; what is due when."""

    received_on: date
    stops: tuple[ClockStop, ...] = ()
    extension: Extension | None = None

    def __post_init__(self) -> None:
        _need_date("received_on", self.received_on)
        self._check_stops()
        if self.extension is not None:
            self._check_extension(self.extension)

    def _check_stops(self) -> None:
        previous: ClockStop | None = None
        for n, stop in enumerate(self.stops):
            if stop.asked_on < self.received_on:
                raise SarRuleError(
                    f"the clock cannot stop on {stop.asked_on}, before the request was "
                    f"received on {self.received_on}"
                )
            if previous is not None:
                if previous.resumed_on is None:
                    raise SarRuleError(
                        f"the clock is already stopped (since {previous.asked_on}): "
                        "restart it before stopping it again"
                    )
                if stop.asked_on <= previous.resumed_on:
                    raise SarRuleError(
                        f"the clock cannot stop on {stop.asked_on}: it was stopped until "
                        f"{previous.resumed_on}"
                    )
            # The clock can only be stopped while it is still running.
            ext = self.extension
            given = ext if ext is not None and ext.given_on <= stop.asked_on else None
            running = replace(self, stops=self.stops[:n], extension=given)
            limit = running.due()
            if limit is not None and stop.asked_on > limit:
                raise SarRuleError(
                    f"the clock cannot stop on {stop.asked_on}: the answer was due on {limit}"
                )
            previous = stop

    def _check_extension(self, ext: Extension) -> None:
        if ext.given_on < self.received_on:
            raise SarRuleError(
                f"extension: given on {ext.given_on}, before the request was received "
                f"on {self.received_on}"
            )
        if not self._within_first_month(ext.given_on):
            end = replace(self, extension=None).due()
            raise SarRuleError(
                f"extension: it must be given within the first month (by {end}), "
                f"not on {ext.given_on}"
            )

    def _within_first_month(self, on: date) -> bool:
        start = self.start_on
        end = add_months(start, 1)
        for stop in self.stops:
            if stop.asked_on < start or stop.reason.restarts:
                continue
            if stop.asked_on <= on and (stop.resumed_on is None or on <= stop.resumed_on):
                # Given while the clock was stopped: in time if it stopped in time.
                return stop.asked_on <= end
            if stop.resumed_on is not None and stop.resumed_on < on:
                end += timedelta(days=stop.days)
        return on <= end

    # -- what is due --------------------------------------------------------------------

    @property
    def stopped(self) -> bool:
        """The clock is stopped: the school is waiting for the requester."""
        return bool(self.stops) and self.stops[-1].open

    @property
    def start_on(self) -> date:
        """Day one: receipt, or the day the last identity, authority or fee arrived."""
        start = self.received_on
        for stop in self.stops:
            if stop.reason.restarts and stop.resumed_on is not None:
                start = max(start, stop.resumed_on)
        return start

    @property
    def paused_days(self) -> int:
        """Days that do not count: clarification stops since day one, both ends included."""
        start = self.start_on
        return sum(s.days for s in self.stops if not s.reason.restarts and s.asked_on >= start)

    def due(self) -> date | None:
        """The calendar date the answer is due; None while the clock is stopped."""
        if self.stopped:
            return None
        months = 1 + (self.extension.months if self.extension else 0)
        return add_months(self.start_on, months) + timedelta(days=self.paused_days)

    def respond_by(self, holidays: Collection[date] = ()) -> date | None:
        """The due date, moved to the next working day when it is a weekend or a holiday."""
        due = self.due()
        return None if due is None else next_working_day(due, holidays)

    def days_left(self, today: date, holidays: Collection[date] = ()) -> int | None:
        """Days from ``today`` to ``respond_by`` (negative when overdue); None while stopped."""
        last = self.respond_by(holidays)
        return None if last is None else (last - today).days

    # -- changes (each returns a new, checked clock) -------------------------------------

    def stop(self, reason: StopReason, on: date) -> SarClock:
        """Stop the clock: the school has asked the requester for something."""
        return replace(self, stops=(*self.stops, ClockStop(reason, on)))

    def restart(self, on: date) -> SarClock:
        """Restart the clock: what the school asked for arrived on ``on``."""
        if not self.stopped:
            raise SarRuleError("the clock is not stopped, so it cannot be restarted")
        last = replace(self.stops[-1], resumed_on=on)
        return replace(self, stops=(*self.stops[:-1], last))

    def extend(self, months: int, reason: str, on: date) -> SarClock:
        """Extend by one or two further months, within the first month, with a reason."""
        if self.extension is not None:
            raise SarRuleError(
                f"the request was already extended on {self.extension.given_on}; "
                "it can be extended once"
            )
        return replace(self, extension=Extension(months, reason, on))
