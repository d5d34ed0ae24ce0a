"""Subject access requests as records: who asked, when, how, what happened to the clock, and
what was disclosed. The due-date arithmetic is casework/sar.py's; this module keeps the history.

Pure: dates and times come in as parameters.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import date, datetime
from enum import StrEnum

from casework.record import record
from casework.sar import ClockStop, Extension, SarClock, StopReason

# How far ahead the dashboard and the digest look for requests coming due.
DUE_WITHIN_DAYS = 7


class Via(StrEnum):
    """How the request reached the school (a verbal request is as valid as a written one)."""

    EMAIL = "email"
    LETTER = "letter"
    VERBAL = "verbal"


@record
class SarStep:
    """One thing that happened to a request: when, by whom, what (ids and dates only)."""

    at: datetime
    actor: str
    what: str


@record
class Disclosure:
    """A bundle sent to the requester: when, which file, its SHA-256, what it held."""

    at: datetime
    actor: str
    bundle: str
    bundle_digest: str  # not "sha256": the bundle is sent, not kept in the vault
    items: int
    redactions: int


@record
class SarRequest:
    """A subject access request about one person, with its clock and its history."""

    id: str
    person_id: str
    received_on: date
    via: Via
    stops: tuple[ClockStop, ...] = ()
    extension: Extension | None = None
    history: tuple[SarStep, ...] = ()
    disclosures: tuple[Disclosure, ...] = ()
    answered_on: date | None = None

    def __post_init__(self) -> None:
        self.clock  # noqa: B018 - building the clock checks the dates against the rules

    @property
    def clock(self) -> SarClock:
        """The request's due-date clock (checked when built)."""
        return SarClock(self.received_on, self.stops, self.extension)

    @property
    def open(self) -> bool:
        """Not yet answered."""
        return self.answered_on is None

    def _with(self, clock: SarClock, at: datetime, actor: str, what: str) -> SarRequest:
        step = SarStep(at, actor, what)
        return replace(
            self, stops=clock.stops, extension=clock.extension, history=(*self.history, step)
        )

    def stopped(self, reason: StopReason, on: date, at: datetime, actor: str) -> SarRequest:
        """The school asked the requester for something: the clock stops."""
        self._need_open()
        return self._with(
            self.clock.stop(reason, on), at, actor, f"clock stopped on {on}: {reason.value}"
        )

    def restarted(self, on: date, at: datetime, actor: str) -> SarRequest:
        """What the school asked for arrived: the clock runs again."""
        self._need_open()
        return self._with(self.clock.restart(on), at, actor, f"clock restarted on {on}")

    def extended(self, months: int, reason: str, on: date, at: datetime, actor: str) -> SarRequest:
        """Extended by one or two months, with the reason the requester was given."""
        self._need_open()
        clock = self.clock.extend(months, reason, on)
        return self._with(clock, at, actor, f"extended by {months} month(s) on {on}")

    def disclosed(self, disclosure: Disclosure, on: date) -> SarRequest:
        """A bundle was sent: the request is answered (a later bundle is recorded too)."""
        step = SarStep(disclosure.at, disclosure.actor, f"disclosed {disclosure.bundle}")
        return replace(
            self,
            disclosures=(*self.disclosures, disclosure),
            history=(*self.history, step),
            answered_on=self.answered_on or on,
        )

    def _need_open(self) -> None:
        if not self.open:
            raise ValueError(f"{self.id} was answered on {self.answered_on}")


@record
class DueRequest:
    """An open request as the dashboard and the digest list it."""

    id: str
    person_id: str
    received_on: date
    due: date | None  # None while the clock is stopped
    respond_by: date | None
    days_left: int | None

    @property
    def overdue(self) -> bool:
        """Past the day the answer was due."""
        return self.days_left is not None and self.days_left < 0

    def describe(self) -> str:
        """One line: the request, and when the answer is due or that the clock is stopped."""
        if self.respond_by is None or self.days_left is None:
            return f"{self.id}: clock stopped (received {self.received_on})"
        if self.days_left < 0:
            return f"{self.id}: OVERDUE since {self.respond_by} ({-self.days_left} day(s))"
        return f"{self.id}: due by {self.respond_by} ({self.days_left} day(s) left)"


def open_requests(
    requests: Iterable[SarRequest], today: date, holidays: Collection[date] = ()
) -> list[DueRequest]:
    """Every unanswered request with its due date, soonest first (stopped clocks last)."""
    found = []
    for r in requests:
        if not r.open:
            continue
        clock = r.clock
        found.append(
            DueRequest(
                r.id,
                r.person_id,
                r.received_on,
                clock.due(),
                clock.respond_by(holidays),
                clock.days_left(today, holidays),
            )
        )
    return sorted(found, key=lambda d: (d.respond_by is None, d.respond_by or date.max, d.id))


def requests_due(
    requests: Iterable[SarRequest],
    today: date,
    within_days: int = DUE_WITHIN_DAYS,
    holidays: Collection[date] = (),
) -> list[DueRequest]:
    """Unanswered requests due within ``within_days`` (or overdue): for the dashboard and digest."""
    return [
        d
        for d in open_requests(requests, today, holidays)
        if d.days_left is not None and d.days_left <= within_days
    ]
