"""The ladder suggests a step only once what the current step waits for has happened."""

from __future__ import annotations

from datetime import date, timedelta

from casework.clock import Clock
from casework.events import EventType
from casework.outbox import LetterMove
from casework.payloads import BanReviewed, MeetingOutcome, Representations, ReviewOutcome
from casework.staff import Actor, Role
from store.casebook import Casebook
from store.outbox import Outbox
from tests.support.clock import FIXED
from tests.support.school import MakeConfig


def send_letter(book: Casebook, ref: str, kind: str) -> None:
    """A letter of ``kind`` drafted, queued and sent, as the daemon would record it."""
    head = Casebook(book.config, book.store, actor=Actor("Mrs Helen Head", Role.HEADTEACHER))
    outbox = Outbox(head)
    letter = outbox.add_draft(ref, kind, b"%PDF-1.7 test")
    for move in (LetterMove.QUEUE, LetterMove.CLAIM, LetterMove.SENT):
        if move is LetterMove.QUEUE and letter.needs_approval:
            outbox.move(ref, letter.id, LetterMove.APPROVE)
        outbox.move(ref, letter.id, move)


def test_the_next_rung_waits_for_the_letter_to_go(make_config: MakeConfig, clock: Clock) -> None:
    book = Casebook(make_config("warning-first"), clock=clock)
    case = book.open_case(
        name="Pat Parent", email="pat@example.org", behaviours=["swearing"], summary="Swore"
    )
    file = book.file(case.ref)
    assert file.suggestion is None
    assert file.waiting == "the information-request letter to be sent"
    send_letter(book, case.ref, "information-request")
    suggestion = book.file(case.ref).suggestion
    assert suggestion is not None and suggestion.step == "warning"


def test_a_meeting_step_waits_for_the_meeting(make_config: MakeConfig, clock: Clock) -> None:
    book = Casebook(make_config("meeting-first"), clock=clock)
    case = book.open_case(
        name="Pat Parent",
        email="pat@example.org",
        behaviours=["offensive-language"],
        summary="Swore",
    )
    book.step(case.ref, "meeting-invitation")
    assert book.file(case.ref).waiting == "the meeting-invitation letter to be sent"
    send_letter(book, case.ref, "meeting-invitation")
    file = book.file(case.ref)
    assert file.suggestion is None, "no next rung before the meeting has happened"
    assert file.waiting == "the meeting to be held, refused or missed"
    book.add(case.ref, EventType.MEETING_REFUSED, "Refused", MeetingOutcome("No"))
    suggestion = book.file(case.ref).suggestion
    assert suggestion is not None and suggestion.step == "stop-and-warn"


def test_a_ban_waits_for_representations_or_the_deadline(
    make_config: MakeConfig, clock: Clock
) -> None:
    config = make_config("warning-first")
    book = Casebook(config, clock=clock)
    case = book.open_case(
        name="Pat Parent", email="pat@example.org", behaviours=["swearing"], summary="Swore"
    )
    book.step(case.ref, "ban-intent", fields={"reasons": "Shouting at staff"})
    send_letter(book, case.ref, "ban-intent")
    deadline = book.get(case.ref).bans[0].representations_deadline
    assert deadline == date(2026, 3, 20)
    file = book.file(case.ref)
    assert file.suggestion is None
    assert file.waiting == "representations or the deadline, 2026-03-20"
    later = Casebook(config, clock=Clock.fixed(FIXED + timedelta(days=11)))
    suggestion = later.file(case.ref).suggestion
    assert suggestion is not None and suggestion.step == "ban-confirmed"
    assert "deadline (2026-03-20) has passed" in suggestion.why


def test_no_review_is_suggested_after_the_ban_was_lifted(
    make_config: MakeConfig, clock: Clock
) -> None:
    book = Casebook(make_config("warning-first"), clock=clock)
    case = book.open_case(
        name="Pat Parent", email="pat@example.org", behaviours=["swearing"], summary="Swore"
    )
    book.step(case.ref, "ban-provisional", fields={"reasons": "Shouting at staff"})
    send_letter(book, case.ref, "ban-provisional")
    book.step(case.ref, "ban-review", fields={"outcome": "lifted", "reason": "No incidents"})
    reviewed = [e.data for e in book.file(case.ref).events if e.type is EventType.BAN_REVIEWED]
    assert isinstance(reviewed[0], BanReviewed) and reviewed[0].outcome is ReviewOutcome.LIFTED
    assert book.file(case.ref).waiting == "the ban-review letter to be sent"
    send_letter(book, case.ref, "ban-review")
    suggestion = book.file(case.ref).suggestion
    assert suggestion is not None and suggestion.step == "close"


def test_a_confirmed_ban_waits_for_its_review_date(make_config: MakeConfig, clock: Clock) -> None:
    config = make_config("warning-first")
    book = Casebook(config, clock=clock)
    case = book.open_case(
        name="Pat Parent", email="pat@example.org", behaviours=["swearing"], summary="Swore"
    )
    book.step(case.ref, "ban-provisional", fields={"reasons": "Shouting at staff"})
    # Before the representations deadline a ban is confirmed only on what the parent said.
    book.add(
        case.ref,
        EventType.REPRESENTATIONS_RECEIVED,
        "Representations received",
        Representations("I was upset", received_on=clock.today()),
    )
    book.step(case.ref, "ban-confirmed")
    send_letter(book, case.ref, "ban-confirmed")
    review_on = book.get(case.ref).bans[0].review_on
    assert book.file(case.ref).waiting == f"the review date, {review_on.isoformat()}"
    on_the_day = Casebook(config, clock=Clock.fixed(FIXED + (review_on - clock.today())))
    suggestion = on_the_day.file(case.ref).suggestion
    assert suggestion is not None and suggestion.step == "ban-review"
