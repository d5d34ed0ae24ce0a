"""The outbox tells the truth: a letter whose moment has passed is held, not sent late."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from casework.cases import Case
from casework.clock import Clock
from casework.config import Config
from casework.events import EventType
from casework.mailconfig import Imap, Secret
from casework.outbox import LetterMove, LetterStatus
from casework.payloads import MeetingOutcome, MeetingScheduled
from casework.staff import Actor, Role
from mailer.sender import send_pending
from store.casebook import Casebook
from store.outbox import Outbox
from tests.support.clock import FIXED
from tests.support.mailfixtures import school_config
from tests.support.mailservers.smtp import RecordingSmtp

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
HEAD = Actor("Mrs Helen Head", Role.HEADTEACHER)


@pytest.fixture
def school(tmp_path: Path, smtp_server: RecordingSmtp, smtp_password_env: str) -> Config:
    # Sending needs no IMAP: the Sent copy is a courtesy the daemon adds when it has a session.
    imap = Imap("127.0.0.1", 1, "plain", "office", Secret(password_env=smtp_password_env))
    return school_config(
        tmp_path, imap, smtp_server.smtp_settings(smtp_password_env), preset="meeting-first"
    )


@pytest.fixture
def at(school: Config) -> Callable[[float], Casebook]:
    """The school's casebook as the head, some days after the tests' moment."""

    def book(days: float) -> Casebook:
        return Casebook(school, clock=Clock.fixed(FIXED + timedelta(days=days)), actor=HEAD)

    return book


def _invited_to_a_meeting(book: Casebook, at: datetime) -> Case:
    """Pat Parent's case at the meeting-invitation step, with the meeting set for ``at``."""
    case = book.open_case(
        name="Pat Parent", email="pat@example.org", behaviours=["offensive-language"], summary="x"
    )
    book.step(case.ref, "meeting-invitation")
    book.add(
        case.ref,
        EventType.MEETING_SCHEDULED,
        "Meeting",
        MeetingScheduled(at=at, place="Head's office"),
    )
    return case


def test_letters_queued_while_the_daemon_was_down_go_only_if_still_true(
    school: Config, smtp_server: RecordingSmtp, at: Callable[[float], Casebook]
) -> None:
    book = at(0)
    invited = _invited_to_a_meeting(book, datetime(2026, 3, 17, 15, 30))
    other = book.open_case(
        name="Sam Other", email="sam@example.org", behaviours=["offensive-language"], summary="y"
    )
    book.step(other.ref, "meeting-invitation")
    outbox = Outbox(book)
    invitation = outbox.add_draft(invited.ref, "meeting-invitation", PDF, subject="Invitation")
    assert invitation.meeting_at == datetime(2026, 3, 17, 15, 30) and invitation.step
    outbox.move(invited.ref, invitation.id, LetterMove.QUEUE)
    fine = outbox.add_draft(other.ref, "meeting-invitation", PDF, subject="Invitation")
    outbox.move(other.ref, fine.id, LetterMove.QUEUE)
    # Nothing sent them (no daemon); meanwhile the parent refused the meeting by phone.
    assert outbox.sending_trouble() == "the mail daemon is not running"
    book.add(invited.ref, EventType.MEETING_REFUSED, "Refused by phone", MeetingOutcome("No"))

    counts = send_pending(Outbox(at(1)), school)
    assert (counts.sent, counts.held) == (1, 1)
    assert [list(m.rcpt_tos) for m in smtp_server.messages] == [["sam@example.org"]]
    held = outbox.get(invited.ref, invitation.id)
    assert held.status is LetterStatus.HELD
    assert held.last_error == "the parent already refused the meeting"
    timeline = [e.summary for e in book.file(invited.ref).events]
    assert (
        "Letter meeting-invitation held for the office, not sent: the parent already refused the meeting"
        in timeline
    )

    # The office reads why and cancels it; it never goes.
    Outbox(at(1)).move(invited.ref, invitation.id, LetterMove.CANCEL, error="Refused by phone")
    assert send_pending(Outbox(at(2)), school).sent == 0
    assert outbox.get(invited.ref, invitation.id).status is LetterStatus.CANCELLED


def test_a_letter_past_its_meeting_or_waiting_too_long_is_held_until_the_office_sends_it(
    school: Config, smtp_server: RecordingSmtp, at: Callable[[float], Casebook]
) -> None:
    book = at(0)
    case = _invited_to_a_meeting(book, datetime(2026, 3, 12, 15, 30))
    outbox = Outbox(book)
    letter = outbox.add_draft(case.ref, "meeting-invitation", PDF, subject="Invitation")
    outbox.move(case.ref, letter.id, LetterMove.QUEUE)
    assert send_pending(Outbox(at(3)), school).held == 1
    assert outbox.get(case.ref, letter.id).last_error == "its meeting (2026-03-12 15:30) is past"
    # The office sends it anyway: it goes, and is never held again for the same reason.
    Outbox(at(3)).move(case.ref, letter.id, LetterMove.RETRY)
    assert send_pending(Outbox(at(3)), school).sent == 1
    assert outbox.get(case.ref, letter.id).confirmed_by == "Mrs Helen Head"

    stop = book.open_case(
        name="Sam Other", email="sam@example.org", behaviours=["offensive-language"], summary="y"
    )
    waiting = outbox.add_draft(stop.ref, "stop-and-warn", PDF, subject="Stop")
    outbox.move(stop.ref, waiting.id, LetterMove.APPROVE)
    outbox.move(stop.ref, waiting.id, LetterMove.QUEUE)
    assert school.letters.hold_after_days == 3
    assert send_pending(Outbox(at(4)), school).held == 1
    assert (
        outbox.get(stop.ref, waiting.id).last_error
        == "it has waited 4 days to be sent (more than 3)"
    )


def test_a_step_superseded_holds_its_letter(
    school: Config, smtp_server: RecordingSmtp, at: Callable[[float], Casebook]
) -> None:
    book = at(0)
    case = book.open_case(
        name="Pat Parent", email="pat@example.org", behaviours=["offensive-language"], summary="x"
    )
    book.step(case.ref, "meeting-invitation")
    outbox = Outbox(book)
    letter = outbox.add_draft(case.ref, "meeting-invitation", PDF, subject="Invitation")
    outbox.move(case.ref, letter.id, LetterMove.QUEUE)
    book.step(case.ref, "ban-provisional", fields={"reasons": "Threats"}, reason="serious")
    assert send_pending(Outbox(at(0)), school).held == 1
    assert outbox.get(case.ref, letter.id).last_error == (
        "the case has moved on (from meeting-invitation to ban-provisional)"
    )
    assert not smtp_server.messages


def test_hold_after_days_is_a_setting(tmp_path: Path) -> None:
    from casework.config import load_config
    from casework.tomlread import ConfigError
    from tests.support.school import write_config

    cfg = load_config(write_config(tmp_path, "warning-first", "[letters]\nhold_after_days = 7\n"))
    assert cfg.letters.hold_after_days == 7
    with pytest.raises(ConfigError, match="hold_after_days"):
        load_config(write_config(tmp_path, "warning-first", "[letters]\nhold_after_days = 0\n"))
    assert replace(cfg.letters, hold_after_days=1).hold_after_days == 1
