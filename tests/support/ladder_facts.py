"""The ladder walks' checks of a letter's words against the facts entered, shared by the
command-line walk (tests/cli/test_ladder_letters.py) and the dashboard's (tests/tui/test_ladders.py).

Each check takes the facts as the office entered them (literal dates, names, words), never
the store's reading of them, so a letter and a record that are wrong together still fail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from tests.support.letters import pdf_text

SUBJECT_LINE = "Fwd: FW: incident at gate!!"  # an email's subject: never the account in a letter
ACCOUNT = "Mr Parent shouted at Mrs Khan at the main gate and swore in front of pupils."


@dataclass(frozen=True)
class Parent:
    """The parent both walks enter: a name, an email, a postal address and a child."""

    name: str = "Pat Parent"
    email: str = "pat@example.org"
    address: tuple[str, ...] = ("12 Mill Lane", "Wantage", "OX12 9AB")
    child: str = "Sam Parent"
    child_class: str = "Year 4, Ash Class"


PARENT = Parent()


def spoken(day: date) -> str:
    """A date as the letters write it: ``9 March 2026``."""
    return f"{day.day} {day:%B %Y}"


def on_day(day: str) -> date:
    """``2026-03-09`` as a date."""
    return date.fromisoformat(day)


def words(pdf: bytes) -> str:
    """The letter's words as a reader would copy them from the PDF, on one line."""
    return pdf_text(pdf)


def recipient_checks(text: str, letter_day: date, parent: Parent = PARENT) -> None:
    """The letter is dated the day it was drafted and is to the parent, at their address, about
    their child; the email's subject line is nowhere in it."""
    # The letter's date sits beside our reference in its heading (base.html.j2).
    dated = re.search(r"Date .{0,40}?(\d{1,2} [A-Z][a-z]+ \d{4}) C-\d{4}-\d{4}", text)
    assert dated is not None, "the letter has a date beside its reference"
    assert dated.group(1) == spoken(letter_day), f"letter date {dated.group(1)}"
    for fact in (parent.name, *parent.address, parent.child):
        assert fact in text, fact
    assert f"Dear {parent.name}" in text
    assert SUBJECT_LINE not in text


def incident_checks(text: str, account: str, occurred_on: date) -> None:
    """The account is the one staff wrote, on the day it happened."""
    assert account in text, "the account as written"
    assert spoken(occurred_on) in text, f"incident date {spoken(occurred_on)}"


def meeting_checks(text: str, at: datetime, place: str, attendees: Sequence[str]) -> None:
    """The meeting's day, time and place, and everyone who attends for the school."""
    hour = at.strftime("%I:%M%p").lstrip("0").lower()
    assert f"{at:%A} {spoken(at.date())}" in text, f"meeting day {at:%A} {spoken(at.date())}"
    assert hour in text, f"meeting time {hour}"
    assert place in text, place
    for name in attendees:
        assert name in text, f"attendee {name}"


def ban_terms_checks(
    text: str, reasons: str, starts_on: date, until: date, review_on: date | None
) -> None:
    """The ban's reasons, its dates (until its end, or the day it was lifted) and its review."""
    assert reasons in text, "the head's reasons"
    assert f"From {spoken(starts_on)} until {spoken(until)}" in text, (
        f"ban dates {spoken(starts_on)} to {spoken(until)}"
    )
    if review_on is not None:
        assert f"reviewed by {spoken(review_on)}" in text, f"review by {spoken(review_on)}"


def intent_checks(text: str, reasons: str, starts_on: date, ends_on: date, review_on: date,
                  deadline: date) -> None:
    """A notice of intent: nobody is barred yet, the deadline for representations, the terms."""
    assert "No ban is in place yet" in text
    assert f"by {spoken(deadline)}" in text, f"representations by {spoken(deadline)}"
    ban_terms_checks(text, reasons, starts_on, ends_on, review_on)


def provisional_checks(text: str, reasons: str, starts_on: date, ends_on: date, review_on: date,
                       deadline: date) -> None:
    """A provisional ban: barred from its first day, representations by the deadline."""
    assert f"with effect from {spoken(starts_on)}" in text, f"in force from {spoken(starts_on)}"
    assert spoken(deadline) in text, f"representations by {spoken(deadline)}"
    ban_terms_checks(text, reasons, starts_on, ends_on, review_on)


def confirmed_checks(text: str, reasons: str, confirmed_on: date, starts_on: date,
                     ends_on: date, review_on: date, received_on: date | None = None,
                     deadline: date | None = None) -> None:
    """The decision, dated, citing the representations received (or that none came by the
    deadline), on the ban's terms."""
    assert f"on {spoken(confirmed_on)}" in text, f"confirmed on {spoken(confirmed_on)}"
    if received_on is not None:
        assert f"received on {spoken(received_on)}" in text, f"received {spoken(received_on)}"
    elif deadline is not None:
        assert f"did not receive any representations from you by {spoken(deadline)}" in text
    ban_terms_checks(text, reasons, starts_on, ends_on, review_on)


def review_checks(text: str, reasons: str, reviewed_on: date, reason: str, starts_on: date,
                  ends_on: date, next_review_on: date | None) -> None:
    """A review: when it took place and why; continued until the next review, or lifted that day."""
    assert f"took place on {spoken(reviewed_on)}" in text, f"reviewed on {spoken(reviewed_on)}"
    assert f"began on {spoken(starts_on)}" in text, f"began on {spoken(starts_on)}"
    assert reason in text, "the review's reason"
    if next_review_on is not None:
        assert f"reviewed again by {spoken(next_review_on)}" in text
        ban_terms_checks(text, reasons, starts_on, ends_on, next_review_on)
    else:
        assert f"with effect from {spoken(reviewed_on)}" in text, f"lifted {spoken(reviewed_on)}"
        ban_terms_checks(text, reasons, starts_on, reviewed_on, None)


def lifted_checks(text: str, reasons: str, lifted_on: date, reason: str, starts_on: date) -> None:
    """A lift: from when and why, and the ban's dates ending that day."""
    assert f"with effect from {spoken(lifted_on)}" in text, f"lifted {spoken(lifted_on)}"
    assert reason in text, "the lift's reason"
    ban_terms_checks(text, reasons, starts_on, lifted_on, None)
