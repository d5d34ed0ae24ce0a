"""Subject access due dates: the ICO's published examples and the calendar's edge cases."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from casework.months import add_months
from casework.sar import SarClock, SarRuleError, StopReason

# England and Wales bank holidays the examples need.
CHRISTMAS_2024 = {date(2024, 12, 25), date(2024, 12, 26)}


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # ICO: "a request received on 3 September ... until 3 October".
        (date(2025, 9, 3), date(2025, 10, 3)),
        # ICO: received on 31 March, no 31 April: the last day of April.
        (date(2025, 3, 31), date(2025, 4, 30)),
        # ICO: received on 1 January (a bank holiday): the day of receipt still counts.
        (date(2024, 1, 1), date(2024, 2, 1)),
        # ICO: 31 January runs until 28 February, or 29 February in a leap year.
        (date(2025, 1, 31), date(2025, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2100, 1, 31), date(2100, 2, 28)),  # a century that is not a leap year
        # The other month ends.
        (date(2025, 1, 30), date(2025, 2, 28)),
        (date(2024, 1, 30), date(2024, 2, 29)),
        (date(2025, 1, 29), date(2025, 2, 28)),
        (date(2025, 5, 31), date(2025, 6, 30)),
        (date(2025, 8, 31), date(2025, 9, 30)),
        (date(2025, 10, 31), date(2025, 11, 30)),
        (date(2025, 4, 30), date(2025, 5, 30)),  # 30 April: 30 May, not the month's end
        (date(2025, 2, 28), date(2025, 3, 28)),  # 28 February: 28 March, not 31 March
        (date(2024, 2, 29), date(2024, 3, 29)),
        # The year end.
        (date(2025, 12, 31), date(2026, 1, 31)),
        (date(2025, 12, 15), date(2026, 1, 15)),
        (date(2025, 11, 30), date(2025, 12, 30)),
    ],
)
def test_due_on_the_same_date_next_month_or_its_last_day(received: date, due: date) -> None:
    assert SarClock(received).due() == due


def test_ico_christmas_example_runs_to_the_next_working_day() -> None:
    # ICO: received Monday 25 November; 25 and 26 December are bank holidays, so the time to
    # respond runs until the end of Friday 27 December.
    clock = SarClock(date(2024, 11, 25))
    assert clock.due() == date(2024, 12, 25)
    assert clock.respond_by(CHRISTMAS_2024) == date(2024, 12, 27)


def test_31_january_falling_on_a_weekend_moves_to_monday() -> None:
    # ICO: "If that date falls on a weekend, the deadline is the end of the next Monday."
    clock = SarClock(date(2026, 1, 31))
    assert clock.due() == date(2026, 2, 28)  # a Saturday
    assert clock.respond_by() == date(2026, 3, 2)
    # A weekday due date does not move.
    assert SarClock(date(2025, 1, 31)).respond_by() == date(2025, 2, 28)


def test_days_left_counts_to_the_working_day_and_goes_negative_when_overdue() -> None:
    clock = SarClock(date(2025, 9, 3))
    assert clock.days_left(date(2025, 9, 3)) == 30
    assert clock.days_left(date(2025, 10, 3)) == 0
    assert clock.days_left(date(2025, 10, 6)) == -3


def test_clarification_stops_the_clock_and_moves_the_due_date_by_the_days_stopped() -> None:
    # Asked on 5 March, answered on 8 March: 5, 6, 7 and 8 March do not count (art. 12A).
    clock = SarClock(date(2027, 3, 1)).stop(StopReason.CLARIFICATION, date(2027, 3, 5))
    assert clock.stopped
    assert clock.due() is None and clock.respond_by() is None
    assert clock.days_left(date(2027, 3, 6)) is None
    clock = clock.restart(date(2027, 3, 8))
    assert not clock.stopped
    assert clock.paused_days == 4
    assert clock.due() == date(2027, 4, 5)


def test_two_clarifications_add_up() -> None:
    clock = (
        SarClock(date(2027, 1, 31))
        .stop(StopReason.CLARIFICATION, date(2027, 2, 1))
        .restart(date(2027, 2, 2))
        .stop(StopReason.CLARIFICATION, date(2027, 2, 10))
        .restart(date(2027, 2, 10))
    )
    assert clock.paused_days == 3
    assert clock.due() == date(2027, 3, 3)  # 28 February plus 3 days


def test_identity_restarts_the_month_from_the_day_proof_arrives() -> None:
    # Art. 12A / ICO: "within one month of receipt of ... information to confirm identity".
    clock = SarClock(date(2027, 3, 1)).stop(StopReason.IDENTITY, date(2027, 3, 2))
    assert clock.due() is None
    clock = clock.restart(date(2027, 3, 20))
    assert clock.start_on == date(2027, 3, 20)
    assert clock.due() == date(2027, 4, 20)


def test_a_clarification_before_identity_arrived_does_not_count_twice() -> None:
    clock = (
        SarClock(date(2027, 3, 1))
        .stop(StopReason.CLARIFICATION, date(2027, 3, 2))
        .restart(date(2027, 3, 4))
        .stop(StopReason.IDENTITY, date(2027, 3, 5))
        .restart(date(2027, 3, 31))
    )
    assert clock.paused_days == 0
    assert clock.due() == date(2027, 4, 30)


def test_extension_runs_three_months_from_the_start_with_its_reason() -> None:
    # ICO: calculate the extension as three months from the original start date.
    clock = SarClock(date(2025, 9, 3)).extend(
        2, "complex: six years of correspondence", date(2025, 9, 20)
    )
    assert clock.due() == date(2025, 12, 3)
    assert clock.extension is not None and clock.extension.reason.startswith("complex")
    one = SarClock(date(2025, 11, 30)).extend(1, "several requests at once", date(2025, 12, 1))
    assert one.due() == date(2026, 1, 30)
    # 30 November plus three months: February has no 30th.
    assert SarClock(date(2025, 11, 30)).extend(2, "complex", date(2025, 12, 1)).due() == date(
        2026, 2, 28
    )


def test_extension_keeps_the_days_stopped() -> None:
    clock = (
        SarClock(date(2027, 3, 1))
        .stop(StopReason.CLARIFICATION, date(2027, 3, 5))
        .restart(date(2027, 3, 8))
        .extend(2, "complex", date(2027, 4, 2))
    )
    assert clock.due() == date(2027, 6, 5)


def test_extension_must_be_given_within_the_first_month() -> None:
    received = SarClock(date(2025, 9, 3))
    assert received.extend(2, "complex", date(2025, 10, 3)).due() == date(2025, 12, 3)
    with pytest.raises(SarRuleError, match=r"within the first month \(by 2025-10-03\)"):
        received.extend(2, "complex", date(2025, 10, 4))
    # Days stopped for clarification lengthen the first month too.
    paused = received.stop(StopReason.CLARIFICATION, date(2025, 9, 10)).restart(date(2025, 9, 11))
    assert paused.extend(1, "complex", date(2025, 10, 5)).due() == date(2025, 11, 5)
    with pytest.raises(SarRuleError, match="within the first month"):
        paused.extend(1, "complex", date(2025, 10, 6))


def test_extension_needs_a_reason_at_most_two_months_and_only_once() -> None:
    clock = SarClock(date(2025, 9, 3))
    with pytest.raises(SarRuleError, match="a reason is required"):
        clock.extend(2, "  ", date(2025, 9, 4))
    with pytest.raises(SarRuleError, match="expected 1 or 2 further months, got 3"):
        clock.extend(3, "complex", date(2025, 9, 4))
    with pytest.raises(SarRuleError, match="expected 1 or 2"):
        clock.extend(0, "complex", date(2025, 9, 4))
    with pytest.raises(SarRuleError, match="before the request was received"):
        clock.extend(1, "complex", date(2025, 9, 2))
    extended = clock.extend(1, "complex", date(2025, 9, 4))
    with pytest.raises(SarRuleError, match="extended once"):
        extended.extend(1, "more", date(2025, 9, 5))


def test_the_clock_rules_are_checked_when_built() -> None:
    clock = SarClock(date(2025, 9, 3))
    with pytest.raises(SarRuleError, match="not stopped"):
        clock.restart(date(2025, 9, 5))
    with pytest.raises(SarRuleError, match="before the request was received"):
        clock.stop(StopReason.CLARIFICATION, date(2025, 9, 2))
    with pytest.raises(SarRuleError, match="the answer was due on 2025-10-03"):
        clock.stop(StopReason.CLARIFICATION, date(2025, 10, 4))
    stopped = clock.stop(StopReason.IDENTITY, date(2025, 9, 5))
    with pytest.raises(SarRuleError, match="already stopped"):
        stopped.stop(StopReason.CLARIFICATION, date(2025, 9, 6))
    with pytest.raises(SarRuleError, match="cannot restart on 2025-09-04 before it stopped"):
        stopped.restart(date(2025, 9, 4))
    resumed = stopped.restart(date(2025, 9, 8))
    with pytest.raises(SarRuleError, match="it was stopped until 2025-09-08"):
        resumed.stop(StopReason.CLARIFICATION, date(2025, 9, 8))
    with pytest.raises(SarRuleError, match=r"received_on: expected a date \(YYYY-MM-DD\)"):
        SarClock(datetime(2025, 9, 3, 10, 0))  # type: ignore[arg-type]
    with pytest.raises(SarRuleError, match="stop reason"):
        clock.stop("identity", date(2025, 9, 5))  # type: ignore[arg-type]


def test_add_months_handles_negative_and_long_spans() -> None:
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 15), 72) == date(2031, 1, 15)
