"""Typed events: each type's details are checked when built, the same from every door."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest

from casework.clock import CLOCK_ENV, Clock, ClockError, process_clock
from casework.events import PAYLOADS, Event, EventType, event_from_json, make_event
from casework.fields import FieldError
from casework.payloads import (
    ContactMethod,
    Incident,
    MeetingScheduled,
    PayloadError,
    ReferralBody,
    ReferralMade,
    Statement,
    StepChanged,
    Text,
)
from casework.policy import load_preset
from casework.recording import recordable_fields, recorded_payload
from casework.serial import to_json

POLICY = load_preset("meeting-first")
TODAY = date(2026, 3, 10)
AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def record(etype: EventType, text: str = "", **fields: str) -> object:
    return recorded_payload(etype, text, fields, policy=POLICY, today=TODAY)


def test_every_event_type_has_a_payload_that_survives_the_store() -> None:
    assert set(PAYLOADS) == set(EventType)
    samples = [
        make_event("C-2026-0001", "office", EventType.NOTE, "n", Text("a note"), at=AT),
        make_event(
            "C-2026-0001",
            "office",
            EventType.INCIDENT,
            "i",
            Incident("Shouted", TODAY, "Mrs Khan", ("threats",), published_on=TODAY),
            at=AT,
        ),
        make_event(
            "C-2026-0001",
            "office",
            EventType.STEP_CHANGED,
            "s",
            StepChanged(from_step="report", to="close", reason="done", in_order=False),
            at=AT,
        ),
    ]
    for event in samples:
        stored = to_json(event)
        assert event_from_json(stored) == event
    assert to_json(samples[2])["data"]["from"] == "report"  # the JSON key scripts read


def test_an_event_refuses_the_wrong_payload_and_a_time_without_a_zone() -> None:
    with pytest.raises(PayloadError, match="carries Incident, not Text"):
        make_event("C-2026-0001", "office", EventType.INCIDENT, "x", Text("x"), at=AT)
    with pytest.raises(PayloadError, match="no timezone"):
        Event("e1", "C-2026-0001", datetime(2026, 3, 10, 9), "office", EventType.NOTE, "x", Text("x"))


def test_constructors_refuse_what_a_person_must_supply() -> None:
    with pytest.raises(PayloadError, match="text"):
        Text("   ")
    with pytest.raises(PayloadError, match="by"):
        Statement("What I saw", by="")
    with pytest.raises(PayloadError, match="place"):
        MeetingScheduled(datetime(2026, 3, 12, 15, 30), place="")
    with pytest.raises(PayloadError, match="local time"):
        MeetingScheduled(AT, place="Office")
    with pytest.raises(PayloadError, match="reason"):
        StepChanged(from_step="report", to="close", in_order=False)
    with pytest.raises(PayloadError, match="twice"):
        Incident("x", TODAY, behaviours=("dogs", "dogs"))


def test_hand_recorded_events_parse_text_fields_and_name_each_mistake() -> None:
    incident = record(
        EventType.INCIDENT,
        "Swore at the gate",
        target="Mrs Khan",
        behaviours="offensive-language;threats",
        published_on="",
    )
    assert incident == Incident(
        "Swore at the gate", TODAY, "Mrs Khan", ("offensive-language", "threats")
    )
    with pytest.raises(FieldError, match="occurred_on: expected a date YYYY-MM-DD, got '3rd'"):
        record(EventType.INCIDENT, "x", occurred_on="3rd")
    with pytest.raises(FieldError, match="'swearing' is not in the policy"):
        record(EventType.INCIDENT, "x", behaviours="swearing")
    with pytest.raises(FieldError, match=r"unknown field\(s\) wen; the fields are: occurred_on"):
        record(EventType.INCIDENT, "x", wen="today")
    with pytest.raises(FieldError, match="channel: expected one of phone, email, letter, in person"):
        record(EventType.PARENT_CONTACTED, "x", channel="pigeon")
    assert record(EventType.PARENT_CONTACTED, "x", channel="in person").channel is (  # type: ignore[attr-defined]
        ContactMethod.IN_PERSON
    )
    meeting = record(
        EventType.MEETING_SCHEDULED,
        at="2026-03-12T15:30",
        place="Head's office",
        attendees="Mrs J Smith, Deputy Head; Mr Colin Chair",
    )
    assert meeting.attendees == ("Mrs J Smith, Deputy Head", "Mr Colin Chair")  # type: ignore[attr-defined]
    # One person named with their role is one attendee: only ';' separates people.
    alone = record(
        EventType.MEETING_SCHEDULED,
        at="2026-03-12T15:30",
        place="Head's office",
        attendees="Mrs H Head, Headteacher",
    )
    assert alone.attendees == ("Mrs H Head, Headteacher",)  # type: ignore[attr-defined]
    listed = record(EventType.INCIDENT, "x", behaviours="offensive-language,threats")
    assert listed.behaviours == ("offensive-language", "threats")  # type: ignore[attr-defined]
    referral = record(EventType.REFERRAL, to="police", reference="TV-1")
    assert referral == ReferralMade(ReferralBody.POLICE, TODAY, "TV-1", "Thames Valley Police")
    assert "body" not in recordable_fields(EventType.REFERRAL)
    with pytest.raises(FieldError, match="statement-taken: by is required"):
        record(EventType.STATEMENT_TAKEN, "What I saw")
    with pytest.raises(FieldError, match="case-opened is not recorded by hand"):
        record(EventType.CASE_OPENED, "x")


def test_the_clock_is_timezone_aware_and_today_is_the_schools_date(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ClockError):
        Clock.fixed(datetime(2026, 3, 10, 9, 0))
    late = Clock.fixed(datetime(2028, 2, 28, 23, 0, tzinfo=UTC))
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: already the 29th there
    time.tzset()
    try:
        assert late.today() == date(2028, 2, 29)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_conduct_clock_starts_a_process_at_a_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CLOCK_ENV, "2027-06-15T12:00:00+01:00")
    clock = process_clock()
    assert clock is process_clock()  # one clock per process: time never runs backwards
    assert clock.now() >= datetime(2027, 6, 15, 11, 0, tzinfo=UTC)
    monkeypatch.setenv(CLOCK_ENV, "next tuesday")
    with pytest.raises(ClockError, match="CONDUCT_CLOCK: expected an ISO 8601 time"):
        process_clock()
    monkeypatch.setenv(CLOCK_ENV, "2027-06-15T12:00:00")
    with pytest.raises(ClockError, match="timezone"):
        process_clock()
