"""School days: weekends, bank holidays (England, Wales), terms, INSET days, school hours."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from casework.config import load_config
from casework.events import EventType
from casework.fields import FieldError
from casework.recording import recorded_payload
from casework.schooldays import Count, Nation, SchoolCalendar, Term, read_term_dates_ics
from casework.tomlread import ConfigError
from store.casebook import Casebook
from tests.support.clock import FIXED_CLOCK
from tests.support.school import write_config

ICS = Path(__file__).resolve().parents[1] / "data" / "calendar" / "term-dates.ics"
CAL = SchoolCalendar()


def test_weekends_and_bank_holidays_are_not_school_days() -> None:
    assert CAL.not_a_school_day(date(2026, 3, 14)) == "a Saturday"
    assert CAL.not_a_school_day(date(2026, 4, 3)) == "a bank holiday (Good Friday)"
    assert CAL.not_a_school_day(date(2026, 5, 25)) == "a bank holiday (Spring Bank Holiday)"
    assert CAL.is_school_day(date(2026, 3, 10))
    # St David's Day is no bank holiday in Wales either; Wales's own are the same as England's.
    assert SchoolCalendar(nation=Nation.WALES).is_school_day(date(2026, 3, 2))


def test_a_period_counted_in_school_days_skips_weekends_and_holidays() -> None:
    # Tuesday 31 March 2026 + 5 school days: Easter (3 and 6 April) and a weekend skipped.
    assert CAL.add(date(2026, 3, 31), 5, Count.SCHOOL) == date(2026, 4, 9)
    assert CAL.add(date(2026, 3, 31), 5, Count.CALENDAR) == date(2026, 4, 5)
    assert CAL.school_day_on_or_after(date(2026, 3, 15)) == date(2026, 3, 16)


def test_terms_and_inset_days_from_config_and_from_the_las_ics() -> None:
    terms, closed = read_term_dates_ics(ICS)
    assert terms == (
        Term(date(2026, 1, 5), date(2026, 3, 27)),
        Term(date(2026, 4, 13), date(2026, 7, 21)),
    )
    assert date(2026, 2, 16) in closed and date(2026, 2, 20) in closed
    assert date(2026, 4, 13) in closed and date(2026, 3, 19) not in closed
    cal = SchoolCalendar(terms=terms, closures=closed)
    assert cal.not_a_school_day(date(2026, 2, 18)) == "an INSET day (the school is closed)"
    assert cal.not_a_school_day(date(2026, 4, 9)) == "in the school holidays"
    assert cal.not_a_school_day(date(2026, 4, 13)) == "an INSET day (the school is closed)"
    # Ten school days from Friday 20 March 2026: five to the end of term, then the Easter
    # holidays and the INSET day (13 April) pass, and five more.
    assert cal.add(date(2026, 3, 20), 10, Count.SCHOOL) == date(2026, 4, 20)


def test_the_calendar_and_counts_are_read_from_config_with_mistakes_named(tmp_path: Path) -> None:
    extra = f"""
[periods]
representations_days = 10
representations_count = "school"

[calendar]
bank_holidays = "wales"
day_starts = "08:40"
day_ends = "16:00"
terms = [{{ start = 2026-01-05, end = 2026-03-27 }}]
inset_days = [2026-03-02]
term_dates_ics = "{ICS}"
"""
    config = load_config(write_config(tmp_path, "warning-first", extra))
    cal = config.calendar
    assert cal.nation is Nation.WALES and cal.day_starts == time(8, 40)
    assert date(2026, 3, 2) in cal.closures and len(cal.terms) == 3
    assert config.periods.representations_count is Count.SCHOOL
    bad = """
[periods]
ban_length_count = "weekdays"

[calendar]
bank_holidays = "scotland"
inset_days = ["2026-03-02"]
terms = [{ start = 2026-03-27, end = 2026-01-05 }]
"""
    with pytest.raises(ConfigError) as err:
        load_config(write_config(tmp_path, "warning-first", bad))
    text = str(err.value.problems)
    assert "periods.ban_length_count" in text and "calendar.bank_holidays" in text
    assert "calendar.inset_days" in text and "calendar.terms[0].end" in text


def test_a_meeting_on_a_saturday_or_at_night_needs_a_reason(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "meeting-first"))

    def meeting(at: str, **more: str) -> object:
        fields = {"at": at, "place": "Office", **more}
        return recorded_payload(
            EventType.MEETING_SCHEDULED,
            "",
            fields,
            policy=config.policy,
            today=date(2026, 3, 10),
            calendar=config.calendar,
        )

    with pytest.raises(FieldError, match="2026-03-14 is a Saturday, not a school day"):
        meeting("2026-03-14T10:00")
    with pytest.raises(FieldError, match=r"19:00 is outside school hours \(08:30-16:30\)"):
        meeting("2026-03-16T19:00")
    kept = meeting("2026-03-14T10:00", off_day_reason="The parent works shifts all week")
    assert kept.off_day_reason  # type: ignore[attr-defined]
    assert meeting("2026-03-16T15:30")


def test_ban_dates_count_school_days_when_the_school_says(tmp_path: Path) -> None:
    extra = '\n[periods]\nrepresentations_count = "school"\n'
    config = load_config(write_config(tmp_path, "warning-first", extra))
    book = Casebook(config, clock=FIXED_CLOCK)
    case = book.open_case(name="Pat Parent", behaviours=["swearing"], summary="Swore")
    ban = book.step(case.ref, "ban-intent", fields={"reasons": "Shouting"}).bans[0]
    # Tuesday 10 March + 10 school days = Tuesday 24 March (calendar days would say the 20th).
    assert ban.representations_deadline == date(2026, 3, 24)
