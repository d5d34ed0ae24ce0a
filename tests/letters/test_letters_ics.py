"""The .ics invitation that goes with a meeting letter."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

from letters.ics import meeting_ics
from letters.kinds import MissingFieldError


def test_ics_round_trip(context):
    ctx = context("meeting-invitation", fields={"meeting_with": "senior"})
    cal = icalendar.Calendar.from_ical(meeting_ics(ctx))
    assert cal["method"] == "REQUEST"
    (event,) = cal.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start == datetime(2026, 3, 10, 15, 30, tzinfo=ZoneInfo("Europe/London"))
    assert event.decoded("dtend") - start == (datetime(2026, 1, 1, 1) - datetime(2026, 1, 1))
    assert "C-2026-0007" in str(event["summary"])
    assert str(event["location"]) == "The headteacher's office"
    assert str(event["organizer"]) == "mailto:office@stockham.example.sch.uk"
    assert str(event["attendee"]) == "mailto:jane@example.com"
    assert cal.walk("VTIMEZONE")
    assert meeting_ics(ctx) == meeting_ics(ctx)


def test_ics_needs_a_time(context):
    import dataclasses

    ctx = dataclasses.replace(context("meeting-invitation"), meeting_time=None)
    with pytest.raises(MissingFieldError, match="meeting_time"):
        meeting_ics(ctx)
