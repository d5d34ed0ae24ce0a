"""Fictional cases for the demo: a handful at different steps, one ban under review."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from casework.cases import Severity
from casework.events import EventType
from casework.meetings import step_attendees
from casework.payloads import (
    ContactMethod,
    Incident,
    MeetingOutcome,
    MeetingScheduled,
    ParentContacted,
    Representations,
    Statement,
)
from casework.people import Channel, Child, Person
from store.casebook import Casebook

# Every name, address and school here is invented.
PARENTS = (
    Person(
        id="p-dana-whitlock",
        name="Dana Whitlock",
        emails=("dana.whitlock@example.org",),
        phones=("07700 900123",),
        address=("14 Orchard Close", "Exampleton", "EX2 4QT"),
        children=(Child("Milo Whitlock", "Year 3 (Kestrels)"),),
        signed_code_on=date(2025, 9, 4),
    ),
    Person(
        id="p-lee-marsh",
        name="Lee Marsh",
        emails=("lee.marsh@example.net",),
        address=("2 Mill Lane", "Exampleton", "EX1 9RB"),
        channel=Channel.POST,
        children=(Child("Ava Marsh", "Year 5 (Owls)"), Child("Noah Marsh", "Reception")),
    ),
    Person(
        id="p-sam-okafor",
        name="Sam Okafor",
        emails=("sam.okafor@example.com",),
        address=("9 Church Street", "Exampleton", "EX3 1AA"),
        children=(Child("Zara Okafor", "Year 6 (Falcons)"),),
        signed_code_on=date(2024, 9, 5),
    ),
    Person(
        id="p-chris-doyle",
        name="Chris Doyle",
        emails=("chris.doyle@example.org",),
        address=("31 Station Road", "Exampleton", "EX4 2CD"),
        children=(Child("Leo Doyle", "Year 1 (Robins)"),),
    ),
)


def seed_demo_cases(book: Casebook) -> list[str]:
    """Open the demo's cases and walk each to a different step; return their references.

    Every date is counted back from the casebook's clock, so the demo reads the same any day.
    """
    now_ = book.clock.now()

    def ago(days: int) -> datetime:
        return now_ - timedelta(days=days)

    def incident(
        ref: str, text: str, days: int, target: str, behaviours: list[str], published: bool = False
    ) -> None:
        on = ago(days).date()
        data = Incident(
            text=text,
            occurred_on=on,
            target=target,
            behaviours=tuple(behaviours),
            published_on=on if published else None,
        )
        book.add(ref, EventType.INCIDENT, text, data, at=ago(days))

    for person in PARENTS:
        book.put_person(person)
    refs = []

    # 1. Just reported: information gathering.
    c = book.open_case(
        name="Dana Whitlock",
        email="dana.whitlock@example.org",
        behaviours=["temper-shouting"],
        severity=Severity.MEDIUM,
        summary="Shouted at the Year 3 teacher at pick-up",
        reporter="Mrs Patel (Year 3 teacher)",
        at=ago(2),
    )
    incident(
        c.ref,
        "Raised voice at Mrs Patel at the classroom door",
        2,
        "Mrs Patel",
        ["temper-shouting"],
    )
    refs.append(c.ref)

    # 2. Warning letter stage.
    c = book.open_case(
        name="Chris Doyle",
        email="chris.doyle@example.org",
        behaviours=["swearing"],
        summary="Swearing in the playground in front of children",
        reporter="Mr Grant (site manager)",
        at=ago(9),
    )
    book.add(
        c.ref,
        EventType.STATEMENT_TAKEN,
        "Statement from the site manager",
        Statement("Heard repeated swearing near the Reception gate at 08:40.", by="Mr Grant"),
        at=ago(8),
    )
    book.add(
        c.ref,
        EventType.PARENT_CONTACTED,
        "Phoned Mr Doyle to hear his account",
        ParentContacted("Mr Doyle said he had been provoked.", ContactMethod.PHONE),
        at=ago(7),
    )
    book.step(c.ref, "warning", at=ago(6))
    refs.append(c.ref)

    # 3. Meeting with the Chair of Governors arranged.
    c = book.open_case(
        name="Sam Okafor",
        email="sam.okafor@example.com",
        behaviours=["defamatory-posts", "abusive-messages"],
        severity=Severity.HIGH,
        summary="Posts on the class Facebook group about a teaching assistant",
        reporter="Class rep (forwarded screenshots)",
        at=ago(20),
    )
    incident(
        c.ref,
        "Post naming a teaching assistant",
        21,
        "Ms Reed",
        ["defamatory-posts"],
        published=True,
    )
    book.step(c.ref, "warning", at=ago(18))
    book.step(c.ref, "meeting-senior", at=ago(10))
    book.add(
        c.ref,
        EventType.MEETING_REFUSED,
        "Declined to meet the deputy head",
        MeetingOutcome("Replied by email that they would not come."),
        at=ago(7),
    )
    book.step(c.ref, "meeting-chair", at=ago(6))
    cal = book.config.calendar
    meeting_day = cal.school_day_on_or_after(now_.astimezone().date() + timedelta(days=5))
    book.add(
        c.ref,
        EventType.MEETING_SCHEDULED,
        "Meeting with the Chair and the Headteacher",
        MeetingScheduled(
            at=datetime.combine(meeting_day, time(15, 30)),
            place="Headteacher's office",
            attendees=step_attendees(book.config, "meeting-chair"),
        ),
        at=ago(6),
    )
    refs.append(c.ref)

    # 4. A ban under review.
    c = book.open_case(
        name="Lee Marsh",
        email="lee.marsh@example.net",
        behaviours=["threats", "aggression"],
        severity=Severity.SERIOUS,
        summary="Threatened the office manager at the front desk",
        reporter="Front office",
        at=ago(60),
    )
    incident(c.ref, "Threats across the front desk", 60, "Office manager", ["threats"])
    book.step(c.ref, "referral-authorities", fields={"reference": "EX-2026-44817"}, at=ago(59))
    book.step(
        c.ref,
        "ban-provisional",
        at=ago(58),
        fields={
            "reasons": "Threatening behaviour towards the office manager on 3 occasions",
            "collection_arrangements": "Ava and Noah will be brought to the school gate by a member "
            "of staff at 15:15, where another adult may collect them.",
        },
    )
    book.add(
        c.ref,
        EventType.REPRESENTATIONS_RECEIVED,
        "Letter from Mr Marsh disputing one incident",
        Representations("Disputes the second incident; accepts the others.", ago(50).date()),
        at=ago(50),
    )
    book.step(c.ref, "ban-confirmed", at=ago(40))
    book.step(
        c.ref,
        "ban-review",
        fields={
            "outcome": "continued",
            "reason": "Staff saw you waiting outside the school gate on two occasions since "
            "the ban began.",
        },
        at=ago(12),
    )
    refs.append(c.ref)
    return refs

