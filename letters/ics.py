"""An iCalendar invitation for a meeting letter, for the mailer to attach beside the PDF."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from casework.letter_context import LetterContext
from letters.kinds import MissingFieldError, lookup

LONDON = ZoneInfo("Europe/London")


def meeting_ics(
    context: LetterContext | Mapping[str, Any], *, stamp: datetime | None = None
) -> bytes:
    """The meeting in a letter's context as ``.ics`` bytes (METHOD:REQUEST), times in UK time.

    ``stamp`` is the DTSTAMP; by default midnight UTC of the context's ``today`` so that the
    same letter always gives the same bytes.
    """
    ctx = context.as_mapping() if isinstance(context, LetterContext) else context
    for name in ("case.ref", "meeting_date", "meeting_time", "meeting_place", "school.name"):
        if not lookup(ctx, name):
            raise MissingFieldError("meeting-invitation", name)
    day: date = ctx["meeting_date"]
    at: time = ctx["meeting_time"]
    start = datetime.combine(day, at, tzinfo=LONDON)
    end = start + timedelta(minutes=int(ctx.get("meeting_duration") or 60))
    school = ctx["school"]
    ref: str = ctx["case"].ref
    today: date = ctx["today"]

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Conduct Desk//letters//EN")
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = icalendar.Event()
    # Stable across re-renders of the same meeting, so a corrected letter updates the entry.
    digest = hashlib.sha256(f"{ref}|{start.isoformat()}".encode()).hexdigest()[:16]
    domain = school.email.rpartition("@")[2] if "@" in school.email else "conduct-desk.invalid"
    event.add("uid", f"{ref}-meeting-{digest}@{domain}")
    event.add("dtstamp", stamp or datetime.combine(today, time(0), tzinfo=UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", f"Meeting at {school.name} ({ref})")
    event.add("location", ctx["meeting_place"])
    attendees = ctx.get("meeting_attendees") or ()
    description = [f"Meeting about case {ref}."]
    if attendees:
        description.append("With: " + "; ".join(attendees) + ".")
    description.append(
        "You are welcome to bring a companion. To rearrange, please contact the school office "
        f"{ctx.get('contact') or ''}.".replace(" .", ".")
    )
    event.add("description", "\n".join(description))
    if school.email:
        organizer = icalendar.vCalAddress(f"mailto:{school.email}")
        organizer.params["cn"] = icalendar.vText(school.name)
        event.add("organizer", organizer)
    recipient = ctx["recipient"]
    if getattr(recipient, "email", None):
        attendee = icalendar.vCalAddress(f"mailto:{recipient.email}")
        attendee.params["cn"] = icalendar.vText(recipient.name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = icalendar.vText("TRUE")
        event.add("attendee", attendee)
    cal.add_component(event)
    # Calendar programs need the VTIMEZONE for Europe/London to place a TZID'd time.
    # A year either side keeps the VTIMEZONE short instead of listing every change since 1970.
    cal.add_missing_timezones(
        first_date=day - timedelta(days=366), last_date=day + timedelta(days=366)
    )
    return bytes(cal.to_ical())
